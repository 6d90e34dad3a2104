"""The `/_sim/*` admin API: inspect and steer the simulator from a test or a demo script over HTTP.

    GET    /_sim/state               org, repo names, rate limit, secondary limit, faults, latency
    POST   /_sim/state               {"rateLimit": {"remaining","limit","reset","windowSeconds"},
                                      "secondaryLimit": {"maxWrites","windowSeconds","retryAfter"}, "latencyMs",
                                      "app": {"id","publicKeyPem","tokenTtlSeconds","installations":[ids]},
                                      "orgRulesets": [<seed org_rulesets entries>], "outsideCollaborators": [logins],
                                      "repos": {"<name>": {<seed fields to change>}}}
    GET    /_sim/repos/<name>        the repository's internal state (issues, labels, archived, ...)
    PUT    /_sim/repos/<name>        create/replace a repository from a seed entry (webhook: repository created/…)
    DELETE /_sim/repos/<name>        delete a repository (webhook: repository deleted)
    POST   /_sim/state {"webhook": {"url", "secret", "maxAttempts", "concurrency"} | null}   send signed webhooks
                                     (repository, branch_protection_rule, repository_ruleset for repository and
                                     organization rulesets, member for collaborators, push for files)
    GET    /_sim/webhooks/deliveries                      every delivery (id, event, attempts, statuses, payload)
    POST   /_sim/webhooks/deliveries/<id>/redeliver       send one again with the same X-GitHub-Delivery
    POST   /_sim/webhooks/ping                            a `ping` delivery
    POST   /_sim/faults              {"path": regex, "status", "count", "method", "message", "retryAfter", "delayMs"}
    DELETE /_sim/faults
    GET    /_sim/requests?since=N    {"requests": [...], "counters": {...}}
    DELETE /_sim/requests
    POST   /_sim/reset               back to the seed; clears log, faults and the rate limit
"""
from __future__ import annotations

import dataclasses
import json
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

from githubsim import render, webhooks
from githubsim.limits import Fault
from githubsim.model import AppConfig, stable_id

if TYPE_CHECKING:
    from githubsim.server import Simulator


def _reply(status: int, body: Any = None) -> tuple[int, dict[str, str], bytes]:
    return status, {}, b"" if body is None else json.dumps(body).encode()


def _state(sim: "Simulator") -> dict[str, Any]:
    st = sim.state
    with st.lock:
        return {"org": st.org_login, "repos": sorted(r.name for r in st.repos.values()),
                "rateLimit": sim.limiter.snapshot(),
                "secondaryLimit": {"maxWrites": sim.secondary.max_writes, "windowSeconds": sim.secondary.window,
                                   "retryAfter": sim.secondary.retry_after},
                "faults": [f.to_json() for f in sim.faults.items], "latencyMs": sim.latency_ms,
                "app": None if st.app is None else {"id": st.app.id, "tokenTtlSeconds": st.app.token_ttl_seconds,
                                                     "installations": sorted(st.app.installations)},
                "installationTokensIssued": len(st.installation_tokens)}


def update_state(sim: "Simulator", body: dict[str, Any]) -> None:
    st = sim.state
    if "rateLimit" in body:
        rl = body["rateLimit"]
        sim.limiter.set(remaining=rl.get("remaining"), limit=rl.get("limit"), reset=rl.get("reset"),
                        window_seconds=rl.get("windowSeconds"))
    if "secondaryLimit" in body:
        sl = body["secondaryLimit"]
        sim.secondary.configure(sl.get("maxWrites", 0), sl.get("windowSeconds", 60), sl.get("retryAfter", 60))
    if "latencyMs" in body:
        sim.latency_ms = float(body["latencyMs"])
    if "outsideCollaborators" in body:
        with st.lock:
            st.org_outside_collaborators = [str(v) for v in body["outsideCollaborators"]]
    if "orgRulesets" in body:
        with st.lock:
            previous = [dict(rs) for rs in st.org_rulesets]
            st.org_rulesets = [{**rs, "id": int(rs.get("id", stable_id("org-ruleset", st.org_login, rs["name"])))}
                               for rs in body["orgRulesets"]]
            current = [dict(rs) for rs in st.org_rulesets]
        sim.notify_org_rulesets(previous, current)  # webhook: repository_ruleset (organization)
    if "app" in body:
        a = body["app"]
        with st.lock:
            st.app = AppConfig(id=int(a["id"]), public_key_pem=a.get("publicKeyPem"),
                               installations={int(i): st.org_login for i in a.get("installations", [1])},
                               token_ttl_seconds=int(a.get("tokenTtlSeconds", 3600)))
    if "webhook" in body:
        sim.webhooks.configure(body["webhook"])
    for name, changes in (body.get("repos") or {}).items():
        before = sim.repo_snapshot(name)
        with st.lock:
            repo = st.repos.get(name.lower())
            if repo is None:
                raise KeyError(name)
            for key, value in changes.items():
                if key not in {f.name for f in dataclasses.fields(repo)} or key in {"issues", "labels", "name"}:
                    raise ValueError(f"repos.{name}.{key}: not a settable field")
                setattr(repo, key, value)
        sim.notify(name, before)


def handle(sim: "Simulator", method: str, raw_path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    parsed = urllib.parse.urlsplit(raw_path)
    path = parsed.path.rstrip("/")
    query = dict(urllib.parse.parse_qsl(parsed.query))
    try:
        data = json.loads(body) if body else {}
    except json.JSONDecodeError:
        return _reply(400, {"message": "body must be JSON"})
    try:
        if path == "/_sim/state" and method == "GET":
            return _reply(200, _state(sim))
        if path == "/_sim/state" and method == "POST":
            update_state(sim, data)
            return _reply(200, _state(sim))
        if path.startswith("/_sim/repos/"):
            name = urllib.parse.unquote(path[len("/_sim/repos/"):])
            if method == "PUT":
                before = sim.repo_snapshot(name)
                sim.state.add_repo({**data, "name": name})
                sim.notify(name, before)
                return _reply(204)
            if method == "DELETE":
                before = sim.repo_snapshot(name)
                with sim.state.lock:
                    sim.state.repos.pop(name.lower(), None)
                sim.notify(name, before)
                return _reply(204)
            with sim.state.lock:
                repo = sim.state.repos.get(name.lower())
                return _reply(404, {"message": "no such repo"}) if repo is None else \
                    _reply(200, dataclasses.asdict(repo))
        if path == "/_sim/faults" and method == "POST":
            sim.faults.add(Fault(path=data["path"], status=int(data["status"]), count=int(data.get("count", 1)),
                                 method=data.get("method"), message=data.get("message"),
                                 retry_after=data.get("retryAfter"), delay_ms=int(data.get("delayMs", 0))))
            return _reply(201, _state(sim)["faults"])
        if path == "/_sim/faults" and method == "DELETE":
            sim.faults.clear()
            return _reply(204)
        if path == "/_sim/requests" and method == "GET":
            return _reply(200, {"requests": sim.log.snapshot(int(query.get("since", 0))),
                                "counters": sim.log.counters()})
        if path == "/_sim/requests" and method == "DELETE":
            sim.log.clear()
            return _reply(204)
        if path == "/_sim/webhooks/deliveries" and method == "GET":
            return _reply(200, {"deliveries": sim.webhooks.snapshot()})
        if path == "/_sim/webhooks/deliveries" and method == "DELETE":
            sim.webhooks.clear()
            return _reply(204)
        if path.startswith("/_sim/webhooks/deliveries/") and path.endswith("/redeliver") and method == "POST":
            delivery_id = path[len("/_sim/webhooks/deliveries/"):-len("/redeliver")]
            return _reply(202) if sim.webhooks.redeliver(delivery_id) else _reply(404, {"message": "no such delivery"})
        if path == "/_sim/webhooks/ping" and method == "POST":
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            sender = render.user(sim.api_root, sim.state.html_base, "octocat", 583231)
            delivery = sim.webhooks.emit("ping", webhooks.ping(render.organization(sim.state, sim.api_root), sender,
                                                               sim.webhooks.url or "", now))
            return _reply(202, {"deliveryId": delivery.delivery_id if delivery else None})
        if path == "/_sim/reset" and method == "POST":
            sim.reset()
            return _reply(204)
    except (KeyError, ValueError, TypeError) as exc:
        return _reply(400, {"message": f"bad admin request: {exc}"})
    return _reply(404, {"message": "unknown admin endpoint"})
