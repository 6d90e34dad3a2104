"""Which checks an analysis runs, which are skipped before running (and why), and how they are batched.

Pure: the plan activity gathers the facts (engine, version, object count, settings) and calls this, so the rules
are unit-testable without a database. Batches bound both history size (one activity per batch) and the load on the
target (one connection per batch, at most `max_parallel` batches in flight).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.analyzer import catalog
from shared.analyzer.model import Check
from shared.analyzer.models import AnalysisOptions
from shared.analyzer.runner import skip_reason_for

# Enough batches that progress moves several times, few enough that each connection does real work.
WAVES_TARGET = 4


@dataclass
class CheckPlan:
    runnable: list[Check] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (check id, reason)
    batches: list[list[str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.runnable) + len(self.skipped)


def plan_checks(*, engine: str, flavor: str, version: str, object_count: int, analysis_type: str,
                options: AnalysisOptions, max_objects: int, max_parallel: int,
                durations: dict[str, int] | None = None) -> CheckPlan:
    """`durations` (ms per check id, from the last analysis of the same target) refine the cost estimates."""
    plan = CheckPlan()
    selected = catalog.select(engine, analysis_type, only=options.checks or None,
                              exclude=options.exclude_checks or None)
    for check in selected:
        reason = skip_reason_for(check, version, flavor)
        if reason is None and check.expensive and object_count > max_objects:
            reason = (f"skipped on a large catalog: {object_count} objects exceed ANALYZER_MAX_OBJECTS={max_objects} "
                      "and this check scans the whole catalog; raise the setting or run it alone with "
                      f"options.checks=[\"{check.id}\"]")
        if reason:
            plan.skipped.append((check.id, reason))
        else:
            plan.runnable.append(check)
    plan.batches = batch(plan.runnable, max_parallel, durations)
    return plan


# What a plain catalog query costs when nothing better is known (ms); the estimate only has to order the work.
UNIT_MS = 20


def cost(check: Check, durations: dict[str, int] | None = None) -> int:
    """Estimated ms. Measured beats guessed: the last run on the same target knows that, say, the unused-index
    check returns thousands of rows there. Without it: the stored-code lint parses every view and routine in
    Python (the longest check on a large catalog, and CPU-bound), `expensive` checks scan the whole catalog, other
    Python handlers make several round trips, a plain catalog query is the unit."""
    if durations and check.id in durations:
        return max(1, durations[check.id])
    if check.category == "code":
        return 8 * UNIT_MS
    if check.expensive:
        return 4 * UNIT_MS
    return (2 if check.kind == "python" else 1) * UNIT_MS


def batch(checks: list[Check], max_parallel: int, durations: dict[str, int] | None = None) -> list[list[str]]:
    """Split into about `max_parallel * WAVES_TARGET` batches of similar estimated cost, longest first.

    Longest-first matters because batches run in a sliding window of `max_parallel` connections: the slowest batch
    (the lint) starts at once and the others queue behind the free connection, so the job ends when the work does
    rather than when a late-started long batch does. Each check goes to the batch with the least cost so far (greedy
    longest-processing-time), which also keeps the expensive checks apart."""
    if not checks:
        return []
    count = min(len(checks), max(1, max_parallel) * WAVES_TARGET)
    costs = {c.id: cost(c, durations) for c in checks}
    ordered = sorted(checks, key=lambda c: costs[c.id], reverse=True)  # stable: catalog order among equals
    loads = [0] * count
    batches: list[list[str]] = [[] for _ in range(count)]
    for check in ordered:
        lightest = min(range(count), key=lambda i: (loads[i], i))
        batches[lightest].append(check.id)
        loads[lightest] += costs[check.id]
    order = sorted(range(count), key=lambda i: -loads[i])
    return [batches[i] for i in order]
