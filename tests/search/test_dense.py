"""The dense index on real records: cross-lingual search, incremental writes, reopening, filters."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from ipnav.ingest.base import Parsed
from ipnav.ingest.jsonl import JsonlReader
from ipnav.model.record import PatentRecord
from ipnav.search.base import Filters, SearchQuery
from ipnav.search.dense import (
    DenseIndex,
    DenseIndexError,
    EncoderMismatch,
    FiltersNeedPredicate,
    NotIndexed,
    dense_index_path,
)
from ipnav.search.encoders import HashingEncoder, UseEncoder, record_text
from ipnav.search.query.ast import Term
from ipnav.settings import Settings

CABLE = "BDCI-635a7d4b6358b6ff24a324bb871505db"  # 一种5G通讯电缆故障监控系统


def _read(sample_data: Path, relative: str, n: int) -> list[PatentRecord]:
    items = itertools.islice(JsonlReader().read(sample_data / relative, dataset="t"), n)
    return [item.record for item in items if isinstance(item, Parsed)]


@pytest.fixture(scope="module")
def records(sample_data: Path) -> list[PatentRecord]:
    """100 Chinese (BDCI) and 100 English (NVIDIA) real records, the cable patent among them."""
    chinese = _read(sample_data, "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz", 100)
    english = _read(sample_data, "us_nvidia_portfolio_patentsview/nvidia_patents.jsonl.gz", 100)
    assert any(record.id == CABLE for record in chinese)
    return chinese + english


@pytest.fixture(scope="module")
def use_index(records: list[PatentRecord], tmp_path_factory: pytest.TempPathFactory) -> DenseIndex:
    index = DenseIndex(tmp_path_factory.mktemp("use") / "dense", UseEncoder())
    index.build(records)
    return index


@pytest.fixture
def index(records: list[PatentRecord], tmp_path: Path) -> DenseIndex:
    built = DenseIndex(tmp_path / "dense", HashingEncoder())
    built.build(records)
    return built


@pytest.mark.slow
@pytest.mark.parametrize(
    "text", ["cable fault monitoring", "5G communication cable fault monitoring system"]
)
def test_an_english_query_finds_the_chinese_patent(use_index: DenseIndex, text: str) -> None:
    hits = use_index.search(SearchQuery(text=text), 5)
    assert CABLE in [hit.id for hit in hits]
    assert [hit.rank for hit in hits] == [1, 2, 3, 4, 5]
    assert all(hit.retriever == "dense" for hit in hits)
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


@pytest.mark.slow
def test_search_falls_back_to_the_query_terms(use_index: DenseIndex) -> None:
    query = SearchQuery(node=Term("电缆故障监控"))
    assert CABLE in [hit.id for hit in use_index.search(query, 3)]
    assert use_index.search(SearchQuery(), 3) == []  # nothing to embed


@pytest.mark.slow
def test_scores_are_cosines_of_stored_vectors(use_index: DenseIndex) -> None:
    query = use_index.encode_query("cable fault monitoring")
    hit = use_index.similar("cable fault monitoring", 1)[0]
    assert hit.score == pytest.approx(float(use_index.vector(hit.id) @ query), abs=2e-3)


def test_build_reports_progress_and_counts(records: list[PatentRecord], tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    index = DenseIndex(tmp_path / "dense", HashingEncoder())
    update = index.build(records, lambda done, total: seen.append((done, total)), batch_size=64)
    assert seen == [(64, 200), (128, 200), (192, 200), (200, 200)]
    assert update.added == index.count() == 200 and update.replaced == 0
    no_text = PatentRecord(id="EMPTY")
    assert index.add([no_text]).skipped == ("EMPTY",) and "EMPTY" not in index


def test_hnsw_matches_exact_search(index: DenseIndex, records: list[PatentRecord]) -> None:
    matrix = np.vstack([index.vector(record.id) for record in records])
    for record in records[::25]:
        query = index.encode_query(record_text(record)[:40])
        exact = [records[i].id for i in np.argsort(-(matrix @ query), kind="stable")[:10]]
        found = [hit.id for hit in index.search_vector(query, 10)]
        assert len(set(found) & set(exact)) >= 9, (found, exact)


def test_add_replaces_and_delete_removes(index: DenseIndex, records: list[PatentRecord]) -> None:
    changed = records[150].model_copy(update={"title": {"en": "Banana peeling machine"}})
    changed.abstract = {"en": "A machine that peels bananas with rotating blades."}
    update = index.add([changed, PatentRecord(id="NEW1", title={"en": "Banana slicer"})])
    assert (update.added, update.replaced) == (1, 1)
    assert index.count() == 201
    hits = index.search(SearchQuery(text="banana peeling machine"), 2)
    assert [hit.id for hit in hits] == [changed.id, "NEW1"]
    assert index.delete([changed.id, "NOT-THERE"]) == 1
    assert changed.id not in index and index.count() == 200
    assert changed.id not in [h.id for h in index.search(SearchQuery(text="banana"), 200)]
    with pytest.raises(NotIndexed, match=changed.id):
        index.vector(changed.id)


def test_reopen_from_disk(index: DenseIndex, records: list[PatentRecord]) -> None:
    index.add([PatentRecord(id="NEW1", title={"en": "Banana slicer"})])
    index.delete([records[0].id])
    query = SearchQuery(text=record_text(records[7]))
    expected = index.search(query, 10)
    again = DenseIndex(index.path)  # encoder taken from the metadata, vectors memory-mapped
    assert again.encoder.name == "hashing" and again.count() == 200
    assert again.search(query, 10) == expected
    assert np.array_equal(again.vector("NEW1"), index.vector("NEW1"))
    # a write through the memory-mapped copy loads it first, and the writer sees it on refresh
    again.add([PatentRecord(id="NEW2", title={"en": "Apple corer"})])
    assert "NEW2" not in index and index.refresh() and "NEW2" in index
    files = sorted(p.name for p in index.path.iterdir())
    generation = json.loads((index.path / "meta.json").read_text())["generation"]
    assert files == [f"ids-{generation}.json", "meta.json", f"vectors-{generation}.usearch"]


def test_replacements_compact_the_graph(index: DenseIndex, records: list[PatentRecord]) -> None:
    for _ in range(2):  # 2 × 200 replacements: tombstones pass compact_ratio, the graph is rebuilt
        index.add(records)
    meta = json.loads((index.path / "meta.json").read_text())
    assert meta["count"] == 200 and meta["deleted"] < 200 * index.compact_ratio
    hits = DenseIndex(index.path).search(SearchQuery(text=record_text(records[3])), 1)
    assert hits[0].id == records[3].id


def test_opening_with_another_encoder_fails_until_rebuilt(index: DenseIndex) -> None:
    with pytest.raises(
        EncoderMismatch, match=r"built with encoder 'hashing'.*ipnav index --rebuild"
    ):
        DenseIndex(index.path, HashingEncoder(dim=64))
    rebuilt = DenseIndex(index.path, HashingEncoder(dim=64), rebuild=True)
    assert rebuilt.count() == 0
    rebuilt.build([PatentRecord(id="ONLY", title={"en": "Cable"})])
    assert DenseIndex(index.path).encoder.dim == 64


def test_exclude_ids_and_allowed(index: DenseIndex, records: list[PatentRecord]) -> None:
    text = record_text(records[120])
    top = [hit.id for hit in index.search(SearchQuery(text=text), 5)]
    assert top[0] == records[120].id
    excluded = index.search(SearchQuery(text=text, filters=Filters(exclude_ids=(top[0],))), 5)
    assert [hit.id for hit in excluded] == [*top[1:5], excluded[-1].id]
    english = {record.id for record in records if record.id.startswith("US")}
    only = Filters(countries=("US",))
    with pytest.raises(FiltersNeedPredicate, match="allowed="):
        index.search(SearchQuery(text="cable", filters=only), 5)
    by_set = index.search(SearchQuery(text="cable", filters=only), 5, allowed=english)
    by_predicate = index.search(
        SearchQuery(text="cable", filters=only), 5, allowed=lambda pid: pid.startswith("US")
    )
    assert [h.id for h in by_set] == [h.id for h in by_predicate]
    assert len(by_set) == 5 and all(hit.id in english for hit in by_set)
    few = {records[5].id, records[6].id}
    assert {h.id for h in index.search(SearchQuery(text="cable"), 5, allowed=few)} == few


def test_open_uses_the_settings_home(settings: Settings) -> None:
    index = DenseIndex.open(settings, HashingEncoder())
    assert index.path == dense_index_path(settings) == settings.home / "index" / "dense"
    assert index.count() == 0 and index.search(SearchQuery(text="cable"), 5) == []


def test_add_vectors_copies_an_index_without_encoding(
    index: DenseIndex, records: list[PatentRecord], tmp_path: Path
) -> None:
    ids = [record.id for record in records]
    vectors = np.vstack([index.vector(pid) for pid in ids])
    copy = DenseIndex(tmp_path / "copy", HashingEncoder())
    update = copy.add_vectors(ids, 3.0 * vectors.astype(np.float16), chunk_size=64)
    assert (update.added, update.replaced) == (200, 0)
    query = SearchQuery(text=record_text(records[42]))
    assert [h.id for h in DenseIndex(copy.path).search(query, 5)] == [
        h.id for h in index.search(query, 5)
    ]
    assert copy.vector(ids[7]) == pytest.approx(vectors[7], abs=2e-3)  # rows renormalised
    again = copy.add_vectors([ids[0], "COPY-R1"], vectors[[1, 1]])
    assert (again.added, again.replaced) == (1, 1) and copy.count() == 201
    assert {h.id for h in copy.search_vector(vectors[1], 3)} == {ids[0], ids[1], "COPY-R1"}


def test_add_vectors_checks_its_input(index: DenseIndex) -> None:
    with pytest.raises(DenseIndexError, match="one 512-d row per id"):
        index.add_vectors(["A", "B"], np.ones((2, 64), dtype=np.float32))
    with pytest.raises(DenseIndexError, match="same id twice"):
        index.add_vectors(["A", "A"], np.ones((2, 512), dtype=np.float32))
