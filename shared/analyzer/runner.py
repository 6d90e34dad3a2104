"""Runs one check on an open session and classifies failures.

A check that cannot run (permission denied, timeout, unsupported version, not available on Azure SQL Database)
becomes a `skipped` entry with its reason and never fails the job: a partial report beats no report.
"""
from __future__ import annotations

import re
import time

from shared.analyzer import catalog, handlers
from shared.analyzer.connstr import redact
from shared.analyzer.mappers import rows_to_findings
from shared.analyzer.model import Check, CheckOutcome
from shared.analyzer.session import AnalysisSession

_PERMISSION = re.compile(r"42501|permission denied|access denied|command denied|not have permission|"
                         r"VIEW SERVER STATE|VIEW DATABASE STATE|1142|1227", re.I)
_TIMEOUT = re.compile(r"HYT00|HYT01|57014|statement timeout|canceling statement|max_statement_time|"
                      r"max_execution_time|timeout expired|query execution was interrupted|1969|3024", re.I)
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


def run_check(session: AnalysisSession, check: Check, schemas: list[str] | None = None) -> CheckOutcome:
    started = time.perf_counter()
    outcome = CheckOutcome(check.id)
    assert session.server is not None
    reason = skip_reason_for(check, session.server.version, session.server.flavor)
    if reason:
        outcome.skipped = reason
        return outcome
    try:
        if check.kind == "python":
            rows = handlers.get(check.handler or "")(session, check)
        else:
            rows = session.query(catalog.sql_text(check))
        findings = rows_to_findings(check, rows)
        if schemas:
            wanted = {s.lower() for s in schemas}
            findings = [f for f in findings
                        if str(f.details.get("schema_name", "")).lower() in wanted or "schema_name" not in f.details]
        outcome.findings = findings
    except handlers.SkipCheck as exc:
        outcome.skipped = str(exc)
    except Exception as exc:  # noqa: BLE001 - any failure of one check is recorded, never fatal
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
