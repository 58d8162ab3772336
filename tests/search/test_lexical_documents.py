"""A record's Tantivy document, built the fast way, equals one built token by token.

The reference below is the plain construction (segment each text, one
``tantivy.Token`` per token, the combined ``text_zh`` re-segmented and shifted);
``to_document`` reuses cuts, builds tokens column-wise and caches name cuts, and
must give the very same fields, tokens, positions and offsets, on real records.
"""

from __future__ import annotations

import gc
import gzip
import itertools
import weakref
from pathlib import Path

import pytest
import tantivy

from ipnav.ingest.pipeline import ingest_file
from ipnav.model.classification import ClassificationError, Level, parse_symbol
from ipnav.model.record import PatentRecord
from ipnav.search.lexical_schema import (
    CJK_LANGUAGES,
    COMBINED_PARTS,
    SCHEMES,
    TEXT_PARTS,
    as_datetime,
    class_terms,
    prefix_term,
    to_document,
)
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore, match_key_of
from ipnav.text.segment import Segmenter, grow_user_dictionary, normalize

SOURCES = {
    "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz": 150,
    "cn_patent_titles_ipc/cn_titles_ipc_subclasses.jsonl.gz": 100,
    "us_nvidia_portfolio_patentsview/nvidia_patents.jsonl.gz": 100,
    "patsnap_cs3245_citation_corpus/documents.jsonl.gz": 50,
}


@pytest.fixture(scope="module")
def records(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> list[PatentRecord]:
    tmp = tmp_path_factory.mktemp("documents")
    settings = Settings(home=tmp / "home", sample_data=sample_data)
    with PatentStore.open(settings) as store:
        for relative, lines in SOURCES.items():
            path = tmp / Path(relative).name.removesuffix(".gz")
            with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
                path.write_text("".join(itertools.islice(source, lines)), encoding="utf-8")
            ingest_file(store, settings, path)
        return list(store.iter_records())


@pytest.fixture(scope="module")
def segmenter(records) -> Segmenter:
    return Segmenter(
        grow_user_dictionary(
            text
            for r in records
            for part in (r.title, r.abstract)
            for lang, text in part.items()
            if lang in CJK_LANGUAGES and text
        )
    )


def _pretokenized(text: str, segmenter: Segmenter) -> tantivy.PreTokenizedString | None:
    tokens = [tantivy.Token(t, s, s, e) for t, s, e in segmenter.positioned(text)]
    return tantivy.PreTokenizedString(normalize(text), tokens) if tokens else None


def reference(record: PatentRecord, segmenter: Segmenter) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", record.id)
    doc.add_text("match_key", match_key_of(record))
    if record.application_number:
        doc.add_text("application_key", record.application_number)
    joined, tokens, at = [], [], 0
    for part in TEXT_PARTS:
        texts = getattr(record, part)
        if part == "claims":
            texts = {k: "\n".join(c.text for c in v) for k, v in record.claims.items()}
        for lang, text in texts.items():
            if not text:
                continue
            if lang not in CJK_LANGUAGES:
                doc.add_text(f"{part}_en", text)
                continue
            if (value := _pretokenized(text, segmenter)) is not None:
                doc.add_pre_tokenized_text(f"{part}_zh", value)
            if part in COMBINED_PARTS:
                joined.append(normalize(text))
                tokens += [tantivy.Token(t, s + at, s + at, e + at) for t, s, e in
                           segmenter.positioned(text)]  # fmt: skip
                at += len(joined[-1]) + 1
    if tokens:
        doc.add_pre_tokenized_text("text_zh", tantivy.PreTokenizedString("\n".join(joined), tokens))
    for part in COMBINED_PARTS:
        texts = getattr(record, part)
        if part == "claims":
            texts = {k: "\n".join(c.text for c in v) for k, v in record.claims.items()}
        for lang, text in texts.items():
            if text and lang not in CJK_LANGUAGES:
                doc.add_text("text_en", text)
    applicants = [p.normalized_name or p.name for p in record.applicants]
    inventors = [p.name for p in record.inventors]
    names = {
        "applicant_text": " ; ".join(
            dict.fromkeys([p.name for p in record.applicants] + applicants)
        ),
        "inventor_text": " ; ".join(inventors),
    }
    for field, text in names.items():
        if text and (value := _pretokenized(text, segmenter)) is not None:
            doc.add_pre_tokenized_text(field, value)
    keywords = {
        "country": [record.country],
        "kind": [record.kind],
        "language": record.languages,
        "applicant": applicants,
        "inventor": inventors,
        "applicant_type": [t.value for t in record.applicant_types],
        "legal_status": [record.legal_status.value if record.legal_status else None],
        "family_id": [record.family_id],
    }
    for scheme in SCHEMES:
        terms = class_terms(getattr(record, scheme))
        for suffix, values in zip(("prefix", "subclass", "main_group"), terms, strict=True):
            keywords[f"{scheme}_{suffix}"] = values
    for field, values in keywords.items():
        for value in dict.fromkeys(v for v in values if v):
            doc.add_text(field, value)
    for name in ("publication", "filing", "priority"):
        if (day := getattr(record, f"{name}_date")) is not None:
            doc.add_date(f"{name}_date", as_datetime(day))
            doc.add_integer(f"{name}_year", day.year)
    return doc


def content(doc: tantivy.Document) -> dict:
    """Every field's values in order, pre-tokenized ones with all their tokens, as plain data."""
    return doc.__reduce__()[1][0]


def test_documents_equal_the_token_by_token_reference(records, segmenter) -> None:
    kinds = {"zh": 0, "en": 0}
    for record in records:
        built = content(to_document(record, segmenter))
        assert built == content(reference(record, segmenter)), record.id
        kinds["zh"] += "text_zh" in built
        kinds["en"] += "text_en" in built
    assert kinds["zh"] > 100 and kinds["en"] > 100  # both paths were compared


def test_name_cuts_are_cached_per_segmenter_and_freed_with_it(records) -> None:
    record = next(r for r in records if r.applicants and r.inventors)
    segmenter = Segmenter()
    first = content(to_document(record, segmenter))
    assert content(to_document(record, segmenter)) == first  # second time from the cache
    gone = weakref.ref(segmenter)
    del segmenter
    gc.collect()
    assert gone() is None  # the cache does not keep a segmenter (and its jieba) alive


def test_class_terms_are_every_ancestors_prefix_term(records) -> None:
    symbols = {s for r in records for s in r.ipc + r.cpc} | {"G", "H01", "H01M", "G06F9", "x?"}
    assert len(symbols) > 300
    for text in symbols:
        try:
            chain = parse_symbol(text).ancestors()
        except ClassificationError:
            assert class_terms([text]) == ({text.upper()}, set(), set())
            continue
        expected = (
            {chain[-1].compact} | {prefix_term(up) for up in chain},
            {up.compact for up in chain if up.level is Level.SUBCLASS},
            {prefix_term(up) for up in chain if up.level is Level.MAIN_GROUP},
        )
        assert class_terms([text]) == expected, text
