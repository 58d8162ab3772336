#!/usr/bin/env python3
"""Run a command beside a throwaway PostgreSQL server on a free local port.

    python scripts/tmp_postgres.py -- pytest
    python scripts/tmp_postgres.py -- python benchmarks/ingest.py

Uses the server binaries of Debian's ``postgresql`` package (``make
system-deps`` installs them). The cluster lives in a temporary folder, listens
on 127.0.0.1 only, and is stopped and deleted when the command ends, whatever
its outcome. The command sees ``IPNAV_TEST_POSTGRES_URL`` (a database it may
use, and whose owner may create more databases).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    sys.exit(
        "tmp_postgres: PostgreSQL server binaries (initdb, pg_ctl) not found; "
        "install them with `make system-deps` (Debian package postgresql)"
    )


def _version(path: str) -> int:
    try:
        return int(Path(path).parents[1].name)
    except ValueError:
        return 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit(__doc__)
    bindir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="ipnav-pg-"))
    data, log = root / "data", root / "server.log"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, stdout=subprocess.DEVNULL)

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "ipnav",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "start",
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
        )
        run(
            str(bindir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "ipnav",
            "ipnav_test",
        )
        env = dict(os.environ)
        env["IPNAV_TEST_POSTGRES_URL"] = f"postgresql+psycopg://ipnav@127.0.0.1:{port}/ipnav_test"
        print(f"tmp_postgres: PostgreSQL ({bindir.parent.name}) on 127.0.0.1:{port}", flush=True)
        return subprocess.call(argv, env=env)
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(f"tmp_postgres: {' '.join(exc.cmd)} failed\n")
        if log.exists():
            sys.stderr.write(log.read_text(errors="replace")[-3000:])
        return 1
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                stdout=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
