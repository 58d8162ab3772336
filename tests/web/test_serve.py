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


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (uvicorn's workers)."""
    from pathlib import Path

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return found


def test_serve_with_two_workers_shares_one_session_key(tmp_path, sample_data):
    """Two worker processes on a new home: one key file, so a form made by one worker is
    accepted by the other (the CSRF token lives in the signed session cookie)."""
    import re

    import httpx

    home = tmp_path / "home"
    port = _free_port()
    env = {
        **os.environ,
        "IPNAV_HOME": str(home),
        "IPNAV_SAMPLE_DATA": str(sample_data),
        "IPNAV_DENSE_ENCODER": "hashing",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "ipnav", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "server did not answer within 90 s"
            time.sleep(0.3)
        while len(_children(server.pid)) < 2:  # the second worker may still be starting
            assert time.monotonic() < deadline, f"workers: {_children(server.pid)}"
            time.sleep(0.3)
        assert len((home / "secret_key").read_text().strip()) > 40
        for _ in range(8):  # each request on a new connection: either worker may answer
            form = httpx.get(f"{base}/login", timeout=10)
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            answer = httpx.post(
                f"{base}/login",
                data={"email": "nobody@example.org", "password": "wrong", "csrf_token": token},
                cookies=form.cookies,
                timeout=10,
            )
            assert answer.status_code == 401, answer.text[:300]  # wrong password, CSRF fine
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "with 2 worker processes" in output
