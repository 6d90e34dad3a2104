"""The policy orchestrators driven step by step (DF's `orchestrator_generator_wrapper`, a recording fake context):
batching and windows, progress status, rate-limit pauses on durable timers, 401 → fail, act chaining, archive grace.
No host, no database, no GitHub: the activities are plain functions of their payloads."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from azure.durable_functions.testing import orchestrator_generator_wrapper

from orchestrators.policy_act import policy_act_orchestrator
from orchestrators.policy_scan import (
    MAX_RATE_LIMIT_WAITS,
    RETRY,
    policy_scan_batch_orchestrator,
    policy_scan_orchestrator,
)
from shared.policies.models import ActChunkResult, ActPlan, ArchiveCandidate, ChunkResult, ListPageResult, ScanPlan

SCAN = "scan-20260101000000-000001"
NOW = datetime(2026, 1, 1, 0, 0, 0)  # DF hands orchestrators a naive UTC time
RESET = "2026-01-01T00:15:00+00:00"


class Task:
    """Completes when first read; a failed activity throws into the orchestrator (as on replay)."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute, self._done, self._value = compute, False, None

    @property
    def result(self) -> Any:
        if not self._done:
            self._done = True
            try:
                self._value = self._compute()
            except Exception as exc:  # noqa: BLE001
                self._value = exc
        if isinstance(self._value, Exception):
            raise self._value
        return self._value


class Context:
    """The `DurableOrchestrationContext` surface the orchestrators use, recording every call in order."""

    def __init__(self, payload: dict, activities: dict[str, Callable[[dict], Any]], now: datetime = NOW) -> None:
        self.payload, self.activities = payload, activities
        self.current_utc_datetime = now
        self.calls: list[tuple[str, Any]] = []  # ("activity"|"sub"|"timer", ...) in yield order
        self.statuses: list[dict] = []
        self.windows: list[int] = []
        self.children: dict[str, "Context"] = {}

    def get_input(self) -> dict:
        return self.payload

    def set_custom_status(self, status: dict) -> None:
        self.statuses.append(dict(status))

    def call_activity_with_retry(self, name: str, retry: Any, payload: dict) -> Task:
        assert retry is RETRY
        self.calls.append((name, payload))
        return Task(lambda: self.activities[name](payload))

    def call_sub_orchestrator(self, name: str, payload: dict, instance_id: str) -> Task:
        assert name == "policy_scan_batch_orchestrator"
        self.calls.append(("sub", instance_id))
        child = Context(payload, self.activities, self.current_utc_datetime)
        self.children[instance_id] = child
        return Task(lambda: run(policy_scan_batch_orchestrator, child))

    def task_all(self, tasks: list[Task]) -> Task:
        self.windows.append(len(tasks))
        return Task(lambda: [t.result for t in tasks])

    def create_timer(self, when: datetime) -> Task:
        self.calls.append(("timer", when))

        def fire() -> None:
            self.current_utc_datetime = when  # time moves on to the timer's due time
        return Task(fire)

    def timers(self) -> list[datetime]:
        return [when for kind, when in self.calls if kind == "timer"]

    def activity_payloads(self, name: str) -> list[dict]:
        return [p for kind, p in self.calls if kind == name]


def run(orchestrator: Any, context: Context) -> Any:
    generator_function = orchestrator._function._func.orchestrator_function  # the user's generator
    return list(orchestrator_generator_wrapper(generator_function(context)))[-1]


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(timezone.utc).replace(tzinfo=None)


# -- scan ---------------------------------------------------------------------------------------------------------
def scan_activities(total: int, *, plan: ScanPlan | None = None, pages: list[ListPageResult] | None = None,
                    chunk: Callable[[dict], dict] | None = None) -> dict[str, Callable[[dict], Any]]:
    listing = list(pages or [ListPageResult(stored=total, total=total, next_page=0)])
    return {
        "policy_load_config": lambda p: (plan or ScanPlan(SCAN, batch_size=50, parallel_batches=2,
                                                          chunk_size=10)).to_json(),
        "policy_list_repositories": lambda p: listing.pop(0).to_json(),
        "policy_evaluate_chunk": chunk or (lambda p: ChunkResult(scanned=p["limit"], violations=1).to_json()),
        "policy_finish_scan": lambda p: {"scanId": p["scanId"], "status": "Completed", "actId": f"{SCAN}:act"},
        "policy_fail_scan": lambda p: None,
    }


def test_scan_lists_then_runs_batches_in_windows_with_progress() -> None:
    pages = [ListPageResult(100, 100, 2), ListPageResult(130, 230, 0)]
    context = Context({"scanId": SCAN}, scan_activities(230, pages=pages))
    result = run(policy_scan_orchestrator, context)

    assert result == {"scanId": SCAN, "status": "Completed", "actId": f"{SCAN}:act"}
    assert [p["page"] for p in context.activity_payloads("policy_list_repositories")] == [1, 2]
    assert [i for kind, i in context.calls if kind == "sub"] == [f"{SCAN}:batch:{n}" for n in range(5)]
    assert context.windows[:3] == [2, 2, 1]  # parallelBatches at a time
    batches = [c.payload for c in context.children.values()]
    assert [(b["offset"], b["limit"], b["chunkSize"]) for b in batches] == [
        (0, 50, 10), (50, 50, 10), (100, 50, 10), (150, 50, 10), (200, 30, 10)]
    chunks = context.activity_payloads("policy_evaluate_chunk")
    assert chunks == []  # chunks run inside the sub-orchestrations, not in the parent's history
    child_chunks = [p for c in context.children.values() for p in c.activity_payloads("policy_evaluate_chunk")]
    assert sorted((p["offset"], p["limit"]) for p in child_chunks) == [(o, 10) for o in range(0, 230, 10)]
    evaluating = [s for s in context.statuses if s["phase"] == "evaluating"]
    assert [s["repositoriesScanned"] for s in evaluating] == [0, 100, 200, 230]
    assert [s["batchesDone"] for s in evaluating] == [0, 2, 4, 5]
    assert evaluating[-1]["violationsFound"] == 23 and evaluating[-1]["repositoriesTotal"] == 230
    assert context.statuses[-1] == {**evaluating[-1], "phase": "completed", "actId": f"{SCAN}:act"}
    assert context.calls[-1] == ("policy_finish_scan", {"scanId": SCAN})


def test_scan_of_an_empty_organization_finishes_without_batches() -> None:
    context = Context({"scanId": SCAN}, scan_activities(0))
    assert run(policy_scan_orchestrator, context)["status"] == "Completed"
    assert not [c for c in context.calls if c[0] == "sub"]


def test_rate_limited_listing_waits_until_the_reset_then_asks_for_the_same_page() -> None:
    pages = [ListPageResult(100, 100, 2), ListPageResult(rate_limited_until=RESET), ListPageResult(20, 120, 0)]
    context = Context({"scanId": SCAN}, scan_activities(120, pages=pages))
    assert run(policy_scan_orchestrator, context)["status"] == "Completed"
    assert [p["page"] for p in context.activity_payloads("policy_list_repositories")] == [1, 2, 2]
    kinds = [c[0] for c in context.calls]
    timer_at = kinds.index("timer")
    assert context.calls[timer_at - 1][1]["page"] == 2 and context.calls[timer_at + 1][1]["page"] == 2
    assert context.timers() == [_at(RESET)]
    assert {"phase": "waiting-rate-limit", "rateLimitedUntil": RESET}.items() <= context.statuses[2].items()


def test_bad_credentials_fail_the_scan_at_once() -> None:
    message = "GitHub rejected the credentials (401): check GITHUB_TOKEN"
    context = Context({"scanId": SCAN}, scan_activities(0, pages=[ListPageResult(fatal=message)]))
    result = run(policy_scan_orchestrator, context)
    assert result == {"scanId": SCAN, "status": "Failed", "error": message}
    assert [c[0] for c in context.calls] == ["policy_load_config", "policy_list_repositories", "policy_fail_scan"]
    assert context.statuses[-1] == {"phase": "failed", "scanId": SCAN, "error": message}


def test_invalid_configuration_fails_before_listing() -> None:
    plan = ScanPlan(SCAN, ok=False, error="config/policies.yaml:3: unknown check 'nope'")
    context = Context({"scanId": SCAN}, scan_activities(0, plan=plan))
    assert run(policy_scan_orchestrator, context)["error"] == plan.error
    assert [c[0] for c in context.calls] == ["policy_load_config", "policy_fail_scan"]


def test_a_401_inside_a_batch_fails_the_scan_and_stops_further_windows() -> None:
    def chunk(p: dict) -> dict:
        return ChunkResult(fatal="GitHub rejected the credentials (401)").to_json() if p["offset"] == 60 \
            else ChunkResult(scanned=p["limit"]).to_json()
    context = Context({"scanId": SCAN}, scan_activities(300, chunk=chunk))
    result = run(policy_scan_orchestrator, context)
    assert result["status"] == "Failed" and "401" in result["error"]
    assert [i for kind, i in context.calls if kind == "sub"] == [f"{SCAN}:batch:0", f"{SCAN}:batch:1"]
    assert context.calls[-1] == ("policy_fail_scan", {"scanId": SCAN, "error": result["error"]})


def test_activity_failure_after_retries_is_recorded_on_the_scan() -> None:
    def broken(p: dict) -> dict:
        raise RuntimeError("GitHub answered 502 to GET /orgs/acme/repos")
    activities = {**scan_activities(0), "policy_list_repositories": broken}
    result = run(policy_scan_orchestrator, Context({"scanId": SCAN}, activities))
    assert result["status"] == "Failed" and "502" in result["error"]


# -- batch --------------------------------------------------------------------------------------------------------
def test_batch_reruns_only_rate_limited_chunks_after_the_latest_reset() -> None:
    later = "2026-01-01T00:20:00+00:00"
    limited = {20: [RESET], 30: [later]}

    def chunk(p: dict) -> dict:
        if limited.get(p["offset"]):
            return ChunkResult(scanned=0, rate_limited_until=limited[p["offset"]].pop()).to_json()
        return ChunkResult(scanned=p["limit"], violations=2, errors=1).to_json()
    context = Context({"scanId": SCAN, "offset": 0, "limit": 45, "chunkSize": 10}, scan_activities(0, chunk=chunk))
    result = run(policy_scan_batch_orchestrator, context)
    assert result == ChunkResult(scanned=45, violations=10, errors=5).to_json()
    offsets = [p["offset"] for p in context.activity_payloads("policy_evaluate_chunk")]
    assert offsets == [0, 10, 20, 30, 40, 20, 30] and context.windows == [5, 2]
    assert context.timers() == [_at(later)]
    assert context.statuses == [{"phase": "waiting-rate-limit", "rateLimitedUntil": later}]


def test_batch_waits_at_least_a_second_when_the_reset_is_already_past() -> None:
    answers = [ChunkResult(rate_limited_until="2025-12-31T23:00:00+00:00"), ChunkResult(scanned=5)]
    activities = scan_activities(0, chunk=lambda p: answers.pop(0).to_json())
    context = Context({"scanId": SCAN, "offset": 0, "limit": 5, "chunkSize": 10}, activities,
                      now=NOW.replace(tzinfo=timezone.utc))  # an aware clock works too
    assert run(policy_scan_batch_orchestrator, context)["scanned"] == 5
    assert context.timers() == [NOW.replace(tzinfo=timezone.utc) + timedelta(seconds=1)]


def test_batch_gives_up_when_the_rate_limit_never_recovers() -> None:
    activities = scan_activities(0, chunk=lambda p: ChunkResult(rate_limited_until=RESET).to_json())
    context = Context({"scanId": SCAN, "offset": 0, "limit": 10, "chunkSize": 10}, activities)
    result = run(policy_scan_batch_orchestrator, context)
    assert result["fatal"] == "GitHub rate limit did not recover"
    assert len(context.timers()) == MAX_RATE_LIMIT_WAITS


# -- act ----------------------------------------------------------------------------------------------------------
ACT = {"scanId": SCAN, "actId": f"{SCAN}:act", "attempt": 1}


def act_activities(plan: ActPlan, chunks: list[ActChunkResult],
                   archives: list[ActChunkResult] | None = None) -> dict[str, Callable[[dict], Any]]:
    chunks, archives = list(chunks), list(archives or [])
    return {"policy_act_plan": lambda p: plan.to_json(),
            "policy_act_chunk": lambda p: chunks.pop(0).to_json(),
            "policy_archive_repositories": lambda p: archives.pop(0).to_json(),
            "policy_act_finish": lambda p: {"actId": p["actId"], "status": p["status"], "error": p["error"]}}


def test_act_chains_chunks_by_offset_and_resumes_after_a_rate_limit() -> None:
    plan = ActPlan(items=45, chunk_size=20)
    chunks = [ActChunkResult(20), ActChunkResult(7, rate_limited_until=RESET), ActChunkResult(18)]
    context = Context(ACT, act_activities(plan, chunks))
    result = run(policy_act_orchestrator, context)
    assert result == {"actId": f"{SCAN}:act", "status": "Completed", "error": ""}
    assert [(p["offset"], p["limit"]) for p in context.activity_payloads("policy_act_chunk")] == [
        (0, 20), (20, 20), (27, 20)]
    assert context.timers() == [_at(RESET)]
    assert [s.get("done") for s in context.statuses if s["phase"] == "acting"][-1] == 27
    assert not context.activity_payloads("policy_archive_repositories")  # archiving is off


def test_act_archive_waits_the_grace_period_then_rechecks_the_remaining_candidates() -> None:
    plan = ActPlan(items=30, chunk_size=20, archive_enabled=True, grace_seconds=14 * 86400)
    a, b, c = (ArchiveCandidate(name, "inactive") for name in "abc")
    chunks = [ActChunkResult(20, archive_candidates=[a, b]), ActChunkResult(10, archive_candidates=[b, c])]
    reset_after_grace = "2026-01-15T00:15:00+00:00"
    archives = [ActChunkResult(1, rate_limited_until=reset_after_grace), ActChunkResult(2)]
    context = Context(ACT, act_activities(plan, chunks, archives))
    assert run(policy_act_orchestrator, context)["status"] == "Completed"
    grace_end = NOW + timedelta(days=14)
    assert context.timers() == [grace_end, _at(reset_after_grace)]
    kinds = [c[0] for c in context.calls]
    assert kinds == ["policy_act_plan", "policy_act_chunk", "policy_act_chunk", "timer",
                     "policy_archive_repositories", "timer", "policy_archive_repositories", "policy_act_finish"]
    assert [[(c["repository"], c["policyId"]) for c in p["candidates"]]
            for p in context.activity_payloads("policy_archive_repositories")] == [
        [("a", "inactive"), ("b", "inactive"), ("c", "inactive")], [("b", "inactive"), ("c", "inactive")]]
    grace = next(s for s in context.statuses if s["phase"] == "archive-grace-period")
    assert grace["archiveCandidates"] == 3 and grace["graceUntil"] == grace_end.isoformat()


def test_archive_candidates_are_records_and_old_histories_still_replay() -> None:
    result = ActChunkResult(3, archive_candidates=[ArchiveCandidate("old-tools", "inactive")])
    assert result.to_json()["archiveCandidates"] == [{"repository": "old-tools", "policyId": "inactive"}]
    assert ActChunkResult.from_json(result.to_json()) == result
    legacy = {"processed": 3, "archiveCandidates": ["old-tools|inactive"]}  # an act run started before the record
    assert ActChunkResult.from_json(legacy) == result


def test_act_with_archiving_disabled_never_starts_a_grace_timer() -> None:
    plan = ActPlan(items=5, chunk_size=20, archive_enabled=False, grace_seconds=60)
    context = Context(ACT, act_activities(plan, [ActChunkResult(5, archive_candidates=[ArchiveCandidate("a", "inactive")])]))
    assert run(policy_act_orchestrator, context)["status"] == "Completed"
    assert context.timers() == []


def test_act_fails_on_bad_credentials_and_on_a_failed_plan() -> None:
    message = "GitHub rejected the credentials (401)"
    context = Context(ACT, act_activities(ActPlan(items=40), [ActChunkResult(0, fatal=message)]))
    assert run(policy_act_orchestrator, context) == {"actId": f"{SCAN}:act", "status": "Failed", "error": message}
    assert [c[0] for c in context.calls] == ["policy_act_plan", "policy_act_chunk", "policy_act_finish"]
    assert context.statuses[-1]["phase"] == "failed" and context.statuses[-1]["error"] == message

    failed_plan = Context(ACT, act_activities(ActPlan(ok=False, error="scan not completed"), []))
    assert run(policy_act_orchestrator, failed_plan)["error"] == "scan not completed"


# -- issue 7: honest results under faults -------------------------------------------------------------------------
def test_rate_limit_while_planning_waits_until_the_reset_then_plans_again() -> None:
    plans = [ScanPlan(SCAN, rate_limited_until=RESET), ScanPlan(SCAN, batch_size=50, parallel_batches=2)]
    activities = {**scan_activities(0), "policy_load_config": lambda p: plans.pop(0).to_json()}
    context = Context({"scanId": SCAN}, activities)
    assert run(policy_scan_orchestrator, context)["status"] == "Completed"
    kinds = [c[0] for c in context.calls]
    assert kinds[:3] == ["policy_load_config", "timer", "policy_load_config"]
    assert context.timers() == [_at(RESET)]
    assert {"phase": "waiting-rate-limit", "rateLimitedUntil": RESET}.items() <= context.statuses[0].items()


def test_a_repository_github_keeps_failing_for_is_retried_after_pauses_then_recorded_not_fatal() -> None:
    seen: list[dict] = []

    def chunk(p: dict) -> dict:
        seen.append(p)
        if p["offset"] == 10 and not p.get("finalAttempt"):
            return ChunkResult(unavailable="GitHub answered 500 to GET /repos/acme/x/git/trees/main").to_json()
        return ChunkResult(scanned=p["limit"], errors=1 if p["offset"] == 10 else 0).to_json()
    batch = {"scanId": SCAN, "offset": 0, "limit": 20, "chunkSize": 10, "unavailablePauses": [2, 4, 8]}
    context = Context(batch, scan_activities(0, chunk=chunk))
    result = run(policy_scan_batch_orchestrator, context)
    assert result == ChunkResult(scanned=20, errors=1).to_json()
    retried = [(p["offset"], p.get("finalAttempt", False)) for p in seen if p["offset"] == 10]
    assert retried == [(10, False), (10, False), (10, False), (10, True)]
    assert [b - a for a, b in zip([NOW] + context.timers(), context.timers())] == [
        timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8)]


def test_an_activity_failure_is_recorded_without_the_serialized_remote_exception() -> None:
    def broken(p: dict) -> dict:
        raise RuntimeError('Activity function \'policy_list_repositories\' failed: {"$type":"System.Exception, '
                           'System.Private.CoreLib","ClassName":"System.Exception","Message":"boom ghp_abcdefgh12345"}')
    activities = {**scan_activities(0), "policy_list_repositories": broken}
    result = run(policy_scan_orchestrator, Context({"scanId": SCAN}, activities))
    assert result["status"] == "Failed"
    assert "policy_list_repositories" in result["error"]
    assert "$type" not in result["error"] and "System." not in result["error"] and "ghp_" not in result["error"]


def test_a_superseded_act_run_does_nothing_and_does_not_finish_the_scans_act_step() -> None:
    plan = ActPlan(ok=False, superseded=True, error="act run x:act:2 is the current one for scan x")
    context = Context(ACT, act_activities(plan, []))
    result = run(policy_act_orchestrator, context)
    assert result["status"] == "Superseded"
    assert [c[0] for c in context.calls] == ["policy_act_plan"]
