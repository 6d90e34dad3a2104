"""End to end through the local host, per engine: start → progress moves → report (JSON, Markdown, HTML, SARIF).

Real PostgreSQL, MariaDB and SQLite databases with planted defects; the job runs as a Durable orchestration on the
host, and every response is checked against the OpenAPI document.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pyodbc
import pytest

from shared.analyzer import catalog
from tests.e2e.analysis_support import APP, host_env, report, start, wait_final
from tests.support.local_host import LocalHost

pytestmark = [pytest.mark.e2e, pytest.mark.live]


@pytest.fixture(scope="module")
def sqlite_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analysis-sqlite")


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], sqlite_dir: Path) -> LocalHost:
    return local_host(app=APP, env=host_env(ANALYZER_ALLOWED_SQLITE_DIRS=str(sqlite_dir)))


def planted(conn_str: str, statements: list[str]) -> str:
    with pyodbc.connect(conn_str, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
    return conn_str


def assert_full_run(host: LocalHost, conn_str: str, engine: str, expected_check: str | None) -> dict:
    accepted = start(host, {"connectionString": conn_str, "analysisType": "comprehensive"})
    seen = wait_final(host, accepted["jobId"])
    final = seen[-1]
    assert final["status"] == "Completed", final
    assert final["progressPercentage"] == 100 and final["checksCompleted"] == final["checksTotal"]
    assert final["checksTotal"] == len(catalog.select(engine, "comprehensive"))
    progress = [s["checksCompleted"] for s in seen]
    assert progress == sorted(progress), "progress never goes back"
    # How many intermediate states a poll catches depends on the machine's speed (a small database can finish before
    # the first read), so only their order is asserted here; progress reporting itself is a unit test of the
    # orchestrator (test_batches_run_at_most_max_parallel_at_once_and_progress_moves).
    body = report(host, accepted["jobId"]).json()
    assert body["engine"] == engine and body["serverVersion"] and body["analysisType"] == "comprehensive"
    assert sum(body["summary"].values()) == len(body["findings"])
    if expected_check:
        assert expected_check in {f["checkId"] for f in body["findings"]}, body["findings"]
    for fmt, media in (("markdown", "text/markdown"), ("html", "text/html"), ("sarif", "application/sarif+json")):
        rendered = report(host, accepted["jobId"], fmt)
        assert rendered.headers["content-type"].startswith(media)
    sarif = report(host, accepted["jobId"], "sarif").json()
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == len(body["findings"])
    return body


def test_postgresql(host: LocalHost, postgres_db: Callable[..., str]) -> None:
    conn = planted(postgres_db("an"), [
        "CREATE TABLE customers (id int PRIMARY KEY, email text)",
        "CREATE TABLE order_lines (order_id int, product text, qty int)",  # no primary key
    ])
    body = assert_full_run(host, conn, "postgresql", "pg-table-without-primary-key")
    objects = {f["object"] for f in body["findings"] if f["checkId"] == "pg-table-without-primary-key"}
    assert "public.order_lines" in objects and "public.customers" not in objects


def test_mariadb(host: LocalHost, mariadb_db: Callable[..., str]) -> None:
    if not catalog.select("mysql", "comprehensive"):
        pytest.skip("the MySQL/MariaDB catalog has no checks yet")
    conn = planted(mariadb_db("an"), [
        "CREATE TABLE customers (id int PRIMARY KEY, email varchar(200)) ENGINE=InnoDB",
        "CREATE TABLE order_lines (order_id int, product varchar(50), qty int) ENGINE=InnoDB",
        "CREATE TABLE legacy (id int PRIMARY KEY) ENGINE=MyISAM",
    ])
    database = conn.split("Database=")[1].split(";")[0]
    samples: list[set[int]] = []
    stop = threading.Event()

    def sample_connections() -> None:  # sessions on the analysed database, seen from an admin connection
        with pyodbc.connect(conn.replace(f"Database={database};", ""), autocommit=True) as admin:
            while not stop.is_set():
                samples.append({row[0] for row in admin.execute(
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
                    database).fetchall()})
                stop.wait(0.01)

    sampler = threading.Thread(target=sample_connections)
    sampler.start()
    try:
        body = assert_full_run(host, conn, "mysql", None)
    finally:
        stop.set()
        sampler.join()
    assert body["findings"], "planted defects (no primary key, MyISAM) must be found"
    # A session counts when it is listed in two samples in a row: the server lists a session whose client has just
    # closed it for a moment more, as `Sleep` (seen as a third session when one batch's session closed as the next
    # one's opened), while a session the analyzer holds stays listed far longer than one sampling interval.
    held = [len(before & after) for before, after in zip(samples, samples[1:], strict=False)]
    assert held and 1 <= max(held) <= 2, f"ANALYZER_MAX_CONNECTIONS=2 but {max(held, default=0)} sessions were open"


def test_sqlite(host: LocalHost, sqlite_dir: Path) -> None:
    if not catalog.select("sqlite", "comprehensive"):
        pytest.skip("the SQLite catalog has no checks yet")
    path = sqlite_dir / "planted.db"
    with sqlite3.connect(path) as db:
        db.executescript("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);"
                         "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id));"
                         "CREATE TABLE notes (body TEXT);"
                         "INSERT INTO orders VALUES (1, 42);")  # dangling foreign key
    body = assert_full_run(host, f"Driver={{SQLite3}};Database={path};", "sqlite", None)
    assert body["findings"], "planted defects must be found"


def test_empty_database_gives_a_report_with_zero_findings(host: LocalHost, postgres_db: Callable[..., str],
                                                          sqlite_dir: Path) -> None:
    accepted = start(host, {"connectionString": postgres_db("empty"), "analysisType": "schema"})
    assert wait_final(host, accepted["jobId"])[-1]["status"] == "Completed"
    body = report(host, accepted["jobId"]).json()
    assert body["findings"] == [] and body["score"] == 100
    assert body["summary"] == {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0}


def test_the_schema_filter_applies_in_every_batch(host: LocalHost, postgres_db: Callable[..., str]) -> None:
    """`options.schemas` is stored with the job and read by each batch (it is not repeated in every batch's input):
    findings of other schemas are dropped, findings of the wanted one kept."""
    conn = planted(postgres_db("schemas"), [
        "CREATE SCHEMA wanted", "CREATE SCHEMA other",
        "CREATE TABLE wanted.no_key (a int)", "CREATE TABLE other.no_key (a int)",  # no primary key, either
    ])
    accepted = start(host, {"connectionString": conn, "analysisType": "schema", "options": {"schemas": ["wanted"]}})
    assert wait_final(host, accepted["jobId"])[-1]["status"] == "Completed"
    findings = report(host, accepted["jobId"]).json()["findings"]
    objects = {f["object"] for f in findings if f["checkId"] == "pg-table-without-primary-key"}
    assert objects == {"wanted.no_key"}
    assert all(f["details"].get("schema_name", "wanted") == "wanted" for f in findings)


def test_the_target_never_sees_more_working_sessions_than_the_cap(host: LocalHost,
                                                                   postgres_db: Callable[..., str]) -> None:
    """ANALYZER_MAX_CONNECTIONS (2 on this host) bounds the job's sessions on the target, read from the target's own
    view: pg_stat_activity rows of this database with the analyzer's application_name that are inside a statement
    or a transaction, sampled from another session for the whole job. Only client backends are sessions: parallel
    query workers carry their leader's application_name (a large catalog showed 2 sessions as 6 rows), and a
    backend whose client already disconnected stays listed, idle, until it exits.
    The database has enough tables for several batches, so sessions are opened and closed many times."""
    conn = planted(postgres_db("cap"), [
        "DO $$ BEGIN FOR i IN 1..150 LOOP EXECUTE format('CREATE TABLE t%s (id int, ref int, note text); "
        "CREATE INDEX t%s_a ON t%s (ref); CREATE INDEX t%s_b ON t%s (ref)', i, i, i, i, i); END LOOP; END $$",
    ])
    database = dict(p.split("=", 1) for p in conn.strip(";").split(";"))["Database"]
    observed: list[int] = []
    done = threading.Event()

    def sample() -> None:
        with pyodbc.connect(conn.replace(f"Database={database}", "Database=postgres"), autocommit=True) as monitor:
            while not done.is_set():
                observed.append(int(monitor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND application_name = 'sql-analyzer' "
                    "AND backend_type = 'client backend' "
                    "AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')",
                    database).fetchone()[0]))
                done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        accepted = start(host, {"connectionString": conn, "analysisType": "comprehensive"})
        final = wait_final(host, accepted["jobId"])[-1]
    finally:
        done.set()
        sampler.join()
    assert final["status"] == "Completed", final
    assert max(observed) >= 1, "the sampler never saw the job's sessions (wrong database or application_name?)"
    assert max(observed) <= 2, f"the target saw {max(observed)} analyzer sessions at once; the cap is 2"


def test_a_large_report_is_sent_gzip_as_stored_and_plain_to_a_client_without_gzip(
        host: LocalHost, postgres_db: Callable[..., str]) -> None:
    """Issue 12 (x10 memory): a report over 256 KB is stored packed; a client that accepts gzip gets the stored bytes
    with `Content-Encoding: gzip` (the host never inflates them), one that does not gets the same JSON plain."""
    import gzip
    import json

    import requests

    from tests.support.openapi_contract import assert_matches_openapi

    conn = planted(postgres_db("large_report"), [
        "DO $$ BEGIN FOR i IN 1..400 LOOP EXECUTE format('CREATE TABLE no_key_%s (a int, b text)', i); END LOOP; "
        "END $$"])
    accepted = start(host, {"connectionString": conn, "analysisType": "schema"})
    assert wait_final(host, accepted["jobId"])[-1]["status"] == "Completed"
    url = host.url(f"/api/v1/analysis/{accepted['jobId']}/report")
    raw = requests.get(url, headers={"x-functions-key": host.function_key, "Accept-Encoding": "gzip"}, timeout=30,
                       stream=True)
    assert raw.status_code == 200 and raw.headers["Content-Encoding"] == "gzip"
    compressed = raw.raw.read(decode_content=False)
    packed = json.loads(gzip.decompress(compressed))
    plain = requests.get(url, headers={"x-functions-key": host.function_key, "Accept-Encoding": "identity"},
                         timeout=30)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert_matches_openapi(plain)
    assert len(plain.content) > 256 * 1024 > len(compressed)
    assert packed == plain.json() and len(packed["findings"]) >= 400
    assert {"pg-table-without-primary-key"} <= {f["checkId"] for f in packed["findings"]}
