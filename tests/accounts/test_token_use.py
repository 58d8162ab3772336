"""An API token's ``last_used_at`` is written at most once a minute, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, update

from ipnav.accounts import Accounts, InvalidToken, Role
from ipnav.accounts.service import TOKEN_USE_PRECISION
from ipnav.store.schema import api_token, app_user

PASSWORD = "correct horse 42"


class Statements:
    """The SQL an engine runs while the block runs (text of each statement)."""

    def __init__(self, engine) -> None:
        self.engine, self.seen = engine, []

    def _record(self, conn, cursor, statement, *args) -> None:
        self.seen.append(statement.split()[0].upper())

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc_info) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def used_at(accounts: Accounts, user) -> dt.datetime | None:
    (token,) = accounts.tokens(user)
    return token.last_used_at


def test_token_use_is_written_once_a_minute(store):
    accounts = Accounts(store.engine)
    user = accounts.create_user(
        "t@example.org",
        PASSWORD,
        name="Tess",
        role=Role.analyst,
        organisation="Wuhan TISC",
        organisation_kind="tisc",
    )
    secret, token = accounts.create_token(user, "script")
    assert used_at(accounts, user) is None

    found = accounts.user_for_token(secret)  # first use: written
    assert found == accounts.user_by_email("t@example.org")
    assert found.organisation == "Wuhan TISC" and found.role is Role.analyst
    first = used_at(accounts, user)
    assert first is not None

    with Statements(store.engine) as statements:  # within the minute: one SELECT, no write
        for _ in range(5):
            assert accounts.user_for_token(secret).email == "t@example.org"
    assert statements.seen == ["SELECT"] * 5
    assert used_at(accounts, user) == first

    earlier = dt.datetime.now(dt.UTC) - TOKEN_USE_PRECISION - dt.timedelta(seconds=5)
    with store.engine.begin() as conn:
        conn.execute(
            update(api_token).where(api_token.c.id == token.id).values(last_used_at=earlier)
        )
    with Statements(store.engine) as statements:  # a minute later: written again
        accounts.user_for_token(secret)
    assert "UPDATE" in statements.seen
    assert used_at(accounts, user) > earlier + TOKEN_USE_PRECISION


def test_token_lookup_still_refuses_revoked_tokens_and_sees_role_changes(store):
    accounts = Accounts(store.engine)
    user = accounts.create_user("r@example.org", PASSWORD)
    secret, token = accounts.create_token(user, "script")
    assert accounts.user_for_token(secret).role is Role.member
    with store.engine.begin() as conn:  # a role change is seen at once, not a minute later
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(role="analyst"))
    assert accounts.user_for_token(secret).role is Role.analyst
    accounts.revoke_token(user, token.id)
    with pytest.raises(InvalidToken, match="revoked"):
        accounts.user_for_token(secret)
