"""The steps of a scan and of its act run, as plain functions over the database and a GitHub session.

Activities call these (one step each) and tests call them directly. Every step is idempotent: it can be retried
after a crash or a rate-limit pause and leaves the same rows behind.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from secrets import token_hex
from typing import Any

from shared import settings
from shared.durable import Starter, StatusReader, instance_alive, runtime_name
from shared.errors import Conflict, InvalidInput, NotConfigured, NotFound
from shared.policies import store, watchdog
from shared.policies.config import ConfigError, ConfigIssue, Policy, PolicyConfig, load_config_file, parse_config
from shared.policies.dispatcher import ActContext, dispatch
from shared.policies.errors import AuthFailed, RateLimited, Unavailable
from shared.policies.evaluation import PolicyOutcome, evaluate_policy, evaluate_repository
from shared.policies.failures import redacted_reason
from shared.policies.github_reader import GitHubSession, open_session
from shared.policies.matrix import MatrixPage, Trend, TrendPoint, matrix_rows
from shared.policies.models import (
    ActChunkInput,
    ActChunkResult,
    ActPlan,
    ActRequest,
    ArchiveInput,
    ChunkInput,
    ChunkResult,
    ListPageResult,
    ScanPlan,
    ScanRequest,
)
from shared.policies.records import ActionLogEntry, Scan, ScanDetail, Violation
from shared.policies.repo import RepoSnapshot
from shared.status import JobStatus
from shared.storage.db import Database, get_database

log = logging.getLogger(__name__)
PAGE_SIZE = 100
AUTH_MESSAGE = ("GitHub rejected the credentials (401 Bad credentials): check GITHUB_TOKEN or the GitHub App "
                "settings (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID)")


def load_effective_config(session: GitHubSession | None, org: str, strict: bool = True) -> PolicyConfig:
    """The app's file, overridden by the organization's `.github` file when there is one.

    With `strict=False` a GitHub failure while reading the override is tolerated (the HTTP trigger validates what
    it can; the scan's first activity reads again strictly and fails the scan with a clear message).
    """
    config = load_config_file(settings.policy_config_path())
    s = config.settings
    if session is None or not s.org_override_enabled or not org:
        return config
    try:
        text = session.read_org_file(org, s.org_override_repository, s.org_override_path)
    except (AuthFailed, RateLimited):
        if strict:
            raise
        return config
    except Exception:
        if strict:
            raise
        return config
    if text is None:
        return config
    source = f"{org}/{s.org_override_repository}:{s.org_override_path}"
    return parse_config(text, source=source, base=config)


def filter_policies(config: PolicyConfig, policy_ids: list[str]) -> PolicyConfig:
    if not policy_ids:
        return config
    from dataclasses import replace

    return replace(config, policies=tuple(p for p in config.policies if p.id in set(policy_ids)))


def filter_checks(config: PolicyConfig, check_ids: list[str]) -> PolicyConfig:
    """Only the policies running one of `check_ids` (a webhook re-evaluates what its event can change)."""
    if not check_ids:
        return config
    from dataclasses import replace

    return replace(config, policies=tuple(p for p in config.policies if p.check in set(check_ids)))


# -- scan steps -------------------------------------------------------------------------------------------------
def plan_scan(db: Database, session: GitHubSession, request: ScanRequest) -> ScanPlan:
    store.mark_scan_running(db, request.scan_id)
    scan = store.require_scan(db, request.scan_id)
    try:
        config = filter_checks(filter_policies(load_effective_config(session, scan.org), request.policies),
                               request.checks)
    except RateLimited as exc:  # reading the organization's override file: wait for the reset, then plan again
        return ScanPlan(request.scan_id, rate_limited_until=exc.reset_at)
    except AuthFailed:
        return ScanPlan(request.scan_id, ok=False, error=AUTH_MESSAGE)
    except ConfigError as exc:
        return ScanPlan(request.scan_id, ok=False, error=f"invalid policy configuration: {exc}")
    store.set_scan_config(db, request.scan_id, config)
    s = config.settings
    return ScanPlan(request.scan_id, batch_size=s.batch_size, parallel_batches=s.parallel_batches,
                    chunk_size=s.chunk_size, policy_count=len([p for p in config.policies if p.enabled]),
                    unavailable_pauses=settings.policy_unavailable_pauses_seconds())


def list_page(db: Database, session: GitHubSession, scan_id: str, page: int, names: list[str]) -> ListPageResult:
    org = store.require_scan(db, scan_id).org
    try:
        if names:
            # A webhook evaluation stored the snapshots its payloads carried before starting: ask GitHub only for
            # the rest (a retried activity finds what it stored the first time).
            known = store.stored_repository_names(db, scan_id)
            found = [session.get_repository(org, name) for name in names if name not in known]
            repos = [r for r in found if r is not None]
            store.store_repositories(db, scan_id, len(known), repos)
            has_next = False
        else:
            repos, has_next = session.list_repositories_page(org, page, PAGE_SIZE)
            store.store_repositories(db, scan_id, (page - 1) * PAGE_SIZE, repos)
    except RateLimited as exc:
        return ListPageResult(rate_limited_until=exc.reset_at)
    except AuthFailed:
        return ListPageResult(fatal=AUTH_MESSAGE)
    total = store.count_repositories(db, scan_id)
    if not has_next:
        store.set_repositories_total(db, scan_id, total)
    return ListPageResult(stored=len(repos), total=total, next_page=page + 1 if has_next else 0)


def evaluate_chunk(db: Database, session: GitHubSession, chunk: ChunkInput) -> ChunkResult:
    config = store.scan_config(db, chunk.scan_id)
    repos = store.load_repositories(db, chunk.scan_id, chunk.offset, chunk.limit)
    names = [r.name for r in repos]
    done = store.evaluated_repositories(db, chunk.scan_id, names)
    today = datetime.now(timezone.utc).date()
    result = ChunkResult()
    evaluated: list[PolicyOutcome] = []
    session.scope = session.scope or chunk.scan_id  # organization reads are shared within this scan only
    try:
        for repo in repos:
            if repo.name in done:  # evaluated before a rate-limit pause or a retry
                continue
            reader = session.repo_reader()
            try:
                evaluated += evaluate_repository(repo, config.policies, reader, today)
            except RateLimited as exc:
                result.rate_limited_until = exc.reset_at
                break
            except AuthFailed:
                result.fatal = AUTH_MESSAGE
                break
            except Unavailable as exc:
                reason = redacted_reason(exc, "GitHub did not answer")
                if not chunk.final_attempt:
                    result.unavailable = reason  # the orchestrator tries the chunk again after a pause
                    break
                evaluated += unavailable_outcomes(repo, config.policies, reason)
    finally:
        # One transaction per chunk, not per repository; what was evaluated before a pause or a failure is kept.
        if evaluated:
            store.store_results(db, chunk.scan_id, evaluated)
    if names:
        result.scanned, result.violations, result.errors = store.chunk_counts(db, chunk.scan_id, names)
    return result


UNAVAILABLE_MARK = "GitHubUnavailable"


def unavailable_outcomes(repo: RepoSnapshot, policies: tuple[Policy, ...], reason: str) -> list[PolicyOutcome]:
    """`error` results for every enabled policy of a repository GitHub kept failing for (the scan goes on)."""
    message = f"Not evaluated: GitHub kept failing for this repository ({reason})."
    return [PolicyOutcome(repo.name, p.id, "error", message, p.severity, p.action, {"error": UNAVAILABLE_MARK})
            for p in policies if p.enabled]


def act_id_for(scan_id: str, attempt: int) -> str:
    return f"{scan_id}:act" if attempt <= 1 else f"{scan_id}:act:{attempt}"


def finish_scan(db: Database, scan_id: str) -> dict:
    """Complete the scan (with a warning naming the repositories GitHub kept failing for); `completed` is False
    when the scan was already final (failed by the watchdog, say), and then no act run may follow."""
    act_id = act_id_for(scan_id, 1)
    broken = store.repositories_with_error(db, scan_id, UNAVAILABLE_MARK)
    warning = ""
    if broken:
        shown = ", ".join(broken[:10]) + (f" and {len(broken) - 10} more" if len(broken) > 10 else "")
        warning = (f"{len(broken)} repositor{'y' if len(broken) == 1 else 'ies'} could not be evaluated because "
                   f"GitHub kept answering with a server error: {shown}; their results are 'error'")
    completed = store.complete_scan(db, scan_id, act_id, warning)
    scanned, violations = store.refresh_scan_counts(db, scan_id)
    return {"scanId": scan_id, "actId": act_id, "repositoriesScanned": scanned, "violationsFound": violations,
            "completed": completed, "warning": warning}


# -- act steps --------------------------------------------------------------------------------------------------
def plan_act(db: Database, request: ActRequest) -> ActPlan:
    refused = store.claim_act(db, request.scan_id, request.act_id)
    if refused:
        log.info("act run %s does nothing: %s", request.act_id, refused)
        return ActPlan(ok=False, superseded=True, error=refused)
    store.start_act_run(db, request.act_id, request.scan_id, request.attempt)
    try:
        config = store.scan_config(db, request.scan_id)
    except LookupError as exc:
        return ActPlan(ok=False, error=str(exc))
    items = store.act_work_items(db, request.scan_id)
    return ActPlan(items=len(items), chunk_size=20, archive_enabled=config.settings.archive_enabled,
                   grace_seconds=config.settings.archive_grace_seconds)


def _act_context(db: Database, session: GitHubSession, scan_id: str, act_id: str, attempt: int) -> ActContext:
    scan = store.require_scan(db, scan_id)
    return ActContext(db=db, scan_id=scan_id, act_id=act_id, attempt=attempt, org=scan.org,
                      config=store.scan_config(db, scan_id), tracker=session.tracker(),
                      global_dry_run=scan.dry_run or settings.policy_dry_run(),
                      issues_created=store.count_outcomes_for_act(db, act_id, "created"))


def act_chunk(db: Database, session: GitHubSession, chunk: ActChunkInput) -> ActChunkResult:
    ctx = _act_context(db, session, chunk.scan_id, chunk.act_id, chunk.attempt)
    items = store.act_work_items(db, chunk.scan_id)[chunk.offset:chunk.offset + chunk.limit]
    result = ActChunkResult()
    for item in items:
        try:
            dispatch(item, ctx)
        except RateLimited as exc:
            result.rate_limited_until = exc.reset_at
            break
        except AuthFailed:
            result.fatal = AUTH_MESSAGE
            break
        result.processed += 1
    result.archive_candidates = ctx.archive_candidates
    return result


def archive_candidates(db: Database, session: GitHubSession, request: ArchiveInput) -> ActChunkResult:
    """After the grace period: re-check each candidate with fresh data, archive those still failing (capped)."""
    ctx = _act_context(db, session, request.scan_id, request.act_id, request.attempt)
    cap = ctx.config.settings.max_archives_per_run
    archived = store.count_outcomes_for_act(db, request.act_id, "archived")
    today = datetime.now(timezone.utc).date()
    result = ActChunkResult()
    for candidate in request.candidates:
        repo_name, policy_id = candidate.repository, candidate.policy_id
        item = store.WorkItem("violation", repo_name, policy_id, "archive-repo", "", {}, "")
        if store.already_logged(db, request.act_id, repo_name, policy_id, ("archived",)):
            result.processed += 1
            continue
        policy = ctx.config.policy(policy_id)
        try:
            fresh = session.get_repository(ctx.org, repo_name)
            if fresh is None or fresh.archived:
                ctx.log(item, "archive-repo", "skipped", "The repository is gone or already archived.")
            elif policy is None:
                ctx.log(item, "archive-repo", "skipped", "The policy is no longer configured.")
            else:
                outcome = evaluate_policy(fresh, policy, session.repo_reader(), today)
                if outcome.outcome != "fail":
                    ctx.log(item, "archive-repo", "skipped",
                            f"Re-check after the grace period: {outcome.outcome} ({outcome.message}); not archived.")
                elif archived >= cap:
                    ctx.log(item, "archive-repo", "skipped",
                            f"The per-run archive cap ({cap}) is reached; carried to the next run.")
                elif ctx.dry_run(policy):
                    ctx.log(item, "archive-repo", "dry-run", "Dry run: would archive the repository.")
                else:
                    _comment_on_notice(ctx, repo_name, policy_id)
                    ctx.tracker.archive_repository(ctx.full_name(repo_name))
                    archived += 1
                    ctx.log(item, "archive-repo", "archived",
                            f"Archived after the grace period: {outcome.message}", 200)
        except RateLimited as exc:
            result.rate_limited_until = exc.reset_at
            break
        except AuthFailed:
            result.fatal = AUTH_MESSAGE
            break
        except Exception as exc:  # noqa: BLE001
            ctx.log(item, "archive-repo", "failed", f"{type(exc).__name__}: {redacted_reason(exc)}",
                    getattr(exc, "status", None))
        result.processed += 1
    return result


def _comment_on_notice(ctx: ActContext, repo_name: str, policy_id: str) -> None:
    from shared.policies import issues

    link = store.get_link(ctx.db, repo_name, policy_id)
    if link and link.get("issue_number"):
        try:
            ctx.tracker.add_comment(ctx.full_name(repo_name), int(link["issue_number"]), issues.archived_comment())
        except Exception:  # noqa: BLE001 - the notice comment is a courtesy; archiving goes on
            log.warning("could not comment on the archive notice of %s", repo_name)


def finish_act(db: Database, scan_id: str, act_id: str, status: str, error: str = "") -> dict:
    store.finish_act_run(db, act_id, scan_id, status, error)
    return {"actId": act_id, "status": status, "counts": store.action_counts(db, scan_id)}


# -- use cases (HTTP, timer, queue and monitoring triggers call these) -------------------------------------------
# They take the narrow durable client Protocols of `shared.durable`, return records and refuse with
# `shared.errors`; blocking work (database, GitHub) runs in a worker thread so no trigger blocks its event loop.
SCAN_ORCHESTRATOR = "policy_scan_orchestrator"
ACT_ORCHESTRATOR = "policy_act_orchestrator"
LOST = "the orchestration no longer exists (the host restarted?); start a new scan or retry the act step"
PENDING_GRACE = timedelta(seconds=60)  # a row written just before start_new, or a queued act request


def new_scan_id() -> str:
    return f"scan-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{token_hex(3)}"


def _older_than(iso: str | None, age: timedelta) -> bool:
    if not iso:
        return True
    return datetime.now(timezone.utc) - datetime.fromisoformat(iso) > age


def _session_or_none() -> GitHubSession | None:
    try:
        return open_session()
    except Exception:  # noqa: BLE001 - no credentials: the app file alone is validated here
        return None


def current_config() -> PolicyConfig:
    """The effective configuration as a scan would start with it (GitHub failures tolerated); `ConfigError` when
    it is invalid. Blocking: call it through `asyncio.to_thread`."""
    return load_effective_config(_session_or_none(), settings.github_org(), strict=False)


async def load_scan(scan_id: str) -> Scan:
    scan = await asyncio.to_thread(store.get_scan, get_database(), scan_id)
    if scan is None:
        raise NotFound(f"scan {scan_id}")
    return scan


async def reconcile_scan(client: Any, scan: Scan) -> Scan:
    """Mark a scan or act run failed when its orchestration is gone, finished without saying so, or stalled
    (`shared.policies.watchdog`); the scan lock never outlives its orchestration. Returns the fresh record."""
    db = get_database()
    changed = False
    now = datetime.now(timezone.utc)
    stall = timedelta(seconds=settings.policy_stall_timeout_seconds())
    if scan.active and (scan.status == JobStatus.RUNNING or _older_than(scan.created_at, PENDING_GRACE)):
        verdict = await watchdog.scan_verdict(client, scan.scan_id, now, stall)
        if verdict:
            if verdict.alive:
                await watchdog.terminate_quietly(client, scan.scan_id, verdict.reason)
            await asyncio.to_thread(store.fail_scan, db, scan.scan_id, verdict.reason)
            changed = True
    if scan.act_active and scan.act_id and \
            (scan.act_status == JobStatus.RUNNING or _older_than(scan.act_requested_at, PENDING_GRACE)):
        act_status = scan.act_status.value if scan.act_status else ""
        verdict = await watchdog.act_verdict(client, scan.act_id, act_status, now, stall)
        if verdict:
            if verdict.alive:
                await watchdog.terminate_quietly(client, scan.act_id, verdict.reason)
            await asyncio.to_thread(store.mark_act_lost, db, scan.scan_id, scan.act_id, verdict.reason,
                                    verdict.gone)
            changed = True
    if not changed:
        return scan
    return await asyncio.to_thread(store.get_scan, db, scan.scan_id) or scan


async def reconcile_active(client: StatusReader) -> int:
    """Reconcile every scan whose scan or act step is active; returns how many still are."""
    scans = [await reconcile_scan(client, s) for s in await asyncio.to_thread(store.active_scans, get_database())]
    return sum(1 for s in scans if s.active or s.act_active)


def _prepare_scan(trigger: str, dry_run: bool, repositories: list[str], policies: list[str]) -> tuple[str, str | None]:
    """Validate the configuration and the requested policies, then create the scan under the singleton lock.
    Returns (scan id, holder of a lock that may be stale) — the caller reconciles a stale holder and retries."""
    db = get_database()
    org = settings.github_org()
    if not org:
        raise NotConfigured("GITHUB_ORG is not set: the organization to scan is unknown")
    config = current_config()  # ConfigError propagates: the trigger reports it line by line
    unknown = [p for p in policies if config.policy(p) is None]
    if unknown:
        raise InvalidInput("policies", f"unknown policy id(s): {', '.join(unknown)}; see GET /api/v1/policies")
    scan_id = new_scan_id()
    try:
        store.create_scan(db, scan_id, trigger, dry_run, {"repositories": repositories, "policies": policies},
                          filter_policies(config, policies), org)
    except store.ScanAlreadyRunning as exc:
        return "", exc.scan_id
    return scan_id, None


async def start_scan(client: Starter, trigger: str, dry_run: bool = False, repositories: list[str] | None = None,
                     policies: list[str] | None = None) -> str:
    """Scan now: validate, take the lock, start the orchestration. `ConfigError`, `InvalidInput`, `NotConfigured`
    on bad input; `Conflict` (with `runningScanId`) while another scan runs."""
    repositories, policies = list(repositories or []), list(policies or [])
    db = get_database()
    holder = await asyncio.to_thread(store.lock_holder, db)
    if holder:
        held = await asyncio.to_thread(store.get_scan, db, holder)
        if held is None:
            await asyncio.to_thread(store.release_lock, db, holder)
        else:
            await reconcile_scan(client, held)  # a lost scan releases the lock here
    scan_id, running = await asyncio.to_thread(_prepare_scan, trigger, dry_run, repositories, policies)
    if running is not None:
        raise Conflict(f"scan {running} is already running; wait for it to finish", runningScanId=running)
    request = ScanRequest(scan_id, trigger, dry_run, repositories, policies)
    try:
        await client.start_new(SCAN_ORCHESTRATOR, scan_id, request.to_json())
    except Exception:
        await asyncio.to_thread(store.fail_scan, db, scan_id, "the orchestration could not be started")
        raise
    return scan_id


async def rerun_scan(client: Starter, scan_id: str) -> str:
    """Start a new scan with the request of an earlier one (the monitoring dashboard's retry of a scan)."""
    scan = await asyncio.to_thread(store.get_scan, get_database(), scan_id)
    if scan is None:
        raise Conflict(f"scan {scan_id} has no stored request to run again; start a new scan with POST /api/v1/scans")
    return await start_scan(client, "manual", scan.dry_run, scan.repositories, scan.policies)


async def retry_act(client: Starter, scan_id: str) -> str:
    """Run the act step of a completed scan again; returns the act instance id. Idempotent: while an act run is
    alive, this joins it instead of starting another."""
    scan = await reconcile_scan(client, await load_scan(scan_id))
    if scan.status != JobStatus.COMPLETED:
        raise Conflict(f"scan {scan.scan_id} is {scan.status}: only a completed scan's actions can be retried",
                       scanStatus=scan.status.value)
    if scan.act_active and scan.act_id and await instance_alive(client, scan.act_id):
        return scan.act_id
    db = get_database()
    holder = await asyncio.to_thread(store.act_claim_holder, db, scan.scan_id)
    if holder and await instance_alive(client, holder):
        return holder  # a run started by a late queue message holds the scan: join it (one act run per scan)
    newer = await asyncio.to_thread(store.newer_scan_covering, db, scan.scan_id)
    if newer:
        raise Conflict(f"scan {scan.scan_id} is no longer the latest evaluation: scan {newer} evaluated the same "
                       f"repositories since; retry that scan's act step instead", newerScanId=newer)
    attempt = scan.act_attempt + 1
    act_id = act_id_for(scan.scan_id, attempt)
    await asyncio.to_thread(store.request_act, get_database(), scan.scan_id, act_id, attempt)
    await client.start_new(ACT_ORCHESTRATOR, act_id, ActRequest(scan.scan_id, act_id, attempt).to_json())
    return act_id


async def start_act(client: Starter, request: ActRequest) -> bool:
    """The scan → act hand-over (queue trigger): start the act run once; a redelivered message finds the instance
    already there and does nothing. Returns whether it started one."""
    if runtime_name(await client.get_status(request.act_id)) is not None:
        return False
    await client.start_new(ACT_ORCHESTRATOR, request.act_id, request.to_json())
    return True


def _detail(scan: Scan) -> ScanDetail:
    db = get_database()
    return ScanDetail(scan, store.result_counts(db, scan.scan_id), store.action_counts(db, scan.scan_id))


async def scan_detail(client: StatusReader, scan_id: str) -> ScanDetail:
    scan = await reconcile_scan(client, await load_scan(scan_id))
    return await asyncio.to_thread(_detail, scan)


async def list_scans(client: StatusReader, offset: int, limit: int) -> tuple[list[ScanDetail], int]:
    """One page of scans, newest first; only the page's active scans are reconciled with the engine."""
    scans, total = await asyncio.to_thread(store.list_scans, get_database(), offset, limit)
    scans = [await reconcile_scan(client, s) for s in scans]
    return [await asyncio.to_thread(_detail, s) for s in scans], total


async def violations(scan_id: str, offset: int, limit: int) -> tuple[list[Violation], int]:
    scan = await load_scan(scan_id)
    return await asyncio.to_thread(store.list_violations, get_database(), scan.scan_id, offset, limit)


async def actions(scan_id: str, offset: int, limit: int) -> tuple[list[ActionLogEntry], int]:
    scan = await load_scan(scan_id)
    return await asyncio.to_thread(store.list_actions, get_database(), scan.scan_id, offset, limit)


def _matrix(scan_id: str, offset: int, limit: int) -> MatrixPage:
    db = get_database()
    rows, total = store.results_page(db, scan_id, offset, limit)
    return MatrixPage(tuple(store.scan_policies(db, scan_id)), matrix_rows(rows), total)


async def results_matrix(scan_id: str, offset: int, limit: int) -> MatrixPage:
    """One page of the compliance matrix: repositories (by name) × the policies the scan evaluated."""
    scan = await load_scan(scan_id)
    return await asyncio.to_thread(_matrix, scan.scan_id, offset, limit)


def _trend(scans: int) -> Trend:
    recent, counts = store.violation_trend(get_database(), scans)
    per_scan: dict[str, dict[str, int]] = {}
    for row in counts:
        per_scan.setdefault(str(row["scan_id"]), {})[str(row["policy_id"])] = int(row["n"])
    policies = tuple(sorted({p for v in per_scan.values() for p in v}))
    points = tuple(TrendPoint(str(r["scan_id"]), r["started_at"], per_scan.get(str(r["scan_id"]), {}))
                   for r in reversed(recent))
    return Trend(policies, points)


async def violation_trend(scans: int = 10) -> Trend:
    """Violations per policy over the last completed scans, oldest first."""
    return await asyncio.to_thread(_trend, scans)


__all__ = ["ConfigError", "ConfigIssue", "RepoSnapshot"]
