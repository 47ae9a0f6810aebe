"""The console in a real browser: Debian's Chromium driven by Playwright, against a real
``golive serve`` on a free port with its own seeded SQLite database.

Browsers are never downloaded: Chromium is ``/usr/bin/chromium`` (``.ci/run`` installs the
Debian package when missing). A screenshot of each page goes to ``screenshots/``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_support import ROOT, TENANT, Seeded, seed
from playwright.sync_api import Browser, Page, sync_playwright

from golive.services import audit
from golive.storage.engine import make_engine

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHOTS = ROOT / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    where = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{where / 'console.db'}"
    engine = make_engine(url)
    try:
        data = seed(engine, url)
        signer = audit.generate_key("golive.test/console", where / "ledger.key")
        with engine.begin() as connection:
            audit.issue_checkpoint(connection, [signer], now=dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "GOLIVE_DATABASE_URL": url,
        "GOLIVE_SESSION_SECRET": "browser-test-secret",
        "GOLIVE_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "golive", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=where,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"golive serve did not start: {err[-2000:]}")
            time.sleep(0.1)
        yield base, data
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


def _page(browser: Browser, **options: Any) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


def _sign_in(page: Page, base: str, token: str) -> None:
    page.goto(f"{base}/")
    assert "/sign-in" in page.url
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_sign_in_and_visit_every_page(server: tuple[str, Seeded], browser: Browser) -> None:
    base, data = server
    page = _page(browser)
    page.goto(f"{base}/sign-in")
    _shot(page, "01-sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    _sign_in(page, base, data.tokens[(TENANT, "admin")])
    assert page.get_by_test_id("tenant").inner_text() == TENANT
    assert page.get_by_role("heading", name="What runs where").is_visible()
    _shot(page, "02-overview")
    page.get_by_role("link", name="Releases", exact=True).click()
    assert page.get_by_role("heading", name="Releases and decisions").is_visible()
    _shot(page, "03-releases")
    page.locator("table a[href^='/releases/']").first.click()
    assert page.get_by_role("heading", name="Findings").is_visible()
    assert page.locator("details.check").count() > 0
    _shot(page, "04-release")
    page.get_by_role("link", name="Policies", exact=True).click()
    _shot(page, "05-policies")
    page.locator("table a[href^='/policies/']").first.click()
    assert page.get_by_role("heading", name="Controls", exact=True).is_visible()
    assert page.locator("code.control").count() > 0
    _shot(page, "06-policy-explain")
    digest = page.url.rsplit("/", 1)[1]
    page.goto(f"{base}/policies/diff?old={digest}&new={digest}")
    assert page.get_by_text("The sources are identical").is_visible()
    _shot(page, "07-policy-diff")
    page.get_by_role("link", name="Audit", exact=True).click()
    assert page.get_by_role("heading", name="Checkpoints").is_visible()
    assert page.locator("#cp-h + table tbody tr").count() >= 1
    page.get_by_role("button", name="Verify now").click()
    # it runs in the background: the fragment polls until the result replaces it
    page.locator("#verify-result .b-pass").wait_for(timeout=20_000)
    assert "verified" in page.locator("#verify-result").inner_text()
    _shot(page, "08-audit")
    page.locator("#entries table a[href^='/audit/entries/']").last.click()
    assert "verified: entry" in page.locator("#proof-result").inner_text()
    _shot(page, "09-audit-entry")


def test_filter_findings_by_severity_and_tool(server: tuple[str, Seeded], browser: Browser) -> None:
    base, data = server
    page = _page(browser)
    _sign_in(page, base, data.tokens[(TENANT, "developer")])
    page.goto(f"{base}/releases")
    page.locator("table a[href^='/releases/']").first.click()
    total = page.locator("#findings tbody tr").count()
    assert total > 0
    page.get_by_label("Severity", exact=True).select_option("high")
    page.wait_for_function(
        "[...document.querySelectorAll('#findings tbody tr')].every("
        "r => r.dataset.severity === 'high')"
    )
    high = page.locator("#findings tbody tr").count()
    assert 0 < high < total
    page.get_by_label("Tool", exact=True).select_option("bandit")
    page.wait_for_function(
        "[...document.querySelectorAll('#findings tbody tr')].every("
        "r => r.dataset.tool === 'bandit')"
    )
    assert "severity high · tool bandit" in page.locator("#findings").inner_text()
    _shot(page, "10-findings-filtered")


def test_findings_filter_works_with_javascript_off(
    server: tuple[str, Seeded], browser: Browser
) -> None:
    base, data = server
    page = _page(browser, java_script_enabled=False)
    _sign_in(page, base, data.tokens[(TENANT, "viewer")])
    page.goto(f"{base}/releases")
    page.locator("table a[href^='/releases/']").first.click()
    page.get_by_label("Severity", exact=True).select_option("low")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"severity=low"))
    severities = page.locator("#findings tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.severity)"
    )
    assert severities
    assert set(severities) == {"low"}


def test_record_a_sign_off_and_find_it_in_the_audit_list_with_its_proof(
    server: tuple[str, Seeded], browser: Browser
) -> None:
    base, data = server
    page = _page(browser)
    _sign_in(page, base, data.tokens[(TENANT, "release-manager")])
    page.goto(f"{base}/releases")
    page.locator("table a[href^='/releases/']").first.click()
    page.get_by_label("Checklist").fill("go-live")
    page.get_by_label("Item").fill("rollback-rehearsed")
    page.get_by_role("button", name="Record sign-off").click()
    assert page.get_by_role("status").inner_text().startswith("Sign-off recorded")
    assert page.get_by_role("cell", name="rollback-rehearsed", exact=True).is_visible()
    _shot(page, "11-sign-off-recorded")
    page.goto(f"{base}/audit")
    page.get_by_label("Action", exact=True).fill("signoffs.ingested")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#entries tbody tr")
    rows.first.wait_for()
    assert rows.first.get_attribute("data-action") == "signoffs.ingested"
    rows.first.locator("a").first.click()
    assert "go-live/rollback-rehearsed" in page.locator("dl.facts").first.inner_text()
    assert "verified: entry" in page.locator("#proof-result").inner_text()
    assert page.locator("ol.proof li").count() > 0
    _shot(page, "12-sign-off-audit-proof")


def test_a_viewer_sees_no_sign_off_form_and_a_post_without_csrf_is_refused(
    server: tuple[str, Seeded], browser: Browser
) -> None:
    base, data = server
    page = _page(browser)
    _sign_in(page, base, data.tokens[(TENANT, "viewer")])
    assert page.get_by_role("link", name="Audit", exact=True).count() == 0
    page.goto(f"{base}/releases")
    page.locator("table a[href^='/releases/']").first.click()
    assert page.locator("#signoff-form").count() == 0
    _shot(page, "13-viewer-release")
    target = page.url.split("#")[0] + "/signoffs"
    refused = page.request.post(target, form={"checklist": "go-live", "item": "sneaky"})
    assert refused.status == 403
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    as_viewer = page.request.post(
        target, form={"csrf": csrf or "", "checklist": "go-live", "item": "sneaky"}
    )
    assert as_viewer.status == 403
    page.reload()
    assert page.get_by_text("sneaky").count() == 0
