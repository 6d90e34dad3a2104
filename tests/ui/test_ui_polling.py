"""Without SignalR configured (or while it is down) the pages poll the public API instead: the job page still moves
to 100 % without a reload, and the header says which transport is in use."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.analysis_support import host_env
from tests.ui.conftest import REPO_ROOT, WIDTHS

pytestmark = [pytest.mark.e2e, pytest.mark.live, pytest.mark.ui]


@pytest.fixture(scope="module")
def polling_host(local_host: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    samples = tmp_path_factory.mktemp("ui-polling")
    shutil.copy(REPO_ROOT / "samples" / "shop.db", samples / "shop.db")
    yield local_host(env={**host_env(ANALYZER_ALLOWED_SQLITE_DIRS=str(samples)), "AzureSignalRConnectionString": "",
                          "ANALYZER_CONNECTION_SHOP": f"Driver={{SQLite3}};Database={samples / 'shop.db'};"})


def test_the_job_page_polls_when_signalr_is_not_configured(browser: Any, polling_host: Any) -> None:
    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.goto(polling_host.url("/api/ui/"))
    page.fill("#key-input", polling_host.function_key)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#nav-counts")
    page.goto(polling_host.url("/api/ui/#/analysis/new"))
    page.wait_for_selector("#connection-name option[value=shop]", state="attached")
    page.select_option("#connection-name", "shop")
    page.click("#start-analysis")
    page.wait_for_url("**/#/analysis/jobs/analysis-*")
    page.wait_for_selector("#job-report:not([hidden])", timeout=90_000)
    assert page.get_attribute("#live-indicator", "data-mode") == "polling"
    assert page.get_attribute("#job-progress", "aria-valuenow") == "100"
    context.close()
