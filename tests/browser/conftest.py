"""A real browser on the real app: Debian's chromium, driven by Playwright, over a live server.

One small real home per session (the corpora of ``tests/web/conftest.py``), served by
uvicorn in a background thread on a free 127.0.0.1 port, with one user per role made
through the accounts service. Each test gets a fresh browser context (no cookies); a
failing test leaves a full-page screenshot in ``<pytest basetemp>/browser-artifacts``
(or ``$IPNAV_BROWSER_ARTIFACTS``), named after the test.

The helpers live in ``scripts/screenshots.py`` so that the README's pictures come from
the same app, started the same way.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_screenshots_script():
    spec = importlib.util.spec_from_file_location(
        "ipnav_screenshots", ROOT / "scripts" / "screenshots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


screens = _load_screenshots_script()
PASSWORD = screens.PASSWORD


@pytest.fixture(scope="session")
def screenshots_script():
    """``scripts/screenshots.py`` as a module (its helpers and :func:`capture`)."""
    return screens


@pytest.fixture(scope="session")
def live(tmp_path_factory, sample_data: Path):
    """The real app on a small real home, answering over HTTP (``live.url``, ``live.app``)."""
    settings = screens.build_small_home(tmp_path_factory.mktemp("browser"), sample_data)
    with screens.live_server(settings) as server:
        assert server.app.state.search is not None, server.app.state.search_error
        yield server


@pytest.fixture(scope="session")
def users(live) -> dict[str, str]:
    """Role name -> e-mail of a stored user with that role (password :data:`PASSWORD`)."""
    return screens.create_users(live.app)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = screens.launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where failing tests leave their screenshots."""
    configured = os.environ.get("IPNAV_BROWSER_ARTIFACTS")
    folder = (
        Path(configured) if configured else tmp_path_factory.getbasetemp() / "browser-artifacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the ``page`` fixture knows a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(request, browser, live, artifacts):
    """A new page in a fresh context (no cookies), at the README's viewport, Chinese browser.

    The login rate limit (per client address: every test comes from 127.0.0.1) is reset.
    """
    live.app.state.login_limiter.reset()
    context = browser.new_context(
        base_url=live.url, viewport=screens.VIEWPORT, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(30_000)
    opened = context.new_page()
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
        shot = artifacts / f"{name}.png"
        opened.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot of the failing page ({opened.url}): {shot}")
    context.close()


@pytest.fixture
def log_in(page, live):
    """``log_in(email)``: log ``page`` in through the login form."""

    def go(email: str, password: str = PASSWORD) -> None:
        screens.log_in(page, live.url, email, password)

    return go
