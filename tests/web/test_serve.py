"""`ipnav serve` starts a real server that answers on the given port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_pages_and_api(web_settings):
    port = _free_port()
    env = {
        **os.environ,
        "IPNAV_HOME": str(web_settings.home),
        "IPNAV_SAMPLE_DATA": str(web_settings.sample_data),
        "IPNAV_DENSE_ENCODER": "hashing",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "ipnav", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/search?q=battery") as r:
                    assert r.status == 200 and b'"items"' in r.read()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "server did not answer within 60 s"
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/") as r:
            assert "专利检索".encode() in r.read()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"serving ipnav at http://127.0.0.1:{port}/" in output
