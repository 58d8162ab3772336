"""Field values the USPTO readers (ICE, PAP, SGML, APS) read alike.

Dates, USPC symbols, IPC/CPC symbols, priority claims, cited patents and
applicant lists. Cited numbers and dates are cached: a weekly file cites the
same patents thousands of times, and reading a number is the costliest step of
a citation.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from ipnav.model.classification import ClassificationError, normalize_symbol
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import Citation, LegalEvent, LegalStatus, Party, PriorityClaim


@functools.lru_cache(maxsize=1 << 12)
def grant_event(date: dt.date | None) -> LegalEvent:
    """The one legal fact a grant document states: it was granted on its issue date.
    (Its current status is not stated: the patent may have lapsed since.)"""
    return LegalEvent(
        date=date, code="grant", description="Patent granted", status=LegalStatus.GRANTED
    )


def parse_date(text: str | None) -> dt.date | None:
    """A YYYYMMDD date; None when missing or partial (``19820200``)."""
    if not text or len(text) != 8 or not text.isdigit():
        return None
    return _date(text)


@functools.lru_cache(maxsize=1 << 14)
def _date(text: str) -> dt.date | None:
    # cached: a weekly file's citations give the same few thousand dates again and again
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def uspc_symbol(text: str) -> str | None:
    """USPC as ``US:<class>/<subclass>[.<decimal>]`` from the USPTO's fixed-width form.

    A 3-character class, a 3-character subclass, then an optional decimal
    extension, zero-padded on the right: ``"715513"`` -> ``US:715/513``,
    ``"707  7"`` -> ``US:707/7``, ``"379 8802"`` -> ``US:379/88.02``,
    ``"600300000"`` -> ``US:600/300``, ``"257E21211"`` -> ``US:257/E21.211``,
    ``"D14138"`` -> ``US:D14/138``.
    """
    raw = text.rstrip()
    cls, sub, ext = raw[:3].strip(), raw[3:6].strip(), raw[6:].strip().rstrip("0")
    cls = cls.lstrip("0") if cls.isdigit() else cls
    sub = sub.lstrip("0") or "0" if sub.isdigit() else sub
    if not cls or not sub:
        return None
    return f"US:{cls}/{sub}" + (f".{ext}" if ext else "")


def dedupe(items: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def normalise_symbols(raw: Iterable[str]) -> tuple[list[str], list[str]]:
    """(compact IPC/CPC symbols, texts the classification helper could not read)."""
    symbols, unparsed = [], []
    for text in raw:
        try:
            symbols.append(normalize_symbol(text))
        except ClassificationError:
            unparsed.append(text)
    return dedupe(symbols), unparsed


def priority(country: str | None, number: str, date: dt.date | None) -> PriorityClaim:
    """A priority claim with the number normalised where the numbers helper can."""
    try:
        number = parse_application_number(number, default_country=country).normalized
        country = number[:2] if number[:2].isalpha() else country
    except NumberError:
        pass  # kept as written
    return PriorityClaim(country=country, number=number, date=date)


def citation(ids: dict[str, str], category: str | None) -> Citation:
    """A cited patent from the parts of its ``document-id`` (see :func:`citation_fields`)."""
    return Citation(**citation_fields(ids, category))


def citation_fields(ids: dict[str, str], category: str | None) -> dict[str, Any]:
    """The fields of a :class:`Citation`, for records that validate them all at once.

    A number the numbers helper cannot read is kept as written in ``ref``, with
    an empty ``match_key``.
    """
    raw = ids.get("doc-number", "")
    country = ids.get("country", "")
    if raw and not raw.startswith(country):  # some write "WO 02/25773" with country WO
        raw = country + raw
    raw += ids.get("kind", "") if raw else ""
    ref, key = cited_number(raw)
    date = parse_date(ids.get("date"))
    return {
        "ref": ref,
        "match_key": key,
        "category": category,
        "date": date,
        "name": ids.get("name"),
    }


@functools.lru_cache(maxsize=1 << 16)
def cited_number(raw: str) -> tuple[str, str]:
    """(publication id, match key) of a cited number, else (the text as written, "")."""
    try:
        number = parse_publication_number(raw, default_country="US")
    except NumberError:
        # Kept raw, not dropped: the citation is real, only its number is in a
        # form the numbers helper does not read.
        return raw, ""
    return number.id, number.match_key


def merge_parties(first: list[Party], then: list[Party]) -> list[Party]:
    """``first`` then ``then``, each (normalised) name once."""
    merged: dict[str, Party] = {}
    for party in first + then:
        if party.name:
            merged.setdefault(party.normalized_name or party.name, party)
    return list(merged.values())
