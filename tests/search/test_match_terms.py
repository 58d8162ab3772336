"""``match_terms`` gives what the plain implementation gives, on real records of every kind.

The result list calls ``match_terms`` for each hit, so it works only on the words the
query wants and reuses the spans of a Latin text for its highlight. The reference here
is the plain way (every word of every field through :func:`words`, each highlight
through :func:`highlight`, which re-reads the text): matched terms and highlights must
be equal for English (PatSnap, USPTO full text with claims), Chinese (BDCI) and
Chinese records with claims (CNKI), for queries made of their own words.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from ipnav.ingest.base import Parsed
from ipnav.ingest.jsonl import JsonlReader
from ipnav.ingest.uspto_xml import UsptoXmlReader
from ipnav.model.record import PatentRecord
from ipnav.search.explain import (
    FIELDS,
    Highlight,
    _default_weight,
    _field_texts,
    _human_languages,
    highlight,
    match_terms,
    query_terms,
    words,
)
from ipnav.text.segment import Segmenter

CORPORA = {
    "patsnap_cs3245_citation_corpus/documents.jsonl.gz": 40,
    "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz": 40,
    "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz": 33,
}
USPTO_XML = "uspto_fulltext_format_samples/xml2014/US08930553.xml.gz"
FIXED_QUERIES = ["battery electrode washing", "SIP session protocol", "一种5G通讯电缆故障监控系统"]


def reference(
    query: str, record: PatentRecord, seg: Segmenter, idf: Callable[[str], float] | None
) -> tuple[dict[str, tuple[str, ...]], dict[str, Highlight]]:
    """Matched terms and highlights the plain way (explain.py before it was made faster)."""
    wanted = query_terms(query, seg)
    matched: dict[str, tuple[str, ...]] = {}
    highlights: dict[str, Highlight] = {}
    for part in FIELDS:
        texts = _field_texts(record, part)
        surfaces: dict[str, Counter[str]] = {}
        by_lang: dict[str, list[str]] = {}
        for lang, text in texts.items():
            for key, surface in words(text, seg):
                if key in wanted:
                    surfaces.setdefault(key, Counter())[surface] += 1
                    by_lang.setdefault(lang, []).append(surface)
        best = {key: forms.most_common(1)[0][0] for key, forms in surfaces.items()}
        score = {key: idf(key) if idf else _default_weight(best[key]) for key in surfaces}
        ranked = sorted(surfaces, key=lambda k: (-score[k], -surfaces[k].total(), best[k]))
        matched[part] = tuple(dict.fromkeys(best[key] for key in ranked))
        if texts:
            langs = _human_languages(record, part, texts)
            lang = max(langs, key=lambda la: (len(set(by_lang.get(la, ()))), -langs.index(la)))
            highlights[part] = Highlight(lang, highlight(texts[lang], by_lang.get(lang, ()), lang))
    return matched, highlights


@pytest.fixture(scope="module")
def records(sample_data: Path) -> list[PatentRecord]:
    found = []
    for relative, n in CORPORA.items():
        items = itertools.islice(JsonlReader().read(sample_data / relative, dataset="t"), n)
        found += [item.record for item in items if isinstance(item, Parsed)]
    items = UsptoXmlReader().read(sample_data / USPTO_XML, dataset="uspto")
    found += [item.record for item in items if isinstance(item, Parsed)]
    return found


def own_queries(record: PatentRecord) -> list[str]:
    """The record's title (each language) and a few words of its abstract, upper-cased too."""
    queries = [text for text in record.title.values() if text]
    for text in record.abstract.values():
        queries.append(" ".join(text.split()[:6]) if " " in text else text[:12])
    return queries + [q.upper() for q in queries[:1]] + FIXED_QUERIES


@pytest.mark.parametrize("with_idf", [False, True], ids=["length order", "idf order"])
def test_match_terms_equals_the_plain_implementation(records, with_idf):
    seg = Segmenter()
    idf = (lambda key: float(sum(map(ord, key)) % 11)) if with_idf else None
    assert len(records) > 100
    assert any(r.claims.get("en") for r in records) and any(r.claims.get("zh") for r in records)
    compared = marked = 0
    for record in records:
        for query in own_queries(record):
            got = match_terms(query, record, segmenter=seg, idf=idf)
            assert got == reference(query, record, seg, idf), (record.id, query)
            compared += 1
            marked += any("<mark>" in h.html for h in got[1].values())
    assert compared > 500 and marked > compared / 2  # most queries do match their record
