"""Composition root of the function app.

Only wiring lives here: each concern registers its functions on its own blueprint, so the real Functions host
(`func start`, Azure) and the local host (`python -m devhost`) discover exactly the same functions.
"""
import azure.durable_functions as df
import azure.functions as func

from activities import analysis as analysis_activities
from activities import notification as notification_activities
from activities import policy as policy_activities
from orchestrators import analysis as analysis_orchestrators
from orchestrators import notification as notification_orchestrators
from orchestrators import policy_act as policy_act_orchestrators
from orchestrators import policy_scan as policy_scan_orchestrators
from triggers import (
    http_analysis,
    http_github_webhook,
    http_monitoring,
    http_openapi,
    http_scans,
    http_schedules,
    http_signalr,
    http_ui,
    queue_analysis_requests,
    queue_policy_act_requests,
    queue_policy_webhook_events,
    timer_schedules,
)

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)

for blueprint in (
    http_openapi.bp,
    http_ui.bp,
    http_monitoring.bp,
    http_analysis.bp,
    queue_analysis_requests.bp,
    analysis_orchestrators.bp,
    analysis_activities.bp,
    http_scans.bp,
    queue_policy_act_requests.bp,
    http_github_webhook.bp,
    queue_policy_webhook_events.bp,
    policy_scan_orchestrators.bp,
    policy_act_orchestrators.bp,
    policy_activities.bp,
    http_schedules.bp,
    timer_schedules.bp,
    notification_orchestrators.bp,
    notification_activities.bp,
    http_signalr.bp,
):
    app.register_functions(blueprint)
