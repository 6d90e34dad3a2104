"""Recurring jobs through the local host with Azurite: bad input, the built-in daily scan, trigger now, a schedule
every few seconds (consecutive occurrences, never two jobs at once with `skip`), e-mail for a failed scheduled job
at a real SMTP server (once, with the link; none for a success), and two hosts sharing one application database.

The tick (`schedules_tick`, every minute in production) is run on demand through the host's admin API, as
`POST /admin/functions/schedules_tick` does against a real Functions host.
"""
from __future__ import annotations

import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.analysis_support import host_env, start, wait_final
from tests.support.local_host import LocalHost
from tests.support.openapi_contract import assert_matches_openapi
from tests.support.smtp_server import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.live]

REPO = Path(__file__).resolve().parents[2]
PG = "Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={port};Database=postgres;Uid=postgres;Pwd=x;"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path_factory.mktemp("smtp")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite")
    shutil.copy(REPO / "samples" / "shop.db", folder / "shop.db")
    return folder


@pytest.fixture(scope="module")
def hanging(hanging_port: int) -> int:
    return hanging_port


def env(data_dir: Path, smtp: SmtpServer, hanging: int, db: Path, **extra: str) -> dict[str, str]:
    return host_env(
        ANALYZER_ALLOWED_SQLITE_DIRS=str(data_dir),
        ANALYZER_CONNECTION_SHOP=f"Driver={{SQLite3}};Database={data_dir / 'shop.db'};",
        ANALYZER_CONNECTION_BROKEN=PG.format(port=closed_port()),
        ANALYZER_CONNECTION_SLOW=PG.format(port=hanging),
        APP_DATABASE_URL=f"sqlite:///{db}", APP_PUBLIC_URL="https://jobs.example.com",
        NOTIFY_FAILURE_RECIPIENTS="oncall@example.com", NOTIFY_RETRY_SECONDS="1",
        **smtp.env(), **extra)


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], data_dir: Path, smtp: SmtpServer, hanging: int,
         tmp_path_factory: pytest.TempPathFactory) -> LocalHost:
    db = tmp_path_factory.mktemp("appdb") / "app.db"
    return local_host(env=env(data_dir, smtp, hanging, db), grace=3)


def tick(host: LocalHost) -> None:
    response = requests.post(host.url("/admin/functions/schedules_tick"), json={"input": ""},
                             headers={"x-functions-key": host.master_key}, timeout=10)
    assert response.status_code == 202, response.text


def put(host: LocalHost, schedule_id: str, body: dict[str, Any], expect: int | None = None) -> requests.Response:
    response = requests.put(host.url(f"/api/v1/schedules/{schedule_id}"), json=body,
                            headers={"x-functions-key": host.function_key}, timeout=30)
    assert_matches_openapi(response)
    if expect is not None:
        assert response.status_code == expect, response.text
    return response


def get_schedule(host: LocalHost, schedule_id: str) -> dict[str, Any]:
    response = host.get(f"/api/v1/schedules/{schedule_id}")
    assert response.status_code == 200, response.text
    assert_matches_openapi(response)
    return response.json()


def runs(host: LocalHost, schedule_id: str) -> list[dict[str, Any]]:
    response = host.get(f"/api/v1/schedules/{schedule_id}/runs?pageSize=200")
    assert response.status_code == 200, response.text
    assert_matches_openapi(response)
    return response.json()["items"]


def wait_until(what: Callable[[], Any], timeout: float = 60, message: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        assert time.monotonic() < deadline, message or "condition not met"
        time.sleep(0.3)


def delete(host: LocalHost, schedule_id: str) -> None:
    requests.delete(host.url(f"/api/v1/schedules/{schedule_id}"), headers={"x-functions-key": host.function_key},
                    timeout=10)


@pytest.mark.parametrize("body, field", [
    ({"kind": "analysis", "cron": "61 * * * *", "request": {"connectionName": "shop"}}, "cron"),
    ({"kind": "analysis", "cron": "0 3 * * *", "timeZone": "Mars/Olympus", "request": {"connectionName": "shop"}},
     "timeZone"),
    ({"kind": "backup", "cron": "0 3 * * *"}, "kind"),
    ({"kind": "analysis", "cron": "0 3 * * *", "request": {"connectionName": "nowhere"}}, "request.connectionName"),
    ({"kind": "analysis", "cron": "0 3 * * *", "request": {"connectionString": "Driver={SQLite3};Database=x;"}},
     "request.connectionString"),
    ({"kind": "analysis", "cron": "0 3 * * *", "overlap": "parallel", "request": {"connectionName": "shop"}},
     "overlap"),
    ({"kind": "policy-scan", "cron": "0 3 * * *", "notifyOn": ["new-critical"]}, "notifyOn"),
    ({"kind": "policy-scan", "cron": "0 3 * * *", "recipients": ["not-an-address"]}, "recipients"),
])
def test_bad_input_is_400_naming_the_field_and_stores_nothing(host: LocalHost, body: dict[str, Any],
                                                              field: str) -> None:
    response = put(host, "bad-one", body, 400)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    missing = host.get("/api/v1/schedules/bad-one")
    assert missing.status_code == 404
    assert_matches_openapi(missing)


def test_the_builtin_daily_scan_is_listed(host: LocalHost) -> None:
    response = host.get("/api/v1/schedules")
    assert response.status_code == 200
    assert_matches_openapi(response)
    builtin = {s["id"]: s for s in response.json()["items"]}["daily-scan"]
    assert builtin["origin"] == "builtin" and builtin["cron"] == "0 0 * * *" and builtin["timeZone"] == "UTC"
    assert builtin["kind"] == "policy-scan" and builtin["enabled"] is False  # no GITHUB_ORG on this host
    refused = requests.delete(host.url("/api/v1/schedules/daily-scan"),
                              headers={"x-functions-key": host.function_key}, timeout=10)
    assert refused.status_code == 409
    assert_matches_openapi(refused)


def test_put_trigger_now_and_last_run(host: LocalHost) -> None:
    body = {"kind": "analysis", "cron": "30 2 * * *", "timeZone": "Europe/Berlin",
            "request": {"connectionName": "shop", "analysisType": "quick"}}
    created = put(host, "shop-nightly", body, 201).json()
    assert created["nextRun"]["local"].endswith(("T02:30:00+01:00", "T02:30:00+02:00"))
    assert datetime.fromisoformat(created["nextRun"]["utc"]) == datetime.fromisoformat(created["nextRun"]["local"])
    assert created["lastRun"] is None
    assert put(host, "shop-nightly", body, 200).json()["nextRun"] == created["nextRun"]  # idempotent upsert
    triggered = host.post("/api/v1/schedules/shop-nightly/trigger")
    assert triggered.status_code == 202, triggered.text
    assert_matches_openapi(triggered)
    run = triggered.json()
    assert run["trigger"] == "manual" and run["jobId"].startswith("analysis-")
    assert wait_final(host, run["jobId"])[-1]["status"] == "Completed"
    tick(host)
    last = wait_until(lambda: (s := get_schedule(host, "shop-nightly"))["lastRun"]["status"] == "Completed" and s,
                      message="the tick did not settle the run")
    assert last["lastRun"]["jobId"] == run["jobId"] and last["lastRun"]["jobUrl"].endswith(run["jobId"])
    missing = host.post("/api/v1/schedules/no-such/trigger")
    assert missing.status_code == 404
    assert_matches_openapi(missing)


def drive_ticks(host: LocalHost, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tick(host)
        time.sleep(0.5)


def assert_consecutive(occurrences: list[str], period: int) -> None:
    moments = sorted(datetime.fromisoformat(o) for o in occurrences)
    assert len(set(moments)) == len(moments), f"an occurrence ran twice: {occurrences}"
    gaps = [(b - a).total_seconds() for a, b in pairwise(moments)]
    assert gaps and all(g == period for g in gaps), f"occurrences are not consecutive: {occurrences}"


def test_a_schedule_every_few_seconds_runs_once_per_period(host: LocalHost) -> None:
    put(host, "shop-often", {"kind": "analysis", "cron": "*/3 * * * * *", "overlap": "skip",
                             "request": {"connectionName": "shop", "analysisType": "quick"}}, 201)
    try:
        drive_ticks(host, 10)
    finally:
        put(host, "shop-often", {"kind": "analysis", "cron": "*/3 * * * * *", "enabled": False,
                                 "request": {"connectionName": "shop", "analysisType": "quick"}}, 200)
    seen = wait_until(lambda: (r := runs(host, "shop-often")) and len(r) >= 3 and r)
    assert_consecutive([r["occurrence"] for r in seen], 3)
    jobs = [r["jobId"] for r in seen if r["status"] != "Skipped"]
    assert len(jobs) == len(set(jobs)) >= 2
    for job_id in jobs:
        assert wait_final(host, job_id)[-1]["status"] == "Completed"


def test_skip_never_starts_a_second_job_while_one_runs(host: LocalHost) -> None:
    put(host, "slow-often", {"kind": "analysis", "cron": "*/2 * * * * *", "overlap": "skip",
                             "request": {"connectionName": "slow", "analysisType": "quick"}}, 201)
    try:
        drive_ticks(host, 8)
    finally:
        delete_body = {"kind": "analysis", "cron": "*/2 * * * * *", "enabled": False,
                       "request": {"connectionName": "slow", "analysisType": "quick"}}
        put(host, "slow-often", delete_body, 200)
    seen = runs(host, "slow-often")
    assert_consecutive([r["occurrence"] for r in seen], 2)
    started = [r for r in seen if r["status"] != "Skipped"]
    skipped = [r for r in seen if r["status"] == "Skipped"]
    assert len(started) == 1 and len(skipped) >= 2, seen
    assert all(started[0]["jobId"] in (r["message"] or "") for r in skipped)
    host.post(f"/api/v1/analysis/{started[0]['jobId']}/cancel")


def mails_for(smtp: SmtpServer, job_id: str) -> list[Any]:
    return [m for m in smtp.messages if job_id in (m["X-Job-Event"] or "")]


def test_a_failed_scheduled_job_mails_once_with_the_link_and_a_success_mails_nothing(
        host: LocalHost, smtp: SmtpServer) -> None:
    put(host, "broken-nightly", {"kind": "analysis", "cron": "0 3 * * *", "recipients": ["dba@example.com"],
                                 "request": {"connectionName": "broken", "analysisType": "quick"}}, 201)
    put(host, "shop-quiet", {"kind": "analysis", "cron": "0 3 * * *", "recipients": ["dba@example.com"],
                             "request": {"connectionName": "shop", "analysisType": "quick"}}, 201)
    failed = host.post("/api/v1/schedules/broken-nightly/trigger").json()["jobId"]
    fine = host.post("/api/v1/schedules/shop-quiet/trigger").json()["jobId"]
    assert wait_final(host, failed)[-1]["status"] == "Failed"
    assert wait_final(host, fine)[-1]["status"] == "Completed"
    for _ in range(4):  # more ticks (and so more observations of the same failure) than needed
        tick(host)
        time.sleep(0.5)
    mails = wait_until(lambda: mails_for(smtp, failed), message="no e-mail for the failed job")
    time.sleep(1.5)
    tick(host)
    time.sleep(1)
    assert len(mails_for(smtp, failed)) == 1, [m["Subject"] for m in smtp.messages]
    mail = mails[0]
    assert sorted(a.strip() for a in mail["To"].split(",")) == ["dba@example.com", "oncall@example.com"]
    assert f"https://jobs.example.com/api/dashboard#job={failed}" in mail.get_body(("plain",)).get_content()
    assert "cannot connect" in mail.get_body(("plain",)).get_content()
    assert not mails_for(smtp, fine)

    def sent() -> requests.Response | None:   # the SMTP server has the mail before the activity records it
        answer = host.get(f"/api/v1/notifications?jobId={failed}")
        return answer if answer.status_code != 200 or answer.json()["items"][0]["status"] == "Sent" else None

    listed = wait_until(sent, message="the notification never recorded as Sent")
    assert listed.status_code == 200
    assert_matches_openapi(listed)
    item = listed.json()["items"][0]
    assert item["status"] == "Sent" and [a["outcome"] for a in item["attempts"]] == ["sent"]
    assert get_schedule(host, "broken-nightly")["lastRun"]["status"] == "Failed"


def test_two_hosts_on_one_database_start_each_occurrence_once(
        local_host: Callable[..., LocalHost], data_dir: Path, smtp: SmtpServer, hanging: int,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    db = tmp_path_factory.mktemp("shared") / "app.db"
    first = local_host(env=env(data_dir, smtp, hanging, db), grace=3)
    second = local_host(env=env(data_dir, smtp, hanging, db), grace=3)
    body = {"kind": "analysis", "cron": "*/2 * * * * *", "overlap": "queue-one",
            "request": {"connectionName": "shop", "analysisType": "quick"}}
    put(first, "shared-often", body, 201)
    deadline = time.monotonic() + 8
    ticks: list[threading.Thread] = []
    while time.monotonic() < deadline:
        for h in (first, second):
            ticks.append(threading.Thread(target=tick, args=(h,)))
            ticks[-1].start()
        time.sleep(0.4)
    put(first, "shared-often", dict(body, enabled=False), 200)
    for thread in ticks:
        thread.join()

    def runs_and_jobs() -> tuple[list[dict[str, Any]], list[str], list[str]]:
        seen = runs(second, "shared-often")
        listed = first.get("/api/v1/analysis?pageSize=200").json()["items"]
        return seen, sorted(r["jobId"] for r in seen if r["jobId"]), sorted(j["jobId"] for j in listed)

    # A tick's run is recorded right after its job is written, and a queued run may still start: wait until the
    # runs and the jobs agree, then once more after a pause so nothing started after that.
    wait_until(lambda: (lambda s: s[1] == s[2])(runs_and_jobs()), message="runs and jobs never agreed")
    time.sleep(1)
    seen, jobs, listed = runs_and_jobs()
    occurrences = [r["occurrence"] for r in seen]
    assert len(occurrences) == len(set(occurrences)) >= 3, seen
    assert listed == jobs  # one job per run, no stray second start


def test_the_diff_of_two_analyses_lists_the_fixed_and_the_added_defect(host: LocalHost, data_dir: Path) -> None:
    """Same target twice: between the runs one defect is fixed (AUTOINCREMENT on events) and one is added (a
    foreign key without an index on lines); everything else is unchanged. Matching is by check id + object."""
    path = data_dir / "history.db"
    with sqlite3.connect(path) as db:
        # STRICT tables: sqlite-non-strict-tables names its object with a count, which a new table would change
        db.executescript("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT) STRICT;"
                         "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT) STRICT;")
    body = {"connectionString": f"Driver={{SQLite3}};Database={path};", "analysisType": "comprehensive"}
    first = start(host, body)["jobId"]
    assert wait_final(host, first)[-1]["status"] == "Completed"
    baseline = host.get(f"/api/v1/analysis/{first}/diff").json()
    assert baseline["previousJobId"] is None and baseline["counts"]["resolved"] == 0
    with sqlite3.connect(path) as db:
        db.executescript("DROP TABLE events; CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT) STRICT;"
                         "CREATE TABLE lines (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id)) STRICT;")
    second = start(host, body)["jobId"]
    assert wait_final(host, second)[-1]["status"] == "Completed"
    response = host.get(f"/api/v1/analysis/{second}/diff")
    assert response.status_code == 200, response.text
    assert_matches_openapi(response)
    diff = response.json()
    assert diff["previousJobId"] == first
    assert [(f["checkId"], f["object"]) for f in diff["resolved"]] == [("sqlite-autoincrement", "main.events")]
    # The added foreign key without an index; with the first foreign key, "foreign keys are not enforced" too.
    assert sorted((f["checkId"], f["object"]) for f in diff["new"]) == [
        ("sqlite-foreign-key-without-index", "lines(order_id)"), ("sqlite-foreign-keys-off", "main.foreign_keys")]
    assert diff["counts"]["unchanged"] == len(diff["unchanged"]) > 0
    assert diff["score"]["before"] == baseline["score"]["after"]
    early = host.get("/api/v1/analysis/analysis-" + "0" * 32 + "/diff")
    assert early.status_code == 404
    assert_matches_openapi(early)
