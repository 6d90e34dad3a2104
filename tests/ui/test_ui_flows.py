"""The web UI, clicked like a person: one test per user flow, in Debian's Chromium through Playwright, against the
whole app on the local host. Each test asserts what the user sees and in which order, never how fast."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import requests

from tests.e2e.analysis_support import wait_final
from tests.ui.conftest import screenshot, serious_accessibility_violations

pytestmark = [pytest.mark.e2e, pytest.mark.live, pytest.mark.ui]


RECORD_PROGRESS = """() => {
    window.progressSeen = [];
    new MutationObserver(records => {
        for (const record of records) {
            if (record.target.id !== "job-progress") continue;
            window.progressSeen.push(Number(record.target.getAttribute("aria-valuenow")));
        }
    }).observe(document, {subtree: true, attributes: true, attributeFilter: ["aria-valuenow"]});
}"""


def analyses_total(host: Any) -> int:
    return int(host.get("/api/v1/analysis?pageSize=1").json()["total"])


def test_the_ui_is_served_by_the_app_with_a_strict_policy(ui_host: Any) -> None:
    index = requests.get(ui_host.url("/api/ui/"), timeout=10)
    assert index.status_code == 200 and index.headers["Content-Type"].startswith("text/html")
    csp = index.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    script = requests.get(ui_host.url("/api/ui/js/main.js"), timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    again = requests.get(ui_host.url("/api/ui/js/main.js"), headers={"If-None-Match": script.headers["ETag"]}, timeout=10)
    assert again.status_code == 304
    for bad in ("/api/ui/../function_app.py", "/api/ui/%2e%2e/host.json", "/api/ui/.gitignore", "/api/ui/nope.js"):
        answer = requests.get(ui_host.url(bad), timeout=10)
        assert answer.status_code in (400, 404), bad
        assert answer.headers["Content-Type"].startswith("application/problem+json"), bad
    assert requests.get(ui_host.url("/api/ui"), allow_redirects=False, timeout=10).status_code == 308


def test_a_wrong_key_is_refused_at_the_field_and_the_right_one_opens_the_dashboard(browser: Any, ui_host: Any) -> None:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(ui_host.url("/api/ui/"))
    tab.click("#key-form button[type=submit]")
    assert "Enter the function key" in tab.text_content("#key-error")
    tab.fill("#key-input", "not-the-key")
    tab.click("#key-form button[type=submit]")
    tab.wait_for_function("() => document.querySelector('#key-error')?.textContent.includes('refused')")
    assert tab.get_attribute("#key-input", "aria-invalid") == "true"
    tab.fill("#key-input", ui_host.function_key)
    tab.click("#key-form button[type=submit]")
    tab.wait_for_selector("#realtime-graph svg")
    assert ui_host.function_key not in tab.content()
    context.close()


def test_start_an_analysis_from_the_form_and_watch_it_reach_100_percent(page: Any, ui_host: Any) -> None:
    page.goto(ui_host.url("/api/ui/#/analysis/new"))
    page.wait_for_selector("#connection-name option[value=shop]", state="attached")
    screenshot(page, "analysis-start")
    page.select_option("#connection-name", "shop")
    page.select_option("#analysis-type", "comprehensive")
    # Every value the progress bar shows is recorded in the page from before the job exists, so a job that runs
    # faster than the test cannot slip past the recorder (the application is one document: routes change its hash).
    page.evaluate(RECORD_PROGRESS)
    page.click("#start-analysis")
    page.wait_for_url("**/#/analysis/jobs/analysis-*")
    job_url = page.url
    page.wait_for_selector("#live-indicator[data-mode=signalr]")
    page.wait_for_function("() => document.querySelector('#job-progress')?.getAttribute('aria-valuenow') === '100'", timeout=90_000)
    page.wait_for_selector("#job-report:not([hidden])")
    assert page.url == job_url, "the page reloaded or navigated while the job ran"
    seen = page.evaluate("() => window.progressSeen")
    assert seen, "the recorder is gone: the page was reloaded"
    assert seen == sorted(seen) and seen[-1] == 100, seen
    assert "Completed" in page.text_content("#job-status")
    screenshot(page, "analysis-job")

    page.click("#job-report")
    page.wait_for_selector("#report-score")
    total = page.text_content("#findings-count")
    page.select_option("#filter-severity", "high")
    filtered = page.text_content("#findings-count")
    assert filtered != total and filtered.endswith(total.split(" of ")[1])
    for badge in page.query_selector_all("#findings details summary .badge"):
        assert badge.text_content() == "high"
    page.select_option("#filter-severity", "")
    page.click("#findings details summary")
    assert page.is_visible("#findings details[open] dl.meta")
    screenshot(page, "analysis-report")

    # The monitoring view of the same job: its timeline and the Gantt chart of its activities.
    job_id = job_url.rsplit("/", 1)[1]
    page.goto(ui_host.url(f"/api/ui/#/jobs/{job_id}"))
    page.wait_for_selector("#gantt rect")
    labels = page.eval_on_selector_all("#state-timeline .t-label", "els => els.map(e => e.textContent)")
    assert labels[0] == "Created" and labels[-1] == "Completed", labels
    screenshot(page, "job-detail-completed")


def test_bad_input_shows_at_the_field_and_starts_nothing(page: Any, ui_host: Any) -> None:
    before = analyses_total(ui_host)
    page.goto(ui_host.url("/api/ui/#/analysis/new"))
    page.wait_for_selector("#start-analysis")
    page.click("#start-analysis")
    assert "Choose a configured connection" in page.text_content("#connection-name-error")
    page.fill("#connection-string", "Driver={PostgreSQL Unicode};Server=10.0.0.1;Port=5432;Database=x;")
    page.click("#start-analysis")
    page.wait_for_function("() => document.querySelector('#connection-string-error')?.textContent.length > 0")
    assert page.get_attribute("#connection-string", "aria-invalid") == "true"
    page.fill("#connection-string", "")
    page.select_option("#connection-name", "shop")
    page.click("text=Options")
    page.fill("#opt-timeout", "9999")
    page.click("#start-analysis")
    page.wait_for_function("() => document.querySelector('#opt-timeout-error')?.textContent.length > 0")
    assert analyses_total(ui_host) == before
    assert "/analysis/new" in page.url


def test_scan_now_disables_the_button_while_it_runs_and_fills_the_matrix(page: Any, ui_host: Any) -> None:
    page.goto(ui_host.url("/api/ui/#/policy"))
    page.wait_for_selector("#scan-now:not([disabled])")
    screenshot(page, "policy-home")
    page.click("#scan-now")
    page.wait_for_url("**/#/policy/scans/scan-*")
    scan_id = page.url.rsplit("/", 1)[1]
    page.wait_for_selector("#matrix tbody tr")
    # Back on the home page while the scan runs, the button is disabled and links to the running scan.
    page.goto(ui_host.url("/api/ui/#/policy"))
    page.wait_for_selector("#scans-title")   # the page has read the scans once
    if page.is_disabled("#scan-now"):
        assert page.get_attribute("#running-scan-link", "href").endswith(scan_id)
    else:   # only if the scan ended before the page looked (githubsim is slowed so that it rarely does)
        assert ui_host.get(f"/api/v1/scans/{scan_id}").json()["status"] not in ("Pending", "Running")
    page.goto(ui_host.url(f"/api/ui/#/policy/scans/{scan_id}"))
    page.wait_for_function("() => document.querySelectorAll('#matrix tbody tr').length === 3", timeout=60_000)
    page.wait_for_function("() => [...document.querySelectorAll('#action-log td')].some(td => td.textContent === 'created')", timeout=60_000)
    cells = page.eval_on_selector_all("#matrix td.cell", "tds => tds.map(td => td.className)")
    assert any("r-fail" in c for c in cells) and any("r-pass" in c for c in cells)
    screenshot(page, "policy-scan")
    page.goto(ui_host.url("/api/ui/#/policy"))
    page.wait_for_selector("#scan-now:not([disabled])")


def test_the_realtime_graph_moves_and_a_failed_job_can_be_retried(page: Any, ui_host: Any, postgres_db: Any) -> None:
    # A job that fails when it runs: PostgreSQL is there, the database is not.
    missing_db = postgres_db.connection_string("ui_no_such_database")
    response = ui_host.post("/api/v1/analysis/start", json={"connectionString": missing_db, "analysisType": "quick"})
    assert response.status_code == 202, response.text
    job_id = response.json()["jobId"]
    page.goto(ui_host.url("/api/ui/#/jobs"))
    page.wait_for_function("() => Number(document.querySelector('#realtime-graph')?.dataset.samples) >= 3", timeout=30_000)
    screenshot(page, "jobs")
    page.goto(ui_host.url("/api/ui/#/jobs/state/Failed"))
    page.wait_for_selector(f"#jobs-table a[href='#/jobs/{job_id}']", timeout=60_000)
    screenshot(page, "jobs-failed")
    page.click(f"#jobs-table a[href='#/jobs/{job_id}']")
    page.wait_for_selector("#detail-error")
    assert page.query_selector_all("#state-timeline li")
    screenshot(page, "job-detail")
    page.click("#detail-retry")
    page.wait_for_function(f"() => document.querySelector('#toast')?.textContent.includes('Retried as {job_id}')")
    attempt = ui_host.get(f"/api/v1/analysis/status/{job_id}").json()["attempt"]
    assert attempt == 2


def test_trigger_a_schedule_now_and_disable_it_from_the_recurring_jobs_page(page: Any, ui_host: Any) -> None:
    put = ui_host.session_put("/api/v1/schedules/ui-shop-nightly", {
        "kind": "analysis", "cron": "30 2 * * *", "timeZone": "Europe/Berlin",
        "request": {"connectionName": "shop", "analysisType": "quick"}})
    assert put.status_code in (200, 201), put.text
    page.goto(ui_host.url("/api/ui/#/recurring"))
    page.wait_for_selector("button.trigger-now[data-id='ui-shop-nightly']")
    assert "daily-scan (built-in)" in page.text_content("#schedules")
    screenshot(page, "recurring")
    page.click("button.trigger-now[data-id='ui-shop-nightly']")
    page.wait_for_function("() => document.querySelector('#toast')?.textContent.includes('Triggered: analysis-')")
    job_id = page.text_content("#toast").split("Triggered: ")[1].strip()
    page.wait_for_selector(f"#schedules a[href='#/jobs/{job_id}']")
    page.click("button.toggle[data-id='ui-shop-nightly']")
    page.wait_for_function("() => [...document.querySelectorAll('#schedules tr')].some(tr => "
                           "tr.textContent.includes('ui-shop-nightly') && tr.textContent.includes('disabled'))")
    assert ui_host.get("/api/v1/schedules/ui-shop-nightly").json()["enabled"] is False


def test_a_scheduled_high_priority_job_that_waited_shows_its_priority_schedule_and_waiting_apart_from_running(
        page: Any, ui_host: Any) -> None:
    # The `slow` target never answers: its first analysis holds the target's one slot while the scheduled one waits.
    blocker = ui_host.post("/api/v1/analysis/start", json={"connectionName": "slow", "analysisType": "quick"}).json()["jobId"]
    wait_for(ui_host, blocker, lambda s: s["currentStep"].startswith("connecting"))   # it holds the slot
    put = ui_host.session_put("/api/v1/schedules/ui-slow-urgent", {
        "kind": "analysis", "cron": "0 3 * * *", "timeZone": "UTC",
        "request": {"connectionName": "slow", "analysisType": "quick", "priority": "high"}})
    assert put.status_code in (200, 201), put.text
    triggered = ui_host.post("/api/v1/schedules/ui-slow-urgent/trigger")
    assert triggered.status_code == 202, triggered.text
    job_id = triggered.json()["jobId"]
    waiting = wait_for(ui_host, job_id, lambda s: s["currentStep"].startswith("waiting for"))
    assert waiting["status"] == "Pending" and waiting["startedAt"] is None
    ui_host.post(f"/api/v1/analysis/{blocker}/cancel")   # (or its login timed out first: it has ended either way)
    started = wait_for(ui_host, job_id, lambda s: s["startedAt"] is not None)
    blocker_ended = datetime.fromisoformat(ui_host.get(f"/api/v1/jobs/{blocker}").json()["completedAt"])
    job = ui_host.get(f"/api/v1/jobs/{job_id}").json()
    created, began = datetime.fromisoformat(job["createdAt"]), datetime.fromisoformat(job["startedAt"])
    assert created < blocker_ended <= began   # it waited in line until the job ahead of it ended
    assert (job["priority"], job["scheduleId"]) == ("high", "ui-slow-urgent") and job["waitingSeconds"] > 0
    assert started["priority"] == "high"

    page.goto(ui_host.url("/api/ui/#/jobs"))
    row = f"#jobs-table tr[data-job='{job_id}']"
    page.wait_for_selector(f"{row} td.waited:not(:empty)", timeout=60_000)
    assert page.text_content(f"{row} td.priority") == "high"
    assert page.text_content(f"{row} td.schedule") == "ui-slow-urgent"
    assert page.text_content(f"{row} td.ran")   # run time, shown apart from the wait
    screenshot(page, "jobs-priority")
    page.click(f"{row} a[href='#/jobs/{job_id}']")
    page.wait_for_selector("#job-facts")
    assert page.text_content("#fact-priority") == "high"
    assert page.text_content("#fact-schedule") == "ui-slow-urgent"
    assert page.text_content("#fact-waited") and page.text_content("#fact-running")
    screenshot(page, "job-detail-priority")
    ui_host.post(f"/api/v1/analysis/{job_id}/cancel")
    ui_host.delete("/api/v1/schedules/ui-slow-urgent")


def wait_for(host: Any, job_id: str, ready: Any, rounds: int = 60) -> dict[str, Any]:
    """The analysis status once `ready(status)` holds (long-polls; a hang guard, not a time bound)."""
    seen = host.get(f"/api/v1/analysis/status/{job_id}").json()
    for _ in range(rounds):
        if ready(seen):
            return seen
        seen = host.get(f"/api/v1/analysis/status/{job_id}?wait=2").json()
    raise AssertionError(f"{job_id} never reached the awaited state: {seen}")


def test_history_charts_the_score_of_each_target_and_shows_what_changed(page: Any, ui_host: Any) -> None:
    for _ in range(2):  # two completed analyses of the same target, whatever ran before in this module
        job_id = ui_host.post("/api/v1/analysis/start", json={"connectionName": "shop", "analysisType": "quick"}).json()["jobId"]
        assert wait_final(ui_host, job_id)[-1]["status"] == "Completed"
    page.goto(ui_host.url("/api/ui/#/analysis/history"))
    page.wait_for_selector("section.history svg.chart polyline", state="attached")
    page.wait_for_selector(f"#diff-{job_id}")
    assert "resolved" in page.text_content(f"#diff-{job_id}")
    assert page.query_selector_all("section.history tbody tr")
    screenshot(page, "analysis-history")


@pytest.mark.parametrize("route,ready", [
    ("#/jobs", "#realtime-graph svg"), ("#/analysis/new", "#start-analysis"), ("#/policy", "#scan-now"),
    ("#/policy/policies", "table"), ("#/servers", "#servers"), ("#/recurring", "#schedules"),
    ("#/analysis/history", "main h1"),
])
def test_pages_have_no_serious_accessibility_violations(browser: Any, ui_host: Any, route: str, ready: str) -> None:
    violations = serious_accessibility_violations(browser, ui_host.url(f"/api/ui/{route}"), ui_host.function_key, ready)
    assert violations == []
