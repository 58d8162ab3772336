"""Merging source records into canonical publications (pure logic)."""

from __future__ import annotations

import datetime as dt
import itertools

from ipnav.model.merge import SourceRow, merge_group
from ipnav.model.record import LegalEvent, LegalStatus, PatentRecord, SourceRef


def row(dataset: str, kind: str | None, **fields) -> SourceRow:
    record = PatentRecord(
        id=f"US10992470{kind or ''}",
        country="US",
        number="10992470",
        kind=kind,
        sources=[SourceRef(dataset=dataset)],
        **fields,
    )
    return SourceRow(dataset, f"{dataset}-key", record)


def test_kindless_record_joins_the_one_publication_of_its_number():
    peds = row(
        "peds",
        None,
        legal_status=LegalStatus.GRANTED,
        legal_events=[
            LegalEvent(date=dt.date(2020, 8, 16), code="CTNF", description="Non-Final Rejection")
        ],
    )
    grant = row("grants", "B2", title={"en": "Efficient LS-designs"}, cpc=["H04L9/06"])
    [merged] = merge_group([peds, grant])
    assert merged.record.id == "US10992470B2"
    assert merged.record.legal_status is LegalStatus.GRANTED
    assert merged.record.title == {"en": "Efficient LS-designs"}
    assert len(merged.record.legal_events) == 1
    assert {m.dataset for m in merged.members} == {"peds", "grants"}


def test_merge_does_not_depend_on_order():
    rows = [
        row("a", "B2", title={"en": "Title A"}, ipc=["H04L9/06"]),
        row("b", None, title={"en": "Title B"}, abstract={"en": "Abstract B"}, ipc=["H04L9/08"]),
        row("c", None, cpc=["H04L9/0618"]),
    ]
    results = {
        merge_group(list(perm))[0].record.model_dump_json() for perm in itertools.permutations(rows)
    }
    assert len(results) == 1


def test_ambiguous_kindless_record_is_not_attached_to_a_guess():
    rows = [row("a", "A1"), row("b", "B1"), row("c", None, title={"en": "which one?"})]
    ids = sorted(m.record.id for m in merge_group(rows))
    assert ids == ["US10992470", "US10992470A1", "US10992470B1"]


def test_lists_are_united_without_duplicates_and_machine_translation_flag_follows_text():
    a = row("a", "B2", ipc=["H04L9/06"], family=["WO2019123456A1"])
    b = row(
        "b",
        "B2",
        ipc=["H04L9/06", "H04L9/08"],
        family=["WO2019123456A1", "EP3600000A1"],
        title={"zh": "机器翻译的标题"},
        machine_translated=["title.zh"],
    )
    [merged] = merge_group([a, b])
    assert merged.record.ipc == ["H04L9/06", "H04L9/08"]
    assert merged.record.family == ["WO2019123456A1", "EP3600000A1"]
    assert merged.record.machine_translated == ["title.zh"]
