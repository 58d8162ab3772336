"""The socket several workers share: connections accepted on it get TCP_NODELAY.

Without it each answer on a kept-alive connection waits ~40 ms for the client's
delayed ACK (uvicorn issue #3149): `ipnav serve --workers 2` answered a 404 in 44 ms
where one worker took 4 ms.
"""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

import uvicorn

from ipnav.web.serving import APP_FACTORY, _listening_socket


async def nodelay_of_a_connection(sock: socket.socket) -> int:
    """TCP_NODELAY of a connection asyncio accepts on ``sock`` (as a worker's loop does)."""
    loop = asyncio.get_running_loop()
    seen: asyncio.Future[int] = loop.create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport) -> None:
            accepted = transport.get_extra_info("socket")
            seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await loop.create_server(Probe, sock=sock)
    try:
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        value = await asyncio.wait_for(seen, 10)
        writer.close()
        return value
    finally:
        server.close()


def run_in_own_loop(coro):
    """``asyncio.run`` in a thread of its own (Playwright's sync API may own this loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_the_workers_socket_is_tcp_and_its_connections_skip_nagle():
    config = uvicorn.Config(APP_FACTORY, factory=True, host="127.0.0.1", port=0, workers=2)
    sock = _listening_socket(config)
    assert sock.proto == socket.IPPROTO_TCP and sock.get_inheritable()
    sock.listen()
    assert run_in_own_loop(nodelay_of_a_connection(sock)) == 1
