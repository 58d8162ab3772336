"""Snapshots: run a collection's definition once and store the members it gives, versioned.

:func:`compute` runs every query through
:meth:`~ipnav.search.service.SearchService.result_ids` in lexical mode with its
filters — the query's exact (Boolean) matches, all of them, never a ranking's top —
takes the union, adds the manual includes the store still holds and removes the
excludes; then each branch of the breakdown gets the members that match its query
(:mod:`ipnav.collections.breakdown` says how branches nest), by the same search
restricted to the candidate ids (``Filters.only_ids``).

:func:`write` stores the result as version n + 1 in one transaction, members in
batches (a 100,000-member snapshot is twenty 5,000-row inserts), and dates it: the
cut-off date is the latest publication date among the members, ``ingested_at`` the
store's latest write when the snapshot was made.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from ipnav.collections.breakdown import Branch, Breakdown, from_frozen
from ipnav.collections.errors import CollectionError, SearchUnavailable
from ipnav.collections.model import CollectionQuery, ManualAction, ManualEntry, Member, Snapshot
from ipnav.store.bulk import bulk_insert
from ipnav.store.schema import (
    collection_snapshot,
    collection_snapshot_branch,
    collection_snapshot_member,
    patent,
)

#: Rows per INSERT batch, and ids per search batch.
BATCH = 5_000
#: ``progress(stage, done, total)``: ``stage`` is ``query 1/3``, ``branches`` or ``write``.
Progress = Callable[[str, int, int | None], None]


@dataclass
class Computed:
    """What one run of the definition gave: members (id -> via) and branch members."""

    members: dict[str, str]
    queries: list[dict[str, Any]]
    manual: dict[str, Any]
    branches: Breakdown
    branch_members: dict[int, set[str]] = field(default_factory=dict)


def _quiet(_stage: str, _done: int, _total: int | None) -> None:
    return None


def _chunks(values: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` the store holds."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for chunk in _chunks(wanted, 500):
        found.update(conn.execute(select(patent.c.id).where(patent.c.id.in_(chunk))).scalars())
    return found


def compute(
    search: Any,
    conn: Connection,
    queries: Sequence[CollectionQuery],
    manual: Sequence[ManualEntry],
    breakdown: Breakdown,
    progress: Progress | None = None,
) -> Computed:
    """Run the definition (see the module docstring); ``search`` is a ``SearchService``."""
    from ipnav.collections.definition import stored_filters
    from ipnav.search.base import SearchQuery
    from ipnav.search.query.ast import free_text
    from ipnav.search.query.parser import parse_query
    from ipnav.search.service import SearchMode

    if search is None:
        raise SearchUnavailable(
            "refreshing a collection runs its queries, and the search index is missing; "
            "build it with `ipnav index`"
        )
    progress = progress or _quiet
    search.refresh(force=True)  # the index as it is now, not as this process opened it
    limit = search.lexical.count()
    found: dict[str, list[int]] = {}
    ran: list[dict[str, Any]] = []
    for number, query in enumerate(queries, start=1):
        filters = stored_filters(query.filters)
        node = parse_query(query.query)
        total = search.lexical.total(SearchQuery(node=node, text=free_text(node), filters=filters))
        stage = f"query {number}/{len(queries)}"
        progress(stage, 0, total)
        ids = search.result_ids(
            query.query, limit=limit, filters=filters, mode=SearchMode.LEXICAL, batch=BATCH
        )
        matches = 0
        while batch := list(itertools.islice(ids, BATCH)):
            for patent_id in batch:
                found.setdefault(patent_id, []).append(number)
            matches += len(batch)
            progress(stage, matches, total)
        ran.append(query.to_dict() | {"matches": matches})
    members = {pid: ",".join(map(str, numbers)) for pid, numbers in found.items()}
    includes = [m.patent_id for m in manual if m.action is ManualAction.include]
    excludes = {m.patent_id for m in manual if m.action is ManualAction.exclude}
    held = existing_ids(conn, includes)
    for patent_id in includes:
        if patent_id in held:
            members.setdefault(patent_id, "manual")
    removed = [pid for pid in excludes if members.pop(pid, None) is not None]
    record = {
        "included": len(held),
        "included_missing": len(includes) - len(held),  # deleted from the store since
        "excluded": len(removed),
    }
    computed = Computed(members=members, queries=ran, manual=record, branches=breakdown)
    if breakdown.branches:
        progress("branches", 0, len(breakdown))
        done = [0]

        def tick() -> None:
            done[0] += 1
            progress("branches", done[0], len(breakdown))

        tree = _assign(search, breakdown.branches, set(members), computed.branch_members, tick)
        computed.branches = Breakdown(tree)
    return computed


def _matching(search: Any, query: str, candidates: set[str]) -> set[str]:
    """Which ``candidates`` satisfy ``query``: a lexical search inside those ids."""
    from ipnav.search.base import Filters
    from ipnav.search.service import SearchMode

    if not candidates:
        return set()
    filters = Filters(only_ids=frozenset(candidates))
    return set(
        search.result_ids(
            query, limit=len(candidates), filters=filters, mode=SearchMode.LEXICAL, batch=BATCH
        )
    )


def _assign(
    search: Any,
    branches: Sequence[Branch],
    candidates: set[str],
    out: dict[int, set[str]],
    tick: Callable[[], None],
) -> tuple[Branch, ...]:
    """Members of each branch (into ``out`` by branch id); the branches with their counts."""
    done = []
    for branch in branches:
        if branch.query:
            mine = _matching(search, branch.query, candidates)
            children = _assign(search, branch.children, mine, out, tick)
        else:  # a heading: what its children hold, each child judged among the candidates
            children = _assign(search, branch.children, candidates, out, tick)
            mine = set().union(*(out.get(c.id, set()) for c in children if c.id is not None))
        if branch.id is not None:
            out[branch.id] = mine
        tick()
        done.append(
            Branch(
                id=branch.id,
                name_zh=branch.name_zh,
                name_en=branch.name_en,
                query=branch.query,
                children=children,
                members=len(mine),
            )
        )
    return tuple(done)


def write(
    conn: Connection,
    collection_id: int,
    computed: Computed,
    *,
    created_by: str | None,
    note: str | None,
) -> int:
    """Store ``computed`` as the collection's next version; returns the snapshot id.

    Reports no progress: a progress callback that writes to the same database (a job's
    row) would wait on this transaction's lock.
    """
    version = (
        conn.execute(
            select(func.max(collection_snapshot.c.version)).where(
                collection_snapshot.c.collection_id == collection_id
            )
        ).scalar()
        or 0
    ) + 1
    ingested_at = conn.execute(select(func.max(patent.c.updated_at))).scalar()
    try:
        snapshot_id = conn.execute(
            collection_snapshot.insert().values(
                collection_id=collection_id,
                version=version,
                created_at=dt.datetime.now(dt.UTC),
                created_by=created_by,
                ingested_at=ingested_at,
                member_count=len(computed.members),
                queries=computed.queries,
                manual=computed.manual,
                branches=computed.branches.to_list(),
                note=note,
            )
        ).inserted_primary_key[0]
    except IntegrityError:
        raise CollectionError(
            "another refresh of this collection finished first; refresh it again"
        ) from None
    rows = [
        {"snapshot_id": snapshot_id, "patent_id": pid, "via": via}
        for pid, via in sorted(computed.members.items())
    ]
    for chunk in _chunks(rows):
        bulk_insert(conn, collection_snapshot_member, list(chunk))
    pairs = [
        {"snapshot_id": snapshot_id, "branch_id": branch_id, "patent_id": pid}
        for branch_id, ids in computed.branch_members.items()
        for pid in sorted(ids)
    ]
    for chunk in _chunks(pairs):
        bulk_insert(conn, collection_snapshot_branch, list(chunk))
    cutoff = conn.execute(
        select(func.max(patent.c.publication_date))
        .select_from(
            collection_snapshot_member.join(
                patent, patent.c.id == collection_snapshot_member.c.patent_id
            )
        )
        .where(collection_snapshot_member.c.snapshot_id == snapshot_id)
    ).scalar()
    conn.execute(
        collection_snapshot.update()
        .where(collection_snapshot.c.id == snapshot_id)
        .values(cutoff_date=cutoff)
    )
    return snapshot_id


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def snapshot_of(row: Mapping[str, Any]) -> Snapshot:
    """A :class:`Snapshot` of a ``collection_snapshot`` row."""
    created = _aware(row["created_at"])
    assert created is not None
    return Snapshot(
        id=row["id"],
        collection_id=row["collection_id"],
        version=row["version"],
        created_at=created,
        created_by=row["created_by"],
        cutoff_date=row["cutoff_date"],
        ingested_at=_aware(row["ingested_at"]),
        member_count=row["member_count"],
        queries=list(row["queries"] or []),
        manual=dict(row["manual"] or {}),
        branches=from_frozen(row["branches"]),
        note=row["note"],
    )


def members(
    conn: Connection,
    snapshot_id: int,
    *,
    offset: int = 0,
    limit: int = 50,
    branch_id: int | None = None,
) -> tuple[int, list[Member]]:
    """``(total, page)`` of a snapshot's members, newest publication first.

    With ``branch_id``, only the members of that branch of the snapshot's tree.
    """
    m = collection_snapshot_member
    where = [m.c.snapshot_id == snapshot_id]
    if branch_id is not None:
        b = collection_snapshot_branch
        where.append(
            m.c.patent_id.in_(
                select(b.c.patent_id).where(
                    b.c.snapshot_id == snapshot_id, b.c.branch_id == branch_id
                )
            )
        )
    total = conn.execute(select(func.count()).select_from(m).where(*where)).scalar_one()
    rows = conn.execute(
        select(m.c.patent_id, m.c.via)
        .select_from(m.outerjoin(patent, patent.c.id == m.c.patent_id))
        .where(*where)
        .order_by(patent.c.publication_date.desc().nulls_last(), m.c.patent_id)
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [row[0] for row in rows]
    branches: dict[str, list[int]] = {}
    if ids:
        b = collection_snapshot_branch
        for branch, pid in conn.execute(
            select(b.c.branch_id, b.c.patent_id)
            .where(b.c.snapshot_id == snapshot_id, b.c.patent_id.in_(ids))
            .order_by(b.c.branch_id)
        ):
            branches.setdefault(pid, []).append(branch)
    return total, [Member(pid, via, tuple(branches.get(pid, ()))) for pid, via in rows]


def member_ids(conn: Connection, snapshot_id: int) -> list[str]:
    """Every member id of a snapshot, in id order."""
    m = collection_snapshot_member
    return list(
        conn.execute(
            select(m.c.patent_id).where(m.c.snapshot_id == snapshot_id).order_by(m.c.patent_id)
        ).scalars()
    )


def delete_snapshots(conn: Connection, snapshot_ids: Sequence[int]) -> None:
    """Remove snapshots with their member and branch rows."""
    for table in (collection_snapshot_branch, collection_snapshot_member):
        conn.execute(table.delete().where(table.c.snapshot_id.in_(list(snapshot_ids))))
    conn.execute(
        collection_snapshot.delete().where(collection_snapshot.c.id.in_(list(snapshot_ids)))
    )
