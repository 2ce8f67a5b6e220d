#!/usr/bin/env bash
# Builds the duban image with podman from binaries built outside it, then runs each
# service from that image and waits for its HEALTHCHECK (`duban health`) to pass.
# .ci/run calls it; a person can run it too (as root, on Debian bookworm):
#
#   deploy/build-images.sh                          # the debug binaries in target/debug
#   cargo build --release --bin duban-registry --bin duban-reporting --bin duban
#   deploy/build-images.sh --bin-dir target/release # the binaries users would run
#   options: --no-run (build only), --revision REV (label binaries built elsewhere),
#            --credentials DIR (demonstration credentials from
#            deploy/dev-credentials.sh for the run; default: throwaway ones)
#
# CI passes target/debug: `cargo test --workspace` has just built those binaries,
# and compiling release ones (or compiling inside a container) would add many
# minutes for an image that only has to prove it starts and answers.
#
# What it does, each step logged with its time:
#   1. installs podman, runc and debootstrap with apt-get when missing;
#   2. writes a containers.conf for a machine without systemd or a Docker daemon
#      (runc, cgroupfs, no default ulimits) and exports CONTAINERS_CONF;
#   3. makes the Dockerfile's runtime base, debian:bookworm-slim, locally when
#      podman does not hold it (no image can be pulled here): debootstrap
#      --variant=minbase bookworm, imported with `podman import`. The root file
#      system is cached as a tarball in $DUBAN_IMAGE_CACHE, and podman keeps the
#      image itself, so only a fresh machine pays for debootstrap (about a minute);
#   4. builds the Dockerfile's `prebuilt` target from a small staged context
#      (bin/ with stripped copies of the binaries), labelled with the version and
#      commit, tagged localhost/duban:<version> (the tag's previous image is pruned);
#   5. unless --no-run: runs the registry and then the reporting service from the
#      image (--network host, free ports, SQLite in a temporary volume, read-only
#      root file system, all capabilities dropped, as the image's numeric user),
#      with authentication on (the credentials directory mounted read-only on
#      /credentials: --auth-public-key, and the reporting service's
#      --registry-token-file), waits for each health check to pass, checks the
#      metrics port answers and reports authentication on, and removes them.
#
# Environment: DUBAN_IMAGE_CACHE (default /var/cache/duban-ci), CONTAINERS_CONF
# (default: the one written there), DEBOOTSTRAP_MIRROR (default: the Debian
# mirror apt uses on this machine).
# Prints the image's tag on its last line of standard output as IMAGE=<tag>.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=target/debug
run_check=1
revision=
credentials=
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --no-run) run_check=0; shift ;;
    --revision) revision=$2; shift 2 ;;
    --credentials) credentials=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

cache=${DUBAN_IMAGE_CACHE:-/var/cache/duban-ci}
base_image=docker.io/library/debian:bookworm-slim
binaries=(duban-registry duban-reporting duban)
started=$SECONDS
step() { echo "-- [$((SECONDS - started))s] $*"; }

for b in "${binaries[@]}"; do
  if [ ! -x "$bin_dir/$b" ]; then
    echo "$bin_dir/$b is missing: build it first (cargo build --bin $b, or --release)" >&2
    exit 1
  fi
done

# 1. Tools.
missing=()
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
step "$(podman --version), runc $(runc --version | awk 'NR==1{print $3}')"

# 2. Engine configuration for this machine: no systemd (cgroupfs, file event
# log), runc rather than crun, and no default ulimits (raising nofile fails in
# this sandbox). Containers use the host's network (--network host): there is no
# bridge or slirp networking here.
mkdir -p "$cache"
if [ -z "${CONTAINERS_CONF:-}" ]; then
  export CONTAINERS_CONF="$cache/containers.conf"
  cat >"$CONTAINERS_CONF" <<'EOF'
# Written by deploy/build-images.sh for a machine without systemd or a Docker daemon.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
fi
step "CONTAINERS_CONF=$CONTAINERS_CONF"

# 3. The runtime base image, made locally once.
if podman image exists "$base_image"; then
  step "base image $base_image: present, reused"
else
  rootfs_tar="$cache/debian-bookworm-minbase.tar"
  if [ ! -s "$rootfs_tar" ]; then
    mirror=${DEBOOTSTRAP_MIRROR:-}
    if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
      mirror=$(awk '$1 == "URIs:" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
      mirror=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
    fi
    if [ -z "$mirror" ]; then
      echo "no Debian mirror found in apt's sources; set DEBOOTSTRAP_MIRROR" >&2
      exit 1
    fi
    rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
    step "debootstrap --variant=minbase bookworm (from apt's mirror), cached in $rootfs_tar"
    if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1; then
      tail -n 30 "$cache/debootstrap.log" >&2
      rm -rf "$rootfs"
      exit 1
    fi
    # Slim it as the published -slim image is: no package caches or lists, docs or man pages.
    rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
      "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
      "$rootfs"/usr/share/info/*
    tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.part" .
    mv "$rootfs_tar.part" "$rootfs_tar"
    rm -rf "$rootfs"
  fi
  step "importing $rootfs_tar as $base_image"
  podman import --change 'CMD ["bash"]' "$rootfs_tar" "$base_image" >/dev/null
fi

# 4. The image, from a staged context holding only the binaries.
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
# The commit the binaries were built from: this checkout's (-dirty when it has
# changes), unless --revision says otherwise (binaries built elsewhere).
commit=$revision
if [ -z "$commit" ]; then
  commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit-dirty"
  fi
fi
image=localhost/duban:$version
context=target/image-context
rm -rf "$context"
mkdir -p "$context/bin"
for b in "${binaries[@]}"; do
  # Debug information is most of a debug binary's size; the copy loses it, the
  # build keeps it.
  strip --strip-debug -o "$context/bin/$b" "$bin_dir/$b"
done
step "building $image (target prebuilt) from $bin_dir ($(du -sh "$context/bin" | cut -f1) stripped), commit $commit"
built=$(podman build --quiet --pull=never --network host --format docker \
  --target prebuilt -f deploy/Dockerfile \
  --build-arg "VERSION=$version" --build-arg "REVISION=$commit" "$context" | tail -n 1)
# podman 4.3 takes the whole build from its cache when only the build arguments
# changed, labels and all (its cache key is the LABEL line before expansion), so
# the labels are stamped again in one uncached step that adds no layer.
printf 'FROM %s\n' "$built" |
  podman build --quiet --pull=never --format docker --no-cache \
    --label "org.opencontainers.image.version=$version" \
    --label "org.opencontainers.image.revision=$commit" \
    -t "$image" -f - "$context" >/dev/null
rm -rf "$context"
# The image this tag named before is now dangling: drop it (and its layers), so
# that repeated runs on one machine do not fill its disk.
podman image prune -f >/dev/null
step "built $image: $(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}'), labels:"
podman image inspect --format '{{range $k, $v := .Labels}}{{$k}}={{$v}}{{"\n"}}{{end}}' "$image" |
  grep '^org.opencontainers' | sed 's/^/     /'

# 5. Each service from the image, as the manifests run it.
if [ "$run_check" = 1 ]; then
  containers=()
  volumes=()
  cleanup_run() {
    for c in "${containers[@]}"; do podman rm -f -t 2 "$c" >/dev/null 2>&1 || true; done
    for v in "${volumes[@]}"; do rm -rf "$v"; done
  }
  trap cleanup_run EXIT
  if [ -z "$credentials" ]; then
    credentials_tmp=$(mktemp -d /tmp/duban-image-credentials.XXXXXX)
    volumes+=("$credentials_tmp")
    credentials=$credentials_tmp/credentials
    deploy/dev-credentials.sh keys "$credentials" >/dev/null
  fi
  credentials=$(cd "$credentials" && pwd)
  free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

  # run_service NAME BINARY ARGS...: starts it with SQLite in a fresh volume and
  # waits for the image's HEALTHCHECK to pass.
  run_service() {
    local name=$1 health_url=$2; shift 2
    local data
    data=$(mktemp -d /tmp/duban-image-check.XXXXXX)
    chown 10001:10001 "$data"
    volumes+=("$data")
    local ctr="duban-check-$name-$$"
    containers+=("$ctr")
    podman run -d --name "$ctr" --network host \
      --read-only --read-only-tmpfs=false --tmpfs /tmp \
      --cap-drop ALL --security-opt no-new-privileges \
      -v "$data:/var/lib/duban/data" -v "$credentials:/credentials:ro" \
      -e "DUBAN_HEALTH_URL=$health_url" \
      "$@" >/dev/null 2>"$data.run-errors" || { cat "$data.run-errors" >&2; return 1; }
    # podman 4.3 reports here that it cannot reach systemd to schedule the health
    # checks on a timer (there is no systemd on this machine); they run on demand
    # below instead, so that message is not shown.
    rm -f "$data.run-errors"
    local i
    for i in $(seq 1 60); do
      if podman healthcheck run "$ctr" >/dev/null 2>&1; then
        step "$name: healthy after ${i} check(s) (HEALTHCHECK: duban health $health_url)"
        return 0
      fi
      if [ "$(podman inspect --format '{{.State.Running}}' "$ctr")" != true ]; then break; fi
      sleep 1
    done
    echo "$name did not become healthy; its log:" >&2
    podman logs "$ctr" 2>&1 | tail -n 40 >&2
    return 1
  }

  registry_port=$(free_port)
  reporting_port=$(free_port)
  metrics_port=$(free_port)
  step "podman run $image: registry on 127.0.0.1:$registry_port (authentication on: --auth-public-key)"
  run_service registry "http://127.0.0.1:$registry_port" \
    --entrypoint duban-registry "$image" --listen "127.0.0.1:$registry_port" \
    --auth-public-key /credentials/jwt-public.pem
  step "podman run $image: reporting on 127.0.0.1:$reporting_port, metrics on :$metrics_port (authentication on)"
  run_service reporting "http://127.0.0.1:$reporting_port" \
    --entrypoint duban-reporting "$image" --listen "127.0.0.1:$reporting_port" \
    --registry-url "http://127.0.0.1:$registry_port" --metrics-listen "127.0.0.1:$metrics_port" \
    --auth-public-key /credentials/jwt-public.pem --registry-token-file /credentials/service.jwt
  # The Kubernetes liveness probe reads this port: it must answer.
  if ! curl -fsS "http://127.0.0.1:$metrics_port/metrics" >/dev/null; then
    echo "the reporting service's metrics port does not answer" >&2
    exit 1
  fi
  auth_metric=$(curl -fsS "http://127.0.0.1:$metrics_port/metrics" | grep '^duban_auth_enabled' || true)
  if ! grep -q ' 1$' <<<"$auth_metric"; then
    echo "the reporting service does not report authentication on: ${auth_metric:-no duban_auth_enabled metric}" >&2
    exit 1
  fi
  step "reporting: metrics answer on :$metrics_port: $auth_metric"
  podman exec "duban-check-reporting-$$" id | sed 's/^/     runs as: /'
  cleanup_run
  trap - EXIT
  step "both services came up healthy from the image; containers removed"
fi
echo "IMAGE=$image"
