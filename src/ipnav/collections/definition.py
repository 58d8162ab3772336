"""A collection's definition in the database: queries, shares, manual ids, breakdown.

The functions here check a part of the definition (a query parses, an id is in the
store, an organisation exists) and write it inside the caller's transaction; the
service (:mod:`ipnav.collections.service`) decides who may call them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, select

from ipnav.collections.access import Principal, Visibility, organisation_ids
from ipnav.collections.breakdown import Breakdown, from_rows
from ipnav.collections.errors import CollectionError, UnknownPatent
from ipnav.collections.model import (
    MAX_MANUAL,
    MAX_NOTE_CHARS,
    MAX_QUERY_CHARS,
    CollectionQuery,
    ManualAction,
    ManualEntry,
    QueryMode,
)
from ipnav.collections.snapshots import existing_ids
from ipnav.errors import IpnavError
from ipnav.store.schema import (
    collection_branch,
    collection_manual,
    collection_query,
    collection_share,
    organisation,
)

QueryInput = str | CollectionQuery | Mapping[str, Any]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def stored_filters(params: Mapping[str, Any] | None) -> Any:
    """The :class:`~ipnav.search.base.Filters` of a query's stored filter JSON."""
    from ipnav.jobs.export import filters_from_params

    try:
        return filters_from_params(dict(params or {}))
    except IpnavError as exc:
        raise CollectionError(str(exc)) from None


def filters_json(filters: Any) -> dict[str, Any]:
    """Filter JSON to store: from a ``Filters`` or from JSON (checked by reading it back)."""
    from ipnav.jobs.export import filters_to_params
    from ipnav.search.base import Filters

    if isinstance(filters, Filters):
        return filters_to_params(filters)
    return filters_to_params(stored_filters(filters))


def check_query(value: QueryInput) -> CollectionQuery:
    """A collection query from text, a :class:`CollectionQuery` or ``{query, mode, filters}``."""
    from ipnav.search.query.parser import parse_query

    if isinstance(value, str):
        value = CollectionQuery(query=value)
    elif isinstance(value, Mapping):
        unknown = sorted(set(value) - {"query", "mode", "filters"})
        if unknown:
            raise CollectionError(
                f"unknown query field(s) {', '.join(unknown)[:80]}; known: query, mode, filters"
            )
        text = value.get("query")
        if not isinstance(text, str):
            raise CollectionError('each query needs its text: {"query": "TA=(膜 AND 污水)"}')
        mode = str(value.get("mode") or QueryMode.lexical.value)
        try:
            parsed_mode = QueryMode(mode)
        except ValueError:
            known = ", ".join(m.value for m in QueryMode)
            raise CollectionError(f"query mode {mode[:20]!r} is not one of {known}") from None
        value = CollectionQuery(text, parsed_mode, value.get("filters") or {})
    text = " ".join(value.query.split())
    if not text:
        raise CollectionError("a collection query is empty; write the query, e.g. TA=(膜 AND 污水)")
    if len(text) > MAX_QUERY_CHARS:
        raise CollectionError(f"a query is longer than {MAX_QUERY_CHARS:,} characters")
    parse_query(text)  # a malformed query fails now, with its position
    return CollectionQuery(text, value.mode, filters_json(value.filters))


def check_text(value: str | None, limit: int, what: str) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > limit:
        raise CollectionError(f"the {what} is longer than {limit:,} characters; shorten it")
    return value.strip()


def share_names(conn: Connection, cid: int) -> list[str]:
    """Names of the organisations the collection is shared with."""
    return list(
        conn.execute(
            select(organisation.c.name)
            .select_from(collection_share.join(organisation))
            .where(collection_share.c.collection_id == cid)
            .order_by(organisation.c.name)
        ).scalars()
    )


def read_queries(conn: Connection, cid: int) -> list[CollectionQuery]:
    return [
        CollectionQuery(r["query"], QueryMode(r["mode"]), dict(r["filters"] or {}))
        for r in conn.execute(
            select(collection_query)
            .where(collection_query.c.collection_id == cid)
            .order_by(collection_query.c.position)
        ).mappings()
    ]


def read_manual(conn: Connection, cid: int) -> list[ManualEntry]:
    return [
        ManualEntry(
            r["patent_id"],
            ManualAction(r["action"]),
            r["note"],
            r["added_by"],
            aware(r["added_at"]),
        )
        for r in conn.execute(
            select(collection_manual)
            .where(collection_manual.c.collection_id == cid)
            .order_by(collection_manual.c.added_at, collection_manual.c.patent_id)
        ).mappings()
    ]


def read_breakdown(conn: Connection, cid: int) -> Breakdown:
    rows = conn.execute(select(collection_branch).where(collection_branch.c.collection_id == cid))
    return from_rows(rows.mappings().all())


def set_shares(conn: Connection, cid: int, visibility: Visibility, names: list[str]) -> None:
    names = [n.strip() for n in names if n and n.strip()]
    if names and visibility is not Visibility.shared:
        raise CollectionError(
            "only a shared collection lists organisations to share with; "
            "set the visibility to shared"
        )
    if visibility is Visibility.shared and not names:
        raise CollectionError(
            "a shared collection needs the organisations it is shared with (--share-with)"
        )
    found = organisation_ids(conn, names)
    conn.execute(delete(collection_share).where(collection_share.c.collection_id == cid))
    for org_id in dict.fromkeys(found[n] for n in names):
        conn.execute(collection_share.insert().values(collection_id=cid, organisation_id=org_id))


def set_queries(conn: Connection, cid: int, queries: Sequence[CollectionQuery]) -> None:
    conn.execute(delete(collection_query).where(collection_query.c.collection_id == cid))
    for position, query in enumerate(queries, start=1):
        conn.execute(
            collection_query.insert().values(
                collection_id=cid,
                position=position,
                query=query.query,
                mode=query.mode.value,
                filters=dict(query.filters),
            )
        )


def set_manual(
    conn: Connection,
    cid: int,
    ids: list[str],
    action: ManualAction,
    principal: Principal,
    note: str | None,
) -> None:
    wanted = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
    if not wanted:
        return
    note = check_text(note, MAX_NOTE_CHARS, "note")
    resolved = resolve_ids(conn, wanted)
    present = conn.execute(
        select(func.count())
        .select_from(collection_manual)
        .where(collection_manual.c.collection_id == cid)
    ).scalar_one()
    if present + len(resolved) > MAX_MANUAL:
        raise CollectionError(
            f"a collection keeps at most {MAX_MANUAL:,} manual includes and excludes; "
            "define the rest by a query"
        )
    conn.execute(
        delete(collection_manual).where(
            collection_manual.c.collection_id == cid,
            collection_manual.c.patent_id.in_(resolved),
        )
    )
    now = utcnow()
    for patent_id in resolved:
        conn.execute(
            collection_manual.insert().values(
                collection_id=cid,
                patent_id=patent_id,
                action=action.value,
                note=note,
                added_by=principal.name or None,
                added_at=now,
            )
        )


def resolve_ids(conn: Connection, wanted: list[str]) -> list[str]:
    """Store ids of ``wanted``: ids as stored, else a number form the store finds once."""
    from ipnav.model.numbers import NumberError
    from ipnav.store.patents import PatentStore

    held = existing_ids(conn, wanted)
    out = []
    for value in wanted:
        if value in held:
            out.append(value)
            continue
        try:
            found = PatentStore(conn.engine).find(value)
        except NumberError:
            found = []
        if len(found) != 1:
            raise UnknownPatent(
                f"no patent {value[:80]!r} in the store; give ids as search results and "
                "`ipnav show` print them (e.g. CN112345678A)"
            )
        out.append(found[0].id)
    return list(dict.fromkeys(out))


def set_branches(conn: Connection, cid: int, tree: Breakdown) -> None:
    conn.execute(
        delete(collection_branch).where(
            collection_branch.c.collection_id == cid,
            collection_branch.c.parent_id.is_not(None),
        )
    )
    conn.execute(delete(collection_branch).where(collection_branch.c.collection_id == cid))
    position = 0

    def insert(branches, parent_id: int | None) -> None:
        nonlocal position
        for branch in branches:
            position += 1
            new_id = conn.execute(
                collection_branch.insert().values(
                    collection_id=cid,
                    parent_id=parent_id,
                    position=position,
                    name_zh=branch.name_zh,
                    name_en=branch.name_en,
                    query=branch.query,
                )
            ).inserted_primary_key[0]
            insert(branch.children, new_id)

    insert(tree.branches, None)
