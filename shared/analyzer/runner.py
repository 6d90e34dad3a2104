"""Runs checks on a session and classifies failures.

A check that cannot run (permission denied, timeout, unsupported version, not available on Azure SQL Database)
becomes a `skipped` entry with its reason and never fails the job: a partial report beats no report. A LOST
CONNECTION is different: it says nothing about the check, and every later check on that session would fail the same
way. `run_checks` therefore re-runs the check that lost it, and the rest of the batch, on a new session (a bounded
number of times); what is still lost after that is recorded as `connection_lost`, and the job says it is partial.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from shared.analyzer import catalog, handlers
from shared.analyzer.connstr import redact
from shared.analyzer.mappers import iter_findings
from shared.analyzer.model import Check, CheckOutcome, Finding, encode_findings
from shared.analyzer.session import AnalysisSession, TargetError
from shared.memory import release_free_memory

_PERMISSION = re.compile(r"42501|permission denied|access denied|command denied|not have permission|"
                         r"VIEW SERVER STATE|VIEW DATABASE STATE|1142|1227", re.I)
_TIMEOUT = re.compile(r"HYT00|HYT01|57014|statement timeout|canceling statement|max_statement_time|"
                      r"max_execution_time|timeout expired|query execution was interrupted|1969|3024", re.I)
# SQLSTATE class 08 (connection exception), 57P01-57P03 (PostgreSQL: terminated by an administrator, crash
# shutdown, cannot connect now), and the drivers' texts for a connection that is gone.
_CONNECTION_LOST_STATE = re.compile(r"^(?:08\w{3}|57P0[123])$")
_CONNECTION_LOST_TEXT = re.compile(r"connection (?:has been |was )?lost|connection lost|lost connection|"
                                   r"server closed the connection|terminating connection|gone away|"
                                   r"communication link failure|connection not open|connection is closed|"
                                   r"\(2006\)|\(2013\)", re.IGNORECASE)
LOST_REASON = "the connection to the target was lost"
_LARGE = 1000  # findings: after storing a check this large, hand its freed memory back (shared.memory)
_LOCK = re.compile(r"55P03|lock timeout|1205|Lock wait timeout|database is locked", re.I)


def skip_reason_for(check: Check, version: str, flavor: str) -> str | None:
    """Reasons known before running: version and platform guards."""
    if check.min_version and catalog.version_tuple(version) < catalog.version_tuple(check.min_version):
        return f"requires {check.engine} {check.min_version} or later (server is {version})"
    if check.engine == "sqlserver" and flavor == "azure-sql" and not check.azure_sql:
        return "not available on Azure SQL Database"
    return None


def classify_error(exc: Exception, timeout_s: int) -> str:
    text = " ".join(str(a) for a in getattr(exc, "args", ()) or (str(exc),))
    if _PERMISSION.search(text):
        return "permission denied: the analysis login lacks the rights this check needs"
    if _LOCK.search(text):
        return "skipped: a lock was held longer than the lock timeout"
    if _TIMEOUT.search(text):
        return f"timed out after {timeout_s} s (statement timeout)"
    state = exc.args[0] if getattr(exc, "args", None) and isinstance(exc.args[0], str) else type(exc).__name__
    return f"failed ({state}): {redact(text)[:200]}"


def is_connection_lost(exc: BaseException) -> bool:
    args = getattr(exc, "args", ()) or ()
    state = args[0] if args and isinstance(args[0], str) else ""
    text = " ".join(str(a) for a in args) or str(exc)
    return bool(_CONNECTION_LOST_STATE.match(state)) or bool(_CONNECTION_LOST_TEXT.search(text))


def run_check(session: AnalysisSession, check: Check, schemas: list[str] | None = None, *,
              encode: bool = False) -> CheckOutcome:
    """Run one check. With `encode`, each finding is encoded to its stored JSON as its row arrives and only the
    text is kept (`CheckOutcome.findings_json`): rows stream from the driver a page at a time, through the mapper,
    into text, so a job never holds a check's rows or `Finding` objects, only its findings' text."""
    started = time.perf_counter()
    outcome = CheckOutcome(check.id)
    assert session.server is not None
    reason = skip_reason_for(check, session.server.version, session.server.flavor)
    if reason:
        outcome.skipped = reason
        return outcome
    try:
        rows: Iterable[dict[str, Any]]
        if check.kind == "python":
            rows = handlers.get(check.handler or "")(session, check)
        else:
            rows = session.iter_rows(catalog.sql_text(check))
        findings: Iterable[Finding] = iter_findings(check, rows)
        if schemas:
            wanted = {s.lower() for s in schemas}
            findings = (f for f in findings
                        if str(f.details.get("schema_name", "")).lower() in wanted or "schema_name" not in f.details)
        if encode:
            outcome.findings_json, outcome.finding_count = encode_findings(findings)
        else:
            outcome.findings = list(findings)
        del rows, findings
    except handlers.SkipCheck as exc:
        outcome.skipped = str(exc)
        outcome.findings_json, outcome.finding_count = None, 0
    except Exception as exc:  # noqa: BLE001 - any failure of one check is recorded, never fatal
        outcome.findings_json, outcome.finding_count = None, 0
        if is_connection_lost(exc):
            outcome.skipped, outcome.connection_lost = LOST_REASON, True
        else:
            outcome.skipped = classify_error(exc, session.statement_timeout_s)
            _reset_after_error(session)
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    return outcome


def _reset_after_error(session: AnalysisSession) -> None:
    """PostgreSQL aborts the transaction on error; with autocommit there is none, but be explicit for drivers
    that open one implicitly."""
    try:
        session.conn.rollback()
    except Exception:  # noqa: BLE001
        pass


@dataclass(frozen=True)
class BatchRun:
    """Outcomes in the order of the checks given, how many new sessions were opened after a lost connection, and
    how many findings the outcomes had. With `on_outcome`, the outcomes kept here are stripped of their findings
    (the callback has stored them): a batch holds one check's findings at a time, not the whole batch's."""

    outcomes: list[CheckOutcome]
    reconnects: int
    findings: int = 0

    @property
    def lost(self) -> int:
        return sum(1 for o in self.outcomes if o.connection_lost)


def run_checks(open_session: Callable[[], AnalysisSession], checks: list[Check], schemas: list[str] | None = None,
               *, reconnects: int = 2, reconnect_delay_s: float = 1.0,
               on_outcome: Callable[[CheckOutcome], None] | None = None) -> BatchRun:
    """Run `checks` on one session, and after a lost connection the remaining ones (starting with the check that
    lost it) on a new session, at most `reconnects` times. The first open's `TargetError` is raised (the activity's
    retry policy handles an unreachable target); a failed reopen uses up one reconnect. Checks still not run at the
    end are recorded as `connection_lost`, with the reason, never silently skipped.

    `on_outcome` receives each final outcome as soon as it exists (checks lost for good: at the end), its
    findings already encoded as their stored JSON (`run_check(encode=True)`); the text is then dropped from the kept
    outcome, so memory holds one check's findings text, whatever the batch."""
    done: dict[str, CheckOutcome] = {}
    finding_count = 0

    def keep(outcome: CheckOutcome) -> None:
        nonlocal finding_count
        finding_count += outcome.count
        if on_outcome is not None:
            on_outcome(outcome)
            # Emptied in place, not copied: the loop's own reference would otherwise keep this check's text alive
            # while the next check runs (two checks' findings per batch at the peak instead of one).
            large = outcome.count >= _LARGE
            outcome.findings, outcome.findings_json = [], None
            if large:
                release_free_memory()  # the text is gone; its pages would otherwise stay in this thread's arena
        done[outcome.check_id] = outcome

    pending = list(checks)
    opened = 0
    reason = LOST_REASON
    while pending and opened <= reconnects:
        if opened:
            threading.Event().wait(reconnect_delay_s * opened)  # a restarting server gets a moment, growing
        opened += 1
        try:
            session = open_session()
        except TargetError as exc:
            if opened == 1:
                raise
            reason = f"{LOST_REASON}, and a new session failed: {exc}"
            continue
        try:
            while pending:
                outcome = run_check(session, pending[0], schemas, encode=on_outcome is not None)
                if outcome.connection_lost:
                    break  # this check and the rest go to the next session
                pending.pop(0)
                keep(outcome)
        finally:
            _close_quietly(session)
    attempts = f"(tried on {opened} session{'s' if opened != 1 else ''})"
    for check in pending:
        keep(CheckOutcome(check.id, skipped=f"{reason} {attempts}", connection_lost=True))
    return BatchRun([done[c.id] for c in checks], max(0, opened - 1), finding_count)


def _close_quietly(session: AnalysisSession) -> None:
    """Closing a session whose connection is already gone may raise; there is nothing left to release."""
    try:
        session.close()
    except Exception:  # noqa: BLE001
        session.conn = None
