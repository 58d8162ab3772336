"""`ipnav demo` creates one demo login per role, once; each logs in to the portal.

The demo load runs on a small copy of one real corpus (the whole load is the slow
test in test_demo.py); the accounts do not depend on how much data there is.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ipnav.accounts import Accounts, Role
from ipnav.accounts.demo import DEMO_ACCOUNTS, DEMO_ORGANISATION, ensure_demo_accounts
from ipnav.cli import app
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore
from ipnav.web import create_app

runner = CliRunner()
CNKI = "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz"


@pytest.fixture
def small_data(tmp_path, sample_data):
    """A sample-data folder holding the 33 CNKI records (and the shared README)."""
    data = tmp_path / "data"
    (data / CNKI).parent.mkdir(parents=True)
    shutil.copy(sample_data / "README.md", data / "README.md")
    with gzip.open(sample_data / CNKI, "rt", encoding="utf-8") as source:
        head = "".join(itertools.islice(source, 33))
    with gzip.open(data / CNKI, "wt", encoding="utf-8") as target:
        target.write(head)
    return data


def demo_env(tmp_path, data, **extra: str) -> dict[str, str]:
    return {
        "IPNAV_HOME": str(tmp_path / "home"),
        "IPNAV_SAMPLE_DATA": str(data),
        "IPNAV_DENSE_ENCODER": "hashing",
        **extra,
    }


def shows(output: str, account, action: str) -> bool:
    """Whether ``ipnav demo``'s table has the account's row: role, e-mail, password, action."""
    cells = (account.role.name, account.email, account.password, action)
    return re.search(r" +".join(re.escape(cell) for cell in cells), output) is not None


def users(env) -> list[dict]:
    listed = runner.invoke(app, ["user", "list", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    return json.loads(listed.stdout)


def test_demo_creates_one_account_per_role_and_each_logs_in(tmp_path, small_data):
    env = demo_env(tmp_path, small_data)
    first = runner.invoke(app, ["demo", "--no-serve", "--no-dense"], env=env)
    assert first.exit_code == 0, first.output
    assert "33 patent records" in first.output
    for account in DEMO_ACCOUNTS:  # the table shows each login with its password
        assert shows(first.output, account, "new")
    assert "local demo only" in first.output and "IPNAV_DEMO_ACCOUNTS=0" in first.output

    stored = {u["email"]: u for u in users(env)}
    assert set(stored) == {a.email for a in DEMO_ACCOUNTS}
    assert {stored[a.email]["role"] for a in DEMO_ACCOUNTS} == {
        r.name for r in Role if r is not Role.anonymous
    }
    assert {u["organisation"] for u in stored.values()} == {DEMO_ORGANISATION}

    settings = Settings(home=tmp_path / "home", sample_data=small_data, dense_encoder="hashing")
    with TestClient(create_app(settings)) as client:
        for account in DEMO_ACCOUNTS:
            client.cookies.clear()
            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            done = client.post(
                "/login",
                data={"email": account.email, "password": account.password, "csrf_token": token},
                follow_redirects=False,
            )
            assert done.status_code == 303, (account.email, done.text[:300])
            profile = client.get("/profile")
            assert profile.status_code == 200 and account.email in profile.text
        client.cookies.clear()
        admin = DEMO_ACCOUNTS[-1]
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        client.post(
            "/login",
            data={"email": admin.email, "password": admin.password, "csrf_token": token},
        )
        assert client.get("/admin/audit").status_code == 200  # a system admin's page

    again = runner.invoke(app, ["demo", "--no-serve", "--no-dense"], env=env)
    assert again.exit_code == 0, again.output
    for account in DEMO_ACCOUNTS:
        assert shows(again.output, account, "kept")
    assert len(users(env)) == len(DEMO_ACCOUNTS)


@pytest.mark.parametrize(
    ("extra_env", "args"),
    [({"IPNAV_DEMO_ACCOUNTS": "0"}, []), ({}, ["--no-demo-accounts"])],
    ids=["setting", "flag"],
)
def test_demo_accounts_can_be_turned_off(tmp_path, small_data, extra_env, args):
    env = demo_env(tmp_path, small_data, **extra_env)
    done = runner.invoke(app, ["demo", "--no-serve", "--no-dense", *args], env=env)
    assert done.exit_code == 0, done.output
    assert "demo accounts" not in done.output
    assert users(env) == []


def test_ensure_demo_accounts_keeps_what_exists(settings):
    with PatentStore.open(settings) as store:
        accounts = Accounts(store.engine)
        analyst = DEMO_ACCOUNTS[1]
        accounts.create_user(analyst.email, "changed password 7", role=Role.member)
        statuses = ensure_demo_accounts(accounts)
        assert [s.action for s in statuses] == ["new", "kept", "new", "new", "new"]
        kept = accounts.authenticate(analyst.email, "changed password 7")
        assert kept.role is Role.member  # an existing account is never reset
        assert accounts.authenticate(DEMO_ACCOUNTS[0].email, DEMO_ACCOUNTS[0].password)
        assert [s.action for s in ensure_demo_accounts(accounts)] == ["kept"] * 5
        assert len(accounts.users()) == 5
