"""Group commit (`shared.storage.group_commit`), on every backend: concurrent writers share transactions, each is
answered after the commit that holds its rows, and one writer's failure does not fail the others."""
from __future__ import annotations

import asyncio

from shared.storage.db import Database, IntegrityError
from shared.storage.group_commit import GroupCommitter


def _insert(job_id: str):  # type: ignore[no-untyped-def]
    def write(db: Database) -> str:
        db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                   (job_id, "{}", "2026-01-01T00:00:00+00:00"))
        return job_id
    return write


def test_concurrent_writes_share_commits_and_all_are_stored_when_answered(app_db: Database) -> None:
    batches: list[int] = []
    committer = GroupCommitter(lambda: app_db, max_batch=16, max_in_flight=2)
    original = committer._write_batch

    def counting(writes):  # type: ignore[no-untyped-def]
        batches.append(len(writes))
        return original(writes)

    committer._write_batch = counting  # type: ignore[method-assign]

    async def burst() -> list[str]:
        return await asyncio.gather(*(committer.run(_insert(f"analysis-{n:03}")) for n in range(50)))

    answered = asyncio.run(burst())
    assert answered == [f"analysis-{n:03}" for n in range(50)]
    stored = app_db.query("SELECT job_id FROM analysis_reports ORDER BY job_id")
    assert [r["job_id"] for r in stored] == answered
    assert sum(batches) == 50 and len(batches) < 50 and max(batches) <= 16


def test_one_failing_write_fails_alone_and_the_batch_is_kept(app_db: Database) -> None:
    app_db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                   ("analysis-dup", "{}", "2026-01-01T00:00:00+00:00"))
    committer = GroupCommitter(lambda: app_db)

    async def burst() -> list[object]:
        ids = ["analysis-a", "analysis-dup", "analysis-b"]
        return await asyncio.gather(*(committer.run(_insert(i)) for i in ids), return_exceptions=True)

    first, failed, last = asyncio.run(burst())
    assert (first, last) == ("analysis-a", "analysis-b")
    assert isinstance(failed, IntegrityError)
    stored = app_db.query("SELECT job_id FROM analysis_reports ORDER BY job_id")
    assert [r["job_id"] for r in stored] == ["analysis-a", "analysis-b", "analysis-dup"]
