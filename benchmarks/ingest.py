"""Ingest throughput and peak memory, per shared corpus, into SQLite and PostgreSQL.

    make bench                       # starts a throwaway PostgreSQL, runs this script
    .venv/bin/python benchmarks/ingest.py [--postgres-url URL] [--write]
    .venv/bin/python benchmarks/ingest.py --only uspto-xml --backends sqlite   # one cell

Each measurement runs in its own process (so peak RSS is its own) on a fresh
store. Baseline measured in the same run: reading and mapping the file
without storing anything ("read+map"), which bounds what the store can reach.
USPTO XML throughput is measured on a weekly-style file made by concatenating
the real ICE samples of ``uspto_fulltext_format_samples`` many times with
distinct document numbers (the samples are only 8 documents; say so when
quoting the number). ``--write`` replaces the ingest section of
``benchmarks/RESULTS.md`` (its ``ingest`` section).

Besides records per second, each cell reports the CPU time per record of the
measuring process and its reader workers (user + system): on two cores shared
with other jobs, wall time says as much about the neighbours as about ipnav,
CPU time much less; the load average at the start of each cell is printed
too. ``--digest`` adds a digest of every row the SQLite ingest stored
(``source_record``, ``patent`` and its derived tables, sorted), to check that
a change to the readers or the store leaves the stored data as it was:

    .venv/bin/python benchmarks/ingest.py --only uspto-xml --backends sqlite --digest
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_file import machine, sample_data, write_section

ROOT = Path(__file__).resolve().parents[1]

JSONL_CORPORA = [
    "us_nvidia_portfolio_patentsview/nvidia_patents.jsonl.gz",
    "us_uspto_random10k_abstracts/uspto_random_10000.jsonl.gz",
    "us_patentsview_keyword_queries/patentsview_keyword_queries.jsonl.gz",
    "patsnap_cs3245_citation_corpus/documents.jsonl.gz",
    "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz",
    "cn_patent_titles_ipc/cn_titles_ipc_subclasses.jsonl.gz",
    "us_uspto_prosecution_events_sample/uspto_peds_prosecution_events.jsonl.gz",
    "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz",
]
XML_COPIES = 250  # x 8 ICE documents = 2,000 documents with claims, descriptions, citations


def build_weekly_xml(target: Path, copies: int = XML_COPIES) -> int:
    """Concatenate the real ICE samples ``copies`` times, renumbering each copy."""
    folder = sample_data() / "uspto_fulltext_format_samples"
    docs = [
        gzip.decompress(p.read_bytes()).decode("utf-8")
        for sub in ("xml2004", "xml2006", "xml2014", "xmlApp2004")
        for p in sorted((folder / sub).glob("*.xml.gz"))
    ]
    count = 0
    with target.open("w", encoding="utf-8") as out:
        for _ in range(copies):
            for doc in docs:
                count += 1

                def renumber(m: re.Match, n: int = count) -> str:
                    # a valid, distinct number of the same shape: 11-digit applications
                    # keep their year, grants become 8-digit numbers
                    old = m[2]
                    new = f"{old[:4]}{n:07d}" if len(old) == 11 else f"{20_000_000 + n:08d}"
                    return f"{m[1]}{new}{m[3]}"

                renumbered = re.sub(
                    r"(<publication-reference>\s*<document-id>\s*<country>US</country>\s*"
                    r"<doc-number>)(\w+)(</doc-number>)",
                    renumber,
                    doc,
                    count=1,
                )
                out.write(renumbered if renumbered.endswith("\n") else renumbered + "\n")
    return count


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that have ended
    (the reader's worker processes, joined when a file is read)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# What --digest hashes: every stored row, in a fixed order (updated_at left out).
DIGEST_QUERIES = (
    "SELECT dataset, source_key, match_key, kind, patent_id, content_hash, record "
    "FROM source_record ORDER BY dataset, source_key",
    "SELECT id, match_key, country, number, kind, application_number, filing_date, "
    "publication_date, grant_date, priority_date, title, languages, legal_status, family_id, "
    "claims_count, sources, record FROM patent ORDER BY id",
    "SELECT * FROM patent_party ORDER BY patent_id, role, seq",
    "SELECT * FROM patent_class ORDER BY patent_id, scheme, seq",
    "SELECT * FROM patent_citation ORDER BY patent_id, seq",
)


def stored_digest(database: Path) -> str:
    """SHA-256 over every stored row of an SQLite store (see DIGEST_QUERIES)."""
    import hashlib
    import sqlite3

    digest = hashlib.sha256()
    with sqlite3.connect(database) as conn:
        for query in DIGEST_QUERIES:
            for row in conn.execute(query):
                digest.update(repr(row).encode())
    return digest.hexdigest()[:16]


def measure_one(
    path: Path, format: str, backend: str, url: str | None, store: bool, digest: bool = False
) -> dict:
    """Runs in the child process: one file, one fresh store.

    Without ``store`` (read+map), records are read as the ingest reads them:
    readers that map in worker processes serialise them for the store there
    (``prepare``), so read+map is the ingest's work less the store's.
    """
    from ipnav.ingest.formats import make_reader
    from ipnav.ingest.pipeline import ingest_file
    from ipnav.settings import Settings
    from ipnav.store.patents import PatentStore, stored_form

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), sample_data=sample_data(), database_url=url)
        cpu, started = cpu_seconds(), time.perf_counter()
        if store:
            with PatentStore.open(settings) as opened:
                report = ingest_file(opened, settings, path, format=format, dataset="bench")
            records, rejected = report.counts.read, report.counts.rejected
        else:
            records = rejected = 0
            reader = make_reader(format)
            if getattr(reader, "prepares", False):
                items = reader.read(path, dataset="bench", prepare=stored_form)
            else:
                items = reader.read(path, dataset="bench")
            for item in items:
                records += 1
                rejected += not hasattr(item, "record") and not hasattr(item, "value")
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu
        stored = stored_digest(Path(home) / "ipnav.db") if digest and store and not url else None
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "records": records,
        "rejected": rejected,
        "seconds": seconds,
        "rate": records / seconds,
        "cpu_ms": 1000 * cpu / max(records, 1),
        "load": load,
        "peak_mib": peak_mib,
    }
    if stored:
        result["digest"] = stored
    return result


def run_child(
    path: Path, format: str, backend: str, url: str | None, store: bool, digest: bool = False
) -> dict:
    args = [
        sys.executable,
        __file__,
        "--child",
        str(path),
        format,
        backend,
        url or "-",
        str(int(store)),
        str(int(digest)),
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres-url", default=os.environ.get("IPNAV_TEST_POSTGRES_URL"))
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument(
        "--only",
        choices=("jsonl", "uspto-xml"),
        help="measure only the corpora of this format (cannot be combined with --write)",
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated stores to measure besides read+map (default: %(default)s; "
        "postgresql only with --postgres-url)",
    )
    parser.add_argument(
        "--digest",
        action="store_true",
        help="print a digest of the rows stored in SQLite (to compare before/after a change)",
    )
    parser.add_argument(
        "--xml-copies",
        type=int,
        default=XML_COPIES,
        help="copies of the 8 ICE samples in the USPTO XML file (default: %(default)s; "
        "fewer for a quick look, cannot be combined with --write)",
    )
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    chosen_backends = {name.strip() for name in args.backends.split(",") if name.strip()}
    if unknown := chosen_backends - {"sqlite", "postgresql"}:
        parser.error(f"unknown backend(s) {sorted(unknown)}; use sqlite and/or postgresql")
    if args.write and (
        args.only or chosen_backends != {"sqlite", "postgresql"} or args.xml_copies != XML_COPIES
    ):
        parser.error("--write needs the full run: drop --only, --backends and --xml-copies")
    if args.child:
        path, format, backend, url, store, digest = args.child
        result = measure_one(
            Path(path), format, backend, None if url == "-" else url, store == "1", digest == "1"
        )
        print(json.dumps(result))
        return 0

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        weekly = Path(tmp) / "ipg-weekly-replicated.xml"
        xml_docs = build_weekly_xml(weekly, args.xml_copies)
        inputs = [(sample_data() / rel, "jsonl", rel.split("/")[0]) for rel in JSONL_CORPORA]
        inputs.append(
            (weekly, "uspto-xml", f"USPTO ICE XML, {xml_docs:,} docs (8 real, replicated)")
        )
        inputs = [entry for entry in inputs if args.only in (None, entry[1])]
        backends = [("sqlite", None)] if "sqlite" in chosen_backends else []
        if args.postgres_url and "postgresql" in chosen_backends:
            backends.append(("postgresql", args.postgres_url))
        for path, format, label in inputs:
            base = run_child(path, format, "none", None, store=False)
            row = {
                "corpus": label,
                "format": format,
                "records": base["records"],
                "read+map": base["rate"],
                "read+map_cpu_ms": base["cpu_ms"],
                "load": base["load"],
            }
            for backend, url in backends:
                result = run_child(path, format, backend, url, store=True, digest=args.digest)
                row[backend] = result["rate"]
                row[f"{backend}_cpu_ms"] = result["cpu_ms"]
                row[f"{backend}_mib"] = result["peak_mib"]
                row["rejected"] = result["rejected"]
                if "digest" in result:
                    row[f"{backend}_digest"] = result["digest"]
            rows.append(row)
            print(json.dumps(row), flush=True)

    totals, cpu = {}, {}
    for fmt in ("jsonl", "uspto-xml"):
        chosen = [r for r in rows if r["format"] == fmt]
        if not chosen:
            continue
        n = sum(r["records"] for r in chosen)
        for key in ("read+map", "sqlite", "postgresql"):
            if all(key in r for r in chosen):
                totals[(fmt, key)] = n / sum(r["records"] / r[key] for r in chosen)
                cpu[(fmt, key)] = sum(r["records"] * r[f"{key}_cpu_ms"] for r in chosen) / n

    first_load = rows[0]["load"] if rows else float("nan")
    lines = [
        "## Ingest throughput (issue 2)",
        "",
        f"Measured {dt.date.today().isoformat()} on {machine()}; command: `make bench` "
        "(= `scripts/tmp_postgres.py -- python benchmarks/ingest.py`). Each cell is one run in "
        "a fresh process on a fresh store (PostgreSQL 15 from Debian, local, fsync off as in "
        "the test server). Baseline in the same run: read+map = parsing and mapping only "
        "(and, for readers that map in worker processes, serialising for the store, as the "
        "ingest does), nothing stored. Peak memory is the process's maximum RSS. CPU ms per "
        "record: user + system time of the process and its reader workers, less sensitive "
        "than records/s to other jobs on the machine (load average at the start of the "
        f"first cell: {first_load:.1f}).",
        "",
        "| corpus | format | records | rejected | read+map rec/s | SQLite rec/s "
        "| SQLite peak MiB | PostgreSQL rec/s | PostgreSQL peak MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['corpus']} | {r['format']} | {r['records']:,} | {r.get('rejected', 0)} | "
            f"{r['read+map']:,.0f} | {r.get('sqlite', 0):,.0f} | {r.get('sqlite_mib', 0):,.0f} | "
            f"{r.get('postgresql', 0):,.0f} | {r.get('postgresql_mib', 0):,.0f} |"
        )
    lines.append("")
    for (fmt, key), rate in sorted(totals.items()):
        lines.append(
            f"- all {fmt}: {key} {rate:,.0f} records/s, {cpu[(fmt, key)]:.2f} CPU ms per record"
        )
    lines += [
        "",
        "Targets: ≥ 3,000 records/s for JSONL into SQLite, "
        "≥ 500 records/s for USPTO XML with claims.",
    ]
    section = "\n".join(lines)
    print(section)
    if args.write:
        write_section("ingest", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
