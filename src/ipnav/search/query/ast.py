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
