"""`schedules_tick`: one timer a minute runs every schedule stored in the application database.

Why one timer and not an eternal orchestration per schedule: schedules are rows people add and change at run time,
while timer triggers are fixed at deployment; a claim in the database (see `shared.schedules.store`) makes a tick
safe on any number of instances, survives a restart without history to replay, and lets the due-check be one
indexed query however many schedules exist. `use_monitor` keeps the tick's own occurrences in storage, and a
schedule whose occurrence passed while the app was down fires once on the next tick (`next_run_at` is in the past).

The tick also settles the runs it started (outcome, notifications: the events of a minute are noticed here) and
dispatches the notification outbox: each due message gets its `notification_orchestrator` (deterministic instance
id per event), which sends it from an activity. So the timer does not send anything itself; it remains the place
where job events are observed, and the sweep for messages whose orchestration is gone (the local engine forgets
instances on restart; a row whose orchestration ended on an unexpected error) or was never started.

The tick also sweeps the active jobs through the products' reconcile (the watchdogs): a stalled or lost analysis,
scan or act run is failed and its admission slot or scan lock released within a minute even when nobody reads its
status.
"""
from __future__ import annotations

import asyncio
import logging

import azure.durable_functions as df
import azure.functions as func

from shared.analyzer import service as analyzer_service
from shared.notifications import service as notifications
from shared.policies import service as policy_service
from shared.schedules import service
from shared.storage.db import get_database
from triggers.schedule_runner import DurableJobRunner

bp = df.Blueprint()
log = logging.getLogger(__name__)


@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *", use_monitor=True, run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def schedules_tick(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    if timer.past_due:
        log.info("schedules_tick is late (the host was down or busy); due schedules fire once each")
    db = get_database()
    result = await service.tick(db, DurableJobRunner(client))
    others = await asyncio.to_thread(service.notify_other_failures, db)
    dispatched = await notifications.dispatch(client, db)
    await _sweep(client)
    if result.started or result.skipped or result.queued or result.settled or others or dispatched:
        log.info("schedules_tick: started %s, skipped %s, queued %s, settled %d run(s), notifications sent from "
                 "%d orchestration(s)", result.started, result.skipped, result.queued, len(result.settled),
                 len(dispatched))


async def _sweep(client: df.DurableOrchestrationClient) -> None:
    """Each product's reconcile of its active jobs; one failing (engine or database unreachable) stops neither the
    other nor the tick."""
    for name, reconcile in (("analyses", analyzer_service.reconcile_active),
                            ("scans", policy_service.reconcile_active)):
        try:
            await reconcile(client)
        except Exception as exc:  # noqa: BLE001 - the next tick tries again
            log.warning("schedules_tick: reconciling active %s failed: %s", name, type(exc).__name__)
