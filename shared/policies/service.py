"""The steps of a scan and of its act run, as plain functions over the database and a GitHub session.

Activities call these (one step each) and tests call them directly. Every step is idempotent: it can be retried
after a crash or a rate-limit pause and leaves the same rows behind.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from shared import settings
from shared.policies import store
from shared.policies.config import (ConfigError, ConfigIssue, Policy, PolicyConfig, load_config_file,
                                    parse_config)
from shared.policies.dispatcher import ActContext, dispatch
from shared.policies.errors import AuthFailed, RateLimited, Unavailable
from shared.policies.evaluation import PolicyOutcome, evaluate_policy, evaluate_repository
from shared.policies.failures import redacted_reason
from shared.policies.github_reader import GitHubSession
from shared.policies.models import (ActChunkInput, ActChunkResult, ActPlan, ActRequest, ArchiveInput, ChunkInput,
                                    ChunkResult, ListPageResult, ScanPlan, ScanRequest)
from shared.policies.repo import RepoSnapshot
from shared.storage.db import Database

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
    except Exception:  # noqa: BLE001 - GitHub down: the activity will retry strictly
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
    scan = store.get_scan(db, request.scan_id)
    try:
        config = filter_checks(filter_policies(load_effective_config(session, scan["org"]), request.policies),
                               request.checks)
    except RateLimited as exc:  # reading the organization's override file: wait for the reset, then plan again
        return ScanPlan(request.scan_id, rate_limited_until=exc.reset_at)
    except AuthFailed:
        return ScanPlan(request.scan_id, ok=False, error=AUTH_MESSAGE)
    except ConfigError as exc:
        return ScanPlan(request.scan_id, ok=False, error=f"invalid policy configuration: {exc}")
    import json

    db.execute("UPDATE policy_scans SET config_json = ? WHERE scan_id = ?", (json.dumps(config.to_json()),
                                                                             request.scan_id))
    s = config.settings
    return ScanPlan(request.scan_id, batch_size=s.batch_size, parallel_batches=s.parallel_batches,
                    chunk_size=s.chunk_size, policy_count=len([p for p in config.policies if p.enabled]),
                    unavailable_pauses=settings.policy_unavailable_pauses_seconds())


def list_page(db: Database, session: GitHubSession, scan_id: str, page: int, names: list[str]) -> ListPageResult:
    scan = store.get_scan(db, scan_id)
    org = scan["org"]
    try:
        if names:
            repos = [session.get_repository(org, name) for name in names]
            repos = [r for r in repos if r is not None]
            store.store_repositories(db, scan_id, 0, repos)
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
    marks = ",".join("?" * len(names))
    done = {r["repository"] for r in db.query(
        f"SELECT DISTINCT repository FROM policy_results WHERE scan_id = ? AND repository IN ({marks})",
        (chunk.scan_id, *names))} if names else set()
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
        row = db.query_one(f"SELECT COUNT(DISTINCT repository) AS n, SUM(CASE WHEN outcome = 'fail' THEN 1 ELSE 0 END) "
                           f"AS v, SUM(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) AS e FROM policy_results "
                           f"WHERE scan_id = ? AND repository IN ({marks})", (chunk.scan_id, *names))
        result.scanned, result.violations, result.errors = int(row["n"] or 0), int(row["v"] or 0), int(row["e"] or 0)
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
    scan = store.get_scan(db, scan_id)
    return ActContext(db=db, scan_id=scan_id, act_id=act_id, attempt=attempt, org=scan["org"],
                      config=store.scan_config(db, scan_id), tracker=session.tracker(),
                      global_dry_run=bool(scan["dry_run"]) or settings.policy_dry_run(),
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
    for key in request.candidates:
        repo_name, policy_id = key.split("|", 1)
        item = store.WorkItem("violation", repo_name, policy_id, "archive-repo", "", {}, "")
        if _already_logged(db, request.act_id, repo_name, policy_id, ("archived",)):
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


def _already_logged(db: Database, act_id: str, repo: str, policy_id: str, outcomes: tuple[str, ...]) -> bool:
    marks = ",".join("?" * len(outcomes))
    row = db.query_one(f"SELECT COUNT(*) AS n FROM policy_action_log WHERE act_id = ? AND repository = ? "
                       f"AND policy_id = ? AND outcome IN ({marks})", (act_id, repo, policy_id, *outcomes))
    return int(row["n"]) > 0


def finish_act(db: Database, scan_id: str, act_id: str, status: str, error: str = "") -> dict:
    store.finish_act_run(db, act_id, scan_id, status, error)
    return {"actId": act_id, "status": status, "counts": store.action_counts(db, scan_id)}


__all__ = ["ConfigError", "ConfigIssue", "RepoSnapshot"]
