"""How a durable status and a product row become one job: status precedence, errors, progress, durations."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.monitoring.catalog import BY_TYPE, type_of_instance
from shared.monitoring.jobs import compact_history
from shared.monitoring.records import ProductRecord
from shared.monitoring.summary import summarize

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=timezone.utc)


def instance(instance_id: str, runtime: str, name: str = "analysis_orchestrator", output: object = None,
             custom: object = None, created: str = "2026-11-22T11:00:00Z",
             updated: str = "2026-11-22T11:00:30Z") -> dict:
    return {"instanceId": instance_id, "name": name, "runtimeStatus": runtime, "output": output,
            "customStatus": custom, "createdTime": created, "lastUpdatedTime": updated}


def analysis_record(job_id: str, status: str, error: str | None = None) -> ProductRecord:
    """An analysis job as monitoring's store maps it."""
    return ProductRecord(
        id=job_id, type="analysis", name="quick analysis of postgresql 127.0.0.1:5432/shop", status=status,
        created_at="2026-11-22T11:00:00.100000+00:00", updated_at="2026-11-22T11:00:20+00:00",
        started_at="2026-11-22T11:00:01+00:00",
        completed_at="2026-11-22T11:00:11.500000+00:00" if status in ("Completed", "Failed") else None,
        error=error, attempt=2, completed=4, total=8, step="running checks")


@pytest.mark.parametrize("runtime, output, expected, why", [
    ("Completed", {"status": "Failed", "error": "x"}, "Failed",
     "an orchestration that ends normally may report a failed job: the job's own outcome wins"),
    ("Completed", {"status": "Completed"}, "Completed", "a plain success"),
    ("Completed", "done", "Completed", "an output without a status keeps the runtime status"),
    ("Terminated", "canceled by request", "Terminated", "no product row: the engine's word"),
    ("ContinuedAsNew", None, "Running", "an eternal orchestration between generations is still running"),
])
def test_status_without_a_product_row_comes_from_the_engine(runtime: str, output: object, expected: str,
                                                             why: str) -> None:
    job = summarize(BY_TYPE["analysis"], instance("analysis-1", runtime, output=output), None, NOW)
    assert job.status == expected, why


def test_the_product_row_wins_over_the_runtime_status_and_gives_precise_timings() -> None:
    record = analysis_record("analysis-1", "Failed", "cannot connect to 127.0.0.1:1")
    job = summarize(BY_TYPE["analysis"], instance("analysis-1", "Completed"), record, NOW)
    assert job.status == "Failed" and job.runtime_status == "Completed"
    assert job.error == "cannot connect to 127.0.0.1:1"
    assert job.duration_seconds == 10.5  # started_at → completed_at, not the engine's second-precision times
    assert job.retryable and job.attempt == 2
    assert job.name == "quick analysis of postgresql 127.0.0.1:5432/shop"


def test_a_running_job_reports_its_time_so_far_and_live_progress() -> None:
    custom = {"progressPercentage": 62, "currentStep": "running checks (5 of 8 batches)", "checksCompleted": 5,
              "checksTotal": 8}
    record = analysis_record("analysis-1", "Running")
    job = summarize(BY_TYPE["analysis"], instance("analysis-1", "Running", custom=custom), record, NOW)
    assert job.duration_seconds == (NOW - datetime(2026, 11, 22, 11, 0, 1, tzinfo=timezone.utc)).total_seconds()
    assert job.progress == {"percentage": 62, "step": "running checks (5 of 8 batches)", "completed": 5, "total": 8}
    assert not job.retryable and job.completed_at is None


@pytest.mark.parametrize("job_type, custom, expected", [
    ("scan", {"phase": "evaluating", "repositoriesScanned": 30, "repositoriesTotal": 120},
     {"percentage": 25, "step": "evaluating", "completed": 30, "total": 120}),
    ("act", {"phase": "acting", "items": 10, "done": 10},
     {"percentage": 99, "step": "acting", "completed": 10, "total": 10}),
    ("scan", {"phase": "acting", "items": 10, "done": 10},  # another type's keys are not guessed at
     {"percentage": None, "step": "acting", "completed": None, "total": None}),
    ("scan", "not a dict", None),
])
def test_policy_progress_channels_share_one_shape(job_type: str, custom: object, expected: dict | None) -> None:
    orchestrator = BY_TYPE[job_type].orchestrator
    job = summarize(BY_TYPE[job_type], instance("scan-1", "Running", orchestrator, custom=custom), None, NOW)
    assert job.progress == expected


@pytest.mark.parametrize("runtime, output, custom, expected", [
    ("Failed", "activity x failed: Pwd=hunter2;", None, "activity x failed: Pwd=***;"),
    ("Completed", {"status": "Failed", "error": "token ghp_abcdefgh12345678 refused"}, None, "token *** refused"),
    ("Completed", {"status": "Failed"}, {"phase": "failed", "error": "GitHub rate limit did not recover"},
     "GitHub rate limit did not recover"),
    ("Completed", {"status": "Completed", "error": "ignored"}, None, None),
])
def test_errors_come_from_the_engine_when_no_row_and_are_redacted(runtime: str, output: object, custom: object,
                                                                    expected: str | None) -> None:
    job = summarize(BY_TYPE["scan"], instance("scan-1", runtime, "policy_scan_orchestrator", output, custom),
                    None, NOW)
    assert job.error == expected


def test_a_row_whose_instance_the_engine_lost_is_still_a_job() -> None:
    record = analysis_record("analysis-2", "Failed", "interrupted by a host restart")
    job = summarize(BY_TYPE["analysis"], None, record, NOW)
    assert job.runtime_status is None and job.status == "Failed" and job.error == "interrupted by a host restart"


@pytest.mark.parametrize("name, instance_id, expected", [
    (None, "analysis-abc", "analysis"), (None, "scan-1:act:3", "act"), (None, "scan-1", "scan"),
    (None, "scan-1:batch:2", None), ("policy_act_orchestrator", "x", "act"), ("unknown", "analysis-1", None),
])
def test_job_type_by_orchestrator_name_then_by_id(name: str | None, instance_id: str, expected: str | None) -> None:
    found = type_of_instance(name, instance_id)
    assert (found.type if found else None) == expected


def test_compact_history_keeps_the_last_events_without_outputs() -> None:
    events = [{"EventType": "TaskScheduled", "Timestamp": "t", "FunctionName": f"f{i}"} for i in range(150)]
    history = compact_history(events)
    assert history["total"] == 150 and len(history["events"]) == 100 and history["events"][-1]["functionName"] == "f149"
    assert compact_history(None) is None


def test_a_job_needs_one_side() -> None:
    with pytest.raises(ValueError):
        summarize(BY_TYPE["act"], None, None, NOW)


def test_to_json_links_point_at_the_product_and_monitoring() -> None:
    record = ProductRecord(id="scan-1:act:2", type="act", name="actions", status="Failed", created_at=None,
                           updated_at=None, started_at=None, completed_at=None, error="x", scan_id="scan-1")
    body = summarize(BY_TYPE["act"], None, record, NOW).to_json("http://h")
    assert body["links"] == {"self": "http://h/api/v1/jobs/scan-1:act:2", "status": "http://h/api/v1/scans/scan-1",
                             "retry": "http://h/api/v1/jobs/scan-1:act:2/retry"}
    assert body["product"] == "policy-act" and body["statusUrl"] == body["links"]["status"]
