"""Browser-facing protections: security headers, CSRF tokens, the login rate limit.

* Headers follow the OWASP Secure Headers Project: a Content-Security-Policy
  that allows scripts and styles from this site only (no inline scripts),
  ``X-Frame-Options: DENY`` (and ``frame-ancestors 'none'``), ``nosniff`` and a
  strict referrer policy.
* CSRF: a random token per session (synchroniser-token pattern, OWASP CSRF
  Prevention Cheat Sheet) is put in every POST form and checked by
  :func:`check_csrf`; the session cookie is also ``SameSite=Lax``.
* Login attempts are limited per client address in memory (a sliding window):
  enough against password guessing on one server; the per-account lock-out of
  :mod:`ipnav.accounts` covers guessing spread over many addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ipnav.web.errors import WebError

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_CSRF = "csrf"

#: SHA-256 of the empty string: lets in an *empty* ``<style>`` element and nothing else.
#: Plotly.js (the analysis charts, static/charts.js) creates one and fills it through
#: CSSOM ``insertRule``, which CSP does not govern; any style element with content, and
#: every inline style attribute, stays blocked.
EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CSP = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {EMPTY_STYLE}; "
    "img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class Forbidden(WebError):
    status = 403
    code = "forbidden"


class TooManyRequests(WebError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response.

    ``csp_overrides`` maps a path to its own policy (the API docs page loads
    Swagger UI, whose one inline script is allowed by its hash, not by
    ``'unsafe-inline'``).
    """

    def __init__(self, app: ASGIApp, csp_overrides: dict[str, str] | None = None):
        self.app = app
        self.csp_overrides = csp_overrides or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.csp_overrides.get(scope["path"], CSP)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = {"Content-Security-Policy": csp, **HEADERS}
                for name, value in extra.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def script_hash(script: str) -> str:
    """The CSP source expression that allows exactly this inline script (CSP Level 2)."""
    import base64

    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def check_csrf(request: Request) -> None:
    """Dependency of every POST form: the form's token must be this session's token."""
    expected = request.session.get(SESSION_CSRF) if "session" in request.scope else None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden(
            "the form's security token is missing or out of date (CSRF check); "
            "reload the page and send the form again",
            code="csrf_failed",
        )


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key, in memory (one process)."""

    def __init__(self, limit: int = 10, window: float = 60.0, clock=time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one event; raise :class:`TooManyRequests` when over the limit."""
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                retry = int(events[0] + self.window - now) + 1
                raise TooManyRequests(
                    f"too many login attempts from this address; wait {retry} s and try again",
                    retry_after=retry,
                )
            events.append(now)
            if len(self._events) > 100_000:  # forget idle addresses rather than grow forever
                self._events = {
                    k: v for k, v in self._events.items() if v and v[-1] > now - self.window
                }

    def reset(self) -> None:
        with self._lock:
            self._events.clear()
