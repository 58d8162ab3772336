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
import itertools
import operator
import weakref
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


_CLASS_FIELDS = {
    scheme: (f"{scheme}_prefix", f"{scheme}_subclass", f"{scheme}_main_group") for scheme in SCHEMES
}


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
    # The prefix terms of symbol.ancestors() (section, class, subclass, main group, the
    # symbol), written out from the symbol's parts: building and validating each
    # ancestor was three quarters of the cost, paid once per distinct symbol (~27,000
    # on the demo corpus) in every process that builds documents.
    section, class_, subclass, group = (
        symbol.section,
        symbol.class_,
        symbol.subclass,
        symbol.main_group,
    )
    prefixes = [symbol.compact, section]
    subclasses: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    if class_ is not None:
        prefixes.append(section + class_)
        if subclass is not None:
            code = section + class_ + subclass
            prefixes.append(code)
            subclasses = (code,)
            if group is not None:
                groups = (f"{code}{group}",)
                prefixes.append(groups[0])
                if symbol.level is Level.SUBGROUP:
                    prefixes.append(symbol.compact)
    return tuple(prefixes), subclasses, groups


def prefix_term(symbol) -> str:
    """The indexed term for a prefix: ``G06F9`` for a main group (with or without ``/00``)."""
    if symbol.level is Level.MAIN_GROUP:
        return f"{symbol.subclass_code}{symbol.main_group}"
    return symbol.compact


Positioned = list[tuple[str, int, int]]


#: A cut as columns: (tokens, starts, ends); ``None`` for an empty cut.
Columns = tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]] | None


def _columns(cut: Positioned) -> Columns:
    return tuple(zip(*cut, strict=True)) if cut else None  # type: ignore[return-value]


def _tokens(columns: Columns, shift: int = 0) -> list[tantivy.Token]:
    """Tantivy tokens of a cut, each positioned at its first character (plus ``shift``).

    Built column-wise (``map``), with no Python loop per token: a Chinese abstract
    has ~150 of them, and the combined field makes them twice.
    """
    if columns is None:
        return []
    words, starts, ends = columns
    if shift:
        starts = tuple(map(operator.add, starts, itertools.repeat(shift)))
        ends = tuple(map(operator.add, ends, itertools.repeat(shift)))
    return list(map(tantivy.Token, words, starts, starts, ends))


def _joined(parts: list[tuple[str, Columns, list[tantivy.Token]]]) -> tantivy.PreTokenizedString:
    """Normalised texts joined by newlines, their tokens shifted: segmenting once per part.

    The first part's tokens need no shift and are reused as they are.
    """
    texts: list[str] = []
    tokens: list[tantivy.Token] = []
    at = 0
    for norm, columns, own in parts:
        texts.append(norm)
        tokens += own if at == 0 else _tokens(columns, at)
        at += len(norm) + 1
    return tantivy.PreTokenizedString("\n".join(texts), tokens)


_NAMES_CACHED = 20_000  # distinct name lists remembered per segmenter
_name_cuts: weakref.WeakKeyDictionary[Segmenter, dict[str, tantivy.PreTokenizedString | None]]
_name_cuts = weakref.WeakKeyDictionary()


def _names(segmenter: Segmenter, names: str) -> tantivy.PreTokenizedString | None:
    """The cut of applicant or inventor names; cached, since a corpus repeats them
    (one applicant's name on thousands of its patents). The cache lives as long as
    its segmenter."""
    cache = _name_cuts.get(segmenter)
    if cache is None:
        cache = _name_cuts[segmenter] = {}
    elif names in cache:
        return cache[names]
    norm = normalize(names)
    tokens = _tokens(_columns(segmenter.positioned_normalized(norm)))
    cut = tantivy.PreTokenizedString(norm, tokens) if tokens else None
    if len(cache) >= _NAMES_CACHED:
        cache.clear()
    cache[names] = cut
    return cut


def _texts(record: PatentRecord, part: str) -> dict[str, str]:
    if part == "claims":
        return {
            lang: "\n".join(claim.text for claim in claims)
            for lang, claims in record.claims.items()
        }
    return getattr(record, part)


def to_document(record: PatentRecord, segmenter: Segmenter) -> tantivy.Document:
    """The Tantivy document of one record.

    A function of the record and the segmenter's dictionary alone, so that a
    batch job can map it over partitions of a corpus. Chinese texts are
    normalised and cut once each; the combined ``text_zh`` reuses those cuts.
    """
    doc = tantivy.Document()
    doc.add_text("id", record.id)
    doc.add_text("match_key", match_key_of(record))
    if record.application_number:
        doc.add_text("application_key", record.application_number)
    combined_zh: list[tuple[str, Columns, list[tantivy.Token]]] = []
    combined_en: list[str] = []
    for part in TEXT_PARTS:
        for lang, text in _texts(record, part).items():
            if not text:
                continue
            if lang in CJK_LANGUAGES:
                norm = normalize(text)
                columns = _columns(segmenter.positioned_normalized(norm))
                tokens = _tokens(columns)
                if tokens:
                    doc.add_pre_tokenized_text(
                        f"{part}_zh", tantivy.PreTokenizedString(norm, tokens)
                    )
                if part in COMBINED_PARTS:
                    combined_zh.append((norm, columns, tokens))
            else:
                doc.add_text(f"{part}_en", text)
                if part in COMBINED_PARTS:
                    combined_en.append(text)
    if any(tokens for _, _, tokens in combined_zh):
        doc.add_pre_tokenized_text("text_zh", _joined(combined_zh))
    for text in combined_en:
        doc.add_text("text_en", text)  # values of one field: one BM25 length, one tf
    applicants = [party.normalized_name or party.name for party in record.applicants]
    inventors = [person.name for person in record.inventors]
    if applicants:
        names = dict.fromkeys([party.name for party in record.applicants] + applicants)
        if (cut := _names(segmenter, " ; ".join(names))) is not None:
            doc.add_pre_tokenized_text("applicant_text", cut)
    if inventors and (cut := _names(segmenter, " ; ".join(inventors))) is not None:
        doc.add_pre_tokenized_text("inventor_text", cut)
    add = doc.add_text
    for name, value in (
        ("country", record.country),
        ("kind", record.kind),
        ("legal_status", record.legal_status.value if record.legal_status else None),
        ("family_id", record.family_id),
    ):
        if value:
            add(name, value)
    for name, values in (
        ("language", record.languages),
        ("applicant", applicants),
        ("inventor", inventors),
        ("applicant_type", [kind.value for kind in record.applicant_types]),
    ):
        for value in dict.fromkeys(values):
            if value:
                add(name, value)
    for scheme in SCHEMES:
        for name, values in zip(
            _CLASS_FIELDS[scheme], class_terms(getattr(record, scheme)), strict=True
        ):
            for value in values:  # sets: distinct already
                if value:
                    add(name, value)
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
