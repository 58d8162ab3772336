"""``PatentStore.get_many``: a page of records in two statements, on both backends."""

from __future__ import annotations

from sqlalchemy import event

from ipnav.ingest.pipeline import ingest_file
from ipnav.model.record import PatentRecord, SourceRef
from ipnav.store.patents import SourceItem

BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"


def grant(dataset: str, kind: str | None, **fields) -> SourceItem:
    """US6985151 as two sources give it (as in test_patents.py): merged, stored whole."""
    record = PatentRecord(
        id=f"US6985151{kind or ''}",
        country="US",
        number="6985151",
        kind=kind,
        sources=[SourceRef(dataset=dataset, source_id="US6985151")],
        **fields,
    )
    return SourceItem(dataset, "US6985151", record)


class Statements:
    """Counts the SQL statements an engine runs while the block runs."""

    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _seen(self, *args) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc_info) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_get_many_reads_single_and_merged_records_in_the_asked_order(
    store, store_settings, corpus_subset
):
    ingest_file(store, store_settings, corpus_subset(BDCI, 12))
    store.upsert([grant("pygrams", None, abstract={"en": "A shader method."})])
    store.upsert([grant("nvidia", "B2", title={"en": "Shader-based system"})])
    ids = list(store.ids())
    assert "US6985151B2" in ids and len(ids) == 13  # 12 single-source, 1 merged
    asked = ["US6985151B2", *reversed(ids[:6]), "CN-NOT-THERE", ids[3]]

    with Statements(store.engine) as statements:
        records = store.get_many(asked)
    assert statements.count == 2  # the patent rows, then the single-source rows

    expected = [store.get(i) for i in asked]
    assert records == [r for r in expected if r is not None]
    assert [r.id for r in records] == [i for i in asked if i != "CN-NOT-THERE"]
    merged = records[0]
    assert merged.title == {"en": "Shader-based system"}
    assert {s.dataset for s in merged.sources} == {"pygrams", "nvidia"}
    assert records[1].title and records[1].abstract  # a BDCI record read from its source row


def test_get_many_of_nothing_and_of_many(store, store_settings, corpus_subset):
    assert store.get_many([]) == []
    assert store.get_many(["CN-NOT-THERE"]) == []
    ingest_file(store, store_settings, corpus_subset(BDCI, 600))
    ids = list(store.ids())
    assert len(ids) > 500  # past one IN (...) chunk
    records = store.get_many(ids[::-1])
    assert [r.id for r in records] == ids[::-1]
    assert records[-1] == store.get(ids[0])
