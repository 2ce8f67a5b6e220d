"""Runs the containers of the rendered Kubernetes manifests as the manifests say,
against PostgreSQL, and checks that every probe passes.

    python tests/deploy/manifests.py RENDERED.yaml IMAGE \
        --secret duban-auth=CREDENTIALS_DIR --operator-token CREDENTIALS_DIR/admin.jwt

deploy/check.sh runs it (with target/ci-venv's Python, for PyYAML) on the example
overlay rendered by `kubectl kustomize`, with the image deploy/build-images.sh
built. For each Deployment (registry, then reporting) it starts a podman
container with exactly the manifest's command, args and environment, and its
securityContext, volumes and memory limit turned into podman's flags (numeric
user, read-only root file system, all capabilities dropped, no privilege
escalation, /tmp as the emptyDir, a Secret volume as its projected files with
their mode and fsGroup). Then it runs the CronJob's container once.

What stands in for the cluster:
- one network namespace with loopback only (`--network none`), shared by all the
  containers, with an /etc/hosts naming the Services (duban-registry,
  duban-reporting) on 127.0.0.1: the manifests' ports and URLs are used as they
  are, and nothing on the host's ports can clash with them;
- the secrets' database URLs: throwaway databases on the host's PostgreSQL,
  reached through its Unix socket directory (mounted), since the containers'
  namespace has no route to the host;
- other secrets (`--secret NAME=DIR`, e.g. duban-auth, whose keys
  deploy/dev-credentials.sh makes): each key is the file DIR/KEY, mounted where
  the manifest mounts the Secret's volume, or given as the variable a
  secretKeyRef names. The services run with authentication on, so the operator's
  calls (seed, a sweep) send the token in `--operator-token` (admin, coordinator);
- the probes: gRPC health through `duban health` inside the container, HTTP
  through the container's network namespace (nsenter), each repeated as
  periodSeconds and failureThreshold allow.

Exits non-zero, with the container's log, when any probe does not pass.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

PG_SOCKET_DIR = "/var/run/postgresql"
started = time.monotonic()


def log(message):
    print(f"-- [{time.monotonic() - started:.0f}s] {message}", flush=True)


def run(args, check=True, capture=True):
    result = subprocess.run(args, capture_output=capture, text=True)
    if check and result.returncode != 0:
        sys.stderr.write(f"failed: {shlex.join(args)}\n{result.stdout}{result.stderr}\n")
        sys.exit(1)
    return result


def psql(sql):
    run(["psql", "-h", PG_SOCKET_DIR, "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])


def secret_value(secrets, secret_dirs, name, key):
    """A Secret's key: a database URL made here, or the file DIR/KEY given for it."""
    if (name, key) in secrets:
        return secrets[(name, key)]
    if name not in secret_dirs:
        sys.exit(f"the manifests use the Secret {name}: give its files with --secret {name}=DIR")
    path = os.path.join(secret_dirs[name], key)
    if not os.path.isfile(path):
        sys.exit(f"the Secret {name} has no key {key} ({path} is missing)")
    with open(path) as f:
        return f.read()


def secret_volume(volume, pod_sc, secret_dirs, staging):
    """A Secret volume as the kubelet projects it: its items (or every key) as
    files in a directory, owned by root and the pod's fsGroup, with the item's
    mode or the volume's defaultMode (0644 by default)."""
    secret = volume["secret"]
    name = secret["secretName"]
    if name not in secret_dirs:
        sys.exit(f"the manifests mount the Secret {name}: give its files with --secret {name}=DIR")
    source = secret_dirs[name]
    items = secret.get("items") or [{"key": k, "path": k} for k in sorted(os.listdir(source))
                                    if os.path.isfile(os.path.join(source, k))]
    target = tempfile.mkdtemp(prefix=f"duban-k8s-secret-{name}.")
    staging.append(target)
    os.chmod(target, 0o755)
    for item in items:
        path = os.path.join(target, item["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(os.path.join(source, item["key"]), path)
        os.chown(path, 0, pod_sc.get("fsGroup", 0))
        os.chmod(path, item.get("mode", secret.get("defaultMode", 0o644)))
    return target


def podman_flags(pod_spec, container, secrets, secret_dirs, staging):
    """The podman run flags for one container of a pod spec, as the manifest says."""
    flags = []
    pod_sc = pod_spec.get("securityContext", {})
    sc = {**pod_sc, **container.get("securityContext", {})}
    if not sc.get("runAsNonRoot") or "runAsUser" not in sc:
        sys.exit(f"{container['name']}: runAsNonRoot and a numeric runAsUser are required")
    flags += ["--user", f"{sc['runAsUser']}:{sc.get('runAsGroup', sc['runAsUser'])}"]
    if "fsGroup" in pod_sc:
        flags += ["--group-add", str(pod_sc["fsGroup"])]
    if sc.get("readOnlyRootFilesystem"):
        flags += ["--read-only", "--read-only-tmpfs=false"]
    if sc.get("allowPrivilegeEscalation") is False:
        flags += ["--security-opt", "no-new-privileges"]
    for cap in sc.get("capabilities", {}).get("drop", []):
        flags += ["--cap-drop", cap]
    if sc.get("privileged"):
        sys.exit(f"{container['name']}: privileged")
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "secret" in volume:
            if not mount.get("readOnly"):
                sys.exit(f"{container['name']}: the Secret volume {mount['name']} is not mounted readOnly")
            source = secret_volume(volume, pod_sc, secret_dirs, staging)
            flags += ["-v", f"{source}:{mount['mountPath']}:ro"]
            continue
        if "emptyDir" not in volume:
            sys.exit(f"{container['name']}: volume {mount['name']} is neither an emptyDir nor a Secret")
        size = volume["emptyDir"].get("sizeLimit", "64Mi").replace("Mi", "m")
        flags += ["--tmpfs", f"{mount['mountPath']}:rw,size={size},mode=1777"]
    limits = container.get("resources", {}).get("limits", {})
    if "memory" in limits:
        flags += ["--memory", limits["memory"].replace("Mi", "m").replace("Gi", "g")]
    for env in container.get("env", []):
        if "value" in env:
            value = env["value"]
        else:
            ref = env["valueFrom"]["secretKeyRef"]
            value = secret_value(secrets, secret_dirs, ref["name"], ref["key"])
        flags += ["-e", f"{env['name']}={value}"]
    command = container.get("command", [])
    flags += ["--entrypoint", command[0], container["image_local"]] + command[1:]
    flags += container.get("args", [])
    return flags


def named_port(container, port):
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p["name"] == port:
            return p["containerPort"]
    sys.exit(f"{container['name']}: no port named {port}")


def probe_once(ctr, container, probe):
    timeout = str(probe.get("timeoutSeconds", 1))
    if "grpc" in probe:
        port = probe["grpc"]["port"]
        args = ["podman", "exec", ctr, "duban", "health", "--timeout", timeout]
        if probe["grpc"].get("service"):
            args += ["--service", probe["grpc"]["service"]]
        return run(args + [f"http://127.0.0.1:{port}"], check=False).returncode == 0
    if "httpGet" in probe:
        port = named_port(container, probe["httpGet"]["port"])
        pid = run(["podman", "inspect", "--format", "{{.State.Pid}}", ctr]).stdout.strip()
        url = f"http://127.0.0.1:{port}{probe['httpGet'].get('path', '/')}"
        args = ["nsenter", f"--net=/proc/{pid}/ns/net", "curl", "-fsS", "-o", "/dev/null", "-m", timeout, url]
        return run(args, check=False).returncode == 0
    if "tcpSocket" in probe:
        port = named_port(container, probe["tcpSocket"]["port"])
        return run(["podman", "exec", ctr, "bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"], check=False).returncode == 0
    sys.exit(f"{container['name']}: a probe of a kind this test does not know: {probe}")


def await_probe(ctr, container, kind):
    probe = container.get(kind)
    if probe is None:
        sys.exit(f"{container['name']}: no {kind}")
    period = probe.get("periodSeconds", 10)
    threshold = probe.get("failureThreshold", 3)
    what = next(k for k in ("grpc", "httpGet", "tcpSocket") if k in probe)
    for attempt in range(1, threshold + 1):
        if probe_once(ctr, container, probe):
            log(f"{ctr}: {kind} ({what} {probe[what]}) passed, attempt {attempt}")
            return
        # Startup is where waiting is expected; the others must pass at once.
        time.sleep(min(period, 1) if kind == "startupProbe" else period)
    sys.stderr.write(f"{ctr}: {kind} failed {threshold} times; its log:\n")
    sys.stderr.write(run(["podman", "logs", ctr], check=False).stderr[-4000:])
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rendered")
    parser.add_argument("image")
    parser.add_argument("--secret", action="append", default=[], metavar="NAME=DIR",
                        help="a Secret's keys as the files DIR/KEY")
    parser.add_argument("--operator-token", required=True, metavar="FILE",
                        help="the token the operator's calls (seed, sweep) send: admin and coordinator")
    options = parser.parse_args()
    rendered, image = options.rendered, options.image
    secret_dirs = dict(s.split("=", 1) for s in options.secret)
    with open(options.operator_token) as f:
        operator_token = f.read().strip()
    staging = []
    docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
    by_kind = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    suffix = f"{int(time.time())}_{os.getpid()}"
    databases = {
        ("duban-registry-db", "url"): f"duban_k8s_registry_{suffix}",
        ("duban-reporting-db", "url"): f"duban_k8s_reporting_{suffix}",
    }
    secrets = {key: f"postgres://postgres@localhost/{db}?host={PG_SOCKET_DIR}" for key, db in databases.items()}
    services = sorted(name for kind, name in by_kind if kind == "Service")
    hosts = tempfile.NamedTemporaryFile("w", prefix="duban-k8s-hosts.", delete=False)
    hosts.write("127.0.0.1 localhost " + " ".join(services) + "\n")
    hosts.close()
    os.chmod(hosts.name, 0o644)
    containers = []
    shared = ["-v", f"{hosts.name}:/etc/hosts:ro", "-v", f"{PG_SOCKET_DIR}:{PG_SOCKET_DIR}"]
    try:
        for db in databases.values():
            psql(f"CREATE DATABASE {db}")
        log(f"throwaway databases {', '.join(databases.values())}; Services on 127.0.0.1: {', '.join(services)}")
        netns_owner = None
        for name in ("duban-registry", "duban-reporting"):
            deployment = by_kind[("Deployment", name)]
            pod_spec = deployment["spec"]["template"]["spec"]
            if pod_spec.get("automountServiceAccountToken") is not False:
                sys.exit(f"{name}: automountServiceAccountToken is not false")
            for container in pod_spec["containers"]:
                container["image_local"] = image
                ctr = f"duban-k8s-{container['name']}-{os.getpid()}"
                network = ["--network", "none"] if netns_owner is None else ["--network", f"container:{netns_owner}"]
                flags = podman_flags(pod_spec, container, secrets, secret_dirs, staging)
                run(["podman", "run", "-d", "--no-healthcheck", "--name", ctr] + network + shared + flags)
                containers.append(ctr)
                netns_owner = netns_owner or ctr
                log(f"{name}: {shlex.join(container.get('command', []) + container.get('args', []))}"
                    f" (limit {container.get('resources', {}).get('limits', {}).get('memory')})")
                for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                    await_probe(ctr, container, kind)
        # The reporting service reaches the registry by the manifest's URL: seed the
        # plan (as an operator would, through the Services' names), then sweep as
        # of a day the seed's reminders fire, which asks the registry who reports.
        def helper(token):
            return ["podman", "run", "--rm", "--no-healthcheck", "--network", f"container:{netns_owner}",
                    "--read-only", "--cap-drop", "ALL", "-v", f"{hosts.name}:/etc/hosts:ro",
                    "-e", "DUBAN_REGISTRY_URL=http://duban-registry:50051",
                    "-e", "DUBAN_REPORTING_URL=http://duban-reporting:50052",
                    "-e", f"DUBAN_TOKEN={token}", "--entrypoint", "duban", image]
        # Authentication is on: a call without a token is refused.
        unauthenticated = run(helper("") + ["remind"], check=False)
        if unauthenticated.returncode == 0 or "UNAUTHENTICATED" not in unauthenticated.stderr:
            sys.exit("a sweep without a token was not refused with UNAUTHENTICATED: "
                     + unauthenticated.stdout + unauthenticated.stderr)
        log("duban remind without a token -> " + unauthenticated.stderr.strip().splitlines()[-1])
        log("duban seed -> " + run(helper(operator_token) + ["seed"]).stdout.strip().replace("\n", "; "))
        swept = run(helper(operator_token) + ["remind", "--as-of", "2019-09-30T09:00:00+08:00"]).stdout.strip().splitlines()[-1]
        if "wrote 0 events" in swept:
            sys.exit(f"a sweep over the seed plan wrote nothing: {swept}")
        log(f"duban remind --as-of 2019-09-30T09:00:00+08:00 -> {swept}")
        # The CronJob's container, once: it must exit 0.
        cronjob = by_kind[("CronJob", "duban-remind")]
        pod_spec = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        for container in pod_spec["containers"]:
            container["image_local"] = image
            flags = podman_flags(pod_spec, container, secrets, secret_dirs, staging)
            result = run(["podman", "run", "--rm", "--no-healthcheck", "--network", f"container:{netns_owner}"]
                         + shared + flags, check=False)
            if result.returncode != 0:
                sys.stderr.write(result.stdout + result.stderr)
                sys.exit(f"the CronJob's container exited {result.returncode}")
            log(f"duban-remind (CronJob, {cronjob['spec']['schedule']} {cronjob['spec']['timeZone']}): "
                f"{shlex.join(container['command'])} -> {result.stdout.strip()}")
        for ctr in containers:
            usage = run(["podman", "stats", "--no-stream", "--format", "{{.MemUsage}}", ctr], check=False).stdout.strip()
            log(f"{ctr}: memory {usage or 'unknown'}")
        log("every probe passed with the manifests' own command, args, environment and securityContext")
    finally:
        # Those that joined the first one's network namespace go first, or podman
        # refuses to remove it.
        for ctr in reversed(containers):
            result = run(["podman", "rm", "-f", "-t", "2", ctr], check=False)
            if result.returncode != 0:
                sys.stderr.write(f"cannot remove {ctr}: {result.stderr}")
        for db in databases.values():
            run(["psql", "-h", PG_SOCKET_DIR, "-U", "postgres", "-q", "-c",
                 f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], check=False)
        os.unlink(hosts.name)
        for directory in staging:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
