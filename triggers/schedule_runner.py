"""The `JobRunner` of `shared.schedules.service` over the durable client: how a schedule starts and reads its job.

It goes through the same start paths as the HTTP API (`start_analysis`, `start_scan`), so a scheduled job is
validated, stored and reconciled exactly like one started by hand. An analysis started by a schedule gets a job id
derived from the run id, so a start retried for the same occurrence finds the job it already created.
"""
from __future__ import annotations

import logging
from typing import Any

from shared.analyzer import jobs
from shared.analyzer.models import ACTIVE_STATUSES
from shared.analyzer.requests import parse_start_request
from shared.api.problems import Problem
from shared.policies import store as policy_store
from shared.schedules.model import Kind, Schedule
from shared.schedules.service import ACTIVE, MISSING, JobState
from shared.storage.db import IntegrityError, get_database
from triggers.http_analysis import reconcile, start_analysis
from triggers.http_scans import reconcile_scan, start_scan

log = logging.getLogger(__name__)


class DurableJobRunner:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def start(self, schedule: Schedule, run_id: str) -> str:
        if schedule.kind is Kind.ANALYSIS:
            try:
                request = parse_start_request(schedule.request, from_queue=True)
            except Problem as problem:  # e.g. the named connection was removed since the schedule was saved
                raise Problem(400, f"the schedule's request is no longer valid: {problem.detail}") from None
            job_id = jobs.JOB_PREFIX + run_id.removeprefix("run-")
            try:
                return await start_analysis(self.client, request, source="schedule", job_id=job_id)
            except IntegrityError:
                return job_id  # this occurrence's job exists: a retried start
        scan = schedule.request
        return await start_scan(self.client, "schedule", bool(scan.get("dryRun")),
                                list(scan.get("repositories") or []), list(scan.get("policies") or []))

    async def state(self, kind: Kind, job_id: str) -> JobState:
        db = get_database()
        if kind is Kind.ANALYSIS:
            row = jobs.get_job(db, job_id)
            if row is None:
                return JobState(MISSING)
            row = await reconcile(self.client, db, row)
            title = f"{row['target']}, {row['analysis_type']}"
            if row["status"] in ACTIVE_STATUSES:
                return JobState(ACTIVE, attempt=int(row["attempt"]), title=title)
            return JobState(row["status"], row["error"], int(row["attempt"]), title)
        scan = policy_store.get_scan(db, job_id)
        if scan is None:
            return JobState(MISSING)
        scan = await reconcile_scan(self.client, scan)
        if scan["status"] in policy_store.ACTIVE_SCAN_STATES:
            return JobState(ACTIVE, title=scan["org"])
        return JobState(scan["status"], scan["error"], 1, scan["org"])
