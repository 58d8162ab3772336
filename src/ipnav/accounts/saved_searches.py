"""Saved searches: a user's named queries, with the parameters that shape their results.

A saved search keeps the query text and a small JSON object of parameters
(filters, mode, sort, family collapsing — whatever the shell that saved it needs to
run it again; the core checks only its shape and size). Each belongs to one user:
every read and change takes the acting user and finds only that user's searches, so
another user's id is answered exactly like an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, delete, func, select, update

from ipnav.accounts.audit import utcnow
from ipnav.accounts.errors import AccountError, NotAllowed
from ipnav.accounts.service import User, _aware
from ipnav.store.schema import saved_search

MAX_NAME_CHARS = 200
MAX_QUERY_CHARS = 2_000
MAX_NOTE_CHARS = 2_000
MAX_PARAMS_BYTES = 4_000
MAX_PER_USER = 500


class SavedSearchError(AccountError):
    """A saved search that cannot be stored as given."""


class SavedSearchNotFound(AccountError):
    """No saved search of this user has this id."""


@dataclass(frozen=True)
class SavedSearch:
    id: int
    user_id: int
    name: str
    query: str
    params: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    created_at: dt.datetime | None = None
    last_run_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "query": self.query,
            "params": self.params,
            "note": self.note,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "last_run_at": self.last_run_at.isoformat() if self.last_run_at else None,
        }


def _name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise SavedSearchError("give the saved search a name")
    if len(text) > MAX_NAME_CHARS:
        raise SavedSearchError(
            f"the name has {len(text)} characters; at most {MAX_NAME_CHARS} are allowed"
        )
    return text


def _note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE_CHARS:
        raise SavedSearchError(f"the note is longer than {MAX_NOTE_CHARS:,} characters; shorten it")
    return note.strip()


def _params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """A JSON object of short values: strings, numbers, booleans or lists of strings."""
    checked: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if not isinstance(key, str):
            raise SavedSearchError("parameter names must be text")
        ok = isinstance(value, str | bool | int | float) or value is None
        ok = ok or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        if not ok:
            raise SavedSearchError(
                f"parameter {key[:40]!r} must be text, a number, true/false or a list of texts"
            )
        if value not in (None, "", []):
            checked[key] = value
    if len(orjson.dumps(checked)) > MAX_PARAMS_BYTES:
        raise SavedSearchError(f"the parameters take more than {MAX_PARAMS_BYTES:,} bytes")
    return checked


class SavedSearches:
    """The saved searches in the database of ``engine`` (migration ``0004``)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @staticmethod
    def _user_id(user: User) -> int:
        if user.anonymous or user.id is None:
            raise NotAllowed("log in to save searches")
        return user.id

    @staticmethod
    def _saved(row) -> SavedSearch:
        return SavedSearch(
            id=row["id"],
            user_id=row["user_id"],
            name=row["name"],
            query=row["query"],
            params=dict(row["params"] or {}),
            note=row["note"],
            created_at=_aware(row["created_at"]),
            last_run_at=_aware(row["last_run_at"]),
        )

    def create(
        self,
        user: User,
        name: str,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        note: str | None = None,
    ) -> SavedSearch:
        """Save ``query`` with ``params`` under ``name`` for ``user``."""
        user_id = self._user_id(user)
        if not query or not query.strip():
            raise SavedSearchError("there is no query to save; search first")
        if len(query) > MAX_QUERY_CHARS:
            raise SavedSearchError(f"the query is longer than {MAX_QUERY_CHARS:,} characters")
        values = {
            "user_id": user_id,
            "name": _name(name),
            "query": query.strip(),
            "params": _params(params),
            "note": _note(note),
            "created_at": utcnow(),
        }
        with self.engine.begin() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(saved_search)
                .where(saved_search.c.user_id == user_id)
            ).scalar_one()
            if count >= MAX_PER_USER:
                raise SavedSearchError(
                    f"you have {count} saved searches, the most allowed; delete some first"
                )
            new_id = conn.execute(saved_search.insert().values(**values)).inserted_primary_key[0]
        return self.get(user, new_id)

    def for_user(self, user: User) -> list[SavedSearch]:
        """``user``'s saved searches, newest first."""
        if user.anonymous:
            return []
        query = (
            select(saved_search)
            .where(saved_search.c.user_id == user.id)
            .order_by(saved_search.c.created_at.desc(), saved_search.c.id.desc())
        )
        with self.engine.connect() as conn:
            return [self._saved(row) for row in conn.execute(query).mappings()]

    def get(self, user: User, search_id: int) -> SavedSearch:
        """``user``'s saved search ``search_id``; another user's is not found."""
        user_id = self._user_id(user)
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(saved_search).where(
                        saved_search.c.id == search_id, saved_search.c.user_id == user_id
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise SavedSearchNotFound(f"you have no saved search {search_id}; see your list")
        return self._saved(row)

    def _change(self, user: User, search_id: int, **values: Any) -> SavedSearch:
        user_id = self._user_id(user)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(saved_search)
                .where(saved_search.c.id == search_id, saved_search.c.user_id == user_id)
                .values(**values)
            ).rowcount
        if not changed:
            raise SavedSearchNotFound(f"you have no saved search {search_id}; see your list")
        return self.get(user, search_id)

    def rename(
        self, user: User, search_id: int, name: str, *, note: str | None = None
    ) -> SavedSearch:
        """Give the search a new name (and note, when one is given)."""
        values: dict[str, Any] = {"name": _name(name)}
        if note is not None:
            values["note"] = _note(note)
        return self._change(user, search_id, **values)

    def mark_run(self, user: User, search_id: int, at: dt.datetime | None = None) -> SavedSearch:
        """Record that the search was run now (shown as "last run")."""
        return self._change(user, search_id, last_run_at=at or utcnow())

    def delete(self, user: User, search_id: int) -> None:
        user_id = self._user_id(user)
        with self.engine.begin() as conn:
            gone = conn.execute(
                delete(saved_search).where(
                    saved_search.c.id == search_id, saved_search.c.user_id == user_id
                )
            ).rowcount
        if not gone:
            raise SavedSearchNotFound(f"you have no saved search {search_id}; see your list")


__all__ = [
    "SavedSearch",
    "SavedSearchError",
    "SavedSearchNotFound",
    "SavedSearches",
]
