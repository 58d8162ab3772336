"""The ingest pipeline on real data: idempotency, the rejects report, faults and a SIGKILL."""

from __future__ import annotations

import gzip
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from ipnav.ingest.base import InputFileError, Parsed
from ipnav.ingest.pipeline import ingest_file
from ipnav.ingest.uspto_documents import PARALLEL_MIN_BYTES
from ipnav.ingest.uspto_xml import UsptoXmlReader
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore
from ipnav.store.runs import IngestLog

BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"


def test_reingesting_changes_nothing_and_says_so(store, store_settings, corpus_subset):
    path = corpus_subset(BDCI, 300)
    first = ingest_file(store, store_settings, path)
    assert (first.counts.read, first.counts.new, first.counts.rejected) == (300, 300, 0)
    again = ingest_file(store, store_settings, path)
    assert again.skipped and again.run_id == first.run_id and not again.changed
    forced = ingest_file(store, store_settings, path, force=True)
    assert not forced.skipped
    assert (forced.counts.new, forced.counts.updated, forced.counts.unchanged) == (0, 0, 300)
    assert store.count() == 300


def test_rejected_records_go_to_a_report_with_line_and_reason(
    store, store_settings, corpus_subset, tmp_path
):
    keyword = "us_patentsview_keyword_queries/patentsview_keyword_queries.jsonl.gz"
    lines = corpus_subset(keyword, 5).read_text(encoding="utf-8").splitlines()
    lines.insert(2, '{"id": "US7604742", "doc_number": "7604742", "grant_date": "2023-13-01"}')
    lines.insert(4, '{"id": "US 12AB", "doc_number": "12", "grant_date": "2009-01-01"}')
    path = tmp_path / "with-errors.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_file(store, store_settings, path)
    assert (report.counts.new, report.counts.rejected) == (5, 2)
    entries = [orjson.loads(line) for line in report.rejects_path.read_bytes().splitlines()]
    assert [e["line"] for e in entries] == [3, 5]
    assert "2023-13-01" in entries[0]["reason"] and "not a date" in entries[0]["reason"]
    assert "US 12AB" in entries[1]["reason"]
    assert report.rejects_path.parent == store_settings.reports_dir


def test_a_fault_midway_keeps_the_good_records_before_it(
    store, store_settings, corpus_subset, tmp_path
):
    good = corpus_subset(BDCI, 40).read_bytes()
    path = tmp_path / "broken.jsonl"
    path.write_bytes(good + b'{"id": "x", "assignee": "\xd6\xd0", "label_id": 1}\n')  # GBK bytes
    settings = store_settings.model_copy(update={"ingest_batch_size": 7})
    with pytest.raises(InputFileError, match="line 41 is not valid UTF-8"):
        ingest_file(store, settings, path)
    assert store.count() == 40


def test_a_weekly_xml_file_read_by_worker_processes_stores_the_records_mapped_in_process(
    store, store_settings, sample_data, tmp_path
):
    """Workers send records already serialised for the store; what is stored is the same."""
    folder = sample_data / "uspto_fulltext_format_samples"
    docs = [gzip.decompress(p.read_bytes()) for p in sorted(folder.glob("xml*/*.xml.gz"))]
    pub_number = re.compile(
        rb"(<publication-reference>\s*<document-id>\s*<country>US</country>\s*<doc-number>)"
        rb"(\w+)(</doc-number>)"
    )
    path = tmp_path / "ipg-weekly.xml"
    with path.open("wb") as out:
        n = 0
        while out.tell() < PARALLEL_MIN_BYTES:  # big enough to be read by two processes
            for doc in docs:
                n += 1
                out.write(pub_number.sub(rb"\g<1>2%07d\3" % n, doc, count=1).rstrip() + b"\n")
    assert UsptoXmlReader().workers_for(path) == (2 if (os.cpu_count() or 1) >= 2 else 1)
    report = ingest_file(store, store_settings, path, format="uspto-xml", dataset="uspto")
    expected = [
        item.record
        for item in UsptoXmlReader(workers=1).read(path, dataset="uspto")
        if isinstance(item, Parsed)
    ]
    assert (report.counts.read, report.counts.new, report.counts.rejected) == (n, n, 0)
    assert list(store.iter_records()) == sorted(expected, key=lambda r: r.id)
    again = ingest_file(
        store, store_settings, path, format="uspto-xml", dataset="uspto", force=True
    )
    assert (again.counts.unchanged, again.counts.new, again.counts.updated) == (n, 0, 0)


def test_a_store_failure_stops_the_ingest_and_keeps_the_batches_before_it(
    store, store_settings, corpus_subset, monkeypatch
):
    """Batches are stored by a background thread; its failure still ends the ingest."""
    path = corpus_subset(BDCI, 40)
    settings = store_settings.model_copy(update={"ingest_batch_size": 10})
    upsert, calls = store.upsert, []

    def fail_third(batch, run_id=None):
        calls.append(len(batch))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return upsert(batch, run_id)

    monkeypatch.setattr(store, "upsert", fail_third)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_file(store, settings, path)
    assert store.count() == 20  # the two batches before the failure, whole
    [run] = IngestLog(store.engine).recent()
    assert run["status"] == "interrupted" and "disk full" in run["message"]
    assert (run["read"], run["new"]) == (40, 20)  # read on while the third batch was stored


def _consistent(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = conn.execute(
            "SELECT count(*) FROM source_record s LEFT JOIN patent p ON p.id = s.patent_id "
            "WHERE p.id IS NULL"
        ).fetchone()[0]
        unsourced = conn.execute(
            "SELECT count(*) FROM patent p WHERE NOT EXISTS "
            "(SELECT 1 FROM source_record s WHERE s.patent_id = p.id)"
        ).fetchone()[0]
        dangling = sum(
            conn.execute(
                f"SELECT count(*) FROM {table} t LEFT JOIN patent p ON p.id = t.patent_id "
                "WHERE p.id IS NULL"
            ).fetchone()[0]
            for table in ("patent_party", "patent_class", "patent_citation")
        )
        assert (orphans, unsourced, dangling) == (0, 0, 0)
        return {
            "patents": conn.execute("SELECT count(*) FROM patent").fetchone()[0],
            "runs": dict(conn.execute("SELECT id, status FROM ingest_run").fetchall()),
        }
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_midway_leaves_a_consistent_store_and_a_rerun_completes(tmp_path, sample_data):
    home = tmp_path / "home"
    env = {
        **os.environ,
        "IPNAV_HOME": str(home),
        "IPNAV_SAMPLE_DATA": str(sample_data),
        "IPNAV_INGEST_BATCH_SIZE": "250",
    }
    env.pop("IPNAV_DATABASE_URL", None)
    corpus = sample_data / "us_uspto_random10k_abstracts" / "uspto_random_10000.jsonl.gz"
    command = [sys.executable, "-m", "ipnav", "ingest", str(corpus)]
    db = home / "ipnav.db"
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    stored = conn.execute("SELECT count(*) FROM patent").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
        if stored >= 1000:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed; use a bigger input"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    state = _consistent(db)
    assert 1000 <= state["patents"] < 10000
    assert list(state["runs"].values()) == ["running"]  # the killed run never finished

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "10,000 read" in rerun.stdout
    final = _consistent(db)
    assert final["patents"] == 10000
    assert sorted(final["runs"].values()) == ["completed", "interrupted"]
    with PatentStore.open(Settings(home=home, sample_data=sample_data)) as store:
        assert store.get("US6836996").abstract["en"].startswith("A modular hook assembly")
