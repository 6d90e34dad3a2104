"""Payloads that cross orchestration boundaries (inputs, outputs, activity results).

They are small on purpose: repository snapshots and results live in the database, and only references
(scan id, offsets, counts) travel through orchestration history, so the history of a 10,000-repository scan
stays bounded. Every type round-trips through `to_json()` / `from_json()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.payload import Payload

_Payload = Payload  # the shared idiom (`shared/payload.py`); the name this module's classes were written with


@dataclass
class ScanRequest(_Payload):
    """Input of `policy_scan_orchestrator`."""

    scan_id: str
    trigger: str = "manual"  # manual | schedule | webhook
    dry_run: bool = False
    repositories: list[str] = field(default_factory=list)  # empty: every repository
    policies: list[str] = field(default_factory=list)  # empty: every enabled policy
    checks: list[str] = field(default_factory=list)  # empty: every check; a webhook names the ones it can change


@dataclass
class ScanPlan(_Payload):
    """What `policy_load_config` decided; everything the orchestrator needs, no settings reads."""

    scan_id: str
    ok: bool = True
    error: str = ""
    batch_size: int = 50
    parallel_batches: int = 4
    chunk_size: int = 10
    policy_count: int = 0
    rate_limited_until: str = ""  # the configuration could not be read yet: wait with a durable timer, plan again
    unavailable_pauses: list[int] = field(default_factory=lambda: [5, 15, 30])  # see BatchInput


@dataclass
class ListPageResult(_Payload):
    """One page of the organization's repository listing, stored in the database by the activity."""

    stored: int = 0
    total: int = 0
    next_page: int = 0  # 0: listing finished
    rate_limited_until: str = ""  # ISO time: wait with a durable timer, then ask again
    fatal: str = ""  # the scan cannot go on (bad credentials, organization not found)


@dataclass
class BatchInput(_Payload):
    """Input of `policy_scan_batch_orchestrator`: a window of the stored repository list."""

    scan_id: str
    offset: int
    limit: int
    chunk_size: int = 10
    # Pauses (s) before trying a chunk again whose repository GitHub answered 5xx for; after the last, the
    # repository's results are recorded as `error` (POLICY_UNAVAILABLE_PAUSES_SECONDS).
    unavailable_pauses: list[int] = field(default_factory=lambda: [5, 15, 30])


@dataclass
class ChunkInput(_Payload):
    scan_id: str
    offset: int
    limit: int
    # The orchestrator's last try after GitHub kept answering 5xx for a repository: record that repository's
    # results as `error` (with a redacted reason) and go on, so one broken repository cannot fail the scan.
    final_attempt: bool = False
    unavailable_tries: int = 0


@dataclass
class ChunkResult(_Payload):
    """Outcome of evaluating one chunk; the per-policy results are already in the database."""

    scanned: int = 0
    violations: int = 0
    errors: int = 0
    rate_limited_until: str = ""
    fatal: str = ""
    unavailable: str = ""  # GitHub answered 5xx for a repository (redacted reason): try the chunk again later


@dataclass
class ActRequest(_Payload):
    """Input of `policy_act_orchestrator`."""

    scan_id: str
    act_id: str  # the orchestration instance id: <scanId>:act or <scanId>:act:<n>
    attempt: int = 1


@dataclass
class ActPlan(_Payload):
    ok: bool = True
    error: str = ""
    superseded: bool = False  # another act run holds this scan's claim, or a newer one was designated: do nothing
    items: int = 0  # work items (violations to act on + issues to close), processed in chunks
    chunk_size: int = 20
    archive_enabled: bool = False
    grace_seconds: int = 0


@dataclass
class ActChunkInput(_Payload):
    scan_id: str
    act_id: str
    attempt: int
    offset: int
    limit: int


@dataclass(frozen=True)
class ArchiveCandidate(_Payload):
    """A repository × policy whose action is archive-repo: re-checked, then archived, after the grace period."""

    repository: str
    policy_id: str

    @classmethod
    def parse(cls, value: Any) -> ArchiveCandidate:
        """From its JSON, or from the `"repo|policy"` text that act runs started before this type carried."""
        if isinstance(value, ArchiveCandidate):
            return value
        if isinstance(value, str):
            repository, _, policy_id = value.partition("|")
            return cls(repository, policy_id)
        return cls.from_json(value)


def _candidates_json(candidates: list[ArchiveCandidate]) -> list[dict[str, Any]]:
    return [c.to_json() for c in candidates]


@dataclass
class ActChunkResult(_Payload):
    processed: int = 0
    archive_candidates: list[ArchiveCandidate] = field(default_factory=list)  # noticed in this chunk
    rate_limited_until: str = ""
    fatal: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "archiveCandidates": _candidates_json(self.archive_candidates)}

    def __post_init__(self) -> None:
        self.archive_candidates = [ArchiveCandidate.parse(c) for c in self.archive_candidates]


@dataclass
class ArchiveInput(_Payload):
    scan_id: str
    act_id: str
    attempt: int
    candidates: list[ArchiveCandidate] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "candidates": _candidates_json(self.candidates)}

    def __post_init__(self) -> None:
        self.candidates = [ArchiveCandidate.parse(c) for c in self.candidates]
