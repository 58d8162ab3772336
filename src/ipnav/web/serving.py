"""Running the web app with uvicorn: in this process, or in several worker processes.

One worker serves the app made here from the settings given. Several workers are
processes that each make their own app with ``create_app()`` (uvicorn's factory mode,
import string ``ipnav.web:create_app``), reading the settings from the environment,
as the caller did; each opens its own store connections, indexes, encoder and caches,
and they share one listening socket. Before they start, this process creates or
upgrades the store's schema and creates the session key file, so that the workers do
not race to do it (a worker that read the key file while another was writing it would
sign sessions with another key).

What each worker keeps for itself (not shared): the login rate limiter (so with N
workers an address gets up to N × 10 login attempts a minute; the per-account lock-out
after 5 wrong passwords is in the database and holds for all), the open indexes (each
reopens them when they change, :mod:`ipnav.search.freshness`) and the memoised query
cuts. Sessions are signed cookies and API tokens, accounts and jobs live in the
database, so any worker can answer any request.
"""

from __future__ import annotations

import inspect
import socket
from typing import Any

from ipnav.settings import Settings

APP_FACTORY = "ipnav.web:create_app"


def serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int = 1,
    *,
    log_level: str = "info",
    access_log: bool = True,
) -> None:
    """Serve the app on ``host:port`` until interrupted, with ``workers`` processes."""
    import uvicorn

    options: dict[str, Any] = {"log_level": log_level, "access_log": access_log}
    if workers <= 1:
        from ipnav.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, **options)
        return
    from ipnav.store.patents import PatentStore

    PatentStore.open(settings).close()  # creates or upgrades the schema, once
    settings.resolved_secret_key()  # one key file for every worker's sessions
    config = uvicorn.Config(
        APP_FACTORY, factory=True, host=host, port=port, workers=workers, **options
    )
    _supervise(config, _listening_socket(config))


def _listening_socket(config: Any) -> socket.socket:
    """uvicorn's listening socket, marked as TCP so that answers are not held back.

    uvicorn (0.54 and before) binds the socket it hands to several workers with
    protocol 0; connections accepted on it inherit that, and asyncio then leaves
    Nagle's algorithm on, so every answer on a kept-alive connection after the first
    waited ~40 ms for the client's delayed ACK (uvicorn issue #3149). The same
    descriptor, wrapped with ``IPPROTO_TCP``, gets ``TCP_NODELAY`` in every worker.
    """
    bound = config.bind_socket()
    if bound.family not in (socket.AF_INET, socket.AF_INET6):
        return bound
    sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    sock.set_inheritable(True)
    return sock


def _supervise(config: Any, sock: socket.socket) -> None:
    """uvicorn's process supervisor over ``sock`` (its signature changed after 0.36)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    extra: dict[str, Any] = {}
    if "target" in inspect.signature(Multiprocess).parameters:  # uvicorn ≤ 0.36 or so
        extra["target"] = uvicorn.Server(config=config).run
    try:
        Multiprocess(config, sockets=[sock], **extra).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


__all__ = ["APP_FACTORY", "serve"]
