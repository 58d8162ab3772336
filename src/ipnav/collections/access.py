"""Who may see and change a collection: visibility, the owner organisation, the role.

The rules, in one place (the SQL filter :func:`visible_clause` and the Python check
:func:`may_see` say the same thing):

* a **system admin** (and the local operator of the CLI) sees and changes everything;
* a **public** collection is seen by everyone, anonymous visitors included;
* a **private** one only by the users of its owner organisation;
* a **shared** one by the owner organisation and the organisations it is shared with;
* **changing** (queries, includes, breakdown, refresh, delete) is for the analysts and
  administrators of the owner organisation.

A collection without an owner organisation (made by the operator without ``--org``)
is the platform's: only system admins change it, and when private only they see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, and_, exists, or_, select, true

from ipnav.accounts import Role
from ipnav.collections.errors import CollectionError
from ipnav.store.schema import collection, collection_share, organisation

#: Least role that creates and changes the collections of its organisation.
EDITOR = Role.analyst


class Visibility(StrEnum):
    private = "private"
    shared = "shared"
    public = "public"

    @classmethod
    def parse(cls, value: str | Visibility) -> Visibility:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise CollectionError(
                f"visibility {str(value)[:40]!r} is not one of {', '.join(v.value for v in cls)}"
            ) from None


@dataclass(frozen=True)
class Principal:
    """Who acts on collections: the user's id, organisation id and role.

    The core needs no more than this; :meth:`ipnav.collections.Collections.principal`
    makes one from an :class:`ipnav.accounts.User`. ``name`` is what "created by"
    records (an e-mail address, or ``cli:<login>`` for the operator).
    """

    user_id: int | None
    organisation_id: int | None
    role: Role
    name: str = ""

    @classmethod
    def operator(cls, name: str = "cli") -> Principal:
        """The local operator of the command line: may do anything (like ``ipnav user``)."""
        return cls(user_id=None, organisation_id=None, role=Role.system_admin, name=name)

    @property
    def sees_all(self) -> bool:
        return self.role >= Role.system_admin


ANONYMOUS = Principal(user_id=None, organisation_id=None, role=Role.anonymous)


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on ``collection`` rows: those ``principal`` may see."""
    if principal.sees_all:
        return true()
    public = collection.c.visibility == Visibility.public.value
    org = principal.organisation_id
    if org is None:
        return public
    shared_with_me = and_(
        collection.c.visibility == Visibility.shared.value,
        exists(
            select(collection_share.c.collection_id).where(
                collection_share.c.collection_id == collection.c.id,
                collection_share.c.organisation_id == org,
            )
        ),
    )
    return or_(public, collection.c.owner_org_id == org, shared_with_me)


def may_see(
    principal: Principal, visibility: str, owner_org_id: int | None, shared: frozenset[int]
) -> bool:
    """:func:`visible_clause` for one collection already read."""
    if principal.sees_all or visibility == Visibility.public.value:
        return True
    org = principal.organisation_id
    if org is None:
        return False
    if owner_org_id == org:
        return True
    return visibility == Visibility.shared.value and org in shared


def may_edit(principal: Principal, owner_org_id: int | None) -> bool:
    """Whether ``principal`` may change a collection of ``owner_org_id``."""
    if principal.sees_all:
        return True
    return (
        principal.role >= EDITOR
        and principal.organisation_id is not None
        and principal.organisation_id == owner_org_id
    )


def organisation_ids(conn: Connection, names: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Ids of the organisations called ``names``; an unknown name is an error naming it."""
    wanted = [name.strip() for name in names if name and name.strip()]
    if not wanted:
        return {}
    rows = conn.execute(
        select(organisation.c.name, organisation.c.id).where(organisation.c.name.in_(wanted))
    ).all()
    found = {name: org_id for name, org_id in rows}
    missing = [name for name in wanted if name not in found]
    if missing:
        raise CollectionError(
            f"no organisation called {missing[0][:80]!r}; organisations are made with "
            "`ipnav user create EMAIL --org NAME`"
        )
    return found
