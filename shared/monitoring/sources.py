"""Reads the products' job tables (read-only) into `ProductRecord`s. The tables belong to the products; monitoring
only selects from them, through the mappers in `records.py`."""
from __future__ import annotations

from shared.monitoring.records import ProductRecord, act_record, analysis_record, scan_record
from shared.storage.db import Database

_TABLES = {  # job type → (table, key column, mapper)
    "analysis": ("analysis_jobs", "job_id", analysis_record),
    "scan": ("policy_scans", "scan_id", scan_record),
    "act": ("policy_act_runs", "act_id", act_record),
}


def load_record(db: Database, job_type: str, job_id: str) -> ProductRecord | None:
    table, key, mapper = _TABLES[job_type]
    row = db.query_one(f"SELECT * FROM {table} WHERE {key} = ?", (job_id,))
    return mapper(row) if row else None
