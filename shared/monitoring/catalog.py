"""The job types the monitoring API knows, as data: one row per top-level orchestrator.

Sub-orchestrations (`policy_scan_batch_orchestrator`) are parts of a scan, not jobs, so they are not listed; an
orchestrator added later shows up in monitoring by adding one row here.
"""
from __future__ import annotations

from dataclasses import dataclass

# What a user filters on (`?status=`): the products' own vocabulary plus the engine's terminal states.
JOB_STATUSES = ("Pending", "Running", "Completed", "Failed", "Canceled", "Terminated", "Suspended")
FINISHED = ("Completed", "Failed", "Canceled", "Terminated")
ACTIVE = ("Pending", "Running", "Suspended")


@dataclass(frozen=True)
class JobType:
    type: str            # the API's `type` (`?type=`)
    product: str         # the older `product` field, kept for clients of the first version of this API
    orchestrator: str    # durable function name
    status_path: str     # the product's own status resource, `{id}` replaced
    retry: str           # how POST /jobs/{id}/retry is carried out (documentation and the `links`)
    progress: ProgressKeys


@dataclass(frozen=True)
class ProgressKeys:
    """Where the orchestration's custom status keeps its progress: the keys of units done and in total, and of
    the current step. Declared per job type, so the summary reads them instead of guessing the shape."""

    done: str
    total: str
    step: str


JOB_TYPES: tuple[JobType, ...] = (
    JobType("analysis", "analysis", "analysis_orchestrator", "/api/v1/analysis/status/{id}",
            "restarts the analysis under the same id (POST /api/v1/analysis/{id}/restart)",
            ProgressKeys("checksCompleted", "checksTotal", "currentStep")),
    JobType("scan", "policy-scan", "policy_scan_orchestrator", "/api/v1/scans/{id}",
            "starts a new scan with the same request (POST /api/v1/scans)",
            ProgressKeys("repositoriesScanned", "repositoriesTotal", "phase")),
    JobType("act", "policy-act", "policy_act_orchestrator", "/api/v1/scans/{scanId}",
            "retries the scan's act step (POST /api/v1/scans/{scanId}/actions/retry)",
            ProgressKeys("done", "items", "phase")),
)
BY_TYPE = {t.type: t for t in JOB_TYPES}
BY_ORCHESTRATOR = {t.orchestrator: t for t in JOB_TYPES}
PRODUCT_ALIASES = {t.product: t.type for t in JOB_TYPES}


def type_of_instance(orchestrator: str | None, instance_id: str) -> JobType | None:
    """The job type of an orchestration instance, by its function name (ids are a fallback when a store lost it)."""
    if orchestrator in BY_ORCHESTRATOR:
        return BY_ORCHESTRATOR[orchestrator]
    if orchestrator:
        return None
    if instance_id.startswith("analysis-"):
        return BY_TYPE["analysis"]
    if instance_id.startswith("scan-"):
        return BY_TYPE["act"] if ":act" in instance_id else (None if ":" in instance_id else BY_TYPE["scan"])
    return None


def scan_id_of_act(act_id: str) -> str:
    """`<scanId>:act` or `<scanId>:act:<n>` → `<scanId>`."""
    return act_id.split(":act", 1)[0]
