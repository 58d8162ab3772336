"""The JSONL reader on the real shared corpora, one schema each, and on broken input."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from ipnav.ingest.base import InputFileError, Parsed, Rejected
from ipnav.ingest.jsonl import JsonlReader
from ipnav.model.record import ApplicantType, LegalStatus


def read_all(path: Path, dataset: str = "test"):
    return list(JsonlReader().read(path, dataset=dataset))


def parsed(items) -> dict:
    return {item.record.id: item.record for item in items if isinstance(item, Parsed)}


def test_bdci_keeps_its_hash_id_and_applicant_type(corpus_subset):
    items = read_all(corpus_subset("cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz", 50))
    records = parsed(items)
    assert len(records) == 50
    first = records["BDCI-538f267d2e6fba48b1286fb7f1499fe7"]
    assert first.title == {"zh": "一种信号的发送方法及基站、用户设备"}
    assert first.number is None and first.kind is None and first.publication_date is None
    assert [(p.name, p.type) for p in first.applicants] == [
        ("华为技术有限公司", ApplicantType.COMPANY)
    ]
    assert first.extra["test"] == {"label_id": 0, "label_source": "gold_train"}


def test_patsnap_citations_families_priorities_and_machine_translation(corpus_subset, sample_data):
    items = read_all(corpus_subset("patsnap_cs3245_citation_corpus/documents.jsonl.gz", 2244))
    records = parsed(items)
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert not rejected, rejected[:3]
    ep = records["EP0049154B2"]
    assert ep.ipc == ["B08B5/00", "C02F3/20"]
    assert ep.priority_claims[0].number == "US203834"
    assert ep.priority_claims[0].date == dt.date(1980, 11, 4)
    assert "EP0049154B1" in ep.family
    assert [c.ref for c in ep.cited_patents] == ["EP0047956A"]
    assert len(ep.npl_citations) > 5
    translated = [r for r in records.values() if "abstract.zh" in r.machine_translated]
    assert len(translated) >= 5  # PatSnap appended Chinese machine translations after " | "
    assert all(set(r.abstract) == {"en", "zh"} for r in translated)


def test_patentsview_grants(corpus_subset):
    records = parsed(
        read_all(corpus_subset("us_nvidia_portfolio_patentsview/nvidia_patents.jsonl.gz", 20))
    )
    first = records["US10001996B2"]
    assert first.grant_date == first.publication_date == dt.date(2018, 6, 19)
    assert first.cpc[:2] == ["G06F9/30189", "G06F9/3842"]
    assert first.claims_count == 8
    assert [p.name for p in first.inventors] == ["Magnus Ekman", "James van Zoeren", "Paul Serris"]
    assert first.applicants[0].type is ApplicantType.COMPANY


def test_keyword_titles_lose_their_csv_quote_artefacts(corpus_subset):
    records = parsed(
        read_all(
            corpus_subset("us_patentsview_keyword_queries/patentsview_keyword_queries.jsonl.gz", 5)
        )
    )
    assert records["US5535303"].title == {"en": '"Barometer" neuron for a neural network'}
    assert records["US5535303"].kind is None  # the source does not say; never guessed


def test_cn_titles_ipc_cnki_and_peds(corpus_subset):
    cn = parsed(
        read_all(corpus_subset("cn_patent_titles_ipc/cn_titles_ipc_subclasses.jsonl.gz", 3))
    )
    assert cn["CN114081026A"].ipc == ["A01M", "G06F", "H02G"]
    cnki = parsed(
        read_all(
            corpus_subset(
                "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz", 33
            )
        )
    )
    assert len(cnki) == 33
    alloy = cnki["CN108859303A"]
    assert alloy.filing_date == dt.date(2018, 7, 20)
    assert alloy.claims["zh"][0].number == 1
    assert alloy.claims["zh"][0].text.startswith("一种隔热金属材料")
    peds = parsed(
        read_all(
            corpus_subset(
                "us_uspto_prosecution_events_sample/uspto_peds_prosecution_events.jsonl.gz", 2
            )
        )
    )
    granted = peds["US10992470"]
    assert granted.application_number == "US16100000"
    assert granted.legal_status is LegalStatus.GRANTED
    assert [e.code for e in granted.legal_events] == ["CTNF", "MCTNF", "CTFR", "MCTFR"]


def test_bad_records_are_rejected_with_their_line(tmp_path, corpus_subset):
    keyword = "us_patentsview_keyword_queries/patentsview_keyword_queries.jsonl.gz"
    good = corpus_subset(keyword, 3).read_text().splitlines()
    path = tmp_path / "mixed.jsonl"
    lines = [
        good[0],
        '{"id": "US7604742", "doc_number": "7604742", "grant_date": "2009-13-01"}',
        "{not json",
        good[1],
        '{"doc_number": "5255349", "grant_date": "1993-10-19"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read_all(path)
    rejected = {i.location.line: i.reason for i in items if isinstance(i, Rejected)}
    assert sorted(rejected) == [2, 3, 5]
    assert "grant_date" in rejected[2] and "2009-13-01" in rejected[2]
    assert "not valid JSON" in rejected[3]
    assert rejected[5] == "required field `id` is missing"
    assert len(parsed(items)) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"id,title\nCN1,x\n", "not JSON"),
        ('{"a": 1, "b": "\u4e2d"}\n'.encode(), "no known JSONL schema"),
        ('{"id": "x", "assignee": "\u534e\u4e3a", "label_id": 1}\n'.encode("gbk"), "UTF-8"),
    ],
)
def test_unreadable_files_stop_with_one_clear_line(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message) as info:
        read_all(path)
    assert "\n" not in str(info.value)


def test_truncated_gzip_keeps_the_records_before_the_cut(tmp_path, corpus_subset):
    text = corpus_subset(
        "cn_patent_titles_ipc/cn_titles_ipc_subclasses.jsonl.gz", 2000
    ).read_bytes()
    packed = gzip.compress(text)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    seen = []
    with pytest.raises(InputFileError, match="truncated or corrupt"):
        for item in JsonlReader().read(path, dataset="t"):
            seen.append(item)
    assert len([i for i in seen if isinstance(i, Parsed)]) > 500


def test_implausible_dates(tmp_path):
    """A year-0200 priority date (a real PatSnap typo, US7997232) costs only that date;
    a year-0200 grant date rejects the record."""
    path = tmp_path / "dates.jsonl"
    path.write_text(
        '{"id": "US5535303", "doc_number": "5535303", "grant_date": "0200-11-28"}\n',
        encoding="utf-8",
    )
    [item] = read_all(path)
    assert isinstance(item, Rejected) and "not a plausible patent date" in item.reason


def test_bad_priority_date_is_kept_as_unreadable(corpus_subset):
    records = parsed(
        read_all(corpus_subset("patsnap_cs3245_citation_corpus/documents.jsonl.gz", 2244))
    )
    record = records["US7997232"]
    assert record.priority_claims[0].number == "TW96145251A"
    assert record.priority_claims[0].date is None
    assert record.extra["test"]["unreadable"]["priority_dates"] == ["0200-11-28"]
