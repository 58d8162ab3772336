"""Search as users run it: `ipnav index`, `ipnav search`, `ipnav export` on real records."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipnav.cli import app
from ipnav.model.record import PatentRecord, SourceRef
from ipnav.search.base import SearchQuery
from ipnav.search.indexing import update_indexes
from ipnav.search.lexical import LexicalIndex
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore, SourceItem

runner = CliRunner()
PATSNAP = "patsnap_cs3245_citation_corpus/documents.jsonl.gz"
BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"


def ipnav(env, *args: str):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def env(tmp_path_factory, sample_data) -> dict[str, str]:
    """A home with the 2,244 real PatSnap and 300 real BDCI records, indexed (hashing encoder)."""
    import gzip
    import itertools

    root = tmp_path_factory.mktemp("search")
    env = {
        "IPNAV_HOME": str(root / "home"),
        "IPNAV_SAMPLE_DATA": str(sample_data),
        "IPNAV_DENSE_ENCODER": "hashing",
    }
    for relative, n in ((PATSNAP, 2244), (BDCI, 300)):
        target = root / Path(relative).name.removesuffix(".gz")
        with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
            target.write_text("".join(itertools.islice(source, n)), encoding="utf-8")
        assert ipnav(env, "ingest", str(target)).exit_code == 0
    built = ipnav(env, "index")
    assert built.exit_code == 0, built.output
    assert "lexical + dense index built: 2,544 records indexed" in built.output
    return env


def records_of(env, rows) -> list[PatentRecord]:
    return [
        PatentRecord.model_validate(
            json.loads(ipnav(env, "show", r["id"], "--format", "json").stdout)
        )
        for r in rows
    ]


def test_expert_query_keeps_its_boolean_meaning(env):
    result = ipnav(
        env,
        "search",
        "TA=(membrane AND bioreactor) AND PD>=2005",
        "--top",
        "50",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all({"id", "score", "title"} <= set(row) for row in rows)
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    for record in records_of(env, rows):
        text = f"{record.text('title', ('en',))} {record.text('abstract', ('en',))}".lower()
        assert "membrane" in text and "bioreactor" in text, record.id
        assert record.publication_date >= dt.date(2005, 1, 1)


def test_plain_chinese_query_finds_its_patent_first(env):
    rows = json.loads(ipnav(env, "search", "一种5G通讯电缆故障监控系统", "--format", "json").stdout)
    assert rows[0]["id"] == "BDCI-635a7d4b6358b6ff24a324bb871505db"
    assert rows[0]["ranks"]["lexical"] == 1


def test_malformed_query_exits_with_its_position(env):
    result = ipnav(env, "search", "TA=(membrane AND")
    assert result.exit_code == 1
    assert "position 3" in result.output and "never closed" in result.output
    assert result.output.count("\n") == 1


def test_lexical_and_dense_modes(env):
    lexical = json.loads(
        ipnav(env, "search", "bubble washing", "--mode", "lexical", "--format", "json").stdout
    )
    dense = json.loads(
        ipnav(env, "search", "bubble washing", "--mode", "dense", "--format", "json").stdout
    )
    assert lexical and dense
    assert {row["retriever"] for row in lexical} == {"lexical"}
    assert {row["retriever"] for row in dense} == {"dense"}
    page2 = json.loads(
        ipnav(
            env,
            "search",
            "bubble washing",
            "--offset",
            "10",
            "--mode",
            "lexical",
            "--format",
            "json",
        ).stdout
    )
    assert page2[0]["rank"] == 11 and not {r["id"] for r in page2} & {r["id"] for r in lexical}


def test_export_writes_the_whole_result_set(env, tmp_path):
    query = "TA=(membrane AND bioreactor)"
    out = tmp_path / "result.csv"
    result = ipnav(env, "export", query, "--to", str(out))
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    total = json.loads(
        ipnav(env, "search", query, "--mode", "lexical", "--top", "1000", "--format", "json").stdout
    )
    assert len(rows) == len(total) > 0


def test_incremental_update_adds_and_removes(tmp_path, sample_data):
    """A kind-less grant later merged into its kinded publication leaves the index too."""
    settings = Settings(home=tmp_path / "home", sample_data=sample_data, dense_encoder="hashing")

    def grant(dataset: str, kind: str | None, title: str) -> SourceItem:
        record = PatentRecord(
            id=f"US6985151{kind or ''}",
            country="US",
            number="6985151",
            kind=kind,
            title={"en": title},
            sources=[SourceRef(dataset=dataset)],
        )
        return SourceItem(dataset, "US6985151", record)

    with PatentStore.open(settings) as store:
        store.upsert([grant("pygrams", None, "Shader-based system")])
        first = update_indexes(settings, store)
        assert first.rebuilt and first.indexed == 1
        store.upsert([grant("nvidia", "B2", "Shader-based system for graphics")])
        second = update_indexes(settings, store)
        assert not second.rebuilt and second.indexed == 1 and second.deleted == 1
        index = LexicalIndex.open(settings)
        assert index.doc_ids(SearchQuery()) == ["US6985151B2"]
        again = update_indexes(settings, store)
        assert (again.indexed, again.deleted) == (0, 0)
