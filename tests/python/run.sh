#!/usr/bin/env bash
# Runs integration.py against a fresh `duban up`: makes a virtualenv with the
# pinned requirements, generates Python stubs from proto/, starts both services
# on free ports with their data in a temporary directory, waits for health, and
# stops them afterwards. Usage: tests/python/run.sh [path/to/duban]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
duban="${1:-$root/target/debug/duban}"
venv="$root/target/python-venv"
stubs="$root/target/python-stubs"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tests/python/requirements.txt"
rm -rf "$stubs" && mkdir -p "$stubs"
(cd "$root/proto" && "$venv/bin/python" -m grpc_tools.protoc -I . \
  --python_out="$stubs" --grpc_python_out="$stubs" $(find . -name '*.proto' | sort))

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
registry="127.0.0.1:$(free_port)"
reporting="127.0.0.1:$(free_port)"
data="$(mktemp -d)"
"$duban" up --data-dir "$data" --registry-listen "$registry" --reporting-listen "$reporting" \
  --sweep-interval 0 >"$data/up.log" 2>&1 &
up=$!
trap 'kill "$up" 2>/dev/null || true; wait "$up" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  "$duban" health "http://$registry" "http://$reporting" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! "$duban" health "http://$registry" "http://$reporting"; then
  cat "$data/up.log"
  exit 1
fi
"$venv/bin/python" "$root/tests/python/integration.py" "$stubs" "$registry" "$reporting"
