"""Thematic databases (专题数据库): named collections of patents, their access and snapshots.

:class:`Collections` is the one entry point the CLI, the web app and the jobs use. A
collection is defined by queries (each with filters), manual includes and excludes
and a technology breakdown; :meth:`Collections.refresh` turns the definition into a
numbered snapshot (:mod:`ipnav.collections.snapshots`). Every call takes the acting
:class:`~ipnav.collections.access.Principal` and applies the rules of
:mod:`ipnav.collections.access`: a collection the principal may not see is answered
exactly like one that does not exist.

A collection is named by ``NAME`` — resolved among the collections the principal
sees: their own organisation's first, then the platform's, then the only one of that
name — or by ``ORG:NAME`` when several organisations use the name (``:NAME``: the
platform's, made by the operator without an organisation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select

from ipnav.accounts import audit
from ipnav.collections import definition, snapshots
from ipnav.collections.access import (
    EDITOR,
    Principal,
    Visibility,
    may_edit,
    organisation_ids,
    visible_clause,
)
from ipnav.collections.breakdown import Breakdown, parse_breakdown
from ipnav.collections.definition import QueryInput, aware, utcnow
from ipnav.collections.errors import (
    AmbiguousCollection,
    CollectionError,
    CollectionExists,
    CollectionNotAllowed,
    CollectionNotFound,
    SnapshotNotFound,
)
from ipnav.collections.model import (
    MAX_DESCRIPTION_CHARS,
    MAX_NOTE_CHARS,
    MAX_QUERIES,
    MAX_TITLE_CHARS,
    Collection,
    ManualAction,
    Member,
    Snapshot,
    check_name,
    parse_ref,
)
from ipnav.collections.snapshots import Progress
from ipnav.store.schema import (
    collection,
    collection_branch,
    collection_manual,
    collection_query,
    collection_share,
    collection_snapshot,
    organisation,
)


def _pick(principal: Principal, rows: Sequence[Any], owner: Any) -> Any:
    """Which of the visible collections sharing a name a plain ``NAME`` means (None: unclear).

    The only one; else the principal's own organisation's; else the platform's.
    """
    if len(rows) == 1:
        return rows[0]
    if principal.organisation_id is not None:
        for row in rows:
            if owner(row) == principal.organisation_id:
                return row
    for row in rows:
        if owner(row) is None:
            return row
    return None


class Collections:
    """The collections in the database of ``engine``; ``search`` runs refreshes.

    ``search`` (a :class:`~ipnav.search.service.SearchService`) may be None where
    only reading is needed (a page whose index is missing can still list them).
    """

    def __init__(self, engine: Engine, search: Any = None) -> None:
        self.engine = engine
        self.search = search

    # -- who is asking -------------------------------------------------------------

    def principal(self, user: Any) -> Principal:
        """The principal of an :class:`ipnav.accounts.User` (its organisation id looked up)."""
        org_id = None
        if getattr(user, "organisation", None):
            with self.engine.connect() as conn:
                org_id = conn.execute(
                    select(organisation.c.id).where(organisation.c.name == user.organisation)
                ).scalar()
        return Principal(
            user_id=user.id, organisation_id=org_id, role=user.role, name=user.email or ""
        )

    # -- reading -------------------------------------------------------------------

    @staticmethod
    def _select():
        return select(collection, organisation.c.name.label("owner")).select_from(
            collection.outerjoin(organisation, collection.c.owner_org_id == organisation.c.id)
        )

    def _find(self, conn: Connection, principal: Principal, ref: str) -> Mapping[str, Any]:
        """The row of the collection ``ref`` names among those ``principal`` sees."""
        org, name = parse_ref(ref)
        query = self._select().where(collection.c.name == name, visible_clause(principal))
        if org == "":
            query = query.where(collection.c.owner_org_id.is_(None))
        elif org is not None:
            query = query.where(organisation.c.name == org)
        rows = conn.execute(query.order_by(collection.c.id)).mappings().all()
        if not rows:
            raise CollectionNotFound(
                f"no collection {str(ref)[:120]!r}; see `ipnav collection list` or /collections"
            )
        picked = _pick(principal, rows, lambda r: r["owner_org_id"])
        if picked is None:
            names = ", ".join(f"{r['owner']}:{r['name']}" for r in rows)
            raise AmbiguousCollection(
                f"several organisations have a collection {name!r} ({names}); name one as ORG:NAME"
            )
        return picked

    def _load(
        self, conn: Connection, row: Mapping[str, Any], principal: Principal, *, full: bool = True
    ) -> Collection:
        cid = row["id"]
        latest_row = (
            conn.execute(
                select(collection_snapshot)
                .where(collection_snapshot.c.collection_id == cid)
                .order_by(collection_snapshot.c.version.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        count = conn.execute(
            select(func.count())
            .select_from(collection_snapshot)
            .where(collection_snapshot.c.collection_id == cid)
        ).scalar_one()
        return Collection(
            id=cid,
            name=row["name"],
            title=row["title"],
            description=row["description"],
            visibility=row["visibility"],
            owner_org_id=row["owner_org_id"],
            owner=row["owner"],
            created_by=row["created_by"],
            created_at=aware(row["created_at"]),
            updated_at=aware(row["updated_at"]),
            shared_with=tuple(definition.share_names(conn, cid)),
            queries=tuple(definition.read_queries(conn, cid)),
            manual=tuple(definition.read_manual(conn, cid)) if full else (),
            breakdown=definition.read_breakdown(conn, cid) if full else Breakdown(),
            latest=snapshots.snapshot_of(latest_row) if latest_row else None,
            snapshot_count=count,
            editable=may_edit(principal, row["owner_org_id"]),
        )

    def _by_id(self, conn: Connection, principal: Principal, cid: int) -> Collection:
        row = conn.execute(self._select().where(collection.c.id == cid)).mappings().one()
        return self._load(conn, row, principal)

    def get(self, principal: Principal, ref: str) -> Collection:
        """The collection ``ref`` (see the module docstring) as ``principal`` sees it."""
        with self.engine.connect() as conn:
            return self._load(conn, self._find(conn, principal, ref), principal)

    def list_visible(self, principal: Principal) -> list[Collection]:
        """Every collection ``principal`` may see, by title (without includes and tree)."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    self._select()
                    .where(visible_clause(principal))
                    .order_by(collection.c.title, collection.c.id)
                )
                .mappings()
                .all()
            )
            return [self._load(conn, row, principal, full=False) for row in rows]

    def ref_for(self, principal: Principal, item: Collection, among: Sequence[Collection]) -> str:
        """How links name ``item`` for ``principal``: ``NAME`` where that resolves to it
        among the visible collections ``among``, else ``ORG:NAME``."""
        same = [c for c in among if c.name == item.name]
        picked = _pick(principal, same, lambda c: c.owner_org_id)
        return item.name if picked is not None and picked.id == item.id else item.qualified

    def editable(self, principal: Principal, ref: str) -> Collection:
        """The collection ``ref`` if ``principal`` may change it (else the error saying why)."""
        with self.engine.connect() as conn:
            return self._load(conn, self._editable(conn, principal, ref), principal)

    def _editable(self, conn: Connection, principal: Principal, ref: str) -> Mapping[str, Any]:
        row = self._find(conn, principal, ref)
        if not may_edit(principal, row["owner_org_id"]):
            owner = row["owner"] or "the platform"
            raise CollectionNotAllowed(
                f"only analysts and administrators of {owner} change collection {row['name']!r}"
            )
        return row

    # -- creating and changing -----------------------------------------------------

    def create(
        self,
        principal: Principal,
        name: str,
        *,
        queries: Iterable[QueryInput] = (),
        title: str | None = None,
        description: str | None = None,
        org: str | None = None,
        visibility: str | Visibility = Visibility.private,
        shared_with: Iterable[str] = (),
        includes: Iterable[str] = (),
        excludes: Iterable[str] = (),
        breakdown: Any = None,
    ) -> Collection:
        """A new collection (no snapshot yet: :meth:`refresh` makes the first).

        Analysts and administrators create collections of their own organisation; a
        system admin (and the CLI's operator) of any organisation named by ``org``.
        """
        name = check_name(name)
        if principal.role < EDITOR:
            raise CollectionNotAllowed(
                f"creating a collection needs the role {EDITOR.name} or higher; "
                f"you are {principal.role.name}"
            )
        checked = [definition.check_query(q) for q in queries]
        if len(checked) > MAX_QUERIES:
            raise CollectionError(f"a collection has at most {MAX_QUERIES} queries")
        tree = parse_breakdown(breakdown)
        chosen = Visibility.parse(visibility)
        includes, excludes = list(includes), list(excludes)
        if not checked and not includes:
            raise CollectionError(
                "give the collection at least one query (--query) or a patent id to include"
            )
        now = utcnow()
        with self.engine.begin() as conn:
            owner = principal.organisation_id
            if org and org.strip():
                owner = organisation_ids(conn, [org])[org.strip()]
                if not principal.sees_all and owner != principal.organisation_id:
                    raise CollectionNotAllowed(
                        "you create collections for your own organisation only"
                    )
            elif owner is None and not principal.sees_all:
                raise CollectionNotAllowed(
                    "your account belongs to no organisation; ask an administrator to set one"
                )
            clash = select(collection.c.id).where(collection.c.name == name)
            clash = clash.where(
                collection.c.owner_org_id.is_(None)
                if owner is None
                else collection.c.owner_org_id == owner
            )
            if conn.execute(clash).first() is not None:
                raise CollectionExists(
                    f"there is a collection {name!r} of this organisation already; "
                    "choose another name or change that one"
                )
            cid = conn.execute(
                collection.insert().values(
                    name=name,
                    owner_org_id=owner,
                    title=definition.check_text(title, MAX_TITLE_CHARS, "title") or name,
                    description=definition.check_text(
                        description, MAX_DESCRIPTION_CHARS, "description"
                    ),
                    visibility=chosen.value,
                    created_by=principal.name or None,
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
            definition.set_shares(conn, cid, chosen, list(shared_with))
            definition.set_queries(conn, cid, checked)
            definition.set_manual(conn, cid, includes, ManualAction.include, principal, None)
            definition.set_manual(conn, cid, excludes, ManualAction.exclude, principal, None)
            definition.set_branches(conn, cid, tree)
            audit.record(
                conn,
                "collection.create",
                actor=principal.name or None,
                target=name,
                details={"visibility": chosen.value, "queries": len(checked)},
            )
            return self._by_id(conn, principal, cid)

    def edit(
        self,
        principal: Principal,
        ref: str,
        *,
        title: str | None = None,
        description: str | None = None,
        visibility: str | Visibility | None = None,
        shared_with: Iterable[str] | None = None,
        queries: Iterable[QueryInput] | None = None,
        breakdown: Any = None,
    ) -> Collection:
        """Change what is given (None: keep); ``queries`` and ``breakdown`` replace the old.

        The snapshots are not touched: :meth:`refresh` makes one of the new definition.
        """
        checked = None if queries is None else [definition.check_query(q) for q in queries]
        if checked is not None and len(checked) > MAX_QUERIES:
            raise CollectionError(f"a collection has at most {MAX_QUERIES} queries")
        tree = None if breakdown is None else parse_breakdown(breakdown)
        with self.engine.begin() as conn:
            row = self._editable(conn, principal, ref)
            cid = row["id"]
            values: dict[str, Any] = {"updated_at": utcnow()}
            if title is not None:
                values["title"] = (
                    definition.check_text(title, MAX_TITLE_CHARS, "title") or row["name"]
                )
            if description is not None:
                values["description"] = definition.check_text(
                    description, MAX_DESCRIPTION_CHARS, "description"
                )
            chosen = Visibility(row["visibility"])
            if visibility is not None:
                chosen = Visibility.parse(visibility)
                values["visibility"] = chosen.value
            if visibility is not None or shared_with is not None:
                names = list(shared_with) if shared_with is not None else []
                if shared_with is None and chosen is Visibility.shared:
                    names = definition.share_names(conn, cid)  # still shared: with the same
                definition.set_shares(conn, cid, chosen, names)
            if checked is not None:
                definition.set_queries(conn, cid, checked)
            if tree is not None:
                definition.set_branches(conn, cid, tree)
            conn.execute(collection.update().where(collection.c.id == cid).values(**values))
            audit.record(
                conn,
                "collection.edit",
                actor=principal.name or None,
                target=row["name"],
                details={k: str(v) for k, v in values.items() if k != "updated_at"},
            )
            return self._by_id(conn, principal, cid)

    def add_query(self, principal: Principal, ref: str, query: QueryInput) -> Collection:
        """Append one query to the definition."""
        current = self.get(principal, ref)
        return self.edit(principal, current.qualified, queries=[*current.queries, query])

    def remove_query(self, principal: Principal, ref: str, position: int) -> Collection:
        """Remove query number ``position`` (1-based, as listed)."""
        current = self.get(principal, ref)
        if not 1 <= position <= len(current.queries):
            raise CollectionError(
                f"collection {current.name!r} has {len(current.queries)} queries; "
                f"there is no query {position}"
            )
        kept = [q for i, q in enumerate(current.queries, start=1) if i != position]
        return self.edit(principal, current.qualified, queries=kept)

    def include(
        self, principal: Principal, ref: str, ids: Iterable[str], *, note: str | None = None
    ) -> Collection:
        """Add patents to the collection whatever its queries find (checked against the store)."""
        return self._manual(principal, ref, ids, ManualAction.include, note)

    def exclude(
        self, principal: Principal, ref: str, ids: Iterable[str], *, note: str | None = None
    ) -> Collection:
        """Keep patents out of the collection even when its queries find them."""
        return self._manual(principal, ref, ids, ManualAction.exclude, note)

    def forget(self, principal: Principal, ref: str, ids: Iterable[str]) -> Collection:
        """Drop manual includes or excludes: the queries alone decide again."""
        with self.engine.begin() as conn:
            row = self._editable(conn, principal, ref)
            conn.execute(
                delete(collection_manual).where(
                    collection_manual.c.collection_id == row["id"],
                    collection_manual.c.patent_id.in_(list(ids)),
                )
            )
            return self._by_id(conn, principal, row["id"])

    def set_breakdown(self, principal: Principal, ref: str, breakdown: Any) -> Collection:
        """Replace the technology breakdown (indented text or nested dicts)."""
        return self.edit(principal, ref, breakdown=breakdown if breakdown is not None else [])

    def _manual(
        self, principal: Principal, ref: str, ids: Iterable[str], action: ManualAction, note
    ) -> Collection:
        with self.engine.begin() as conn:
            row = self._editable(conn, principal, ref)
            definition.set_manual(conn, row["id"], list(ids), action, principal, note)
            conn.execute(
                collection.update().where(collection.c.id == row["id"]).values(updated_at=utcnow())
            )
            return self._by_id(conn, principal, row["id"])

    def delete(self, principal: Principal, ref: str) -> None:
        """Delete the collection with all its snapshots."""
        with self.engine.begin() as conn:
            row = self._editable(conn, principal, ref)
            cid = row["id"]
            ids = list(
                conn.execute(
                    select(collection_snapshot.c.id).where(
                        collection_snapshot.c.collection_id == cid
                    )
                ).scalars()
            )
            snapshots.delete_snapshots(conn, ids)
            conn.execute(
                delete(collection_branch).where(
                    collection_branch.c.collection_id == cid,
                    collection_branch.c.parent_id.is_not(None),
                )
            )
            for table in (
                collection_branch,
                collection_manual,
                collection_query,
                collection_share,
            ):
                conn.execute(delete(table).where(table.c.collection_id == cid))
            conn.execute(delete(collection).where(collection.c.id == cid))
            audit.record(
                conn,
                "collection.delete",
                actor=principal.name or None,
                target=row["name"],
                details={"snapshots": len(ids)},
            )

    # -- snapshots -------------------------------------------------------------------

    def refresh(
        self,
        principal: Principal,
        ref: str,
        *,
        note: str | None = None,
        progress: Progress | None = None,
    ) -> Snapshot:
        """Run the definition now and store it as the next snapshot (version n + 1)."""
        note = definition.check_text(note, MAX_NOTE_CHARS, "note")
        with self.engine.connect() as conn:
            row = self._editable(conn, principal, ref)
            current = self._load(conn, row, principal)
            if not current.queries and not current.includes:
                raise CollectionError(
                    f"collection {current.name!r} has no query and no include; add a query first"
                )
            computed = snapshots.compute(
                self.search, conn, current.queries, current.manual, current.breakdown, progress
            )
        size = len(computed.members)
        if progress:  # never inside the transaction: a job's progress writes to this database
            progress("write", 0, size)
        with self.engine.begin() as conn:
            self._editable(conn, principal, ref)  # still there, still theirs
            snapshot_id = snapshots.write(
                conn, current.id, computed, created_by=principal.name or None, note=note
            )
            conn.execute(
                collection.update().where(collection.c.id == current.id).values(updated_at=utcnow())
            )
            made = snapshots.snapshot_of(
                conn.execute(
                    select(collection_snapshot).where(collection_snapshot.c.id == snapshot_id)
                )
                .mappings()
                .one()
            )
            audit.record(
                conn,
                "collection.refresh",
                actor=principal.name or None,
                target=current.name,
                details={"version": made.version, "members": made.member_count},
            )
        if progress:
            progress("write", size, size)
        return made

    def snapshots(self, principal: Principal, ref: str) -> list[Snapshot]:
        """Every snapshot of the collection, newest first."""
        with self.engine.connect() as conn:
            row = self._find(conn, principal, ref)
            rows = conn.execute(
                select(collection_snapshot)
                .where(collection_snapshot.c.collection_id == row["id"])
                .order_by(collection_snapshot.c.version.desc())
            ).mappings()
            return [snapshots.snapshot_of(r) for r in rows]

    def _snapshot(self, conn: Connection, row: Mapping[str, Any], version: int | None) -> Snapshot:
        query = select(collection_snapshot).where(collection_snapshot.c.collection_id == row["id"])
        if version is None:
            query = query.order_by(collection_snapshot.c.version.desc()).limit(1)
        else:
            query = query.where(collection_snapshot.c.version == version)
        found = conn.execute(query).mappings().first()
        if found is None:
            if version is None:
                raise SnapshotNotFound(
                    f"collection {row['name']!r} has no snapshot yet; refresh it "
                    f"(`ipnav collection refresh {row['name']}`)"
                )
            raise SnapshotNotFound(f"collection {row['name']!r} has no snapshot {version}")
        return snapshots.snapshot_of(found)

    def snapshot(self, principal: Principal, ref: str, version: int | None = None) -> Snapshot:
        """Snapshot ``version`` of the collection (the latest when None)."""
        with self.engine.connect() as conn:
            return self._snapshot(conn, self._find(conn, principal, ref), version)

    def members(
        self,
        principal: Principal,
        ref: str,
        *,
        version: int | None = None,
        offset: int = 0,
        limit: int = 50,
        branch: int | None = None,
    ) -> tuple[Snapshot, int, list[Member]]:
        """``(snapshot, total, page)``: members of a snapshot, newest publication first."""
        with self.engine.connect() as conn:
            found = self._snapshot(conn, self._find(conn, principal, ref), version)
            total, page = snapshots.members(
                conn, found.id, offset=offset, limit=limit, branch_id=branch
            )
        return found, total, page

    def member_ids(
        self, principal: Principal, ref: str, version: int | None = None
    ) -> tuple[Snapshot, list[str]]:
        """Every member id of a snapshot (the latest by default): what analyses read."""
        with self.engine.connect() as conn:
            found = self._snapshot(conn, self._find(conn, principal, ref), version)
            return found, snapshots.member_ids(conn, found.id)

    def scope(
        self, principal: Principal, ref: str, filters: Any = None, *, version: int | None = None
    ) -> Any:
        """``filters`` restricted to a snapshot of ``ref`` (the latest by default).

        The access check comes first: a collection ``principal`` may not see raises
        :class:`CollectionNotFound`, exactly as an unknown name does.
        """
        from dataclasses import replace

        from ipnav.search.base import Filters

        _snap, ids = self.member_ids(principal, ref, version)
        return replace(filters or Filters(), only_ids=frozenset(ids))
