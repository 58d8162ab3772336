"""Search speed: index build throughput, index size, query latency, serving memory.

    .venv/bin/python benchmarks/search_speed.py                  # demo corpus + 1,000,000 docs
    .venv/bin/python benchmarks/search_speed.py --docs 50000     # quick run while developing
    .venv/bin/python benchmarks/search_speed.py --write          # ... and update RESULTS.md
    .venv/bin/python benchmarks/search_speed.py --only lexical-build --repeat 3  # that stage alone

Two corpora:

* **demo** — every sample corpus of ``IPNAV_SAMPLE_DATA`` (what ``ipnav demo`` loads,
  ~37,900 records), ingested into ``WORK/demo`` on first use. Measured: reading the
  records from the store, building the lexical (Tantivy) index from them, the dense
  index with the real ``use-m3`` encoder on a sample of ``--embed-sample`` real records
  (this is the embedding throughput on real text; the whole corpus takes ~10 minutes
  and is encoded once, on first use, and kept), index sizes, query latency.
* **replicated** — ``--docs`` documents made by **replicating the real records**:
  copy 0 keeps the real ids, copy ``c`` gets ids ending in ``-R`` + six digits.
  The lexical index is built by feeding these records to the real
  :class:`~ipnav.search.lexical.LexicalIndex` writer; the dense index gets the real
  records' stored vectors (not re-encoded) through
  :meth:`~ipnav.search.dense.DenseIndex.add_vectors`, each copy after the first
  jittered by Gaussian noise of relative norm ``--jitter`` and renormalised
  (cosine ~0.96 to its original at 0.3): exact duplicates would make every HNSW
  node's nearest neighbours its own copies, a degenerate graph no real corpus has.
  The search service is given a store stand-in that maps a replicated id back to
  its real record in the demo store (a primary-key lookup in SQLite costs about the
  same at 1M rows as at 38k; loading 1M copies would only measure ingest again).

Query latency is measured in a fresh child process per corpus (so its peak RSS is
the serving process's own): each query list is warmed up, then run round-robin
until ``--runs`` timings per query type and mode are taken (``time.perf_counter``
around ``SearchService.search``, which parses, retrieves, fuses, counts and loads
the 10 records; hybrid includes embedding the query). Baselines from the same
process: dense-only mode, and the parts of a hybrid query timed alone (query
embedding, raw usearch search, BM25 top-100, the match count, the record fetch,
matched terms and highlights, the best 1,000 matches of an expert query whose
order the dense side re-ranks).

Work files live in ``--work`` (default ``benchmarks/.work``, git-ignored): the demo
store and indexes, and one folder per replicated size. ``--write`` replaces the
``search_speed`` section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
from results_file import machine, sample_data, write_section

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ".venv/bin/python benchmarks/search_speed.py"

KEYWORD = [
    "membrane bioreactor",
    "graphics processing unit memory",
    "neural network training",
    "baseball bat",
    "wastewater treatment sludge",
    "锂电池 负极材料",
    "电缆 故障 监测",
    "图像识别 神经网络",
    "污水处理",
    "无人机 控制",
]
EXPERT = [
    "TA=(membrane AND bioreactor) AND PD>=2005",
    "CPC=G06F9 AND TI=processor",
    "TI=(graphics OR GPU) AND PD=2010:2018",
    "neural W/5 network NOT baseball",
    "comput* AND TI=memory",
    "TI=锂电池 与 (负极 或 正极)",
    "申请人=大学 AND 摘要=传感器",
    'TA="membrane bioreactor" OR TA="activated sludge"',
    "assignee:nvidia AND cpc:G06T",
    "TA=(water W/3 treatment) AND IPC=C02F",
    "IPC=H01M AND TA=电池",
]
HYBRID = [
    "method for detecting faults in a power cable",
    "reducing membrane fouling in wastewater treatment",
    "一种基于深度学习的图像识别方法",
    "用于锂离子电池的硅碳负极材料及其制备方法",
    "GPU shader texture cache",
    "swing training device for baseball players",
    "A membrane bioreactor for treating municipal wastewater, comprising an aeration tank "
    "with submerged hollow-fibre membrane modules, a blower that scours the membrane surface "
    "with coarse bubbles to limit fouling, and a controller that adjusts the permeate flux "
    "and the backwash interval according to the measured transmembrane pressure, so that the "
    "sludge retention time can be kept long while the energy used for aeration is reduced.",
    "本发明公开了一种锂离子电池负极材料的制备方法，将纳米硅颗粒与石墨混合后包覆无定形碳层，"
    "经高温碳化得到硅碳复合负极材料，该材料具有较高的首次库伦效率和良好的循环稳定性，"
    "可用于动力电池。",
]
QUERIES = {"keyword": KEYWORD, "expert": EXPERT, "hybrid": HYBRID}

REPLICA_SUFFIX = re.compile(r"-R\d{6}$")
TARGETS = {"hybrid_p50_ms": 50.0, "hybrid_p95_ms": 150.0, "lexical_docs_s": 5000.0, "rss_gib": 8.0}


# -- small helpers ----------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB."""
    status = Path("/proc/self/status").read_text()
    current = int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settings_for(home: Path):
    from ipnav.settings import Settings

    return Settings(home=home, sample_data=sample_data(), dense_encoder="use-m3")


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"n": len(ms), "p50": p50, "p95": p95, "p99": p99, "mean": float(ms.mean())}


def timed(calls: Sequence[Callable[[], object]], runs: int, warmup: int = 2) -> dict:
    """Warm up every call ``warmup`` times, then time ``runs`` calls round-robin."""
    for _ in range(warmup):
        for call in calls:
            call()
    seconds = []
    for i in range(runs):
        call = calls[i % len(calls)]
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds)


# -- the demo corpus ----------------------------------------------------------------------


def ensure_demo_store(home: Path) -> dict:
    """Ingest every sample corpus into ``home`` (files already ingested are skipped)."""
    from ipnav.ingest.pipeline import ingest_file
    from ipnav.ingest.samples import sample_files
    from ipnav.store.patents import PatentStore

    settings = settings_for(home)
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    read = 0
    with PatentStore.open(settings) as store:
        for path, format, dataset in sample_files(settings.sample_data):
            report = ingest_file(store, settings, path, format=format, dataset=dataset)
            read += 0 if report.skipped else report.counts.read
        count = store.count()
    return {"records": count, "ingested": read, "seconds": time.perf_counter() - started}


class TimedEncoder:
    """Wraps an encoder and adds up the seconds spent encoding."""

    def __init__(self, encoder) -> None:
        self.inner = encoder
        self.name, self.dim, self.options = encoder.name, encoder.dim, encoder.options
        self.seconds = 0.0
        self.texts = 0

    def encode(self, texts, batch_size=64, progress=None):
        started = time.perf_counter()
        try:
            return self.inner.encode(texts, batch_size=batch_size, progress=progress)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)


def ensure_demo_dense(home: Path, records) -> dict | None:
    """The demo corpus's full dense index (use-m3), built once; its build rate if built now."""
    from ipnav.search.dense import FORMAT, DenseIndex, dense_index_path
    from ipnav.search.encoders import UseEncoder, record_text

    path = dense_index_path(settings_for(home))
    with_text = sum(1 for record in records if record_text(record))
    if (path / "meta.json").exists():
        meta = json.loads((path / "meta.json").read_text())
        if (meta["format"], meta["encoder"], meta["count"]) == (FORMAT, "use-m3", with_text):
            return None
    log(f"encoding the whole demo corpus once ({len(records):,} records, ~10 minutes)")
    index = DenseIndex(path, UseEncoder(threads=1), rebuild=True, view=False)
    started = time.perf_counter()
    index.build(records, total=len(records))
    seconds = time.perf_counter() - started
    return {"docs": len(records), "seconds": seconds, "rate": len(records) / seconds}


def cpu_seconds() -> tuple[float, float]:
    """(this process, its finished children) user + system CPU seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def lexical_build_only(home: Path, workers: int | None, repeat: int) -> None:
    """``--only lexical-build``: the demo records read once, the lexical build timed ``repeat``
    times (wall, CPU of this process and of its workers, load); nothing is written."""
    from ipnav.search.lexical import LexicalIndex, index_dir
    from ipnav.store.patents import PatentStore

    settings = settings_for(home)
    with PatentStore.open(settings) as store:
        records = list(store.iter_records())
    log(f"read {len(records):,} records; building the lexical index {repeat} time(s)")
    for _ in range(repeat):
        shutil.rmtree(index_dir(settings), ignore_errors=True)
        lexical = LexicalIndex(index_dir(settings), create=True)
        loads = load()
        own, children = cpu_seconds()
        started = time.perf_counter()
        lexical.build(records, workers=workers)
        wall = time.perf_counter() - started
        own_after, children_after = cpu_seconds()
        own, children = own_after - own, children_after - children
        lexical.close()
        cpu = own + children
        print(
            f"lexical build, {len(records):,} docs: wall {wall:.2f} s = "
            f"{len(records) / wall:,.0f} docs/s; CPU {cpu:.2f} s (process {own:.2f} + "
            f"workers {children:.2f}) = {len(records) / cpu:,.0f} docs per CPU-second; "
            f"load {loads} -> {load()}",
            flush=True,
        )


def measure_demo_builds(home: Path, embed_sample: int) -> tuple[list, dict]:
    """Read the demo records, build its lexical index and a dense sample; returns the records."""
    from ipnav.search.dense import DenseIndex
    from ipnav.search.encoders import UseEncoder, record_text
    from ipnav.search.lexical import LexicalIndex, index_dir
    from ipnav.store.patents import PatentStore

    settings = settings_for(home)
    out: dict = {}
    with PatentStore.open(settings) as store:
        started = time.perf_counter()
        records = list(store.iter_records())
        out["read_s"] = time.perf_counter() - started
        out["db_bytes"] = sum(p.stat().st_size for p in home.glob("ipnav.db*"))
    out["docs"] = len(records)
    log(f"read {len(records):,} records from the store in {out['read_s']:.1f} s")

    shutil.rmtree(index_dir(settings), ignore_errors=True)  # ours; perhaps an older schema
    lexical = LexicalIndex(index_dir(settings), create=True)
    started = time.perf_counter()
    lexical.build(records)
    out["lexical_s"] = time.perf_counter() - started
    out["lexical_bytes"] = folder_bytes(index_dir(settings))
    lexical.close()
    log(f"lexical build {len(records) / out['lexical_s']:,.0f} docs/s")

    step = max(1, len(records) // embed_sample)
    sample = records[::step][:embed_sample]
    sample_dir = home.parent / "dense-sample"
    encoder = TimedEncoder(UseEncoder(threads=1))
    encoder.encode(["warm up the model"])
    encoder.seconds = encoder.texts = 0
    started = time.perf_counter()
    DenseIndex(sample_dir, encoder, rebuild=True, view=False).build(sample)
    out["dense_sample_s"] = time.perf_counter() - started
    out["dense_sample"] = len(sample)
    out["dense_sample_zh"] = sum(
        1 for r in sample if re.search(r"[\u4e00-\u9fff]", record_text(r)[:50])
    )
    out["encode_s"] = encoder.seconds
    log(f"dense sample build {len(sample) / out['dense_sample_s']:,.1f} docs/s")

    out["full_dense"] = ensure_demo_dense(home, records)
    from ipnav.search.dense import dense_index_path

    out["dense_bytes"] = folder_bytes(dense_index_path(settings))
    return records, out


# -- the replicated corpus -----------------------------------------------------------------


def replica_id(patent_id: str, copy: int) -> str:
    return patent_id if copy == 0 else f"{patent_id}-R{copy:06d}"


def replicated(records: Sequence, docs: int) -> Iterator:
    """``docs`` records: the real ones, then copies with ids ending in ``-R000001`` ..."""
    for n in range(docs):
        copy, i = divmod(n, len(records))
        record = records[i]
        yield record if copy == 0 else record.model_copy(update={"id": replica_id(record.id, copy)})


class ReplicaStore:
    """Store stand-in for the replicated corpus: ``X-R000123`` is record ``X`` under a new id."""

    def __init__(self, store) -> None:
        self.store = store

    def get(self, patent_id: str):
        record = self.store.get(REPLICA_SUFFIX.sub("", patent_id))
        return None if record is None else record.model_copy(update={"id": patent_id})


def build_replica(demo_home: Path, home: Path, records: Sequence, docs: int, jitter: float) -> dict:
    """Build the replicated lexical and dense indexes in ``home``; rates, sizes, recall."""
    from ipnav.search.dense import DenseIndex, dense_index_path
    from ipnav.search.encoders import UseEncoder
    from ipnav.search.lexical import LexicalIndex, index_dir

    settings = settings_for(home)
    out: dict = {"docs": docs}
    step = max(docs // 10, 1)

    def progress(done: int) -> None:
        if done % step < 1000:
            log(f"  lexical {done:,} / {docs:,}")

    shutil.rmtree(index_dir(settings), ignore_errors=True)
    lexical = LexicalIndex(index_dir(settings), create=True)
    started = time.perf_counter()
    lexical.build(replicated(records, docs), progress=progress)
    out["lexical_s"] = time.perf_counter() - started
    out["lexical_bytes"] = folder_bytes(index_dir(settings))
    lexical.close()
    log(f"replicated lexical build {docs / out['lexical_s']:,.0f} docs/s")

    real = DenseIndex(dense_index_path(settings_for(demo_home)), UseEncoder(threads=1))
    base_ids = [record.id for record in records]
    has_vector = np.array([pid in real for pid in base_ids])
    base = np.zeros((len(base_ids), real.encoder.dim), dtype=np.float32)
    for i, pid in enumerate(base_ids):
        if has_vector[i]:
            base[i] = real.vector(pid)
    probes = real.encoder.encode(KEYWORD + HYBRID)
    del real

    rng = np.random.default_rng(20261125)
    ids: list[str] = []
    blocks = []
    exact: list[tuple[np.ndarray, np.ndarray]] = []  # running top-10 (scores, rows) per probe
    total = 0
    for copy in range(math.ceil(docs / len(records))):
        take = np.flatnonzero(has_vector[: docs - copy * len(records)])
        block = base[take]
        if copy:
            block = block + rng.standard_normal(block.shape, dtype=np.float32) * (
                jitter / math.sqrt(block.shape[1])
            )
            block /= np.linalg.norm(block, axis=1, keepdims=True)
        scores = probes @ block.T
        top = np.argsort(-scores, axis=1)[:, :10]
        exact.append((np.take_along_axis(scores, top, axis=1), top + total))
        ids.extend(replica_id(base_ids[i], copy) for i in take)
        blocks.append(block.astype(np.float16))
        total += len(take)
    vectors = np.vstack(blocks)
    del blocks
    best_scores = np.hstack([s for s, _ in exact])
    best_rows = np.hstack([r for _, r in exact])
    order = np.argsort(-best_scores, axis=1)[:, :10]
    truth = np.take_along_axis(best_rows, order, axis=1)

    dense = DenseIndex(dense_index_path(settings), UseEncoder(threads=1), rebuild=True, view=False)
    started = time.perf_counter()
    dense.add_vectors(ids, vectors)
    out["dense_s"] = time.perf_counter() - started
    out["dense_docs"] = len(ids)
    out["dense_bytes"] = folder_bytes(dense_index_path(settings))
    log(f"replicated dense build (HNSW only) {len(ids) / out['dense_s']:,.0f} vectors/s")
    recalls = []
    for probe, rows in zip(probes, truth, strict=True):
        found = {hit.id for hit in dense.search_vector(probe, 10)}
        recalls.append(len(found & {ids[r] for r in rows}) / 10)
    out["recall10"] = float(np.mean(recalls))
    out["jitter"] = jitter
    return out


# -- serving: one child process per corpus ---------------------------------------------------


def serve(home: Path, demo_home: Path, replica: bool, runs: int) -> dict:
    """Runs in a child process: open the indexes, time the queries, report memory."""
    from dataclasses import replace

    from ipnav.search.base import SearchQuery
    from ipnav.search.dense import DenseIndex, dense_index_path
    from ipnav.search.encoders import UseEncoder
    from ipnav.search.explain import match_terms
    from ipnav.search.lexical import LexicalIndex, index_dir
    from ipnav.search.query.ast import free_text
    from ipnav.search.query.parser import parse_query
    from ipnav.search.service import (
        RERANK_DEPTH,
        SearchMode,
        SearchService,
        any_word,
        is_plain,
    )
    from ipnav.store.patents import PatentStore

    out: dict = {"rss_start_mib": rss_mib()[0]}
    settings = settings_for(home)
    store = PatentStore.open(settings_for(demo_home))
    started = time.perf_counter()
    lexical = LexicalIndex(index_dir(settings))
    dense = DenseIndex(dense_index_path(settings), UseEncoder(threads=1))
    out["open_s"] = time.perf_counter() - started
    out["docs"] = lexical.count()
    out["vectors"] = dense.count()
    dense.encode_query("load the model")
    out["rss_open_mib"] = rss_mib()[0]
    service = SearchService(ReplicaStore(store) if replica else store, lexical, dense)

    def search(text: str, mode: SearchMode) -> Callable[[], object]:
        return lambda: service.search(text, k=10, mode=mode)

    latency: dict[str, dict] = {}
    found: dict[str, float] = {}
    modes = {
        "keyword": ("lexical", "hybrid", "dense"),
        "expert": ("lexical", "hybrid"),
        "hybrid": ("lexical", "hybrid", "dense"),
    }
    for kind, queries in QUERIES.items():
        for mode in modes[kind]:
            calls = [search(text, SearchMode(mode)) for text in queries]
            latency[f"{kind}/{mode}"] = timed(calls, runs)
            results = [service.search(text, k=10, mode=SearchMode(mode)) for text in queries]
            found[f"{kind}/{mode}"] = float(np.mean([len(r.items) for r in results]))
            log(f"  {kind}/{mode}: p50 {latency[f'{kind}/{mode}']['p50']:.1f} ms")

    # the parts of a query, timed alone (same queries, same process)
    parts: dict[str, dict] = {}
    texts = KEYWORD + HYBRID
    parsed = [SearchQuery(node=parse_query(t), text=free_text(parse_query(t))) for t in texts]
    any_words = [replace(q, node=any_word(q.node, lexical.segmenter, lexical.idf)) for q in parsed]
    vectors = [dense.encode_query(t) for t in texts]
    ids_of = [[item.record.id for item in service.search(t, k=10).items] for t in texts]
    parts["parse query"] = timed([lambda t=t: parse_query(t) for t in texts], runs)
    parts["embed query"] = timed([lambda t=t: dense.encode_query(t) for t in texts], runs)
    parts["usearch search, 400 nearest"] = timed(
        [lambda v=v: dense._index.search(v, 400) for v in vectors], runs
    )
    parts["DenseIndex.search_vector, k=100"] = timed(
        [lambda v=v: dense.search_vector(v, 100) for v in vectors], runs
    )
    parts["BM25 top 100 (any word)"] = timed(
        [lambda q=q: lexical.search(q, 100) for q in any_words], runs
    )
    parts["count matches (any word)"] = timed(
        [lambda q=q: lexical.total(q) for q in any_words], runs
    )
    parts["fetch 10 records"] = timed(
        [lambda ids=ids: [service.store.get(pid) for pid in ids] for ids in ids_of], runs
    )
    shown = [[service.store.get(pid) for pid in ids] for ids in ids_of]
    parts["match terms + highlight 10 records"] = timed(
        [
            lambda t=t, shown=records: [
                match_terms(t, r, segmenter=lexical.segmenter, idf=lexical.idf) for r in shown
            ]
            for t, records in zip(texts, shown, strict=True)
        ],
        runs,
    )
    expert = [SearchQuery(node=parse_query(t), text=free_text(parse_query(t))) for t in EXPERT]
    assert not any(is_plain(q.node) for q in expert)
    parts["expert: BM25 top 100"] = timed(
        [lambda q=q: lexical.search(q, 100) for q in expert], runs
    )
    parts["expert: best 1,000 matching ids (dense re-rank)"] = timed(
        [lambda q=q: lexical.doc_ids(q, limit=RERANK_DEPTH) for q in expert], runs
    )
    out["expert_matches"] = {t: lexical.total(q) for t, q in zip(EXPERT, expert, strict=True)}
    out["latency"] = latency
    out["found"] = found
    out["parts"] = parts
    gc.collect()
    out["rss_end_mib"], out["rss_peak_mib"] = rss_mib()
    return out


def run_serve(home: Path, demo_home: Path, replica: bool, runs: int) -> dict:
    config = {"home": str(home), "demo_home": str(demo_home), "replica": replica, "runs": runs}
    done = subprocess.run(
        [sys.executable, __file__, "--serve", json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- report ------------------------------------------------------------------------------------


def mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def latency_table(served: dict) -> list[str]:
    lines = [
        "| query type | mode | p50 ms | p95 ms | p99 ms | mean results |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for key, row in served["latency"].items():
        kind, mode = key.split("/")
        lines.append(
            f"| {kind} ({len(QUERIES[kind])} queries) | {mode} | {row['p50']:.1f} | "
            f"{row['p95']:.1f} | {row['p99']:.1f} | {served['found'][key]:.1f} |"
        )
    lines += ["", "| part (timed alone) | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|"]
    for name, row in served["parts"].items():
        lines.append(f"| {name} | {row['p50']:.2f} | {row['p95']:.2f} | {row['p99']:.2f} |")
    return lines


def report(args, demo: dict | None, replica: dict | None, loads: list[str]) -> str:
    lines = [
        "## Search speed (issue 3)",
        "",
        f"- date: {dt.date.today().isoformat()}",
        f"- machine: {machine()}",
        f"- command: `{' '.join([COMMAND, *sys.argv[1:]])}`",
        f"- load average (1/5/15 min) at the start of each stage: {'; '.join(loads)}",
        f"- {args.runs} timed runs per query type and mode after a warm-up (2 runs of each "
        "query); one process, one thread per request; hybrid and dense include embedding "
        "the query with use-m3 (1 thread). Queries: `benchmarks/search_speed.py`.",
        "",
    ]
    if demo:
        b = demo["build"]
        lines += [
            f"### Demo corpus ({b['docs']:,} real records)",
            "",
            "| what | docs | seconds | docs/s |",
            "|---|---:|---:|---:|",
            f"| read records from the SQLite store | {b['docs']:,} | {b['read_s']:.1f} "
            f"| {b['docs'] / b['read_s']:,.0f} |",
            f"| lexical index build from records in memory | {b['docs']:,} | "
            f"{b['lexical_s']:.1f} | {b['docs'] / b['lexical_s']:,.0f} |",
            f"| lexical, read + build | {b['docs']:,} | {b['read_s'] + b['lexical_s']:.1f} "
            f"| {b['docs'] / (b['read_s'] + b['lexical_s']):,.0f} |",
            f"| dense build, use-m3 on real text (sample: every "
            f"{b['docs'] // b['dense_sample']}th record, {b['dense_sample_zh']:,} Chinese) "
            f"| {b['dense_sample']:,} | {b['dense_sample_s']:.1f} "
            f"| {b['dense_sample'] / b['dense_sample_s']:,.1f} |",
            f"| of which encoding | {b['dense_sample']:,} | {b['encode_s']:.1f} "
            f"| {b['dense_sample'] / b['encode_s']:,.1f} |",
        ]
        if b["full_dense"]:
            f = b["full_dense"]
            lines.append(
                f"| dense build, whole corpus | {f['docs']:,} | {f['seconds']:.0f} "
                f"| {f['rate']:,.1f} |"
            )
        s = demo["serve"]
        lines += [
            "",
            f"Size on disk: lexical {mib(b['lexical_bytes'])}, dense {mib(b['dense_bytes'])}, "
            f"SQLite store {mib(b['db_bytes'])}. Serving process: RSS {s['rss_open_mib']:,.0f} "
            f"MiB after opening, peak {s['rss_peak_mib']:,.0f} MiB.",
            "",
            *latency_table(s),
            "",
        ]
    if replica:
        b, s = replica["build"], replica["serve"]
        lines += [
            f"### Replicated corpus ({b['docs']:,} documents: the real records replicated)",
            "",
            f"**Replicated, not real**: copy 0 is the demo corpus, copies 1 … "
            f"{math.ceil(b['docs'] / demo_docs(replica)) - 1} are the same records with ids "
            f"ending in `-R000001` …; dense vectors are the real records' use-m3 vectors (not "
            f"re-encoded; embedding throughput is the demo table above), copies jittered by "
            f"noise of relative norm {b['jitter']} and renormalised. The service reads records "
            "through a stand-in that maps a replicated id to its real record in the demo "
            "SQLite store. Term statistics of a replicated corpus are those of the real one, "
            "and posting lists are ~copies × longer.",
            "",
        ]
        if b.get("reused"):
            lines.append("Indexes reused from an earlier run (`--reuse`): build not measured.")
        else:
            lines += [
                "| what | docs | seconds | docs/s |",
                "|---|---:|---:|---:|",
                f"| lexical index build (real writer, replicated records) | {b['docs']:,} "
                f"| {b['lexical_s']:.0f} | {b['docs'] / b['lexical_s']:,.0f} |",
                f"| dense index build from stored vectors (HNSW only) | {b['dense_docs']:,} "
                f"| {b['dense_s']:.0f} | {b['dense_docs'] / b['dense_s']:,.0f} |",
                "",
                f"Dense recall@10 of the HNSW index against exact search, 18 probe queries: "
                f"{b['recall10']:.3f}.",
            ]
        lines += [
            "",
            f"Size on disk: lexical {mib(b['lexical_bytes'])}, dense {mib(b['dense_bytes'])}. "
            f"Serving process: opening {s['open_s']:.1f} s; RSS {s['rss_open_mib']:,.0f} MiB "
            f"after opening, **peak {s['rss_peak_mib']:,.0f} MiB** after all queries "
            "(memory-mapped index pages that were read count).",
            "",
            *latency_table(s),
            "",
        ]
    lines += verdicts(demo, replica)
    return "\n".join(lines)


def demo_docs(replica: dict) -> int:
    return replica["build"]["real_docs"]


def verdicts(demo: dict | None, replica: dict | None) -> list[str]:
    lines = ["Targets (2-core machine):", ""]
    if replica:
        hybrid = replica["serve"]["latency"]["hybrid/hybrid"]
        docs = replica["build"]["docs"]
        ok50 = hybrid["p50"] <= TARGETS["hybrid_p50_ms"]
        ok95 = hybrid["p95"] <= TARGETS["hybrid_p95_ms"]
        lines.append(
            f"- hybrid query at {docs:,} docs (query embedding included): p50 "
            f"{hybrid['p50']:.1f} ms (target ≤ 50: {'met' if ok50 else 'missed'}), p95 "
            f"{hybrid['p95']:.1f} ms (target ≤ 150: {'met' if ok95 else 'missed'})"
        )
        expert = replica["serve"]["latency"]["expert/hybrid"]
        lines.append(
            f"- expert queries in hybrid mode at {docs:,} docs: p50 {expert['p50']:.1f} ms, "
            f"p95 {expert['p95']:.1f} ms"
        )
        peak = replica["serve"]["rss_peak_mib"] / 1024
        lines.append(
            f"- peak memory serving {docs:,} docs: {peak:.2f} GiB (target < 8 GiB: "
            f"{'met' if peak < TARGETS['rss_gib'] else 'missed'})"
        )
    rates = []
    if demo:
        rates.append(("demo", demo["build"]["docs"] / demo["build"]["lexical_s"]))
    if replica and not replica["build"].get("reused"):
        rates.append(("replicated", replica["build"]["docs"] / replica["build"]["lexical_s"]))
    for name, rate in rates:
        ok = rate >= TARGETS["lexical_docs_s"]
        lines.append(
            f"- lexical indexing, {name}: {rate:,.0f} docs/s "
            f"(target ≥ 5,000: {'met' if ok else 'missed'})"
        )
    return lines


# -- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--docs", type=int, default=1_000_000, help="replicated corpus size (0: skip it)"
    )
    parser.add_argument("--skip-demo", action="store_true", help="skip the demo measurements")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per query type and mode")
    parser.add_argument("--embed-sample", type=int, default=3000, help="records for use-m3 rate")
    parser.add_argument("--jitter", type=float, default=0.3, help="replica vector noise")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse replicated indexes of an earlier run"
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument(
        "--only",
        choices=["lexical-build"],
        help="run one stage alone: lexical-build times the demo lexical build (nothing written)",
    )
    parser.add_argument(
        "--lexical-workers", type=int, help="worker processes of that build (default: one per core)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed builds with --only")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        config = json.loads(args.serve)
        result = serve(
            Path(config["home"]), Path(config["demo_home"]), config["replica"], config["runs"]
        )
        print(json.dumps(result))
        return 0

    work = args.work.resolve()
    demo_home = work / "demo"
    loads = [f"start {load()}"]
    log(f"demo store in {demo_home}")
    ingest = ensure_demo_store(demo_home)
    log(f"demo store: {ingest['records']:,} records ({ingest['ingested']:,} ingested now)")
    if args.only == "lexical-build":
        lexical_build_only(demo_home, args.lexical_workers, args.repeat)
        return 0

    demo = None
    if args.skip_demo:
        from ipnav.store.patents import PatentStore

        with PatentStore.open(settings_for(demo_home)) as store:
            records = list(store.iter_records())
        ensure_demo_dense(demo_home, records)
    else:
        loads.append(f"demo build {load()}")
        records, build = measure_demo_builds(demo_home, args.embed_sample)
        loads.append(f"demo queries {load()}")
        log("demo queries")
        demo = {"build": build, "serve": run_serve(demo_home, demo_home, False, args.runs)}

    replica = None
    if args.docs:
        home = work / f"replicated-{args.docs}"
        loads.append(f"replicated build {load()}")
        meta = home / "index" / "dense" / "meta.json"
        if args.reuse and meta.exists():
            from ipnav.search.lexical import LexicalIndex, index_dir

            lexical = LexicalIndex(index_dir(settings_for(home)))
            assert lexical.count() == args.docs, "the reused index has another size"
            build = {
                "docs": args.docs,
                "reused": True,
                "jitter": args.jitter,
                "lexical_bytes": folder_bytes(index_dir(settings_for(home))),
                "dense_bytes": folder_bytes(meta.parent),
            }
        else:
            log(f"replicated corpus: {args.docs:,} documents in {home}")
            build = build_replica(demo_home, home, records, args.docs, args.jitter)
        build["real_docs"] = len(records)
        del records
        gc.collect()
        loads.append(f"replicated queries {load()}")
        log("replicated queries")
        replica = {"build": build, "serve": run_serve(home, demo_home, True, args.runs)}
    loads.append(f"end {load()}")

    section = report(args, demo, replica, loads)
    print(section)
    (work / "search_speed.json").write_text(
        json.dumps({"demo": demo, "replica": replica, "loads": loads}, indent=1, default=str)
    )
    if args.write:
        write_section("search_speed", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
