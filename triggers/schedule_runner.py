"""The `JobRunner` of `shared.schedules.service` over the durable client: how a schedule starts and reads its job.

It calls the products' services (`shared.analyzer.service.start`, `shared.policies.service.start_scan`), so a
scheduled job is validated, stored and reconciled exactly like one started by hand. An analysis started by a
schedule gets a job id derived from the run id, so a start retried for the same occurrence finds the job it already
created.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from shared.analyzer import jobs
from shared.analyzer import service as analyzer_service
from shared.analyzer.requests import parse_start_request
from shared.api.problems import Problem
from shared.errors import NotFound
from shared.policies import service as policy_service
from shared.policies import store as policy_store
from shared.schedules.model import Kind, Schedule
from shared.schedules.service import ACTIVE, MISSING, JobState
from shared.storage.db import IntegrityError, get_database

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
                return await analyzer_service.start(self.client, request, source="schedule", job_id=job_id)
            except IntegrityError:
                return job_id  # this occurrence's job exists: a retried start
        scan = schedule.request
        return await policy_service.start_scan(self.client, "schedule", bool(scan.get("dryRun")),
                                               list(scan.get("repositories") or []), list(scan.get("policies") or []))

    async def state(self, kind: Kind, job_id: str) -> JobState:
        if kind is Kind.ANALYSIS:
            try:
                job = await analyzer_service.load(job_id)
            except NotFound:
                return JobState(MISSING)
            job = (await analyzer_service.reconcile(self.client, job)).job
            title = f"{job.target}, {job.analysis_type}"
            if job.active:
                return JobState(ACTIVE, attempt=job.attempt, title=title)
            return JobState(job.status.value, job.error, job.attempt, title)
        scan = await asyncio.to_thread(policy_store.get_scan, get_database(), job_id)
        if scan is None:
            return JobState(MISSING)
        scan = await policy_service.reconcile_scan(self.client, scan)
        if scan.active:
            return JobState(ACTIVE, title=scan.org)
        return JobState(scan.status.value, scan.error, 1, scan.org)
