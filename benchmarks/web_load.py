"""Web load: requests/s and latency of the search page and the search API under concurrent clients.

    .venv/bin/python benchmarks/web_load.py                    # the demo home (.ipnav)
    .venv/bin/python benchmarks/web_load.py --duration 10      # shorter cells
    .venv/bin/python benchmarks/web_load.py --write            # ... and update RESULTS.md

What is measured:

* The real app under **uvicorn, 1 worker process** (as ``ipnav serve`` runs it:
  :func:`ipnav.web.serving.serve`, in a subprocess, on a free local port, no access
  log; ``--workers N`` for more, the target is stated for 1), over the home given
  by ``--home`` (default: the demo home ``.ipnav`` that ``make demo`` builds, ~37,900
  records with both indexes). FastAPI runs the sync routes in its thread pool (40
  threads), so one process serves concurrent requests with threads, under the GIL.
* Two targets: **(a)** the results page ``GET /search?q=…`` (anonymous, as the public
  uses it: hybrid ranking, the page's facet counts, highlights, the HTML rendered) and
  **(b)** ``GET /api/v1/search?q=…`` (with an analyst's API token: hybrid ranking, 10
  hits with highlights, JSON).
* For **1, 8 and 32 concurrent clients** (threads of this process, each with its own
  keep-alive ``httpx.Client``, each sending its next request when the last one is
  answered: a closed loop), each cell runs ``--duration`` seconds after a warm-up.
  Reported: requests/s, latency p50 / p95 / p99 (ms, from sending to the last byte),
  errors (any status other than 200, or no answer), and the server process's CPU
  seconds per request (from ``/proc``; above 1 core-second per wall second means the
  second core helped: Tantivy, usearch and numpy release the GIL).
* **Baseline without HTTP**: the same queries through :class:`SearchService` in this
  process, one at a time (what the API route calls, and what the page calls: facets
  included), so the cost of HTTP, the app and rendering is the difference.

Queries are drawn from the corpus itself, reproducibly: records are taken in a
seeded random order (``--seed``), and from the first ``--queries``/2 with a Chinese
title and the first ``--queries``/2 with an English title the title's first content
words are kept (Chinese: two words of jieba's precise cut with the index's user
dictionary; English: three words of 4+ letters that are not patent boilerplate).
They are printed with the results.

The client runs on the same machine as the server and takes CPU from it; on a shared
machine the load average is recorded with every cell (``/proc/loadavg``).
``--write`` replaces the ``web_load`` section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from results_file import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ".venv/bin/python benchmarks/web_load.py"
BENCH_USER = "web-load-benchmark@example.org"
TARGETS = {"api_p95_ms_at_8": 200.0}
_EN_BOILERPLATE_TEXT = """
method methods system systems apparatus device devices thereof therefor using
with from into same having based their that this which for and the
"""
#: English title words that say nothing about the invention.
EN_BOILERPLATE = frozenset(_EN_BOILERPLATE_TEXT.split())


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- the queries ------------------------------------------------------------------------


def corpus_queries(home: Path, n: int, seed: int) -> list[str]:
    """``n`` queries from titles of the corpus: half Chinese, half English (see the docstring)."""
    from ipnav.search.lexical import LexicalIndex
    from ipnav.settings import Settings
    from ipnav.store.patents import PatentStore
    from ipnav.text.segment import STOP_WORDS, has_han

    settings = Settings(home=home)
    segmenter = LexicalIndex.open(settings).segmenter
    zh: list[str] = []
    en: list[str] = []
    with PatentStore.open(settings) as store:
        ids = sorted(store.ids())
        random.Random(seed).shuffle(ids)
        for patent_id in ids:
            if len(zh) >= n // 2 and len(en) >= n - n // 2:
                break
            record = store.get(patent_id)
            if record is None:
                continue
            title_zh, title_en = record.title.get("zh", ""), record.title.get("en", "")
            if title_zh and len(zh) < n // 2:
                words = [
                    w
                    for w, _ in segmenter.words(title_zh)
                    if has_han(w) and len(w) >= 2 and w not in STOP_WORDS
                ]
                if len(words) >= 2 and (query := " ".join(words[:2])) not in zh:
                    zh.append(query)
            elif title_en and len(en) < n - n // 2:
                words = [
                    w.lower()
                    for w in re.findall(r"[A-Za-z]{4,}", title_en)
                    if w.lower() not in EN_BOILERPLATE
                ]
                if len(words) >= 2 and (query := " ".join(words[:3])) not in en:
                    en.append(query)
    queries = [q for pair in zip(zh, en, strict=False) for q in pair]
    return queries + zh[len(en) :] + en[len(zh) :]


# -- the server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def encoder_of(home: Path) -> str | None:
    """The encoder the dense index was built with (the server must use the same)."""
    meta = home / "index" / "dense" / "meta.json"
    return json.loads(meta.read_text())["encoder"] if meta.exists() else None


def check_home(home: Path) -> None:
    """Fail early, with what to do, when the home has no usable indexes."""
    from ipnav.errors import IpnavError
    from ipnav.search.lexical import LexicalIndex
    from ipnav.settings import Settings

    if not (home / "ipnav.db").exists():
        sys.exit(f"no ipnav data in {home}; build the demo home with `make demo` (or `ipnav demo`)")
    try:
        LexicalIndex.open(Settings(home=home))
    except IpnavError as exc:
        sys.exit(f"{exc} (with IPNAV_HOME={home})")
    if encoder_of(home) is None:
        sys.exit(f"no dense index in {home}: run `IPNAV_HOME={home} ipnav index` first")


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPNAV_")}
    env |= {"IPNAV_HOME": str(home), "IPNAV_DENSE_ENCODER": encoder_of(home) or "hashing"}
    return env


def start_server(home: Path, port: int, workers: int) -> subprocess.Popen:
    """What `ipnav serve --workers N` runs (ipnav.web.serving), without the access log."""
    code = (
        "from ipnav.settings import Settings; from ipnav.web.serving import serve; "
        f"serve(Settings(), '127.0.0.1', {port}, {workers}, log_level='warning', "
        "access_log=False)"
    )
    command = [sys.executable, "-c", code]
    server = subprocess.Popen(command, env=server_env(home), cwd=ROOT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode} before it answered")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    sys.exit("the server did not answer within 180 s")


def api_token(home: Path) -> tuple[str, Callable[[], None]]:
    """A new API token of the benchmark's analyst (created once), and how to revoke it."""
    from ipnav.accounts import Accounts, Role, UnknownUser
    from ipnav.settings import Settings
    from ipnav.store.patents import PatentStore

    store = PatentStore.open(Settings(home=home))
    accounts = Accounts(store.engine)
    try:
        user = accounts.user_by_email(BENCH_USER)
    except UnknownUser:  # a password nobody knows: the account only holds tokens
        password = "bench-" + secrets.token_urlsafe(24) + "1"
        user = accounts.create_user(
            BENCH_USER, password, name="web load benchmark", role=Role.analyst
        )
    secret, token = accounts.create_token(user, "benchmarks/web_load.py")

    def revoke() -> None:
        accounts.revoke_token(user, token.id)
        store.close()

    return secret, revoke


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds so far of a process and its children (uvicorn's workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: parent pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# -- the load ---------------------------------------------------------------------------


@dataclass
class Cell:
    target: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # ms, successful requests
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    cpu: float = 0.0
    load: str = ""

    def row(self) -> dict:
        done = len(self.latencies) + self.errors
        q = percentiles(self.latencies)
        return {
            "target": self.target,
            "clients": self.clients,
            "requests": done,
            "rps": done / self.seconds if self.seconds else 0.0,
            **q,
            "errors": self.errors,
            "statuses": self.statuses,
            "cpu_ms_per_request": 1000 * self.cpu / done if done else 0.0,
            "cpu_cores": self.cpu / self.seconds if self.seconds else 0.0,
            "load": self.load,
        }


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    if len(values) == 1:
        return {"p50": values[0], "p95": values[0], "p99": values[0]}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": statistics.median(values), "p95": cuts[94], "p99": cuts[98]}


def drive(
    base: str, path: str, queries: list[str], clients: int, seconds: float, headers: dict
) -> Cell:
    """``clients`` closed-loop clients on ``path?q=…`` for ``seconds``; a :class:`Cell`."""
    cell = Cell(target=path, clients=clients)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(number: int) -> None:
        latencies: list[float] = []
        errors = 0
        statuses: dict[str, int] = {}
        i = number * 7  # clients start at different queries
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            start.wait()
            while time.perf_counter() < stop_at[0]:
                query = queries[i % len(queries)]
                i += 1
                began = time.perf_counter()
                try:
                    response = http.get(path, params={"q": query})
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                took = (time.perf_counter() - began) * 1000
                statuses[status] = statuses.get(status, 0) + 1
                if status == "200":
                    latencies.append(took)
                else:
                    errors += 1
        with lock:
            cell.latencies.extend(latencies)
            cell.errors += errors
            for status, count in statuses.items():
                cell.statuses[status] = cell.statuses.get(status, 0) + count

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    cell.seconds = time.perf_counter() - began
    return cell


def baseline(home: Path, queries: list[str], runs: int) -> dict[str, dict]:
    """The same searches through SearchService in this process, one at a time (ms)."""
    from ipnav.search.service import SearchService
    from ipnav.settings import Settings
    from ipnav.store.patents import PatentStore
    from ipnav.web.params import PAGE_FACETS

    settings = Settings(home=home, dense_encoder=encoder_of(home) or "hashing")
    out = {}
    with PatentStore.open(settings) as store:
        service = SearchService.open(settings, store)
        calls = {
            "SearchService.search (what the API calls)": lambda q: service.search(q, k=10),
            "SearchService.search with the page's facets": lambda q: service.search(
                q, k=10, facets=PAGE_FACETS
            ),
        }
        for name, call in calls.items():
            for query in queries:  # warm-up: model, caches, OS page cache
                call(query)
            times = []
            for i in range(runs):
                query = queries[i % len(queries)]
                began = time.perf_counter()
                call(query)
                times.append((time.perf_counter() - began) * 1000)
            out[name] = {"runs": runs, "qps": 1000 / statistics.mean(times), **percentiles(times)}
        service.close()
    return out


# -- the report -------------------------------------------------------------------------


def report(args, queries: list[str], cells: list[dict], base: dict, loads: list[str]) -> str:
    lines = [
        "## Web load (issue 4)",
        "",
        f"- date: {dt.date.today().isoformat()}",
        f"- machine: {machine()}",
        f"- command: `{' '.join([COMMAND, *sys.argv[1:]])}`",
        f"- data: `{args.home}` ({args.records:,} records, dense encoder "
        f"`{encoder_of(args.home)}`)",
        f"- server: uvicorn, **{args.workers} worker process(es)** (FastAPI's thread pool for "
        "the sync routes); "
        "client: threads of the benchmark process on the same machine, one keep-alive "
        f"connection each, closed loop, {args.duration:g} s per cell after a "
        f"{args.warmup:g} s warm-up",
        f"- load average (1/5/15 min): {'; '.join(loads)}",
        f"- {len(queries)} queries from the corpus's titles (seed {args.seed}; see the script): "
        + ", ".join(f"`{q}`" for q in queries[:10])
        + (" …" if len(queries) > 10 else ""),
        "",
        "| target | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| server CPU ms/req | server cores busy | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in cells:
        lines.append(
            f"| `{c['target']}` | {c['clients']} | {c['requests']:,} | {c['rps']:.1f} "
            f"| {c['p50']:.0f} | {c['p95']:.0f} | {c['p99']:.0f} | {c['errors']} "
            f"| {c['cpu_ms_per_request']:.0f} | {c['cpu_cores']:.2f} | {c['load']} |"
        )
    lines += [
        "",
        "Baseline without HTTP (same queries, in-process, one at a time):",
        "",
        "| call | runs | per s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, b in base.items():
        lines.append(
            f"| {name} | {b['runs']} | {b['qps']:.1f} | {b['p50']:.0f} | {b['p95']:.0f} "
            f"| {b['p99']:.0f} |"
        )
    api8 = next(c for c in cells if c["target"].startswith("/api") and c["clients"] == 8)
    errors = sum(c["errors"] for c in cells)
    met = api8["p95"] <= TARGETS["api_p95_ms_at_8"] and errors == 0
    lines += [
        "",
        f"Target: search API p95 ≤ 200 ms at 8 concurrent clients, zero errors: p95 "
        f"{api8['p95']:.0f} ms, {errors} errors in all cells — **{'met' if met else 'missed'}**.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, default=ROOT / ".ipnav", help="IPNAV_HOME to serve")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per cell")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up per target")
    parser.add_argument("--queries", type=int, default=40, help="queries drawn from the corpus")
    parser.add_argument("--seed", type=int, default=4, help="seed of the query draw")
    parser.add_argument("--baseline-runs", type=int, default=200, help="in-process searches")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (the target is for 1)"
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    args.home = args.home.resolve()
    check_home(args.home)

    from ipnav.settings import Settings
    from ipnav.store.patents import PatentStore

    with PatentStore.open(Settings(home=args.home)) as store:
        args.records = store.count()
    queries = corpus_queries(args.home, args.queries, args.seed)
    log(f"{len(queries)} queries, e.g. {queries[:4]}")
    loads = [f"start {load()}"]
    log("baseline: SearchService in-process")
    base = baseline(args.home, queries, args.baseline_runs)

    port = args.port or free_port()
    token, revoke = api_token(args.home)
    log(f"starting uvicorn ({args.workers} worker(s)) on port {port}")
    server = start_server(args.home, port, args.workers)
    url = f"http://127.0.0.1:{port}"
    cells = []
    try:
        for path, headers in (
            ("/search", {}),
            ("/api/v1/search", {"Authorization": f"Bearer {token}"}),
        ):
            log(f"warm-up {path}")
            drive(url, path, queries, 4, args.warmup, headers)
            for clients in (int(c) for c in args.clients.split(",")):
                before, now = cpu_seconds(server.pid), load()
                log(f"{path}: {clients} client(s), {args.duration:g} s (load {now})")
                cell = drive(url, path, queries, clients, args.duration, headers)
                cell.cpu, cell.load = cpu_seconds(server.pid) - before, now
                row = cell.row()
                log(
                    f"  {row['rps']:.1f} req/s, p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} "
                    f"ms, errors {row['errors']} {row['statuses']}"
                )
                cells.append(row)
    finally:
        server.terminate()
        server.wait(timeout=30)
        revoke()
    loads.append(f"end {load()}")

    section = report(args, queries, cells, base, loads)
    print(section)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "web_load.json").write_text(
        json.dumps({"queries": queries, "cells": cells, "baseline": base, "loads": loads}, indent=1)
    )
    if args.write:
        write_section("web_load", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
