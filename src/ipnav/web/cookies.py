"""``Secure`` on every cookie the app sets, when the site is served over HTTPS.

``IPNAV_SECURE_COOKIES=1`` (:attr:`ipnav.settings.Settings.secure_cookies`) makes
the session cookie ``Secure`` through Starlette's ``SessionMiddleware``
(``https_only``), and :class:`SecureCookies` adds the attribute to every other
``Set-Cookie`` header (the language cookie, and any cookie a later route sets),
so no route has to remember it. A ``Secure`` cookie is sent by browsers over
HTTPS only (RFC 6265 §4.1.2.5; OWASP Session Management Cheat Sheet), which is
why it stays off by default: the local demo runs on http://127.0.0.1.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def with_secure(header: bytes) -> bytes:
    """A ``Set-Cookie`` value with the ``Secure`` attribute (unchanged if it has one)."""
    attributes = [part.strip().lower() for part in header.split(b";")[1:]]
    return header if b"secure" in attributes else header + b"; Secure"


class SecureCookies:
    """ASGI middleware: adds ``Secure`` to each ``Set-Cookie`` header of HTTP responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, with_secure(value) if name.lower() == b"set-cookie" else value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, secured)
