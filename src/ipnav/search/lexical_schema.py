"""The lexical index's Tantivy schema, its analyzers, and a record's document.

Texts get **one field per language family and text part**: ``title_zh``,
``title_en``, ``abstract_zh`` ... A record's texts are already keyed by language,
so no detection is needed, and a record with both a Chinese and an English
abstract is found by either. Chinese, Japanese and Korean texts go to the
``*_zh`` fields, pre-segmented by :class:`~ipnav.text.segment.Segmenter` (each
token positioned at its first character, see that module); every other
language goes to the ``*_en`` fields, analysed by ``ipnav_en`` (Tantivy's
``en_stem`` chain, registered under our own name so that queries can run the
very same analyzer in Python).

Classification symbols are indexed with every ancestor as a raw term
(``G``, ``G06``, ``G06F``, ``G06F9``, ``G06F9/30189``) so that a prefix filter
is one term query; facet fields (``*_subclass``, ``*_main_group``, years,
``country`` ...) are fast fields, counted by Tantivy's terms aggregation.

Bump :data:`SCHEMA_VERSION` whenever a field or an analyzer changes: an index
built by another version refuses to open and asks for a rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import tantivy

from ipnav.model.classification import ClassificationError, Level, parse_symbol
from ipnav.model.record import PatentRecord
from ipnav.store.patents import match_key_of
from ipnav.text.segment import Segmenter, normalize

SCHEMA_VERSION = 2  # 2: text_zh / text_en (title + abstract + claims as one field)

ZH_ANALYZER = "ipnav_zh"  # whitespace + lowercase: fed pre-tokenised text
EN_ANALYZER = "ipnav_en"  # simple + remove_long(40) + lowercase + English Snowball stemmer

TEXT_PARTS = ("title", "abstract", "claims", "description")
#: Parts also indexed together as ``text_zh`` / ``text_en``: BM25 over their union,
#: what prior-art search ranks by (the description, far longer, would swamp them).
COMBINED_PARTS = ("title", "abstract", "claims")
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})
DATE_FIELDS = ("publication_date", "filing_date", "priority_date")
SCHEMES = ("ipc", "cpc")

#: Raw, fast keyword fields: exact filters and facets.
KEYWORD_FIELDS = (
    "country",
    "kind",
    "language",
    "applicant",
    "inventor",
    "applicant_type",
    "legal_status",
    "family_id",
    "ipc_subclass",
    "ipc_main_group",
    "cpc_subclass",
    "cpc_main_group",
)
YEAR_FIELDS = ("publication_year", "filing_year", "priority_year")
FACET_FIELDS = KEYWORD_FIELDS + YEAR_FIELDS


def en_analyzer() -> tantivy.TextAnalyzer:
    """The English analyzer, identical to Tantivy's built-in ``en_stem``."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def register_analyzers(index: tantivy.Index) -> None:
    """Register the custom analyzers; Tantivy forgets them when an index is reopened."""
    zh = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.lowercase())
        .build()
    )
    index.register_tokenizer(ZH_ANALYZER, zh)
    index.register_tokenizer(EN_ANALYZER, en_analyzer())


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("match_key", tokenizer_name="raw")
    sb.add_text_field("application_key", tokenizer_name="raw")
    for part in TEXT_PARTS:
        sb.add_text_field(f"{part}_zh", tokenizer_name=ZH_ANALYZER)
        sb.add_text_field(f"{part}_en", tokenizer_name=EN_ANALYZER)
    sb.add_text_field("text_zh", tokenizer_name=ZH_ANALYZER)
    sb.add_text_field("text_en", tokenizer_name=EN_ANALYZER)
    sb.add_text_field("applicant_text", tokenizer_name=ZH_ANALYZER)
    sb.add_text_field("inventor_text", tokenizer_name=ZH_ANALYZER)
    for name in KEYWORD_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw", fast=True)
    for scheme in SCHEMES:
        sb.add_text_field(f"{scheme}_prefix", tokenizer_name="raw")
    for name in DATE_FIELDS:
        sb.add_date_field(name, indexed=True, fast=True)
    for name in YEAR_FIELDS:
        sb.add_integer_field(name, indexed=True, fast=True)
    return sb.build()


def as_datetime(day: dt.date) -> dt.datetime:
    """How a date is stored: midnight UTC of that day."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def class_terms(symbols: Iterable[str]) -> tuple[set[str], set[str], set[str]]:
    """``(prefix terms, subclasses, main groups)`` of a record's symbols.

    The prefix terms are each symbol and all its ancestors; a main group is
    written as the prefix ``G06F9`` (covering ``G06F9/00`` and its subgroups), so
    ``G06F9`` never matches ``G06F99/00``. A symbol that does not parse is kept
    as its own term only.
    """
    prefixes: set[str] = set()
    subclasses: set[str] = set()
    groups: set[str] = set()
    for text in symbols:
        own, subclass, group = _symbol_terms(text)
        prefixes.update(own)
        subclasses.update(subclass)
        groups.update(group)
    return prefixes, subclasses, groups


@lru_cache(maxsize=200_000)
def _symbol_terms(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """One symbol's terms; cached, since a corpus repeats a few thousand symbols
    (parsing them per record was half of building a document)."""
    try:
        symbol = parse_symbol(text)
    except ClassificationError:
        return (text.upper(),), (), ()
    prefixes = [symbol.compact]
    subclasses: list[str] = []
    groups: list[str] = []
    for up in symbol.ancestors():
        prefixes.append(prefix_term(up))
        if up.level is Level.SUBCLASS:
            subclasses.append(up.compact)
        elif up.level is Level.MAIN_GROUP:
            groups.append(prefix_term(up))
    return tuple(prefixes), tuple(subclasses), tuple(groups)


def prefix_term(symbol) -> str:
    """The indexed term for a prefix: ``G06F9`` for a main group (with or without ``/00``)."""
    if symbol.level is Level.MAIN_GROUP:
        return f"{symbol.subclass_code}{symbol.main_group}"
    return symbol.compact


Positioned = list[tuple[str, int, int]]


def _add_tokens(
    doc: tantivy.Document,
    field: str,
    text: str,
    segmenter: Segmenter,
    positioned: Positioned | None = None,
) -> Positioned:
    """Add ``text`` cut by ``segmenter`` (or its given cut); returns the cut for reuse."""
    if positioned is None:
        positioned = segmenter.positioned(text)
    tokens = [tantivy.Token(token, start, start, end) for token, start, end in positioned]
    if tokens:
        doc.add_pre_tokenized_text(field, tantivy.PreTokenizedString(normalize(text), tokens))
    return positioned


def _joined(parts: list[tuple[str, Positioned]]) -> tuple[str, Positioned]:
    """Texts joined by newlines with their cuts shifted: segmenting once per part."""
    texts: list[str] = []
    tokens: Positioned = []
    at = 0
    for text, cut in parts:
        norm = normalize(text)
        texts.append(norm)
        tokens += [(token, start + at, end + at) for token, start, end in cut]
        at += len(norm) + 1
    return "\n".join(texts), tokens


def _texts(record: PatentRecord, part: str) -> dict[str, str]:
    if part == "claims":
        return {
            lang: "\n".join(claim.text for claim in claims)
            for lang, claims in record.claims.items()
        }
    return getattr(record, part)


def to_document(record: PatentRecord, segmenter: Segmenter) -> tantivy.Document:
    """The Tantivy document of one record."""
    doc = tantivy.Document()
    doc.add_text("id", record.id)
    doc.add_text("match_key", match_key_of(record))
    if record.application_number:
        doc.add_text("application_key", record.application_number)
    combined_zh: list[tuple[str, Positioned]] = []
    combined_en: list[str] = []
    for part in TEXT_PARTS:
        for lang, text in _texts(record, part).items():
            if not text:
                continue
            if lang in CJK_LANGUAGES:
                cut = _add_tokens(doc, f"{part}_zh", text, segmenter)
                if part in COMBINED_PARTS:
                    combined_zh.append((text, cut))
            else:
                doc.add_text(f"{part}_en", text)
                if part in COMBINED_PARTS:
                    combined_en.append(text)
    if combined_zh:
        text, cut = _joined(combined_zh)
        if cut:
            doc.add_pre_tokenized_text(
                "text_zh",
                tantivy.PreTokenizedString(text, [tantivy.Token(t, s, s, e) for t, s, e in cut]),
            )
    for text in combined_en:
        doc.add_text("text_en", text)  # values of one field: one BM25 length, one tf
    applicants = [party.normalized_name or party.name for party in record.applicants]
    inventors = [person.name for person in record.inventors]
    if applicants:
        names = dict.fromkeys([party.name for party in record.applicants] + applicants)
        _add_tokens(doc, "applicant_text", " ; ".join(names), segmenter)
    if inventors:
        _add_tokens(doc, "inventor_text", " ; ".join(inventors), segmenter)
    keywords: dict[str, Iterable[str | None]] = {
        "country": [record.country],
        "kind": [record.kind],
        "language": record.languages,
        "applicant": applicants,
        "inventor": inventors,
        "applicant_type": [kind.value for kind in record.applicant_types],
        "legal_status": [record.legal_status.value if record.legal_status else None],
        "family_id": [record.family_id],
    }
    for scheme in SCHEMES:
        prefixes, subclasses, groups = class_terms(getattr(record, scheme))
        keywords[f"{scheme}_prefix"] = prefixes
        keywords[f"{scheme}_subclass"] = subclasses
        keywords[f"{scheme}_main_group"] = groups
    for name, values in keywords.items():
        for value in dict.fromkeys(v for v in values if v):
            doc.add_text(name, value)
    dates = {
        "publication": record.publication_date,
        "filing": record.filing_date,
        "priority": record.priority_date,
    }
    for name, day in dates.items():
        if day is not None:
            doc.add_date(f"{name}_date", as_datetime(day))
            doc.add_integer(f"{name}_year", day.year)
    return doc
