"""A lexical build in forked workers finds and scores exactly what a one-process build does.

Both indexes are built from the same ~900 real records (CN BDCI abstracts, CN
titles with IPC, NVIDIA US grants with CPC, PatSnap EP/US water-treatment
patents) as in ``test_lexical.py``; the sharded one in four shards, so that it
holds four segments where the other holds one.
"""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest
import tantivy

from ipnav.ingest.pipeline import ingest_file
from ipnav.model.record import PatentRecord
from ipnav.search.base import Filters, SearchQuery
from ipnav.search.lexical import LexicalIndex
from ipnav.search.lexical_shards import (
    MAX_SHARD,
    MIN_SHARD,
    ShardBuildError,
    adopt,
    shard_size,
)
from ipnav.search.query.ast import (
    And,
    ClassPrefix,
    MatchAll,
    Not,
    Or,
    Phrase,
    Proximity,
    Scheme,
    Term,
    TextField,
    Wildcard,
)
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore

SOURCES = {
    "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz": 250,
    "cn_patent_titles_ipc/cn_titles_ipc_subclasses.jsonl.gz": 150,
    "us_nvidia_portfolio_patentsview/nvidia_patents.jsonl.gz": 300,
    "patsnap_cs3245_citation_corpus/documents.jsonl.gz": 200,
}
SHARD = 250

QUERIES = [
    Term("gpu"),
    Term("memory", TextField.TITLE),
    Term("电缆"),
    Term("系统", TextField.TEXT),
    Term("nvidia", TextField.APPLICANT),
    Phrase(("graphics", "processing")),
    Phrase(("故障", "监控")),
    Proximity(("graphics", "memory"), 5, ordered=False),
    Wildcard("comput*"),
    ClassPrefix(Scheme.CPC, "G06T"),
    ClassPrefix(Scheme.IPC, "H02"),
    And((Term("water"), Not(Term("sludge")))),
    Or((Term("shader"), Term("texture"), Term("锂电池"))),
]


@pytest.fixture(scope="module")
def records(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> list[PatentRecord]:
    tmp = tmp_path_factory.mktemp("shards")
    settings = Settings(home=tmp / "home", sample_data=sample_data)
    with PatentStore.open(settings) as store:
        for relative, lines in SOURCES.items():
            path = tmp / Path(relative).name.removesuffix(".gz")
            with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
                path.write_text("".join(itertools.islice(source, lines)), encoding="utf-8")
            ingest_file(store, settings, path)
        return list(store.iter_records())


@pytest.fixture(scope="module")
def built(records, tmp_path_factory) -> tuple[LexicalIndex, LexicalIndex, list[int]]:
    """(one-process index, sharded index, the sharded build's progress reports)."""
    root = tmp_path_factory.mktemp("ix")
    single = LexicalIndex(root / "single", create=True)
    assert single.build(records, workers=1) == len(records)
    sharded = LexicalIndex(root / "sharded", create=True)
    seen: list[int] = []
    assert sharded.build(records, seen.append, workers=2, shard_records=SHARD) == len(records)
    return single, sharded, seen


def segments(index: LexicalIndex) -> int:
    return len(json.loads((index.path / "meta.json").read_text(encoding="utf-8"))["segments"])


def test_sharded_build_finds_and_scores_the_same(built, records) -> None:
    single, sharded, _ = built
    assert segments(single) == 1
    assert segments(sharded) == -(-len(records) // SHARD) > 1  # one segment per shard
    assert sharded.count() == single.count() == len(records)
    assert sharded.segmenter.user_words == single.segmenter.user_words != ()
    for node in QUERIES:
        query = SearchQuery(node=node)
        one = {hit.id: hit.score for hit in single.search(query, 2000)}
        many = {hit.id: hit.score for hit in sharded.search(query, 2000)}
        assert one, node
        assert many.keys() == one.keys(), node
        for patent_id, score in one.items():
            assert many[patent_id] == pytest.approx(score, rel=1e-5), (node, patent_id)


def test_sharded_build_counts_the_same_facets(built) -> None:
    single, sharded, _ = built
    query = SearchQuery(node=Or((Term("water"), Term("系统"), Term("memory"))))
    fields = ["country", "publication_year", "ipc_subclass", "cpc_main_group", "applicant"]
    assert sharded.facet_counts(query, fields, 50) == single.facet_counts(query, fields, 50)
    filtered = SearchQuery(node=MatchAll(), filters=Filters(countries=("CN",)))
    assert set(sharded.doc_ids(filtered)) == set(single.doc_ids(filtered)) != set()


def test_progress_counts_up_to_the_total(built, records) -> None:
    _, _, seen = built
    assert seen == sorted(seen)
    assert seen[-1] == len(records)


def test_a_sharded_index_takes_incremental_updates(records, tmp_path) -> None:
    index = LexicalIndex(tmp_path / "ix", create=True)
    index.build(records[:400], workers=2, shard_records=150, user_words=[])
    assert segments(index) == 3
    changed = records[10].model_copy(update={"title": {"en": "Zyxwvut flux capacitor"}})
    index.add([changed, records[500]])
    assert index.count() == 401
    found = index.doc_ids(SearchQuery(node=Term("zyxwvut")))
    assert found == [changed.id]
    index.delete([records[200].id])
    assert index.count() == 400


def test_a_failing_worker_stops_the_build_and_keeps_the_old_index(records, tmp_path) -> None:
    index = LexicalIndex(tmp_path / "ix", create=True)
    index.build(records[:30], workers=1, user_words=[])
    broken = [*records[:300], "not a record", *records[300:600]]
    with pytest.raises(ShardBuildError, match="shard-1 failed: AttributeError"):
        index.build(broken, workers=2, shard_records=200, user_words=[])
    assert index.count() == 30
    assert index.doc_ids(SearchQuery()) and set(index.doc_ids(SearchQuery())) <= {
        r.id for r in records[:30]
    }
    building = tmp_path / "ix.building"
    assert not list(building.glob("shard-*"))  # workers' folders removed


def test_adopt_refuses_an_index_of_another_schema(tmp_path) -> None:
    LexicalIndex(tmp_path / "ix", create=True)
    other = tmp_path / "other"
    other.mkdir()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True)
    tantivy.Index(builder.build(), path=str(other))
    with pytest.raises(ShardBuildError, match="another schema"):
        adopt(tmp_path / "ix", other)


def test_shard_size_splits_the_corpus_over_the_workers() -> None:
    assert shard_size(37_863, 2) == 18_932
    assert shard_size(None, 2) == MAX_SHARD
    assert shard_size(1_000_000, 2) == MAX_SHARD
    assert shard_size(500, 2) == MIN_SHARD
