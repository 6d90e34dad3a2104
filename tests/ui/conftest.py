"""Browser tests of the web UI: Playwright driving Debian's Chromium (never a downloaded browser) against the app on
the local host with Azurite, the bundled SQLite sample and githubsim. Screenshots of every page at 1,280 px and
390 px go to `docs/ui/` (the docs show them)."""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.azurite import free_port
from tests.e2e.analysis_support import host_env
from tests.realtime.signalr_support import connection_string
from tests.e2e.policy_support import TOKEN, repo, seed, write_config
from tests.support.githubsim import start_githubsim

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"]
SCREENSHOTS = REPO_ROOT / "docs" / "ui"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `make test` installs Debian's chromium with apt"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    subprocess.run([str(REPO_ROOT / "scripts" / "build_ui.sh")], check=True)
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def ui_host(local_host: Any, tmp_path_factory: pytest.TempPathFactory, hanging_port: int) -> Iterator[Any]:
    """The whole app: the analyzer on the bundled SQLite sample (a named connection), the Policy Enforcer on a
    small githubsim organization whose every request is slowed so a scan is seen running, and a `slow` connection
    to a server that never answers (a job on it holds its target, so the next one waits in line)."""
    sim = start_githubsim(seed([repo("good"), repo("no-readme", files={"SECURITY.md": "x"}),
                                repo("no-security", files={"README.md": "# x"})]), latency_ms=150)
    folder = tmp_path_factory.mktemp("ui")
    config = folder / "policies.yaml"
    write_config(config)
    samples = folder / "samples"
    samples.mkdir()
    shutil.copy(REPO_ROOT / "samples" / "shop.db", samples / "shop.db")
    # With real-time on, as `make start` runs it: the host serves the local SignalR service on a free port.
    host = local_host(env={**host_env(ANALYZER_ALLOWED_SQLITE_DIRS=str(samples)),
                           "AzureSignalRConnectionString": connection_string(free_port()),
                           "ANALYZER_CONNECTION_SHOP": f"Driver={{SQLite3}};Database={samples / 'shop.db'};",
                           "ANALYZER_CONNECTION_SLOW": f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;"
                                                       f"Port={hanging_port};Database=postgres;Uid=postgres;Pwd=x;",
                           "ANALYZER_MAX_JOBS_PER_TARGET": "1",
                           "GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
                           "POLICY_CONFIG_PATH": str(config)})
    host.sim = sim
    host.samples = samples
    yield host
    sim.stop()


@pytest.fixture
def page(browser: Any, ui_host: Any) -> Iterator[Any]:
    """A signed-in page at desktop width; every request URL is recorded so tests can prove the key never leaks."""
    context = browser.new_context(viewport=WIDTHS["desktop"])
    tab = context.new_page()
    tab.seen_urls = []
    tab.on("request", lambda request: tab.seen_urls.append(request.url))
    # Signed in as the form does it (test_a_wrong_key_is_refused... drives the form itself).
    context.add_init_script(f"sessionStorage.setItem('functionKey', {ui_host.function_key!r});"
                            "sessionStorage.setItem('authMode', 'key');")
    tab.goto(ui_host.url("/api/ui/#/jobs"), wait_until="commit")
    tab.wait_for_selector("#forget-key:not([hidden])")
    yield tab
    assert not any(ui_host.function_key in url for url in tab.seen_urls), "the function key appeared in a URL"
    context.close()


def screenshot(page: Any, name: str) -> None:
    """Write `docs/ui/<name>-desktop.png` and `<name>-phone.png` of the page as it is now."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=False)
    page.set_viewport_size(WIDTHS["desktop"])


AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def serious_accessibility_violations(browser: Any, url: str, key: str, ready: str) -> list[dict[str, Any]]:
    """Run axe-core (pinned in package.json) on a page; its own context bypasses the CSP only to inject axe."""
    context = browser.new_context(viewport=WIDTHS["desktop"], bypass_csp=True)
    tab = context.new_page()
    tab.goto(url)
    tab.evaluate("key => sessionStorage.setItem('functionKey', key) || sessionStorage.setItem('authMode', 'key')", key)
    tab.reload()
    tab.wait_for_selector(ready)
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    context.close()
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result if v["impact"] in ("serious", "critical")]
