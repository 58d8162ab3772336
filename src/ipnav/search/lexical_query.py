"""Query trees (:mod:`ipnav.search.query.ast`) and :class:`Filters` as Tantivy queries.

Queries are built from analyzer tokens, never by ``Index.parse_query``: the
query parser would send a Chinese word through the field's whitespace
tokenizer as one token (STACK.md), and it cannot express proximity or our
per-language fields.

How each leaf is read
---------------------
* A word leaf containing a Han character searches the ``*_zh`` fields only;
  any other word searches the ``*_en`` fields (stemmed by ``ipnav_en``) **and**
  the ``*_zh`` fields (Latin words inside Chinese text, lower-cased, not stemmed).
* Chinese text is cut in jieba's precise mode; a word that becomes several
  tokens is a phrase whose token positions are their character offsets
  (the index positions tokens the same way, see :mod:`ipnav.text.segment`).
* A leaf over several text parts (``ALL``, ``TA``) is a disjunction of the
  per-field queries, their BM25 scores summed ("most fields"), the title
  boosted ×1.5 because a word in a title says more about the invention.
* ``Wildcard`` is a regular-expression query on the terms of each field
  (``*`` -> ``.*``, ``?`` -> ``.``). English terms are stemmed, so a pattern
  is matched against stems: ``comput*`` finds computer and computing (stem
  ``comput``); a pattern written past a stem's end (``batteries*``) misses.
* ``Proximity``: neighbouring terms within ``distance`` words of each other,
  i.e. at most ``distance - 1`` words between them (``a W/1 b`` and bare
  ``ADJ`` = adjacent), as the parser and the query tree define it. In Chinese fields a word
  is counted as 2 characters (jieba's mean word length on patent abstracts is
  about 1.8). *Ordered*: every allowed gap is enumerated as an exact phrase
  with explicit positions, because Tantivy's sloppy phrase (Lucene semantics)
  also accepts swapped terms; when that would exceed 256 phrases, one sloppy
  phrase stands in (order then not enforced). *Unordered*: a sloppy phrase for
  each order of the terms (exact for two terms; for 3–4 terms the slop is the
  sum of the allowed gaps; beyond 4 terms only the written order is tried).
* ``Not`` inside ``And`` becomes a must-not clause; anywhere else it is
  "everything except", since a Tantivy query of must-not clauses alone matches
  nothing.
* Date, class and number leaves are scored 0: they select, words rank.
* Filters are must clauses scored 0 (constant-score), so they narrow without
  changing the ranking; excluded ids are a must-not clause.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import tantivy

from ipnav.model.classification import Level, parse_symbol
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.search.base import Filters
from ipnav.search.lexical_schema import TEXT_PARTS, as_datetime, en_analyzer, prefix_term
from ipnav.search.query.ast import (
    And,
    ClassPrefix,
    DateField,
    DateRange,
    MatchAll,
    Node,
    Not,
    NumberField,
    NumberMatch,
    Or,
    Phrase,
    Proximity,
    Term,
    TextField,
    Wildcard,
)
from ipnav.text.segment import Segmenter, has_han, normalize

Occur = tantivy.Occur
_MAX_ORDERED_PHRASES = 256
_ZH_CHARS_PER_WORD = 2
_BOOSTS = {"title": 1.5}

_PARTS: dict[TextField, tuple[str, ...]] = {
    TextField.ALL: TEXT_PARTS,
    TextField.TITLE: ("title",),
    TextField.ABSTRACT: ("abstract",),
    TextField.CLAIMS: ("claims",),
    TextField.DESCRIPTION: ("description",),
    TextField.TITLE_ABSTRACT: ("title", "abstract"),
    TextField.TEXT: ("text",),
}
_NAME_FIELDS = {TextField.APPLICANT: "applicant_text", TextField.INVENTOR: "inventor_text"}

# A group of tokens standing for one written word: (offset from the group's start, token).
Group = list[tuple[int, str]]


@dataclass
class QueryBuilder:
    """Turns trees and filters into Tantivy queries for one schema and one segmenter."""

    schema: tantivy.Schema
    segmenter: Segmenter
    _en: tantivy.TextAnalyzer = field(default_factory=en_analyzer)

    # -- entry points ----------------------------------------------------------

    def build(self, node: Node, filters: Filters | None = None) -> tantivy.Query:
        """The scoring query for ``node``, restricted by ``filters``."""
        query = self.node(node)
        clauses = [(Occur.Must, query)]
        for restriction in self.filter_queries(filters or Filters()):
            clauses.append((Occur.Must, tantivy.Query.const_score_query(restriction, 0.0)))
        if filters and filters.exclude_ids:
            excluded = tantivy.Query.term_set_query(self.schema, "id", list(filters.exclude_ids))
            clauses.append((Occur.MustNot, excluded))
        return query if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    def node(self, node: Node) -> tantivy.Query:
        match node:
            case MatchAll():
                return tantivy.Query.all_query()
            case And(children=children):
                return self._and(children)
            case Or(children=children):
                if not children:
                    return tantivy.Query.empty_query()
                return tantivy.Query.boolean_query([(Occur.Should, self.node(c)) for c in children])
            case Not():
                return self._and((MatchAll(), node))
            case Term(text=text, field=tf):
                return self._text(tf, text, lambda kind: self._phrase(kind, [text], 0, True))
            case Phrase(words=words, field=tf):
                joined = " ".join(words)
                return self._text(tf, joined, lambda kind: self._phrase(kind, [joined], 0, True))
            case Proximity(terms=terms, distance=distance, ordered=ordered, field=tf):
                joined = " ".join(terms)
                return self._text(
                    tf, joined, lambda kind: self._phrase(kind, list(terms), distance, ordered)
                )
            case Wildcard(pattern=pattern, field=tf):
                return self._text(tf, pattern, lambda kind: self._wildcard(pattern))
            case DateRange(field=df, start=start, end=end):
                return _unscored(self._dates(df, start, end))
            case ClassPrefix(scheme=scheme, prefix=prefix):
                return _unscored(self._class(scheme.value, prefix))
            case NumberMatch(field=nf, value=value):
                return _unscored(self._number(nf, value))
        raise TypeError(f"not a query node: {node!r}")

    def filter_queries(self, filters: Filters) -> list[tantivy.Query]:
        """One query per active restriction of ``filters`` (exclusions aside)."""
        out: list[tantivy.Query] = []
        if filters.date_from or filters.date_to:
            out.append(
                self._dates(DateField(filters.date_field), filters.date_from, filters.date_to)
            )
        sets = {
            "country": [v.upper() for v in filters.countries],
            "kind": [v.upper() for v in filters.kinds],
            "applicant": list(filters.applicants),
            "applicant_type": [str(v) for v in filters.applicant_types],
            "legal_status": [str(v) for v in filters.legal_statuses],
            "language": list(filters.languages),
        }
        for name, values in sets.items():
            if values:
                out.append(tantivy.Query.term_set_query(self.schema, name, values))
        for scheme, prefixes in (("ipc", filters.ipc_prefixes), ("cpc", filters.cpc_prefixes)):
            if prefixes:
                out.append(_should([self._class(scheme, p) for p in prefixes]))
        if filters.only_ids is not None:  # a collection's members: a term set on the id
            ids = sorted(filters.only_ids)
            out.append(
                tantivy.Query.term_set_query(self.schema, "id", ids)
                if ids
                else tantivy.Query.empty_query()
            )
        return out

    # -- structure -------------------------------------------------------------

    def _and(self, children: Sequence[Node]) -> tantivy.Query:
        clauses = []
        for child in children:
            if isinstance(child, Not):
                clauses.append((Occur.MustNot, self.node(child.child)))
            else:
                clauses.append((Occur.Must, self.node(child)))
        if not any(occur == Occur.Must for occur, _ in clauses):
            clauses.append((Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    # -- text leaves -----------------------------------------------------------

    def _text(self, tf: TextField, text: str, make) -> tantivy.Query:
        """``make(kind)`` gives a function from a field name to its query (or None)."""
        kinds = ["zh"] if has_han(text) or tf in _NAME_FIELDS else ["zh", "en"]
        queries: list[tantivy.Query] = []
        for kind in kinds:
            if tf in _NAME_FIELDS:
                fields = [_NAME_FIELDS[tf]]
            else:
                fields = [f"{part}_{kind}" for part in _PARTS[tf]]
            for_field = make(kind)
            for name in fields:
                query = for_field(name)
                if query is None:
                    continue
                boost = _BOOSTS.get(name.rsplit("_", 1)[0])
                queries.append(tantivy.Query.boost_query(query, boost) if boost else query)
        return _should(queries) if queries else tantivy.Query.empty_query()

    def _groups(self, kind: str, words: Sequence[str]) -> list[tuple[Group, int]]:
        """Each written word as ``(tokens with offsets, length)`` in the field's units."""
        out: list[tuple[Group, int]] = []
        for word in words:
            if kind == "en":
                tokens = self._en.analyze(word)
                group, length = list(enumerate(tokens)), len(tokens)
            else:
                pairs = self.segmenter.words(word)
                group = [(start - pairs[0][1], token) for token, start in pairs] if pairs else []
                length = len(normalize(word)) - (pairs[0][1] if pairs else 0)
            if group:
                out.append((group, length))
        return out

    def _phrase(self, kind: str, words: list[str], distance: int, ordered: bool):
        groups = self._groups(kind, words)
        unit = _ZH_CHARS_PER_WORD if kind == "zh" else 1
        gap = max(distance - 1, 0) * unit  # "within n words" = at most n - 1 words between

        def make(name: str) -> tantivy.Query | None:
            if not groups:
                return None
            if len(groups) == 1 and len(groups[0][0]) == 1:
                return tantivy.Query.term_query(self.schema, name, groups[0][0][0][1])
            if len(groups) == 1 or (gap == 0 and ordered):
                return self._positions(name, [(0, *g) for g in groups])
            if ordered:
                return self._ordered(name, groups, gap)
            orders = itertools.permutations(groups) if len(groups) <= 4 else [groups]
            slop = gap * (len(groups) - 1)
            return _should(
                [self._positions(name, [(0, *g) for g in order], slop) for order in orders]
            )

        return make

    def _ordered(self, name: str, groups, gap: int) -> tantivy.Query:
        combos = (gap + 1) ** (len(groups) - 1)
        if combos > _MAX_ORDERED_PHRASES:
            return self._positions(name, [(0, *g) for g in groups], gap * (len(groups) - 1))
        phrases = []
        for gaps in itertools.product(range(gap + 1), repeat=len(groups) - 1):
            tokens, lengths = zip(*groups, strict=True)
            spaced = list(zip((0, *gaps), tokens, lengths, strict=True))
            phrases.append(self._positions(name, spaced))
        return _should(phrases)

    def _positions(self, name: str, spaced, slop: int = 0) -> tantivy.Query:
        """A phrase of groups ``(gap before, tokens, length)`` laid out one after another."""
        words: list[tuple[int, str]] = []
        at = 0
        for before, group, length in spaced:
            at += before
            words.extend((at + offset, token) for offset, token in group)
            at += length
        return tantivy.Query.phrase_query(self.schema, name, words, slop=slop)

    def _wildcard(self, pattern: str):
        parts = re.split(r"([*?])", normalize(pattern).lower())
        regex = "".join({"*": ".*", "?": "."}.get(p, re.escape(p)) for p in parts)

        def make(name: str) -> tantivy.Query:
            return tantivy.Query.regex_query(self.schema, name, regex)

        return make

    # -- other leaves ----------------------------------------------------------

    def _dates(self, df: DateField, start: dt.date | None, end: dt.date | None) -> tantivy.Query:
        return tantivy.Query.range_query(
            self.schema,
            DateField(df).value,
            tantivy.FieldType.Date,
            as_datetime(start) if start else None,
            as_datetime(end) if end else None,
        )

    def _class(self, scheme: str, prefix: str) -> tantivy.Query:
        """Symbols under ``prefix``, with :func:`symbol_matches_prefix`'s semantics."""
        symbol = parse_symbol(prefix)
        term = symbol.compact if symbol.level is Level.SUBGROUP else prefix_term(symbol)
        return tantivy.Query.term_query(self.schema, f"{scheme}_prefix", term)

    def _number(self, nf: NumberField, value: str) -> tantivy.Query:
        compact = re.sub(r"[\s,./-]", "", value).upper()
        try:
            if nf is NumberField.APPLICATION:
                key = parse_application_number(value).normalized
                return tantivy.Query.term_query(self.schema, "application_key", key)
            key = parse_publication_number(value).match_key
        except NumberError:
            key = value.strip()  # a record without a number is matched by its own id
        fields = ("match_key", "id") if nf is NumberField.PUBLICATION else ("application_key",)
        return _should(
            [
                tantivy.Query.term_query(self.schema, name, v)
                for name in fields
                for v in {key, compact}
            ]
        )


def _unscored(query: tantivy.Query) -> tantivy.Query:
    """Dates, classes and numbers select; only words rank (score 0 for these leaves)."""
    return tantivy.Query.const_score_query(query, 0.0)


def _should(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(Occur.Should, q) for q in queries])
