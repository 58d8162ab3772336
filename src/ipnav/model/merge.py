"""Merging what several sources say about one publication into one canonical record.

The same patent reaches ipnav from several datasets (a grant in the NVIDIA
portfolio and in a random USPTO sample; a PEDS prosecution history of a granted
application). Records are grouped by ``match_key`` (country + number, kind
dropped) and merged:

* records whose kinds agree (or that do not state a kind) are one
  publication; records of different kinds (``EP0049154A1`` / ``EP0049154B1``)
  are different publications and stay apart, and a kind-less record whose
  kind is then ambiguous stays a publication of its own rather than being
  attached to a guess;
* within a publication the richest source (most filled fields) leads: its
  scalar values win, the others only fill gaps; list fields (classifications,
  family, citations, events) are united without duplicates; parties
  (applicants, inventors) are taken whole from the first source that has
  them, because uniting two spellings of the same list would double them.

The result depends only on the set of source records, not on the order they
were ingested in, so re-ingesting in any order gives the same store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ipnav.model.record import Citation, LegalEvent, PatentRecord

_SCALARS = (
    "country",
    "number",
    "kind",
    "application_number",
    "filing_date",
    "publication_date",
    "grant_date",
    "claims_count",
    "family_id",
    "legal_status",
)
_TEXTS = ("title", "abstract", "claims", "description")
_STR_LISTS = ("ipc", "cpc", "national_classes", "family", "cited_by", "npl_citations")
_PARTIES = ("applicants", "inventors", "agents", "examiners", "priority_claims")


@dataclass(frozen=True)
class SourceRow:
    """One stored source record, as the merge sees it."""

    dataset: str
    source_key: str
    record: PatentRecord


@dataclass(frozen=True)
class Merged:
    """A canonical publication and the source rows it was built from."""

    record: PatentRecord
    members: tuple[SourceRow, ...]


def _richness(record: PatentRecord) -> int:
    filled = record.model_dump(exclude_defaults=True)
    return len(filled) + len(record.languages)


def _order(rows: Sequence[SourceRow]) -> list[SourceRow]:
    return sorted(rows, key=lambda r: (-_richness(r.record), r.dataset, r.source_key))


def _publications(rows: Sequence[SourceRow]) -> list[list[SourceRow]]:
    kinds = sorted({r.record.kind for r in rows if r.record.kind})
    if len(kinds) <= 1:
        return [list(rows)]
    groups = [[r for r in rows if r.record.kind == kind] for kind in kinds]
    kindless = [r for r in rows if not r.record.kind]
    return [*groups, kindless] if kindless else groups


def _unite(first: list, second: list, key=lambda item: item) -> list:
    seen = {key(item) for item in first}
    united = list(first)
    for item in second:
        k = key(item)
        if k not in seen:
            seen.add(k)
            united.append(item)
    return united


def merge_records(records: Sequence[PatentRecord]) -> PatentRecord:
    """Merge records of one publication, the first one leading (see module doc)."""
    if len(records) == 1:
        return records[0]
    merged = records[0].model_copy(deep=True)
    for other in records[1:]:
        for name in _SCALARS:
            if getattr(merged, name) is None and getattr(other, name) is not None:
                setattr(merged, name, getattr(other, name))
        for name in _TEXTS:
            texts = getattr(merged, name)
            for lang, value in getattr(other, name).items():
                if value and not texts.get(lang):
                    texts[lang] = value
                    for flagged in other.machine_translated:
                        if flagged == f"{name}.{lang}" and flagged not in merged.machine_translated:
                            merged.machine_translated.append(flagged)
        for name in _STR_LISTS:
            setattr(merged, name, _unite(getattr(merged, name), getattr(other, name)))
        for name in _PARTIES:
            if not getattr(merged, name) and getattr(other, name):
                setattr(merged, name, [p.model_copy() for p in getattr(other, name)])
        merged.cited_patents = _unite(merged.cited_patents, other.cited_patents, key=_citation_key)
        merged.legal_events = sorted(
            _unite(merged.legal_events, other.legal_events, key=_event_key),
            key=lambda e: (e.date is None, e.date, e.code or ""),
        )
        merged.sources = _unite(
            merged.sources, other.sources, key=lambda s: (s.dataset, s.source_id)
        )
        for dataset, facts in other.extra.items():
            merged.extra.setdefault(dataset, facts)
    return merged


def merge_group(rows: Sequence[SourceRow]) -> list[Merged]:
    """Canonical publications for all source rows that share one ``match_key``."""
    result = []
    for members in _publications(rows):
        ordered = _order(members) if len(members) > 1 else members
        record = merge_records([row.record for row in ordered])
        with_kind = next((row.record for row in ordered if row.record.kind), None)
        record.id = with_kind.id if with_kind else ordered[0].record.id
        if with_kind:
            record.kind = with_kind.kind
        result.append(Merged(record=record, members=tuple(ordered)))
    return result


def _citation_key(citation: Citation) -> str:
    return citation.match_key or citation.ref


def _event_key(event: LegalEvent) -> tuple:
    return (event.date, event.code, event.description)
