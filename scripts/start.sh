#!/usr/bin/env bash
# `make start`: Azurite (persistent, .data/azurite) + the local Functions host, then the demo (if any).
# Ctrl-C stops both. FUNC=1 uses Azure Functions Core Tools (`func start`) instead when it is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-7071}"
mkdir -p .data
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pids=()
cleanup() {
  trap - INT TERM EXIT
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap cleanup INT TERM EXIT

if answers 10001; then
  echo "Azurite: already answering on 127.0.0.1:10000-10002"
else
  "$PY" -m devhost.azurite --location .data/azurite >.data/azurite.out 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do answers 10001 && break; sleep 0.2; done
  answers 10001 || { echo "error: Azurite did not start; see .data/azurite.out" >&2; exit 2; }
  echo "Azurite: started (data in .data/azurite)"
fi

if answers "$PORT"; then
  echo "error: port $PORT is in use: stop the other process or run PORT=<port> make start" >&2; exit 2
fi
if [ "${FUNC:-0}" = "1" ] && command -v func >/dev/null; then
  func start --port "$PORT" &
else
  [ "${FUNC:-0}" = "1" ] && echo "FUNC=1: func is not on PATH, using the local host (python -m devhost)"
  "$PY" -m devhost --port "$PORT" &
fi
host_pid=$!
pids+=($host_pid)
for _ in $(seq 1 300); do
  kill -0 "$host_pid" 2>/dev/null || { wait "$host_pid"; exit $?; }
  curl -fsS "http://127.0.0.1:$PORT/admin/host/status" >/dev/null 2>&1 && break
  sleep 0.2
done

cat <<MSG

  Functions host:  http://127.0.0.1:$PORT/api/            (function key: Values.FUNCTIONS_DEVHOST_FUNCTION_KEY
                                                          of local.settings.json or local.settings.example.json)
  OpenAPI:         http://127.0.0.1:$PORT/api/openapi.json
  Host status:     http://127.0.0.1:$PORT/admin/host/status
  Durable API:     http://127.0.0.1:$PORT/runtime/webhooks/durabletask/instances
  Azurite:         UseDevelopmentStorage=true (127.0.0.1:10000-10002)

MSG

if [ -f scripts/demo.py ] || [ -f scripts/demo/__main__.py ]; then
  FUNCTIONS_BASE_URL="http://127.0.0.1:$PORT" "$PY" -m scripts.demo || echo "demo failed (the host keeps running)" >&2
fi
echo "Press Ctrl-C to stop."
wait "$host_pid"
