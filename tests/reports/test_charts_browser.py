"""The interactive charts in a real browser under the site's own Content-Security-Policy.

A small app with the real middleware (:class:`~ipnav.web.security.SecurityHeaders`), the
real static files (``static/charts.js``) and the Plotly.js bundle of the installed
``plotly`` package serves a page with every figure of the real analyses as JSON data
blocks; Debian's chromium must draw each one with no CSP violation and no error.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from markupsafe import escape as html_escape

from ipnav.reports import chart_json
from ipnav.web.app import STATIC_DIR
from ipnav.web.security import SecurityHeaders
from ipnav.web.static_vendor import PLOTLY_URL, plotly_js

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def _page(figures: dict[str, dict]) -> str:
    import json

    blocks = []
    for key, figure in figures.items():
        data = json.dumps(figure, ensure_ascii=False).replace("<", "\\u003c")
        blocks.append(
            f'<div class="chart" data-figure="chart-{key}"></div>'
            f'<script type="application/json" id="chart-{key}">{Markup(data)}</script>'
        )
    return (
        f'<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
        f"<title>{html_escape('图表')}</title></head><body>{''.join(blocks)}"
        f'<script src="{PLOTLY_URL}"></script><script src="/static/charts.js"></script>'
        "</body></html>"
    )


@pytest.fixture(scope="module")
def chart_server(analyses):
    import uvicorn

    figures = {k: f for k, t in analyses["zh"].items() if (f := chart_json(t, "zh"))}
    app = FastAPI()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get(PLOTLY_URL)
    def bundle() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript")

    @app.get("/charts", response_class=HTMLResponse)
    def charts() -> str:
        return _page(figures)

    app.add_middleware(SecurityHeaders)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", figures
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def test_every_chart_draws_under_the_sites_csp(chart_server):
    # in a thread of its own: the browser tests' Playwright may own this thread's loop,
    # and Playwright's sync API refuses to start inside a running loop
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_draw_every_chart, chart_server).result()


def _draw_every_chart(chart_server) -> None:
    from playwright.sync_api import sync_playwright

    from ipnav.web.security import CSP

    url, figures = chart_server
    # the browser path of tests/browser (Debian's chromium), without that suite's app
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.add_init_script(RECORD_VIOLATIONS)
            response = page.goto(f"{url}/charts")
            assert response.headers["content-security-policy"] == CSP
            page.wait_for_function(
                f"document.querySelectorAll('[data-drawn=true]').length === {len(figures)}",
                timeout=60_000,
            )
            # Plotly's own rules (modebar, hover) are in: its empty <style> element is
            # allowed by the empty-string hash of the CSP and filled through CSSOM
            rules = "document.getElementById('plotly.js-style-global').sheet.cssRules.length"
            assert page.evaluate(rules) > 10
            # what stays blocked, by design: the stylesheet of MapLibre (map traces, unused)
            # that the bundle injects with content, and inline style attributes
            violations = page.evaluate("window.__violations")
            elements = [v for v in violations if v.startswith("style-src-elem")]
            assert len(elements) <= 1, violations
            others = [v for v in violations if not v.startswith("style-src-")]
            assert others == [], violations
            errors = [e for e in errors if "Content Security Policy" not in e]
            assert [e for e in errors if "favicon" not in e and "404" not in e] == []
            drawn = page.locator("[data-figure] svg.main-svg")
            assert drawn.count() >= len(figures)
            assert (
                "专利申请与公开趋势"
                in page.locator('[data-figure="chart-filing_trend"]').inner_text()
            )
        finally:
            browser.close()
