"""The Tantivy lexical index on real records: every query node, filters, facets, updates.

One index of ~900 real records (CN BDCI abstracts, CN titles with IPC, NVIDIA US
grants with CPC, PatSnap EP/US water-treatment patents) is built per module
from the store the ingest pipeline fills; expected answers are computed in
Python from the same records.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from ipnav.ingest.pipeline import ingest_file
from ipnav.model.classification import symbol_matches_prefix
from ipnav.model.record import PatentRecord
from ipnav.search.base import Filters, SearchQuery
from ipnav.search.lexical import LexicalIndex, LexicalIndexOutdated, UnknownFacet, index_dir
from ipnav.search.lexical_schema import en_analyzer
from ipnav.search.query.ast import (
    And,
    ClassPrefix,
    DateField,
    DateRange,
    MatchAll,
    Not,
    NumberField,
    NumberMatch,
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
EN = en_analyzer()


@pytest.fixture(scope="module")
def records(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> list[PatentRecord]:
    """Real records through the ingest pipeline and the store (module-scoped: one ingest)."""
    tmp = tmp_path_factory.mktemp("lexical")
    settings = Settings(home=tmp / "home", sample_data=sample_data)
    with PatentStore.open(settings) as store:
        for relative, lines in SOURCES.items():
            path = tmp / Path(relative).name.removesuffix(".gz")
            with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
                path.write_text("".join(itertools.islice(source, lines)), encoding="utf-8")
            ingest_file(store, settings, path)
        return list(store.iter_records())


@pytest.fixture(scope="module")
def index(records, tmp_path_factory) -> LexicalIndex:
    built = LexicalIndex(tmp_path_factory.mktemp("ix") / "lexical", create=True)
    assert built.build(records, batch_size=200) == len(records)
    return built


def ids(index: LexicalIndex, node, **filters) -> set[str]:
    return set(index.doc_ids(SearchQuery(node=node, filters=Filters(**filters))))


def texts(record: PatentRecord, parts=("title", "abstract", "claims", "description")) -> list[str]:
    out = []
    for part in parts:
        if part == "claims":
            out += [c.text for claims in record.claims.values() for c in claims]
        else:
            out += [t for t in getattr(record, part).values() if t]
    return out


def en_tokens(record: PatentRecord, parts=("title", "abstract", "claims", "description")):
    return [EN.analyze(text) for text in texts(record, parts)]


def test_build_counts_every_record(index, records) -> None:
    assert index.count() == len(records) > 800


def test_english_is_stemmed(index, records) -> None:
    singular = {r.id for r in records if any(re.search(r"\bbattery\b", t, re.I) for t in texts(r))}
    plural = {r.id for r in records if any(re.search(r"\bbatteries\b", t, re.I) for t in texts(r))}
    assert singular - plural, "fixture needs a record that says only 'battery'"
    assert ids(index, Term("batteries")) >= singular | plural


def test_chinese_word_from_a_real_title(index, records) -> None:
    record = next(r for r in records if r.title.get("zh") == "一种5G通讯电缆故障监控系统")
    assert record.id in ids(index, Term("电缆", TextField.TITLE))
    assert record.id in ids(index, Term("5G通讯电缆", TextField.TITLE))  # several tokens: a phrase
    assert record.id in ids(index, Phrase(("通讯", "电缆"), TextField.TITLE))
    assert record.id not in ids(index, Phrase(("电缆", "通讯"), TextField.TITLE))
    hits = index.search(SearchQuery(node=Term("电缆故障监控", TextField.TITLE)), 3)
    assert hits[0].id == record.id


def test_phrase_is_narrower_than_terms(index, records) -> None:
    both = ids(index, And((Term("graphics"), Term("processing"))))
    phrase = ids(index, Phrase(("graphics", "processing")))
    stems = EN.analyze("graphics processing")
    expected = {
        r.id
        for r in records
        for toks in en_tokens(r)
        if any([a, b] == stems for a, b in itertools.pairwise(toks))
    }
    assert phrase == expected
    assert phrase < both


def test_wildcard_matches_stems(index, records) -> None:
    expected = {r.id for r in records if any(re.search(r"\bcomput", t, re.I) for t in texts(r))}
    assert ids(index, Wildcard("comput*")) == expected
    assert ids(index, Wildcard("电?")) >= ids(index, Term("电缆"))


def _near(records, a: str, b: str, n: int, ordered: bool) -> set[str]:
    found = set()
    for record in records:
        for toks in en_tokens(record):
            pa = [i for i, t in enumerate(toks) if t == a]
            pb = [i for i, t in enumerate(toks) if t == b]
            # "within n words": positions at most n apart (n - 1 words between)
            if any((j > i if ordered else j != i) and abs(j - i) <= n for i in pa for j in pb):
                found.add(record.id)
    return found


@pytest.mark.parametrize("ordered", [True, False])
@pytest.mark.parametrize(("a", "b", "n"), [("thread", "queue", 7), ("unit", "processing", 2)])
def test_proximity(index, records, a, b, n, ordered) -> None:
    expected = _near(records, EN.analyze(a)[0], EN.analyze(b)[0], n, ordered)
    assert expected
    assert ids(index, Proximity((a, b), n, ordered=ordered)) == expected
    if not ordered:
        assert ids(index, Proximity((b, a), n)) == expected


def test_field_restriction(index, records) -> None:
    stem = EN.analyze("rendering")[0]
    in_title = {r.id for r in records if any(stem in t for t in en_tokens(r, ("title",)))}
    in_abstract = {r.id for r in records if any(stem in t for t in en_tokens(r, ("abstract",)))}
    assert in_title != in_abstract
    assert ids(index, Term("rendering", TextField.TITLE)) == in_title
    assert ids(index, Term("rendering", TextField.ABSTRACT)) == in_abstract
    assert ids(index, Term("rendering", TextField.TITLE_ABSTRACT)) == in_title | in_abstract
    # TAC: title, abstract and claims as one text; the description is not in it
    parts = ("title", "abstract", "claims")
    in_tac = {r.id for r in records if any(stem in t for t in en_tokens(r, parts))}
    everywhere = {r.id for r in records if any(stem in t for t in en_tokens(r))}
    assert ids(index, Term("rendering", TextField.TEXT)) == in_tac
    assert in_tac <= everywhere and in_tac >= in_title | in_abstract


def test_date_range_node_and_filter(index, records) -> None:
    start, end = dt.date(2018, 1, 1), dt.date(2018, 12, 31)
    expected = {r.id for r in records if r.publication_date and start <= r.publication_date <= end}
    assert expected
    assert ids(index, DateRange(DateField.PUBLICATION, start, end)) == expected
    assert ids(index, MatchAll(), date_from=start, date_to=end) == expected
    open_start = {r.id for r in records if r.filing_date and r.filing_date <= end}
    assert ids(index, DateRange(DateField.FILING, None, end)) == open_start


def test_class_prefix(index, records) -> None:
    def under(scheme: str, prefix: str) -> set[str]:
        return {
            r.id
            for r in records
            if any(symbol_matches_prefix(s, prefix) for s in getattr(r, scheme))
        }

    for scheme, prefix in [("cpc", "G06F9"), ("cpc", "G06T"), ("ipc", "C02F"), ("ipc", "H")]:
        assert ids(index, ClassPrefix(Scheme(scheme), prefix)) == under(scheme, prefix) != set()
    assert ids(index, MatchAll(), cpc_prefixes=("G06F9",)) == under("cpc", "G06F9")
    group = next(s for r in records for s in r.cpc if s.startswith("G06F9/") and s != "G06F9/00")
    assert ids(index, ClassPrefix(Scheme.CPC, group)) == under("cpc", group)


def test_main_group_prefix_excludes_longer_group(records, tmp_path) -> None:
    small = LexicalIndex(tmp_path / "ix", create=True)
    base = next(r for r in records if any(s.startswith("G06F9/") for s in r.cpc))
    other = base.model_copy(update={"id": "TEST-G06F99", "cpc": ["G06F99/00"]})
    small.build([base, other], user_words=[])
    assert ids(small, ClassPrefix(Scheme.CPC, "G06F9")) == {base.id}
    assert ids(small, ClassPrefix(Scheme.CPC, "G06F99")) == {"TEST-G06F99"}


def test_applicant_filter_and_search(index, records) -> None:
    name = Counter(p.normalized_name for r in records for p in r.applicants).most_common(3)[2][0]
    expected = {r.id for r in records if any(p.normalized_name == name for p in r.applicants)}
    assert ids(index, MatchAll(), applicants=(name,)) == expected
    nvidia = {r.id for r in records if any("NVIDIA" in p.name.upper() for p in r.applicants)}
    assert ids(index, Term("nvidia", TextField.APPLICANT)) == nvidia
    huawei = {r.id for r in records if any("华为" in p.name for p in r.applicants)}
    assert ids(index, Term("华为", TextField.APPLICANT)) == huawei != set()


def test_not_and_exclude_ids(index, records) -> None:
    every = {r.id for r in records}
    gpu, memory = ids(index, Term("gpu")), ids(index, Term("memory"))
    assert ids(index, And((Term("gpu"), Not(Term("memory"))))) == gpu - memory
    assert ids(index, Not(Term("memory"))) == every - memory
    assert ids(index, Or((Term("gpu"), Not(Term("memory"))))) == gpu | (every - memory)
    dropped = tuple(sorted(gpu)[:3])
    assert ids(index, Term("gpu"), exclude_ids=dropped) == gpu - set(dropped)


def test_other_filters(index, records) -> None:
    cn = {r.id for r in records if r.country == "CN"}
    assert ids(index, MatchAll(), countries=("cn",)) == cn
    zh = {r.id for r in records if "zh" in r.languages}
    assert ids(index, MatchAll(), languages=("zh",)) == zh
    unis = {r.id for r in records if any(t.value == "university" for t in r.applicant_types)}
    assert ids(index, MatchAll(), applicant_types=("university",)) == unis != set()
    b2 = {r.id for r in records if r.kind == "B2"}
    assert ids(index, MatchAll(), kinds=("B2",)) == b2 != set()


def test_number_match(index, records) -> None:
    record = next(r for r in records if r.id.startswith("US") and r.kind == "B2")
    spaced = f"US {int(record.number):,}"
    assert ids(index, NumberMatch(NumberField.PUBLICATION, spaced)) == {record.id}
    cn = next(r for r in records if r.id.startswith("CN"))
    assert ids(index, NumberMatch(NumberField.PUBLICATION, cn.id.lower())) == {cn.id}


def test_paging_and_hits(index) -> None:
    query = SearchQuery(node=Or((Term("graphics"), Term("memory"))))
    top = index.search(query, 10)
    assert [h.rank for h in top] == list(range(1, 11))
    assert all(h.retriever == "lexical" for h in top)
    assert [h.score for h in top] == sorted((h.score for h in top), reverse=True)
    page2 = index.search(query, 5, offset=5)
    assert [h.id for h in page2] == [h.id for h in top[5:]]
    assert [h.rank for h in page2] == [6, 7, 8, 9, 10]
    assert len(index.doc_ids(query)) == index.total(query) > 10
    assert index.doc_ids(query, limit=10) == [h.id for h in top]


def test_facet_counts_equal_python_counts(index, records) -> None:
    query = SearchQuery(node=Or((Term("water"), Term("系统"), Term("memory"))))
    matched = set(index.doc_ids(query))
    chosen = [r for r in records if r.id in matched]
    facets = index.facet_counts(
        query, ["country", "publication_year", "ipc_subclass", "applicant_type", "language"], 1000
    )
    expected = {
        "country": Counter(r.country for r in chosen if r.country),
        "publication_year": Counter(r.publication_date.year for r in chosen if r.publication_date),
        "ipc_subclass": Counter(s for r in chosen for s in {c[:4] for c in r.ipc}),
        "applicant_type": Counter(t.value for r in chosen for t in r.applicant_types),
        "language": Counter(lang for r in chosen for lang in r.languages),
    }
    for name, counts in expected.items():
        assert dict(facets[name]) == dict(counts), name
        assert [n for _, n in facets[name]] == sorted(counts.values(), reverse=True)
    with pytest.raises(UnknownFacet, match="facets are"):
        index.facet_counts(query, ["colour"], 5)


def test_bm25_top_hit_agrees_with_bm25s(index, records) -> None:
    import bm25s  # a dev dependency: a missing one must fail, not skip

    # the index's document order: BM25 statistics count every document
    corpus_ids = [r.id for r in records]
    corpus = [EN.analyze(r.abstract.get("en", "")) or ["\x00"] for r in records]
    retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    vocab = {t: i for i, t in enumerate(sorted({t for doc in corpus for t in doc}))}
    retriever.index(bm25s.tokenization.Tokenized(
        ids=[[vocab[t] for t in doc] for doc in corpus], vocab=vocab
    ), show_progress=False)  # fmt: skip
    for words in [("graphics", "memory"), ("membrane", "filtration"), ("shader", "texture")]:
        stems = [EN.analyze(w)[0] for w in words]
        docs, scores = retriever.retrieve([[vocab[s] for s in stems]], k=1, show_progress=False)
        node = Or(tuple(Term(w, TextField.ABSTRACT) for w in words))
        top = index.search(SearchQuery(node=node), 1)[0]
        assert top.id == corpus_ids[docs[0][0]], words
        # Tantivy keeps BM25's (k1 + 1) numerator factor, which bm25s's "lucene" drops
        assert top.score == pytest.approx(2.2 * float(scores[0][0]), rel=0.05)


def test_incremental_add_replace_delete(records, tmp_path) -> None:
    small = LexicalIndex(tmp_path / "ix", create=True)
    small.build(records[:50], user_words=[])
    changed = records[10].model_copy(update={"title": {"en": "Zyxwvut flux capacitor"}})
    small.add([changed, records[60]])
    assert small.count() == 51
    assert ids(small, Term("zyxwvut")) == {changed.id}
    assert ids(small, NumberMatch(NumberField.PUBLICATION, records[60].id)) == {records[60].id}
    small.delete([changed.id, "NOT-THERE"])
    assert small.count() == 50
    assert ids(small, Term("zyxwvut")) == set()


def test_reopen_and_schema_version(index, settings: Settings, records) -> None:
    query = SearchQuery(node=Term("电缆"))
    before = index.search(query, 5)
    again = LexicalIndex(index.path)
    assert again.search(query, 5) == before and before
    assert again.segmenter.user_words == index.segmenter.user_words != ()
    path = index_dir(settings)
    opened = LexicalIndex.open(settings, create=True)
    opened.build(records[:20])
    opened.close()
    meta = path / "ipnav-lexical.json"
    meta.write_text(json.dumps({"schema_version": 0}), encoding="utf-8")
    with pytest.raises(LexicalIndexOutdated, match="ipnav index --rebuild"):
        LexicalIndex.open(settings)


def test_matching_checks_candidates_against_a_query(index, records) -> None:
    us = {r.id for r in records if r.country == "US"}
    others = {r.id for r in records if r.country != "US"}
    assert us and others
    candidates = sorted(us)[:5] + sorted(others)[:5] + ["NOT-AN-ID"]
    found = index.matching(SearchQuery(filters=Filters(countries=("US",))), candidates)
    assert found == set(sorted(us)[:5])
    assert index.matching(SearchQuery(), []) == set()


def test_tac_field_of_chinese_records_reuses_each_parts_cut(index, records) -> None:
    """A Chinese word of a title or abstract is found through TAC exactly as through TA."""
    zh = [r for r in records if r.title.get("zh")]
    assert zh
    found = 0
    for word in ("系统", "方法", "装置"):
        in_ta = ids(index, Term(word, TextField.TITLE_ABSTRACT))
        assert ids(index, Term(word, TextField.TEXT)) >= in_ta
        found += len(in_ta)
    assert found > 0
