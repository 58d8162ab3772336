"""The syntax tree of a search query, shared by the parser and every retriever.

The expert query language (``TA=(membrane AND bioreactor) AND PD>=2005``) is
parsed into these nodes (:mod:`ipnav.search.query.parser`); the lexical index
turns them into engine queries, the dense retriever takes the free text of
their word leaves. A field written before a group (``TI=(a OR b)``) is pushed
down into the leaves, so every leaf knows its field and the tree needs no
field scopes.

Nodes are frozen dataclasses: equal trees compare equal, which the parser's
round-trip property tests rely on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class TextField(StrEnum):
    """Text fields a word, phrase, wildcard or proximity leaf can search."""

    ALL = "all"  # title + abstract + claims + description (no field code given)
    TITLE = "title"  # TI
    ABSTRACT = "abstract"  # AB
    CLAIMS = "claims"  # CL
    TITLE_ABSTRACT = "title_abstract"  # TA
    TEXT = "text"  # TAC: title + abstract + claims scored as one text (BM25 over their union)
    DESCRIPTION = "description"  # DESC
    APPLICANT = "applicant"  # PA, assignee:
    INVENTOR = "inventor"  # IN, inventor:


class DateField(StrEnum):
    PUBLICATION = "publication_date"  # PD
    FILING = "filing_date"  # AD
    PRIORITY = "priority_date"  # PRD


class NumberField(StrEnum):
    PUBLICATION = "publication"  # PN
    APPLICATION = "application"  # AN


class Scheme(StrEnum):
    IPC = "ipc"
    CPC = "cpc"


@dataclass(frozen=True)
class Term:
    """One word (already a single token as the user wrote it)."""

    text: str
    field: TextField = TextField.ALL


@dataclass(frozen=True)
class Phrase:
    """Words that must appear next to each other, in order (``"membrane bioreactor"``)."""

    words: tuple[str, ...]
    field: TextField = TextField.ALL


@dataclass(frozen=True)
class Wildcard:
    """A word pattern: ``*`` any run of characters, ``?`` one character (``comput*``)."""

    pattern: str
    field: TextField = TextField.ALL


@dataclass(frozen=True)
class Proximity:
    """Words within ``distance`` words of each other (``W/n``, ``NEAR/n``); ``ordered``
    when they must appear in the written order (``PRE/n``, ``ADJ/n``)."""

    terms: tuple[str, ...]
    distance: int
    ordered: bool = False
    field: TextField = TextField.ALL


@dataclass(frozen=True)
class DateRange:
    """``start <= date <= end``; an open end is ``None``."""

    field: DateField
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class ClassPrefix:
    """Documents with a symbol under ``prefix`` (compact form, ``G06F9`` or ``G06F9/30``)."""

    scheme: Scheme
    prefix: str


@dataclass(frozen=True)
class NumberMatch:
    """A publication or application number in any form (matched by its match key)."""

    field: NumberField
    value: str


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class MatchAll:
    """The empty query: every document (filters may still narrow it)."""


Leaf = Term | Phrase | Wildcard | Proximity | DateRange | ClassPrefix | NumberMatch
Node = Leaf | And | Or | Not | MatchAll


def free_text(node: Node) -> str:
    """The words of the text leaves outside NOT, for retrievers that take plain text."""
    words: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            words.append(n.text)
        elif isinstance(n, Phrase | Proximity):
            words.extend(n.words if isinstance(n, Phrase) else n.terms)
        elif isinstance(n, Wildcard):
            stem = n.pattern.replace("*", "").replace("?", "")
            if stem:
                words.append(stem)
        elif isinstance(n, And | Or):
            for child in n.children:
                walk(child)

    walk(node)
    return " ".join(words)


_CODES: dict[StrEnum, str] = {
    TextField.TITLE: "TI",
    TextField.ABSTRACT: "AB",
    TextField.CLAIMS: "CL",
    TextField.TITLE_ABSTRACT: "TA",
    TextField.TEXT: "TAC",
    TextField.DESCRIPTION: "DESC",
    TextField.APPLICANT: "PA",
    TextField.INVENTOR: "IN",
    DateField.PUBLICATION: "PD",
    DateField.FILING: "AD",
    DateField.PRIORITY: "PRD",
    NumberField.PUBLICATION: "PN",
    NumberField.APPLICATION: "AN",
    Scheme.IPC: "IPC",
    Scheme.CPC: "CPC",
}


def to_text(node: Node) -> str:
    """Query-language text for ``node``; :func:`~ipnav.search.query.parser.parse_query` reads
    it back to an equal tree when the tree is one the parser makes (``And``/``Or`` flattened,
    ``MatchAll`` only as the whole query, words that are not keywords).

    Raises ``ValueError`` for a tree no query text can express (an empty phrase, a word with
    blanks or quotes in it, ``MatchAll`` inside another node).
    """
    if isinstance(node, MatchAll):
        return ""
    return _render(node)


def _render(node: Node) -> str:
    if isinstance(node, And | Or):
        if len(node.children) < 2:
            raise ValueError(f"{type(node).__name__} needs two or more children: {node!r}")
        glue = " AND " if isinstance(node, And) else " OR "
        return glue.join(_wrapped(child, type(node)) for child in node.children)
    if isinstance(node, Not):
        return "NOT " + _wrapped(node.child, Not)
    if isinstance(node, Term | Wildcard):
        return _fielded(node.field, _word(node.text if isinstance(node, Term) else node.pattern))
    if isinstance(node, Phrase):
        return _fielded(node.field, _quoted(node.words))
    if isinstance(node, Proximity):
        op = f" {'PRE' if node.ordered else 'NEAR'}/{node.distance} "
        text = op.join(_word(t) for t in node.terms)
        return text if node.field is TextField.ALL else f"{_CODES[node.field]}=({text})"
    if isinstance(node, DateRange):
        code, start, end = _CODES[node.field], node.start, node.end
        if start is None and end is None:
            raise ValueError("a DateRange needs a start or an end")
        if end is None:
            return f"{code}>={start}"
        if start is None:
            return f"{code}<={end}"
        return f"{code}={start}" if start == end else f"{code}={start}:{end}"
    if isinstance(node, ClassPrefix):
        return f"{_CODES[node.scheme]}={node.prefix}"
    if isinstance(node, NumberMatch):
        return f"{_CODES[node.field]}={node.value}"
    raise ValueError(f"cannot write {node!r} as query text")


def _wrapped(child: Node, parent: type) -> str:
    text = _render(child)
    loose = And | Or if parent is Not or parent is And else Or
    return f"({text})" if isinstance(child, loose) else text


def _fielded(field: TextField, text: str) -> str:
    return text if field is TextField.ALL else f"{_CODES[field]}={text}"


def _word(text: str) -> str:
    if not text or any(c.isspace() or c in '",()[]=:<>' for c in text) or text[0] == "-":
        raise ValueError(f"{text!r} cannot be written as one query word")
    return text


def _quoted(words: tuple[str, ...]) -> str:
    if not words or any(not w or '"' in w or any(c.isspace() for c in w) for w in words):
        raise ValueError(f"{words!r} cannot be written as a quoted phrase")
    return '"' + " ".join(words) + '"'
