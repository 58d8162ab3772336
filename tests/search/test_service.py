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


# -- filters, facets, family collapsing, highlights --------------------------------


def search_json(env, *args: str) -> list[dict]:
    result = ipnav(env, "search", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_filters_restrict_every_mode(env):
    for mode in ("hybrid", "lexical", "dense"):
        rows = search_json(
            env,
            "water",
            "--mode",
            mode,
            "--top",
            "30",
            "--country",
            "EP",
            "--from",
            "2000-01-01",
        )
        assert rows, mode
        for record in records_of(env, rows):
            assert record.country == "EP", (mode, record.id)
            assert record.publication_date >= dt.date(2000, 1, 1), (mode, record.id)
    chinese = search_json(env, "监控 系统", "--lang", "zh", "--top", "20")
    assert chinese and all(r["id"].startswith("BDCI-") for r in chinese)
    ipc = search_json(env, "membrane", "--ipc", "C02F3", "--mode", "lexical", "--top", "50")
    assert ipc and all(any(c.startswith("C02F3") for c in r["ipc"]) for r in ipc)


def test_bad_filter_values_are_named(env):
    result = ipnav(env, "search", "membrane", "--from", "2015-13-01")
    assert result.exit_code == 2 and "--from" in result.output and "YYYY-MM-DD" in result.output
    result = ipnav(env, "search", "membrane", "--applicant-type", "startup")
    assert result.exit_code == 2 and "university" in result.output


def test_facets_count_the_whole_result_set(env, tmp_path):
    query = "TA=membrane"
    result = ipnav(env, "search", query, "--facet", "country", "--format", "json")
    assert result.exit_code == 0, result.output
    facets = json.loads(result.stderr)["facets"]["country"]
    out = tmp_path / "all.jsonl"
    assert ipnav(env, "export", query, "--to", str(out)).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    exported = [json.loads(line) for line in lines if line.strip()]
    records = [e for e in exported if "id" in e]
    from collections import Counter

    counted = Counter(r["country"] for r in records if r.get("country"))
    assert dict(facets) == dict(counted.most_common(10))
    assert sum(counted.values()) > 10  # more than one page: counts are not of the page


def test_collapsing_keeps_one_hit_per_family(env):
    from ipnav.search.service import family_key

    plain = search_json(env, "TA=(water AND filter)", "--mode", "lexical", "--top", "200")
    keys = [family_key(r) for r in records_of(env, plain)]
    assert len(set(keys)) < len(keys), "this query should hit several members of a family"
    collapsed = search_json(
        env, "TA=(water AND filter)", "--mode", "lexical", "--top", "200", "--collapse-family"
    )
    collapsed_keys = [family_key(r) for r in records_of(env, collapsed)]
    assert len(collapsed_keys) == len(set(collapsed_keys)) == len(set(keys))
    # each family is represented by its best-ranked member, in rank order
    first_of = {}
    for row, key in zip(plain, keys, strict=True):
        first_of.setdefault(key, row["id"])
    assert [row["id"] for row in collapsed] == list(first_of.values())
    assert sum(row["family_hits"] for row in collapsed) == len(plain)
    page2 = search_json(
        env,
        "TA=(water AND filter)",
        "--mode",
        "lexical",
        "--top",
        "5",
        "--offset",
        "5",
        "--collapse-family",
    )
    assert [r["id"] for r in page2] == [r["id"] for r in collapsed[5:10]]
    assert [r["rank"] for r in page2] == list(range(6, 11))


def test_results_highlight_matched_words(env):
    rows = search_json(env, "bubble washing", "--mode", "lexical", "--top", "5")
    for row in rows:
        marked = " ".join(row["highlights"].values()).lower()
        assert "<mark>bubble" in marked or "<mark>wash" in marked, row["id"]
        assert row["matched_terms"]


# -- prior art -------------------------------------------------------------------


def prior_art(env, *args: str) -> list[dict]:
    result = ipnav(env, "prior-art", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_prior_art_for_a_chinese_disclosure_is_explained(env):
    rows = prior_art(env, "--text", "一种5G通讯电缆故障监控系统")
    assert rows[0]["id"] == "BDCI-635a7d4b6358b6ff24a324bb871505db"
    why = rows[0]["explanation"]
    assert "监控" in " ".join(why["matched_terms"]["title"])
    assert why["best_passage"]["text"] and why["best_passage"]["similarity"] > 0.3
    assert set(why["contributions"]) == {"lexical", "dense"}
    assert sum(c["share"] for c in why["contributions"].values()) == pytest.approx(100.0)
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))


def test_prior_art_for_a_stored_patent(env):
    """US5845048 cites US5111516 (qrels, direct): its text alone should find it."""
    rows = prior_art(env, "--id", "US5845048", "--top", "10")
    ids = [row["id"] for row in rows]
    assert not any(i.startswith("US5845048") for i in ids)
    assert any(i.startswith("US5111516") for i in ids)
    source = records_of(env, [{"id": "US5845048"}])[0]
    cutoff = source.priority_date or source.filing_date
    for record in records_of(env, rows):
        assert record.publication_date is None or record.publication_date < cutoff
    table = ipnav(env, "prior-art", "--id", "US5845048")
    assert f"before {cutoff}" in table.stdout and f"date of {source.id}" in table.stdout
    assert "matched:" in table.stdout and "closest" in table.stdout


def test_prior_art_cut_off_and_bad_input(env, tmp_path):
    rows = prior_art(env, "--text", "membrane bioreactor sludge", "--before", "2000-01-01")
    assert rows
    for record in records_of(env, rows):
        assert record.publication_date < dt.date(2000, 1, 1)
    disclosure = tmp_path / "disclosure.txt"
    disclosure.write_bytes("活性污泥 膜生物反应器 污水处理".encode("gb18030"))
    assert prior_art(env, "--text-file", str(disclosure))
    both = ipnav(env, "prior-art", "--text", "x", "--id", "EP0735178A1")
    assert both.exit_code == 2 and "exactly one" in both.output
    missing = ipnav(env, "prior-art", "--id", "EP9999999A1")
    assert missing.exit_code == 1 and "no stored patent" in missing.stderr
    empty = ipnav(env, "prior-art", "--text", "   ")
    assert empty.exit_code == 1 and "empty" in empty.stderr


def test_ingest_updates_existing_indexes(tmp_path, sample_data):
    """After `ipnav index`, a later `ipnav ingest` makes new records searchable at once."""
    env = {
        "IPNAV_HOME": str(tmp_path / "home"),
        "IPNAV_SAMPLE_DATA": str(sample_data),
        "IPNAV_DENSE_ENCODER": "hashing",
    }
    first = sample_data / "cn_cnki_sample_with_claims"
    cnki = next(p for p in first.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))
    no_index_yet = ipnav(env, "ingest", str(cnki))
    assert no_index_yet.exit_code == 0 and "index" not in no_index_yet.stdout
    assert ipnav(env, "index").exit_code == 0
    target = tmp_path / "patsnap.jsonl"
    import gzip

    with gzip.open(sample_data / PATSNAP, "rt", encoding="utf-8") as source:
        lines = source.readlines()[:400]
    target.write_text("".join(lines), encoding="utf-8")
    first = json.loads(lines[0])
    query = f"PN={first['id']} AND TI=({first['title'].split()[0]})"
    before = ipnav(env, "search", query, "--format", "json")
    assert before.exit_code == 0 and json.loads(before.stdout) == []
    added = ipnav(env, "ingest", str(target))
    assert added.exit_code == 0, added.output
    assert "lexical + dense index updated: 400 records indexed" in added.stdout
    after = json.loads(ipnav(env, "search", query, "--format", "json").stdout)
    assert [row["id"] for row in after] == [first["id"]]
    skipped = ipnav(env, "ingest", str(target), "--force", "--no-index")
    assert skipped.exit_code == 0 and "index" not in skipped.stdout


def test_dense_index_of_an_older_format_is_re_encoded(tmp_path, sample_data):
    import orjson

    from ipnav.search.dense import DenseIndex, dense_index_path

    settings = Settings(home=tmp_path / "home", sample_data=sample_data, dense_encoder="hashing")
    record = PatentRecord(
        id="US6985151B2",
        country="US",
        number="6985151",
        kind="B2",
        title={"en": "Shader-based system"},
        abstract={"en": "A shader program runs on a graphics processor."},
        sources=[SourceRef(dataset="t")],
    )
    with PatentStore.open(settings) as store:
        store.upsert([SourceItem("t", "US6985151", record)])
        update_indexes(settings, store)
        meta_path = dense_index_path(settings) / "meta.json"
        meta = orjson.loads(meta_path.read_bytes())
        meta_path.write_bytes(orjson.dumps({**meta, "format": 1}))
        report = update_indexes(settings, store)
        assert report.dense and not report.rebuilt and report.dense_rebuilt
        # a lexical index of an older schema is rebuilt, not an error
        lexical_meta = settings.home / "index" / "lexical" / "ipnav-lexical.json"
        old = orjson.loads(lexical_meta.read_bytes())
        lexical_meta.write_bytes(orjson.dumps({**old, "schema_version": 1}))
        assert update_indexes(settings, store).rebuilt
        assert LexicalIndex.open(settings).doc_ids(SearchQuery()) == ["US6985151B2"]
        assert orjson.loads(meta_path.read_bytes())["format"] != 1
        assert DenseIndex.open(settings).count() == 1


def test_any_word_drops_function_words_and_cuts_chinese():
    from ipnav.search.query.ast import Or, Phrase, Term
    from ipnav.search.query.parser import parse_query
    from ipnav.search.service import any_word
    from ipnav.text.segment import Segmenter

    seg = Segmenter()
    node = any_word(parse_query('the use of a "membrane bioreactor" for sludge'), seg)
    assert isinstance(node, Or)
    assert Term("sludge") in node.children and Phrase(("membrane", "bioreactor")) in node.children
    assert not {Term(w) for w in ("the", "of", "a", "for")} & set(node.children)
    chinese = any_word(parse_query("一种锂电池负极材料的制备方法"), seg)
    surfaces = {leaf.text for leaf in chinese.children}
    assert {"锂电池", "负极", "材料"} <= surfaces and "的" not in surfaces
    rare = any_word(parse_query(" ".join(f"w{i}x" for i in range(50))), seg, lambda k: 1.0, 8)
    assert len(rare.children) == 8
    only_stop = any_word(parse_query("the of"), seg)
    assert only_stop == Or((Term("the"), Term("of")))
