"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser).

Skipped, with the command that installs it, only where /usr/bin/chromium (or PLATFORM_TEST_CHROMIUM) is
absent; CI (.ci/run) installs it first. A failing test leaves a screenshot in var/browser-failures/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PLATFORM_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "browser-failures"
MISSING = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` to run the browser tests"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=MISSING)
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str | None:
    return None if CHROMIUM.exists() else MISSING


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser per module: Playwright's sync API keeps an event loop in the test thread while it runs,
    which must be gone before other test modules (Django refuses ORM calls beside a running loop)."""
    from playwright.sync_api import sync_playwright

    # The browser tests' own ORM calls are plain sync code, not in the loop: allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) with a phone-sized viewport; screenshot kept when the test fails."""
    context = chromium.new_context(viewport={"width": 412, "height": 860}, locale="zh-CN")
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            path = SCREENSHOTS / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"\nscreenshot of the failing page: {path}")
        context.close()
