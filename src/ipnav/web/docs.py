"""The API documentation page (Swagger UI), with a CSP that allows its inline script by hash.

FastAPI's page loads Swagger UI from a CDN and starts it with one inline script;
rather than weaken the site-wide policy with ``'unsafe-inline'``, this page's
policy names the SHA-256 of exactly that script (CSP Level 2 hash sources).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from ipnav.web.deps import Public
from ipnav.web.security import script_hash

router = APIRouter(include_in_schema=False)
CDN = "https://cdn.jsdelivr.net"
_INLINE = re.compile(r"<script>(.*?)</script>", re.S)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request, user: Public) -> HTMLResponse:
    page = get_swagger_ui_html(openapi_url=request.app.openapi_url, title="ipnav API")
    html = page.body.decode()
    hashes = " ".join(script_hash(s) for s in _INLINE.findall(html))
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {CDN} {hashes}; style-src 'self' {CDN}; "
        f"img-src 'self' data: https://fastapi.tiangolo.com; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'"
    )
    return page
