"""Browser fixtures for the end-to-end journeys: Debian's Chromium driven by Playwright, the live server,
axe-core and a login through the real form.

Every test under tests/e2e is marked `browser` here, so tests/conftest.py skips it (or fails it in CI)
when Chromium is absent. Journeys run against pytest-django's `live_server`; a test module declares
`pytest.mark.django_db(transaction=True)`; an autouse fixture re-creates the rows made by migrations
(role groups, Wagtail's root page, the catalogue), which a transactional test flushes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; Django would then refuse every ORM call
# that the test itself makes (factories, database checks). Nothing here is truly asynchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.conftest import CHROMIUM, browser_missing

E2E_DIR = Path(__file__).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PHONE_VIEWPORT = {"width": 360, "height": 740}
LOCALE = "fr-FR"
TIMEOUT_MS = 10_000
# WCAG 2.0 and 2.1, levels A and AA (axe's best-practice rules are not part of the contract).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOGIN_PATH = "/compte/connexion/"


def pytest_collection_modifyitems(config, items):
    """Mark every test of this folder `browser`."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so that a page fixture knows whether its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- Browser ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole session, the Debian package's (never a downloaded one)."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _new_page(browser, live_server, request, tmp_path: Path, **context_options) -> Iterator:
    """A page in a fresh context (no cookies shared between tests), with the live server as base URL.

    Uncaught JavaScript errors fail the test; on failure, a screenshot and the HTML are kept in tmp_path.
    """
    context = browser.new_context(locale=LOCALE, base_url=live_server.url, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    # Chromium asks for /favicon.ico on its own, at any moment; with SQLite the live server shares the
    # test's database connection, so a request the test did not make could collide with its queries.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        screenshot = tmp_path / "failure.png"
        page.screenshot(path=str(screenshot), full_page=True)
        (tmp_path / "failure.html").write_text(page.content(), encoding="utf-8")
        print(f"\nLast page {page.url}: screenshot {screenshot}, HTML {tmp_path / 'failure.html'}")  # noqa: T201
    context.close()
    if script_errors:
        pytest.fail("JavaScript errors:\n" + "\n".join(script_errors), pytrace=False)


@pytest.fixture(autouse=True)
def _migration_rows(transactional_db):
    """Each journey starts with the rows migrations create (a transactional test flushes them)."""
    from tests.migration_rows import ensure_migration_rows

    ensure_migration_rows()


@pytest.fixture
def page(browser, live_server, request, tmp_path) -> Iterator:
    """A desktop page (1280×800, French)."""
    yield from _new_page(browser, live_server, request, tmp_path, viewport=DESKTOP_VIEWPORT)


@pytest.fixture
def phone_page(browser, live_server, request, tmp_path) -> Iterator:
    """A phone page (360×740, touch), the size of a small Android phone."""
    yield from _new_page(
        browser,
        live_server,
        request,
        tmp_path,
        viewport=PHONE_VIEWPORT,
        is_mobile=True,
        has_touch=True,
    )


# --- Accessibility ---------------------------------------------------------------------------------


def _target(node: dict) -> str:
    """axe's target: a list of selectors, nested when the element sits in a frame or a shadow root."""
    parts = [" >>> ".join(part) if isinstance(part, list) else part for part in node["target"]]
    return " → ".join(parts)


def format_axe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe violation(s) (WCAG 2.0/2.1 A and AA) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation['impact']}] {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    at {_target(node)}: {' '.join(node['html'].split())[:200]}")
            summary = " ".join(node.get("failureSummary", "").split())
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_no_axe_violations(axe) -> Callable:
    """`assert_no_axe_violations(page)` runs axe on the current page and fails with a readable list."""

    def check(page, context: str | None = None) -> None:
        """`context`: an optional CSS selector to limit the check to one part of the page."""
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        results = axe.run(page, context=context, options=options)
        violations = results.response["violations"]
        if violations:
            pytest.fail(format_axe_violations(page.url, violations), pytrace=False)

    return check


# --- Accounts --------------------------------------------------------------------------------------


@pytest.fixture
def login() -> Callable:
    """`login(page, live_server, email, password)`: signs in through the real form, fails if refused."""

    def sign_in(page, live_server, email: str, password: str) -> None:
        page.goto(live_server.url + LOGIN_PATH)
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter").click()
        if LOGIN_PATH in page.url:
            alert = page.get_by_role("alert")
            reason = alert.inner_text() if alert.count() else "no error shown"
            pytest.fail(f"Login as {email} failed: {' '.join(reason.split())}", pytrace=False)

    return sign_in
