"""Explaining hits: stem / word matches, best passage, claims, contributions, highlights."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from ipnav.ingest.base import Parsed
from ipnav.ingest.jsonl import JsonlReader
from ipnav.ingest.pipeline import ingest_file
from ipnav.ingest.uspto_xml import UsptoXmlReader
from ipnav.model.record import Claim, PatentRecord
from ipnav.search.base import Hit
from ipnav.search.encoders import HashingEncoder, Progress, UseEncoder
from ipnav.search.explain import (
    ExplainError,
    contributions,
    explain,
    explain_many,
    highlight,
    passages_of,
    query_terms,
)
from ipnav.search.fusion import FusionMethod, fuse
from ipnav.text.segment import has_han

BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"
BDCI_ID = "BDCI-635a7d4b6358b6ff24a324bb871505db"  # 2nd line: 一种5G通讯电缆故障监控系统
PATSNAP = "patsnap_cs3245_citation_corpus/documents.jsonl.gz"
CNKI = "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz"
USPTO_XML = "uspto_fulltext_format_samples/xml2014/US08930553.xml.gz"


def real_records(sample_data: Path, relative: str, n: int) -> list[PatentRecord]:
    items = itertools.islice(JsonlReader().read(sample_data / relative, dataset="t"), n)
    return [item.record for item in items if isinstance(item, Parsed)]


@pytest.fixture(scope="module")
def hashing() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture(scope="module")
def bdci(sample_data: Path) -> PatentRecord:
    (record,) = [r for r in real_records(sample_data, BDCI, 2) if r.id == BDCI_ID]
    return record


@pytest.fixture(scope="module")
def bubble_washer(sample_data: Path) -> PatentRecord:
    """PatSnap EP0709120A1 (18th line): a bubble washing device that removes sludge."""
    (record,) = [r for r in real_records(sample_data, PATSNAP, 18) if r.id == "EP0709120A1"]
    return record


@pytest.fixture(scope="module")
def sip_patent(sample_data: Path) -> PatentRecord:
    items = UsptoXmlReader().read(sample_data / USPTO_XML, dataset="uspto")
    (record,) = [item.record for item in items if isinstance(item, Parsed)]
    return record


# -- matched terms -----------------------------------------------------------------


def test_english_terms_match_by_stem_in_the_records_own_words(
    bubble_washer: PatentRecord, hashing: HashingEncoder
) -> None:
    query = "Removing sludges from machined work pieces by washing them with bubbles"
    result = explain(query, bubble_washer, encoder=hashing)
    abstract = result.matched_terms["abstract"]
    # "bubbles" (query) -> "bubble", the text's most frequent form; "machined" via stem machin
    assert {"bubble", "machined", "sludges", "washing", "removing"} <= set(abstract)
    assert "pieces" not in abstract  # not in the text
    assert not {"from", "by", "with", "them"} & set(abstract)  # stopwords
    # the all-caps title reports its words in lower case
    assert result.matched_terms["title"] == ("washing",)
    assert result.matched_terms["claims"] == ()
    # default order: longer (more specific) words first
    lengths = [len(term) for term in abstract]
    assert lengths == sorted(lengths, reverse=True)
    # the stem matches "washed" too, in the highlight
    assert "<mark>washed</mark>" in result.highlights["abstract"].html
    assert result.best_passage is not None and result.best_passage.field == "abstract"
    assert "bubble" in result.best_passage.text


def test_idf_orders_terms(bubble_washer: PatentRecord, hashing: HashingEncoder) -> None:
    rare_first = {"wash": 1.0, "bubbl": 9.0, "sludg": 5.0}
    result = explain(
        "washing sludge bubbles", bubble_washer, encoder=hashing, idf=rare_first.__getitem__
    )
    assert result.matched_terms["abstract"] == ("bubble", "sludges", "washing")


def test_query_terms_drop_stopwords_and_boilerplate() -> None:
    assert list(query_terms("一种5G通讯电缆故障监控系统").values()) == [
        "5g",
        "通讯",
        "电缆",
        "故障",
        "监控",
    ]
    terms = query_terms("A device, wherein said battery comprising 12 cells")
    assert list(terms) == ["batteri", "cell"]


# -- Chinese, through the store ----------------------------------------------------


def test_chinese_query_matches_words_and_picks_an_abstract_sentence(
    store, store_settings, corpus_subset, hashing: HashingEncoder
) -> None:
    ingest_file(store, store_settings, corpus_subset(BDCI, 2))
    record = store.get(BDCI_ID)
    assert record is not None
    result = explain("一种5G通讯电缆故障监控系统", record, encoder=hashing, max_passages=3)
    for part in ("title", "abstract"):
        terms = result.matched_terms[part]
        assert {"电缆", "故障", "监控"} <= set(terms)
        assert not {"一种", "系统"} & set(terms)
    assert "5G" in result.matched_terms["title"]  # the text's own spelling
    # the title repeats the query word for word; the best abstract passage is the
    # sentence about cable faults, not the circuit details
    title, *rest = result.passages
    assert title.field == "title" and title.similarity == pytest.approx(1.0, abs=1e-5)
    sentence = next(p for p in rest if p.field == "abstract")
    assert "电缆故障" in sentence.text and sentence.lang == "zh"
    assert len(sentence.text) < len(record.abstract["zh"])
    assert [p.similarity for p in result.passages] == sorted(
        (p.similarity for p in result.passages), reverse=True
    )
    assert result.highlights["title"].html == "一种<mark>5G通讯电缆故障监控</mark>系统"


@pytest.fixture(scope="module")
def use() -> UseEncoder:
    return UseEncoder()


def test_english_query_gets_a_chinese_passage_cross_lingually(
    bdci: PatentRecord, use: UseEncoder
) -> None:
    result = explain("cable fault monitoring", bdci, encoder=use, max_passages=10)
    best = result.best_passage
    assert best is not None and best.lang == "zh" and has_han(best.text)
    assert "电缆故障" in best.text
    assert best.similarity > 0.3
    # among the abstract's sentences, the one about cable faults beats the circuit details
    abstract = [p for p in result.passages if p.field == "abstract"]
    assert "电缆故障" in abstract[0].text
    assert all(terms == () for terms in result.matched_terms.values())  # no shared words


# -- claims ------------------------------------------------------------------------


def test_cnki_claim_comes_back_with_its_number(sample_data: Path, hashing: HashingEncoder) -> None:
    (record,) = real_records(sample_data, CNKI, 1)
    query = "一种测试装置，包含渗透压力室、出流隔离器、入流隔离器、pH监测仪、电导率监测仪"
    result = explain(query, record, encoder=hashing)
    best = result.best_passage
    assert best is not None
    assert (best.field, best.claim_number, best.lang) == ("claim", 1, "zh")
    assert {"渗透", "隔离器", "监测仪", "电导率"} <= set(result.matched_terms["claims"])

    # a source that stored the claims as one blob: split into numbered claims
    blob = (
        "1."
        + record.claims["zh"][0].text
        + "2.根据权利要求1所述的测试装置，其特征在于：渗透压力室为圆柱形。"
    )
    stored_as_blob = record.model_copy(update={"claims": {"zh": [Claim(text=blob)]}})
    claims = [p for p in passages_of(stored_as_blob) if p.field == "claim"]
    assert [p.claim_number for p in claims] == [1, 2]
    assert claims[1].text.startswith("根据权利要求1")


def test_uspto_xml_claims_come_back_with_their_numbers(
    sip_patent: PatentRecord, hashing: HashingEncoder
) -> None:
    query = "processing SIP messages with an unknown message hardware processor"
    result = explain(query, sip_patent, encoder=hashing, max_passages=3)
    numbers = {p.claim_number for p in result.passages}
    assert result.best_passage is not None and result.best_passage.field == "claim"
    assert numbers <= set(range(1, len(sip_patent.claims["en"]) + 1))
    assert "SIP" in result.matched_terms["title"]  # an acronym keeps its case
    assert {"processor", "hardware", "unknown"} <= set(result.matched_terms["claims"])


# -- highlights --------------------------------------------------------------------


def test_highlight_escapes_html_and_marks_stems() -> None:
    marked = highlight("<script>alert(1)</script> Batteries & a battery", ["battery"], "en")
    assert marked == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Batteries</mark> &amp; a <mark>battery</mark>"
    )
    assert highlight("a <b> tag", [], "en") == "a &lt;b&gt; tag"


def test_highlight_marks_chinese_terms() -> None:
    text = "一种5G通讯电缆故障监控系统，用于15G<电缆>"
    marked = highlight(text, ["电缆", "故障", "5g"], "zh")
    assert (
        marked
        == "一种<mark>5G</mark>通讯<mark>电缆故障</mark>监控系统，用于15G&lt;<mark>电缆</mark>&gt;"
    )


def test_a_script_in_a_title_stays_inert(
    bubble_washer: PatentRecord, hashing: HashingEncoder
) -> None:
    hostile = bubble_washer.model_copy(
        update={"title": {"en": "<script>alert('x')</script> Washing device"}}
    )
    result = explain("washing", hostile, encoder=hashing)
    html = result.highlights["title"].html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.endswith("<mark>Washing</mark> device")


# -- contributions and batches -----------------------------------------------------


def test_contributions_of_fused_and_plain_hits(bdci: PatentRecord, hashing: HashingEncoder) -> None:
    lexical = [Hit("A", 9.0, 1, "lexical"), Hit(BDCI_ID, 7.5, 2, "lexical")]
    dense = [Hit(BDCI_ID, 0.8, 1, "dense"), Hit("C", 0.7, 2, "dense")]
    fused = {h.id: h for h in fuse({"lexical": lexical, "dense": dense})}
    result = explain("电缆故障", bdci, encoder=hashing, hit=fused[BDCI_ID])
    assert result.lexical is not None and result.dense is not None
    assert (result.lexical.rank, result.dense.rank) == (2, 1)
    # RRF: 1/62 and 1/61 of the score
    assert result.dense.share == pytest.approx(100 * 62 / 123, abs=0.05)
    assert result.lexical.share + result.dense.share == pytest.approx(100.0)

    only_dense = explain("电缆故障", bdci, encoder=hashing, hit=dense[0])
    assert [(c.retriever, c.rank, c.share) for c in only_dense.contributions] == [
        ("dense", 1, 100.0)
    ]
    assert only_dense.lexical is None
    # three equal parts round to 0.1 and still add up to 100
    three = fuse({name: [Hit("x", 1.0, 1, name)] for name in ("a", "b", "c")})[0]
    shares = [c.share for c in contributions(three)]
    assert sorted(shares) == [33.3, 33.3, 33.4] and sum(shares) == pytest.approx(100.0)
    # CombSUM bottom hit in every list: all parts 0, equal shares
    bottom = fuse(
        {"lexical": lexical, "dense": [Hit("C", 0.9, 1, "dense"), Hit("A", 0.1, 2, "dense")]},
        method=FusionMethod.COMBSUM,
    )
    assert sum(c.share for c in contributions(bottom[-1])) == pytest.approx(100.0)

    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["id"] == BDCI_ID and data["dense"]["rank"] == 1
    assert data["best_passage"]["field"] in {"title", "abstract"}
    assert set(data["highlights"]) == {"title", "abstract"}


class CountingEncoder:
    """HashingEncoder that counts its encode calls and texts (a real encoder, not a mock)."""

    def __init__(self) -> None:
        self.inner = HashingEncoder()
        self.name, self.dim, self.options = self.inner.name, self.inner.dim, self.inner.options
        self.calls: list[int] = []

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
    ) -> np.ndarray:
        self.calls.append(len(texts))
        return self.inner.encode(texts, batch_size, progress)


def test_explain_many_encodes_everything_in_one_batch(sample_data: Path) -> None:
    records = real_records(sample_data, PATSNAP, 12)
    hits = [Hit(r.id, 1.0 / rank, rank, "lexical") for rank, r in enumerate(records, 1)]
    encoder = CountingEncoder()
    query = "water treatment with activated sludge"
    results = explain_many(query, records, hits, encoder, max_passages=2)
    expected = sum(len(passages_of(r)) for r in records)
    assert encoder.calls == [1 + expected]  # the query and every passage, one call
    assert [r.id for r in results] == [r.id for r in records]
    assert [r.lexical.rank for r in results if r.lexical] == list(range(1, 13))
    # same answer as one at a time
    single = explain(query, records[3], encoder=HashingEncoder(), hit=hits[3], max_passages=2)
    assert single.passages == results[3].passages
    assert single.matched_terms == results[3].matched_terms

    vector = HashingEncoder().encode([query])[0]
    encoder.calls.clear()
    explain_many(query, records, None, encoder, query_vector=vector)
    assert encoder.calls == [expected]
    with pytest.raises(ExplainError, match="shape"):
        explain_many(query, records, None, encoder, query_vector=vector[:10])
