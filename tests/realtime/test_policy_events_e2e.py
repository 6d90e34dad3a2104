"""Policy Enforcer progress over SignalR, end to end: a client of one scan (`?jobId=<scanId>`) receives its
`ScanProgress` in order up to Completed with every repository scanned, then `ActProgress` up to the act run's end,
each validated against the OpenAPI document; the dashboard gets `JobChanged` for the scan and its act run."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.azurite import free_port
from tests.e2e.policy_support import TOKEN, repo, seed, start_scan, wait_scan, write_config
from tests.realtime.realtime_support import assert_event_matches_openapi
from tests.realtime.signalr_support import NodeListener, connection_string
from tests.support.githubsim import start_githubsim
from tests.support.local_host import LocalHost

pytestmark = [pytest.mark.e2e, pytest.mark.live]
REPOS = [repo("good"), repo("no-readme", files={"SECURITY.md": "x", ".github/CODEOWNERS": "x"}),
         repo("no-security", files={"README.md": "# x"}), repo("quiet", description="")]
RANK = {"Pending": 0, "Running": 1}


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    server = start_githubsim(seed(REPOS))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def host(local_host: Any, sim: Any, tmp_path_factory: pytest.TempPathFactory) -> LocalHost:
    folder = tmp_path_factory.mktemp("policy-realtime")
    write_config(folder / "policies.yaml")
    return local_host(env={"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
                           "POLICY_CONFIG_PATH": str(folder / "policies.yaml"), "POLICY_DRY_RUN": "false",
                           "APP_DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
                           "AzureSignalRConnectionString": connection_string(free_port())})


def _in_order(events: list[dict[str, Any]], done_key: str) -> None:
    for before, after in itertools.pairwise(events):
        assert RANK.get(before["status"], 2) <= RANK.get(after["status"], 2), (before, after)
        assert before[done_key] <= after[done_key], (before, after)


def test_a_scan_client_follows_the_scan_and_its_act_run(host: LocalHost, sim: Any, tmp_path: Path) -> None:
    dashboard = NodeListener(f"{host.base_url}/api?dashboard=true", host.function_key, ("JobChanged",))
    try:
        dashboard.connected()
        # The scan's first GitHub request is held 8 s, so its client connects before any of its events.
        sim.update({"latencyMs": 8000})
        scan_id = start_scan(host).json()["scanId"]
        client = NodeListener(f"{host.base_url}/api?jobId={scan_id}", host.function_key,
                              ("ScanProgress", "ActProgress", "AnalysisProgress"))
        try:
            client.connected()
            sim.update({"latencyMs": 0})
            client.wait_until(lambda c: any(e["status"] in ("Completed", "Failed") for e in c.events("ActProgress")),
                              120, "the act run's end")
        finally:
            client.stop()
        final = wait_scan(host, scan_id)
        dashboard.wait_until(lambda d: {(e["type"], e["status"]) for e in d.events("JobChanged")
                                        if e["id"] in (scan_id, f"{scan_id}:act")}
                             >= {("scan", "Completed"), ("act", "Completed")}, 30, "JobChanged of the scan and its act")
    finally:
        sim.update({"latencyMs": 0})
        dashboard.stop()
    scans, acts = client.events("ScanProgress"), client.events("ActProgress")
    for target, events in (("ScanProgress", scans), ("ActProgress", acts)):
        assert events, f"no {target}"
        for event in events:
            assert_event_matches_openapi(target, event)
    assert {e["scanId"] for e in scans + acts} == {scan_id} and not client.events("AnalysisProgress")
    _in_order(scans, "repositoriesScanned")
    _in_order(acts, "actionsLogged")
    assert scans[-1]["status"] == "Completed" and scans[-1]["repositoriesScanned"] == scans[-1]["repositoriesTotal"]
    assert scans[-1]["repositoriesScanned"] == final["repositoriesScanned"] == len(REPOS)
    assert scans[-1]["violations"] == final["violationsFound"] > 0
    assert acts[-1]["status"] == "Completed" and acts[-1]["actId"] == f"{scan_id}:act"
    assert acts[-1]["byOutcome"] and acts[-1]["actionsLogged"] == sum(acts[-1]["byOutcome"].values())
    changed = [e for e in dashboard.events("JobChanged") if e["id"] in (scan_id, f"{scan_id}:act")]
    for event in changed:
        assert_event_matches_openapi("JobChanged", event)
    assert {(e["type"], e["status"]) for e in changed} >= {("scan", "Completed"), ("act", "Completed")}
