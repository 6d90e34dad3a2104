"""All SQL of monitoring: the three products' job tables read together, filtered, counted and paged in the
database (read-only; the tables belong to the products).

Each table is selected into one shape (`_SELECTS`) so a page across types merges three index-ordered reads, and
counts are `GROUP BY status` per table: the work of a request does not grow with the number of jobs
kept (indexes: migrations 0001, 0002 and 0005).
"""
from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from shared.monitoring.records import DEFAULT_PRIORITY, ProductRecord
from shared.storage.db import Database

# job type → SELECT in the common shape; `name_*` are the parts the record's display name is built from.
_SELECTS = {
    "analysis": "SELECT job_id AS id, 'analysis' AS job_type, status, created_at, updated_at, started_at, "
                "completed_at, error, attempt, checks_completed AS done, checks_total AS total, current_step AS step, "
                "NULL AS scan_id, analysis_type AS name_a, engine AS name_b, target AS name_c, 0 AS dry_run, "
                "priority FROM analysis_jobs",
    "scan": "SELECT scan_id AS id, 'scan' AS job_type, status, created_at, COALESCE(completed_at, started_at) AS "
            "updated_at, started_at, completed_at, error, 1 AS attempt, repositories_scanned AS done, "
            "repositories_total AS total, NULL AS step, scan_id, trigger_kind AS name_a, org AS name_b, "
            "NULL AS name_c, dry_run, NULL AS priority FROM policy_scans",
    "act": "SELECT act_id AS id, 'act' AS job_type, status, started_at AS created_at, COALESCE(completed_at, "
           "started_at) AS updated_at, started_at, completed_at, error, attempt, NULL AS done, NULL AS total, "
           "NULL AS step, scan_id, NULL AS name_a, NULL AS name_b, NULL AS name_c, 0 AS dry_run, "
           "NULL AS priority FROM policy_act_runs",
}
_KEYS = {"analysis": "job_id", "scan": "scan_id", "act": "act_id"}
_TABLES = {"analysis": ("analysis_jobs", "created_at"), "scan": ("policy_scans", "created_at"),
           "act": ("policy_act_runs", "started_at")}
_IN_CHUNK = 200  # ids per IN list (a page holds at most 200 jobs)
RECENT_DURATIONS = 1000  # durations are measured over the newest finished jobs of each type


def _name(row: dict[str, Any]) -> str:
    if row["job_type"] == "analysis":
        return f"{row['name_a']} analysis of {row['name_b']} {row['name_c']}"
    if row["job_type"] == "scan":
        return f"{row['name_a']} scan of {row['name_b']}" + (" (dry run)" if row["dry_run"] else "")
    return f"actions of {row['scan_id']} (attempt {int(row['attempt'] or 1)})"


def _record(row: dict[str, Any], schedule_id: str | None = None) -> ProductRecord:
    return ProductRecord(
        id=row["id"], type=row["job_type"], name=_name(row), status=row["status"], created_at=row["created_at"],
        updated_at=row["updated_at"], started_at=row["started_at"], completed_at=row["completed_at"],
        error=row["error"], attempt=int(row["attempt"] or 1),
        completed=None if row["done"] is None else int(row["done"]),
        total=None if row["total"] is None else int(row["total"]), step=row["step"], scan_id=row["scan_id"],
        priority=row["priority"] or DEFAULT_PRIORITY, schedule_id=schedule_id)


def _where(status: str | None, search: str | None, job_type: str) -> tuple[str, tuple[Any, ...]]:
    """The filter of a list: one status, and/or an id that contains `search` (case as stored; ids are lower-case)."""
    clauses: list[str] = []
    params: list[Any] = []
    if status:
        clauses.append("status = ?")
        params.append(status)
    if search:
        clauses.append(f"{_KEYS[job_type]} LIKE ?")
        params.append("%" + search.replace("%", "").replace("_", "") + "%")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", tuple(params)


def count_matching(db: Database, types: Collection[str], status: str | None, search: str) -> int:
    """How many jobs a searched list has (a search reads the id column; the plain counts use the status index)."""
    total = 0
    for job_type in (t for t in _SELECTS if t in types):
        table, _ = _TABLES[job_type]
        where, params = _where(status, search, job_type)
        total += db.count(f"SELECT COUNT(*) AS n FROM {table}{where}", params)
    return total


def finished_per_day(db: Database, since_day: str) -> dict[str, dict[str, int]]:
    """Per UTC day (`YYYY-MM-DD`) since `since_day`, how many jobs of every type completed and failed: the
    dashboard's history graph (index: status, completed_at)."""
    days: dict[str, dict[str, int]] = {}
    for table, _ in _TABLES.values():
        rows = db.query(f"SELECT SUBSTR(completed_at, 1, 10) AS day, status, COUNT(*) AS n FROM {table} "
                        "WHERE status IN ('Completed', 'Failed', 'Terminated') AND completed_at >= ? "
                        "GROUP BY SUBSTR(completed_at, 1, 10), status", (since_day,))
        for r in rows:
            per_day = days.setdefault(str(r["day"]), {})
            per_day[r["status"]] = per_day.get(r["status"], 0) + int(r["n"])
    return days


@dataclass(frozen=True)
class Position:
    """Where a page ended in the newest-first order: the last job's creation time and id (a keyset cursor)."""

    created_at: str
    id: str


def page_records(db: Database, types: Collection[str], status: str | None, offset: int,
                 limit: int, search: str | None = None, after: Position | None = None) -> list[ProductRecord]:
    """One page of jobs of the given types, newest first (ties by id), optionally of one status.

    Each table is read newest first along its (status,) created_at, id index, `offset + limit` rows at most, and
    the streams are merged here: a planner-independent way to page a union (PostgreSQL sorts a whole UNION ALL
    of differently typed arms instead of merging its index scans). Page 1 reads 3 × `limit` rows whatever the
    table sizes; a deep page reads up to its offset from each table, while a page `after` a position (a cursor)
    reads `limit` rows per table from there along the same index, however deep (the offset is then not used).
    """
    streams = []
    offset = 0 if after is not None else offset
    for job_type in (t for t in _SELECTS if t in types):
        table, created = _TABLES[job_type]
        key = _KEYS[job_type]
        where, params = _where(status, search, job_type)
        if after is not None:
            where += (" AND " if where else " WHERE ") + f"({created} < ? OR ({created} = ? AND {key} < ?))"
            params += (after.created_at, after.created_at, after.id)
        sql = db.limit(f"{_SELECTS[job_type]}{where} ORDER BY {created} DESC, {key} DESC", offset + limit)
        streams.append([_record(r) for r in db.query(sql, params)])
    merged = heapq.merge(*streams, key=lambda r: (r.created_at or "", r.id), reverse=True)
    return with_schedules(db, list(itertools.islice(merged, offset, offset + limit)))


def _schedule_key(record: ProductRecord) -> str:
    """The id a schedule run records: the analysis or the scan (an act run belongs to its scan's schedule)."""
    return (record.scan_id or record.id) if record.type == "act" else record.id


def with_schedules(db: Database, records: list[ProductRecord]) -> list[ProductRecord]:
    """The records with the schedule that started each (one indexed read of `schedule_runs` for the whole page;
    `ix_schedule_runs_job`). A job started by hand, by the API or by a queue message has none."""
    keys = sorted({_schedule_key(r) for r in records})
    if not keys:
        return records
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start:start + _IN_CHUNK]
        rows = db.query(f"SELECT job_id, schedule_id, started_at FROM schedule_runs WHERE job_id IN "
                        f"({', '.join('?' for _ in chunk)})", tuple(chunk))
        for r in rows:  # the first run that started the job (a restart keeps the analysis id, not a new run)
            if r["job_id"] not in found or str(r["started_at"]) < found[r["job_id"]][1]:
                found[r["job_id"]] = (r["schedule_id"], str(r["started_at"]))
    return [dataclasses.replace(r, schedule_id=found[_schedule_key(r)][0]) if _schedule_key(r) in found else r
            for r in records]


def load_record(db: Database, job_type: str, job_id: str) -> ProductRecord | None:
    """One job by id, in the same shape as the list's."""
    rows = db.query(f"{_SELECTS[job_type]} WHERE {_KEYS[job_type]} = ?", (job_id,))
    return with_schedules(db, [_record(rows[0])])[0] if rows else None


def counts_by_status(db: Database, types: Collection[str]) -> dict[str, dict[str, int]]:
    """Per job type, how many jobs are in each status."""
    counts: dict[str, dict[str, int]] = {}
    for job_type in (t for t in _TABLES if t in types):
        table, _ = _TABLES[job_type]
        rows = db.query(f"SELECT status, COUNT(*) AS n FROM {table} GROUP BY status")
        counts[job_type] = {r["status"]: int(r["n"]) for r in rows}
    return counts


def finished_since(db: Database, since_iso: str, types: Collection[str] | None = None) -> dict[str, int]:
    """How many jobs (of the given types, default all) completed or failed at or after `since_iso` (index: status,
    completed_at)."""
    totals: dict[str, int] = {}
    for table, _ in (spec for t, spec in _TABLES.items() if types is None or t in types):
        rows = db.query(f"SELECT status, COUNT(*) AS n FROM {table} WHERE status IN ('Completed', 'Failed') "
                        "AND completed_at >= ? GROUP BY status", (since_iso,))
        for r in rows:
            totals[r["status"]] = totals.get(r["status"], 0) + int(r["n"])
    return totals


@dataclass(frozen=True)
class Timing:
    status: str
    started_at: str | None
    completed_at: str


def recent_timings(db: Database, job_type: str, limit: int = RECENT_DURATIONS) -> list[Timing]:
    """Status, start and end of the newest `limit` finished jobs of a type (read backwards on completed_at)."""
    table, created = _TABLES[job_type]
    rows = db.query(db.limit(f"SELECT status, COALESCE(started_at, {created}) AS started_at, completed_at "
                             f"FROM {table} WHERE completed_at IS NOT NULL ORDER BY completed_at DESC", limit))
    return [Timing(r["status"], r["started_at"], r["completed_at"]) for r in rows]
