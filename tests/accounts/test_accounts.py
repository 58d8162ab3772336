"""Users, roles, passwords, lock-out, tokens and the audit log on a real SQLite store."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ipnav.accounts import (
    AccountLocked,
    Accounts,
    DuplicateEmail,
    InvalidCredentials,
    InvalidToken,
    OrganisationKind,
    Role,
    UnknownRole,
    WeakPassword,
)
from ipnav.accounts.service import LOCK_MINUTES, MAX_FAILED_LOGINS
from ipnav.store.patents import PatentStore
from ipnav.store.schema import app_user

PASSWORD = "correct horse 42"


@pytest.fixture
def accounts(settings):
    with PatentStore.open(settings) as store:
        yield Accounts(store.engine)


def test_password_is_stored_as_argon2_never_plaintext(accounts):
    accounts.create_user(
        "Ana@Example.org", PASSWORD, name="Ana", organisation="Wuhan TISC", organisation_kind="tisc"
    )
    with accounts.engine.connect() as conn:
        stored = conn.execute(select(app_user.c.email, app_user.c.password_hash)).one()
    assert stored.email == "ana@example.org"
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    user = accounts.authenticate("ana@example.org", PASSWORD)
    assert user.name == "Ana" and user.role is Role.member
    assert user.organisation == "Wuhan TISC" and user.organisation_kind == "tisc"


@pytest.mark.parametrize(
    ("password", "says"),
    [("short1", "at least 10 characters"), ("onlyletters", "digit"), ("1234567890", "letter")],
)
def test_password_rule_says_what_is_missing(accounts, password, says):
    with pytest.raises(WeakPassword, match=says):
        accounts.create_user("b@example.org", password)


def test_duplicate_email_and_unknown_names(accounts):
    accounts.create_user("c@example.org", PASSWORD)
    with pytest.raises(DuplicateEmail, match="exists already"):
        accounts.create_user("C@example.org", PASSWORD)
    with pytest.raises(UnknownRole, match="choose one of"):
        Role.parse("boss")
    with pytest.raises(UnknownRole, match="tisc"):
        OrganisationKind.parse("club")
    assert Role.parse("Institution-Admin") is Role.institution_admin
    assert Role.anonymous < Role.member < Role.analyst < Role.institution_admin
    assert Role.institution_admin < Role.provincial_admin < Role.system_admin


def test_lock_out_after_five_failures_for_fifteen_minutes(accounts):
    accounts.create_user("d@example.org", PASSWORD)
    now = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate("d@example.org", "wrong password 1", now=now)
    with pytest.raises(AccountLocked, match="locked") as locked:
        accounts.authenticate("d@example.org", PASSWORD, now=now + dt.timedelta(minutes=1))
    assert locked.value.until == now + dt.timedelta(minutes=LOCK_MINUTES)
    later = now + dt.timedelta(minutes=LOCK_MINUTES, seconds=1)
    assert accounts.authenticate("d@example.org", PASSWORD, now=later).failed_logins == 0
    actions = [e.action for e in accounts.audit_log()[1]]
    assert actions.count("login.failed") == MAX_FAILED_LOGINS
    assert "user.lock" in actions and "login.locked" in actions and actions[0] == "login"


def test_unknown_address_looks_like_a_wrong_password(accounts):
    with pytest.raises(InvalidCredentials, match="wrong e-mail address or password"):
        accounts.authenticate("nobody@example.org", PASSWORD)


def test_role_change_is_audited(accounts):
    accounts.create_user("e@example.org", PASSWORD)
    user = accounts.set_role("e@example.org", Role.analyst, actor="root@example.org")
    assert user.role is Role.analyst
    total, entries = accounts.audit_log(action="user.role")
    assert total == 1
    entry = entries[0]
    assert (entry.actor, entry.target) == ("root@example.org", "e@example.org")
    assert entry.details == {"from": "member", "to": "analyst"}
    assert entry.at.tzinfo is not None


def test_api_tokens_are_hashed_and_revocable(accounts):
    user = accounts.create_user("f@example.org", PASSWORD)
    secret, token = accounts.create_token(user, "script")
    assert secret.startswith("ipn_") and len(secret) > 40
    assert accounts.user_for_token(secret).email == "f@example.org"
    with accounts.engine.connect() as conn:
        assert secret not in str(conn.exec_driver_sql("SELECT * FROM api_token").all())
    accounts.revoke_token(user, token.id)
    with pytest.raises(InvalidToken, match="revoked"):
        accounts.user_for_token(secret)
    with pytest.raises(InvalidToken, match="malformed"):
        accounts.user_for_token("Bearer nonsense")


def test_password_change_voids_old_sessions(accounts):
    user = accounts.create_user("g@example.org", PASSWORD)
    with pytest.raises(InvalidCredentials):
        accounts.change_password(user, "not it 12345", "new password 77")
    changed = accounts.change_password(user, PASSWORD, "new password 77")
    assert changed.stamp != user.stamp
    assert accounts.authenticate("g@example.org", "new password 77").id == user.id
