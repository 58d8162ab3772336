"""What the templates show: results and records turned into plain view objects.

Only highlight HTML built by the core from escaped text becomes
:class:`~markupsafe.Markup`; every other string stays plain and is escaped by
the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from ipnav.errors import IpnavError
from ipnav.model.record import Claim, PatentRecord
from ipnav.model.schemes import ClassificationScheme
from ipnav.text.claims import split_claims

SNIPPET_CHARS = 300


def prefer(lang: str) -> tuple[str, ...]:
    return (lang, "en" if lang == "zh" else "zh")


def highlighted(item: Any, name: str, record: PatentRecord, lang: str) -> Markup:
    """The field with matched words in ``<mark>`` (core HTML), else the escaped plain text."""
    highlights = getattr(item, "highlights", None) or {}
    if name in highlights:
        return Markup(highlights[name].html)  # escaped by the core; only <mark> added
    text = record.text(name, prefer(lang)) or ""
    if name != "title" and len(text) > SNIPPET_CHARS:
        text = text[:SNIPPET_CHARS] + "…"
    return escape(text)


@dataclass
class ResultView:
    rank: int
    id: str
    score: float
    title: Markup
    snippet: Markup
    record: PatentRecord
    family_hits: int = 1
    matched_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    explanation: dict[str, Any] | None = None


def result_view(item: Any, lang: str) -> ResultView:
    record, hit = item.record, item.hit
    explanation = getattr(item, "explanation", None)
    return ResultView(
        rank=hit.rank,
        id=record.id,
        score=hit.score,
        title=highlighted(item, "title", record, lang),
        snippet=highlighted(item, "abstract", record, lang),
        record=record,
        family_hits=getattr(item, "family_hits", 1),
        matched_terms=dict(getattr(item, "matched_terms", {}) or {}),
        explanation=explanation.to_dict() if explanation is not None else None,
    )


@dataclass
class ClassView:
    symbol: str
    scheme: str
    title: str = ""
    title_lang: str = ""


def class_views(
    symbols: list[str], scheme_name: str, scheme: ClassificationScheme | None, lang: str
) -> list[ClassView]:
    out = []
    for symbol in symbols:
        view = ClassView(symbol, scheme_name)
        if scheme is not None:
            try:
                title = scheme.title(symbol, lang, scheme=scheme_name)  # type: ignore[arg-type]
            except IpnavError:  # a symbol in a form the scheme cannot read: shown bare
                title = None
            if title is not None:
                view.title, view.title_lang = title.text, title.lang
        out.append(view)
    return out


@dataclass
class ClaimSet:
    lang: str
    claims: list[Claim]

    @property
    def independent(self) -> list[int]:
        return [c.number for c in self.claims if c.number is not None and not c.depends_on]


def claim_sets(record: PatentRecord, lang: str) -> list[ClaimSet]:
    """The record's claims per language, UI language first, split into numbered claims.

    A source that gives all claims as one text is split here
    (:func:`ipnav.text.claims.split_claims`).
    """
    ranked = prefer(lang)
    order = sorted(record.claims, key=lambda la: (ranked.index(la) if la in ranked else 2, la))
    sets = []
    for claim_lang in order:
        claims = record.claims[claim_lang]
        if len(claims) == 1 and claims[0].number is None:
            claims = split_claims(claims[0].text) or claims
        if claims:
            sets.append(ClaimSet(claim_lang, claims))
    return sets
