"""The store on both backends: upsert, idempotency, merging across sources, lookups, stats."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ipnav.model.record import ApplicantType, Citation, Party, PatentRecord, SourceRef
from ipnav.store.patents import SourceItem, stored_form
from ipnav.store.schema import (
    patent,
    patent_citation,
    patent_class,
    patent_party,
    source_record,
)
from ipnav.store.stats import store_stats


def grant(dataset: str, kind: str | None, **fields) -> SourceItem:
    """US6985151: a real grant found in both the NVIDIA portfolio (kind B2) and pyGrams' sample."""
    record = PatentRecord(
        id=f"US6985151{kind or ''}",
        country="US",
        number="6985151",
        kind=kind,
        sources=[SourceRef(dataset=dataset, source_id="US6985151")],
        **fields,
    )
    return SourceItem(dataset, "US6985151", record)


def test_upsert_is_idempotent_and_counts(store):
    items = [
        grant("nvidia", "B2", title={"en": "Shader-based system"}, cpc=["G06T15/80"]),
    ]
    first = store.upsert(items)
    again = store.upsert(items)
    assert (first.new, first.updated, first.unchanged) == (1, 0, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    changed = store.upsert([grant("nvidia", "B2", title={"en": "Shader-based system v2"})])
    assert (changed.new, changed.updated) == (0, 1)
    assert store.get("US6985151B2").title == {"en": "Shader-based system v2"}
    assert store.count() == 1


def test_same_publication_from_two_sources_is_merged(store):
    store.upsert([grant("pygrams", None, abstract={"en": "A shader method."})])
    assert store.get("US6985151") is not None
    store.upsert(
        [
            grant(
                "nvidia",
                "B2",
                title={"en": "Shader-based system"},
                applicants=[
                    Party(
                        name="NVIDIA Corporation",
                        normalized_name="NVIDIA",
                        type=ApplicantType.COMPANY,
                    )
                ],
                cpc=["G06T15/80", "G06T15/50"],
            )
        ]
    )
    assert store.count() == 1
    merged = store.get("US6985151B2")
    assert merged is not None and store.get("US6985151") is None
    assert merged.title == {"en": "Shader-based system"}
    assert merged.abstract == {"en": "A shader method."}
    assert {s.dataset for s in merged.sources} == {"pygrams", "nvidia"}
    with store.engine.connect() as conn:
        ids = set(conn.execute(select(source_record.c.patent_id)).scalars())
        classes = conn.execute(select(func.count()).select_from(patent_class)).scalar_one()
        parties = conn.execute(select(patent_party.c.normalized_name)).scalars().all()
    assert ids == {"US6985151B2"}
    assert classes == 2 and parties == ["NVIDIA"]


def test_different_kinds_stay_different_publications(store):
    def ep(kind: str) -> SourceItem:
        record = PatentRecord(
            id=f"EP0049154{kind}",
            country="EP",
            number="0049154",
            kind=kind,
            sources=[SourceRef(dataset="patsnap")],
        )
        return SourceItem("patsnap", f"EP0049154{kind}", record)

    store.upsert([ep("A1"), ep("B1"), ep("B2")])
    assert sorted(r.id for r in store.find("EP 0049154")) == [
        "EP0049154A1",
        "EP0049154B1",
        "EP0049154B2",
    ]
    assert [r.id for r in store.find("EP0049154B1")] == ["EP0049154B1"]


def test_find_by_application_number_and_source_id(store):
    record = PatentRecord(
        id="CN106416072A",
        country="CN",
        number="106416072",
        kind="A",
        application_number="CN201610972212",
        publication_date=dt.date(2017, 2, 15),
        cited_patents=[Citation(ref="CN1234567A", match_key="CN1234567")],
        sources=[SourceRef(dataset="demo")],
    )
    bdci = PatentRecord(id="BDCI-635a7d4b6358b6ff24a324bb871505db", country="CN", sources=[])
    store.upsert(
        [
            SourceItem("demo", "CN106416072A", record),
            SourceItem("bdci", "635a7d4b6358b6ff24a324bb871505db", bdci),
        ]
    )
    assert [r.id for r in store.find("ZL201610972212.5")] == ["CN106416072A"]
    assert [r.id for r in store.find("cn 106416072 a")] == ["CN106416072A"]
    assert [r.id for r in store.find("635a7d4b6358b6ff24a324bb871505db")] == [bdci.id]
    assert store.find("CN999999999A") == []
    with store.engine.connect() as conn:
        assert conn.execute(select(patent_citation.c.cited_match_key)).scalar_one() == "CN1234567"


def test_a_failing_batch_leaves_nothing_behind(store, monkeypatch):
    store.upsert([grant("nvidia", "B2", title={"en": "kept"})])

    def fail_midway(*args, **kwargs):
        raise RuntimeError("disk full")  # after the source rows of the batch were written

    monkeypatch.setattr(store, "_insert_patents", fail_midway)
    with pytest.raises(RuntimeError):
        store.upsert([grant("nvidia", "B2", title={"en": "changed"})])
    monkeypatch.undo()
    assert store.get("US6985151B2").title == {"en": "kept"}
    retry = store.upsert([grant("nvidia", "B2", title={"en": "changed"})])
    assert retry.updated == 1  # the failed attempt left no trace in source_record either
    assert store.get("US6985151B2").title == {"en": "changed"}


def test_stats_counts(store):
    cn = PatentRecord(
        id="CN108022189A",
        country="CN",
        number="108022189",
        kind="A",
        title={"zh": "一种测试装置"},
        publication_date=dt.date(2018, 5, 11),
        applicants=[
            Party(name="浙江大学", normalized_name="浙江大学", type=ApplicantType.UNIVERSITY)
        ],
        sources=[SourceRef(dataset="cn")],
    )
    store.upsert([SourceItem("cn", cn.id, cn), grant("nvidia", "B2", title={"en": "x"})])
    stats = store_stats(store.engine)
    assert stats["total"] == 2
    assert stats["by_source"] == {"cn": 1, "nvidia": 1}
    assert stats["by_country"] == {"CN": 1, "US": 1}
    assert stats["by_language"] == {"en": 1, "zh": 1}
    assert stats["by_applicant_type"] == {"none": 1, "university": 1}
    assert stats["years"]["publication"] == {"min": 2018, "max": 2018}


def canonical_json(store) -> dict:
    """patent.record by id: None where the publication's only source row holds it."""
    with store.engine.connect() as conn:
        return dict(conn.execute(select(patent.c.id, patent.c.record)).all())


def test_a_single_source_record_is_written_once_and_read_from_its_source_row(store):
    pygrams = grant("pygrams", None, abstract={"en": "A shader method."})
    nvidia = grant("nvidia", "B2", title={"en": "Shader-based system"}, cpc=["G06T15/80"])
    store.upsert([nvidia])
    assert canonical_json(store) == {"US6985151B2": None}  # JSON null, not a second copy
    assert store.get("US6985151B2") == nvidia.record
    assert list(store.iter_records()) == [nvidia.record]
    assert store.find("US 6,985,151 B2") == [nvidia.record]

    store.upsert([pygrams])  # a second source: the merged record is stored whole
    merged = canonical_json(store)["US6985151B2"]
    assert merged["abstract"] == {"en": "A shader method."}
    assert store.get("US6985151B2").abstract == {"en": "A shader method."}

    changed = grant("nvidia", "B2", title={"en": "v2"})
    store.upsert([changed])
    assert store.get("US6985151B2").title == {"en": "v2"}


def test_stored_forms_store_what_records_store(store):
    """Items that carry only their stored form (made in a reader's worker process) give
    the same store as items with their records, merges included."""
    ep = PatentRecord(id="EP0049154A1", country="EP", number="0049154", kind="A1")
    batches = [
        [grant("pygrams", None, abstract={"en": "A shader method."})],
        [
            grant("nvidia", "B2", title={"en": "Shader-based system"}, cpc=["G06T15/80"]),
            SourceItem("patsnap", ep.id, ep),
        ],
        [grant("nvidia", "B2", title={"en": "Shader-based system v2"})],
    ]
    contents = []
    for as_stored in (False, True):
        for batch in batches:
            items = [
                SourceItem(i.dataset, i.source_key, stored=stored_form(i.record))
                if as_stored
                else i
                for i in batch
            ]
            store.upsert(items)
        assert store.upsert(items).unchanged == len(items)
        with store.engine.begin() as conn:
            sources = conn.execute(
                select(source_record.c.dataset, source_record.c.patent_id).order_by("dataset")
            ).all()
        contents.append(
            (list(store.iter_records()), canonical_json(store), sources, store_stats(store.engine))
        )
        with store.engine.begin() as conn:  # the next round starts from an empty store
            for table in (patent_party, patent_class, patent_citation, patent, source_record):
                conn.execute(table.delete())
    assert contents[0] == contents[1]
    records, stored_json, sources, _ = contents[0]
    assert [r.id for r in records] == ["EP0049154A1", "US6985151B2"]
    assert records[1].title == {"en": "Shader-based system v2"}
    assert records[1].abstract == {"en": "A shader method."}
    assert stored_json["EP0049154A1"] is None and stored_json["US6985151B2"] is not None
    assert [p for _, p in sources] == ["US6985151B2", "EP0049154A1", "US6985151B2"]


def test_a_source_item_needs_a_record_or_its_stored_form():
    with pytest.raises(TypeError):
        SourceItem("nvidia", "US6985151")
