"""`daily_scan`: the scheduled scan at midnight UTC (the old Hangfire recurring job `daily-scan`, `0 0 * * *`).

It calls the same use case as `POST /api/v1/scans`: configuration validated, singleton lock, one orchestration.
When a scan is already running, or the configuration is invalid, the run is logged and skipped; `use_monitor`
keeps a missed midnight (host down) from being lost.
"""
from __future__ import annotations

import logging

import azure.durable_functions as df
import azure.functions as func

from shared.errors import ServiceError
from shared.policies import service
from shared.policies.config import ConfigError

bp = df.Blueprint()
log = logging.getLogger(__name__)


@bp.timer_trigger(arg_name="timer", schedule="0 0 0 * * *", use_monitor=True, run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def daily_scan(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    if timer.past_due:
        log.warning("daily_scan is running late (the host was down at midnight UTC)")
    try:
        scan_id = await service.start_scan(client, "schedule")
    except ServiceError as exc:
        log.error("daily_scan: no scan started: %s", exc.detail)
        return
    except ConfigError as exc:
        log.error("daily_scan: no scan started: invalid policy configuration: %s", exc)
        return
    log.info("daily_scan started %s", scan_id)
