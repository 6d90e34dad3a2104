#!/usr/bin/env bash
# `make start`: Azurite (persistent, .data/azurite), the local GitHub-compatible server with the demo organization,
# and the local Functions host; then the SQL Analyzer demo and how to press "Scan now" for the Policy Enforcer.
# Ctrl-C stops everything this script started (an Azurite that was already running is left alone).
#   PORT=7071           the Functions host
#   GITHUBSIM_PORT=7072 githubsim (GITHUBSIM=0: do not start it)
#   FUNC=1              Azure Functions Core Tools (`func start`) instead of `python -m devhost`, when on PATH
#   DEMO=0              skip the analyzer demo
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-7071}"
GITHUBSIM_PORT="${GITHUBSIM_PORT:-7072}"
mkdir -p .data
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pids=()
cleanup() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && echo && echo "Stopping..."
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Ports first, so nothing is started when one is taken.
if answers "$PORT"; then
  echo "error: port $PORT (Functions host) is in use: stop the other process or run PORT=<port> make start" >&2; exit 2
fi
if [ "${GITHUBSIM:-1}" != "0" ] && answers "$GITHUBSIM_PORT"; then
  echo "error: port $GITHUBSIM_PORT (githubsim) is in use: stop the other process or run GITHUBSIM_PORT=<port> make start" \
       "(or GITHUBSIM=0 to use your own GitHub settings only)" >&2
  exit 2
fi

if answers 10001; then
  echo "Azurite: already answering on 127.0.0.1:10000-10002 (left running on exit)"
else
  "$PY" -m devhost.azurite --location .data/azurite >.data/azurite.out 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do answers 10001 && break; kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.2; done
  answers 10001 || { echo "error: Azurite did not start: $(tail -3 .data/azurite.out)" >&2; exit 2; }
  echo "Azurite: started (data in .data/azurite, log .data/azurite.out)"
fi

sim_url=""
if [ "${GITHUBSIM:-1}" != "0" ]; then
  "$PY" -m githubsim --port "$GITHUBSIM_PORT" --seed githubsim/seeds/demo.json >.data/githubsim.out 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do answers "$GITHUBSIM_PORT" && break; kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
  answers "$GITHUBSIM_PORT" || { echo "error: githubsim did not start: $(tail -3 .data/githubsim.out)" >&2; exit 2; }
  sim_url="http://127.0.0.1:$GITHUBSIM_PORT"
  echo "githubsim: started on $sim_url (demo organization acme, log .data/githubsim.out)"
fi

# Settings the user has not chosen (generated ANALYZER_SECRET_KEY in .data/, githubsim's demo org and token) go
# into the host's environment; local.settings.json is never written.
FUNCTION_KEY=""
settings="$("$PY" -m scripts.start_settings ${sim_url:+--githubsim-url "$sim_url"})"
eval "$settings"

if [ "${FUNC:-0}" = "1" ] && command -v func >/dev/null; then
  func start --port "$PORT" &
else
  [ "${FUNC:-0}" = "1" ] && echo "FUNC=1: func is not on PATH, using the local host (python -m devhost)"
  "$PY" -m devhost --port "$PORT" &
fi
host_pid=$!
pids+=($host_pid)
for _ in $(seq 1 300); do
  kill -0 "$host_pid" 2>/dev/null || { wait "$host_pid" || true; echo "error: the Functions host exited; see its output above" >&2; exit 2; }
  curl -fsS "http://127.0.0.1:$PORT/admin/host/status" >/dev/null 2>&1 && break
  sleep 0.2
done

api="http://127.0.0.1:$PORT/api"
cat <<MSG

  Web UI:          $api/ui/       (sign in with the function key: $FUNCTION_KEY)
  Functions host:  $api/          (function key: $FUNCTION_KEY, header x-functions-key or ?code=)
  OpenAPI:         $api/openapi.json
  Dashboard:       $api/dashboard
  Host status:     http://127.0.0.1:$PORT/admin/host/status
  Durable API:     http://127.0.0.1:$PORT/runtime/webhooks/durabletask/instances
  Azurite:         UseDevelopmentStorage=true (127.0.0.1:10000-10002)
${sim_url:+  githubsim:       $sim_url (organization acme)
}
MSG

if [ "${DEMO:-1}" != "0" ] && { [ -f scripts/demo.py ] || [ -f scripts/demo/__main__.py ]; }; then
  FUNCTIONS_BASE_URL="http://127.0.0.1:$PORT" FUNCTIONS_DEVHOST_FUNCTION_KEY="$FUNCTION_KEY" "$PY" -m scripts.demo \
    || echo "demo failed (the host keeps running)" >&2
fi

echo "GitHub Policy Enforcer — Scan now:"
echo "  curl -sS -X POST -H 'x-functions-key: $FUNCTION_KEY' -H 'Content-Type: application/json' -d '{}' $api/v1/scans"
echo "  then follow the statusUrl it returns (same header), or press Scan now in the UI: $api/ui/#/policy"
if [ -n "$sim_url" ] && [ "${GITHUB_BASE_URL:-}" = "$sim_url" ]; then
  token="${GITHUB_TOKEN}"
  # githubsim sends the demo organization's webhooks to this host, signed with GITHUB_WEBHOOK_SECRET (as a GitHub
  # App's webhook would be configured): a change to a demo repository is enforced within seconds.
  if [ -n "${GITHUB_WEBHOOK_SECRET:-}" ]; then
    "$PY" - "$sim_url" "$api/github/webhook" <<'PY' && webhooks=1 || webhooks=0
import json, os, sys, urllib.request
body = json.dumps({"webhook": {"url": sys.argv[2], "secret": os.environ["GITHUB_WEBHOOK_SECRET"]}}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_sim/state", data=body, method="POST",
                                              headers={"Content-Type": "application/json"}), timeout=10).read()
PY
    if [ "$webhooks" = "1" ]; then
      echo "  Webhooks: githubsim sends the demo org's changes to $api/github/webhook (signed). Try one:"
      echo "    curl -sS -X PUT $sim_url/_sim/repos/brand-new -H 'Content-Type: application/json' -d '{\"visibility\": \"private\"}'"
      echo "    → within seconds: curl -sS -H 'Authorization: token $token' '$sim_url/repos/acme/brand-new/issues'"
    fi
  fi
  echo "  Issues it opens in the demo organization (githubsim; the demo token is the seed's, not a secret):"
  "$PY" - "$sim_url" "$token" <<'PY'
import json, sys
seed = json.load(open("githubsim/seeds/demo.json"))
url, token = sys.argv[1], sys.argv[2]
org = seed["org"]["login"]
print(f"    curl -sS -H 'Authorization: token {token}' '{url}/repos/{org}/<repo>/issues?labels=policy-enforcer'")
print("    repos: " + " ".join(r["name"] for r in seed["repos"]))
print(f"    all at once: .venv/bin/python -m scripts.demo_issues {url}")
PY
fi
echo
echo "Press Ctrl-C to stop."
wait "$host_pid"
