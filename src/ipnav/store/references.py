"""The store's side of a record's references: which numbers it names are stored, who cites it.

A patent page links a family member or a citation only when the store holds it
(:func:`stored_ids`, one query per 500 numbers, by id or by country + number
whatever the kind), and lists *cited by* in both senses: what the source says,
and every stored record whose own citations name this one
(:func:`citing_ids`, from the ``patent_citation`` table's ``cited_match_key``
index) — so a corpus that gives only backward citations still shows forward ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from ipnav.model.numbers import NumberError, match_key
from ipnav.model.record import PatentRecord
from ipnav.store.patents import PatentStore, match_key_of
from ipnav.store.schema import patent, patent_citation

CHUNK = 500


def _key(ref: str) -> str:
    try:
        return match_key(ref)
    except NumberError:  # not a number (a source's own id): matched as written
        return ref


def stored_ids(store: PatentStore, refs: Iterable[str]) -> dict[str, str]:
    """``ref -> stored id`` for each of ``refs`` the store holds (absent refs left out).

    The exact id wins; otherwise the stored publication of the same country and
    number (``EP0495168A1`` finds ``EP0495168B1``), the smallest id when several.
    """
    wanted = list(dict.fromkeys(ref for ref in refs if ref))
    keys = {ref: _key(ref) for ref in wanted}
    ids: set[str] = set()
    by_key: dict[str, str] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), CHUNK):
            part = wanted[start : start + CHUNK]
            query = select(patent.c.id, patent.c.match_key).where(
                or_(patent.c.id.in_(part), patent.c.match_key.in_({keys[r] for r in part}))
            )
            for patent_id, key in conn.execute(query):
                ids.add(patent_id)
                if key not in by_key or patent_id < by_key[key]:
                    by_key[key] = patent_id
    found: dict[str, str] = {}
    for ref in wanted:
        if ref in ids:
            found[ref] = ref
        elif keys[ref] in by_key:
            found[ref] = by_key[keys[ref]]
    return found


def citing_ids(store: PatentStore, record: PatentRecord, limit: int = 500) -> list[str]:
    """Ids of stored records (other than ``record``) whose citations name ``record``."""
    query = (
        select(patent_citation.c.patent_id)
        .where(patent_citation.c.cited_match_key == match_key_of(record))
        .where(patent_citation.c.patent_id != record.id)
        .distinct()
        .order_by(patent_citation.c.patent_id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return list(conn.execute(query).scalars())
