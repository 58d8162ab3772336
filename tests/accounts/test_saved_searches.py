"""Saved searches in the core, on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import datetime as dt

import pytest

from ipnav.accounts import ANONYMOUS, Accounts, NotAllowed
from ipnav.accounts.saved_searches import (
    MAX_NAME_CHARS,
    SavedSearchError,
    SavedSearches,
    SavedSearchNotFound,
)
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore

PASSWORD = "correct horse 42"


@pytest.fixture
def saved(database_url, tmp_path):
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    with PatentStore.open(settings) as store:  # runs every migration, 0004 included
        accounts = Accounts(store.engine)
        ana = accounts.create_user("ana@example.org", PASSWORD)
        bo = accounts.create_user("bo@example.org", PASSWORD)
        yield SavedSearches(store.engine), ana, bo


def test_create_list_rename_run_delete(saved):
    searches, ana, _ = saved
    params = {"sort": "publication-desc", "country": ["CN", "US"], "collapse": True}
    first = searches.create(ana, "  Batteries \n CN/US ", "TA=battery", params, note="weekly")
    assert first.name == "Batteries CN/US" and first.params == params
    assert first.note == "weekly" and first.last_run_at is None
    assert first.created_at is not None and first.created_at.tzinfo is not None
    second = searches.create(ana, "Electrodes", "electrode")
    assert [s.id for s in searches.for_user(ana)] == [second.id, first.id]  # newest first

    renamed = searches.rename(ana, first.id, "Cells", note="")
    assert renamed.name == "Cells" and renamed.note is None and renamed.params == params
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert searches.mark_run(ana, first.id, at=when).last_run_at == when
    searches.delete(ana, first.id)
    assert [s.id for s in searches.for_user(ana)] == [second.id]
    with pytest.raises(SavedSearchNotFound):
        searches.get(ana, first.id)


def test_another_user_cannot_see_or_touch_them(saved):
    searches, ana, bo = saved
    mine = searches.create(ana, "Mine", "battery")
    assert searches.for_user(bo) == []
    for attempt in (
        lambda: searches.get(bo, mine.id),
        lambda: searches.rename(bo, mine.id, "Taken"),
        lambda: searches.mark_run(bo, mine.id),
        lambda: searches.delete(bo, mine.id),
    ):
        with pytest.raises(SavedSearchNotFound):
            attempt()
    assert searches.get(ana, mine.id).name == "Mine"
    assert searches.for_user(ANONYMOUS) == []
    with pytest.raises(NotAllowed, match="log in"):
        searches.create(ANONYMOUS, "x", "battery")


@pytest.mark.parametrize(
    ("name", "query", "params", "says"),
    [
        ("", "battery", {}, "name"),
        ("x" * (MAX_NAME_CHARS + 1), "battery", {}, "at most"),
        ("ok", "   ", {}, "no query"),
        ("ok", "battery", {"country": [1, 2]}, "list of texts"),
        ("ok", "battery", {"nested": {"a": 1}}, "list of texts"),
        ("ok", "battery", {"ipc": ["G06F"] * 2000}, "bytes"),
    ],
)
def test_bad_searches_are_refused_with_a_reason(saved, name, query, params, says):
    searches, ana, _ = saved
    with pytest.raises(SavedSearchError, match=says):
        searches.create(ana, name, query, params)
    assert searches.for_user(ana) == []
