"""A real small home for the web tests: 400 PatSnap, 300 BDCI and 33 CNKI records, indexed."""

from __future__ import annotations

import gzip
import itertools
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ipnav.cli import app as cli
from ipnav.settings import Settings
from ipnav.web import create_app

PATSNAP = "patsnap_cs3245_citation_corpus/documents.jsonl.gz"
BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"
CNKI = "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz"  # with claims


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory, sample_data: Path) -> Settings:
    root = tmp_path_factory.mktemp("web")
    env = {
        "IPNAV_HOME": str(root / "home"),
        "IPNAV_SAMPLE_DATA": str(sample_data),
        "IPNAV_DENSE_ENCODER": "hashing",
    }
    runner = CliRunner()
    for relative, n in ((PATSNAP, 400), (BDCI, 300), (CNKI, 33)):
        target = root / Path(relative).name.removesuffix(".gz")
        with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
            target.write_text("".join(itertools.islice(source, n)), encoding="utf-8")
        done = runner.invoke(cli, ["ingest", str(target)], env=env, catch_exceptions=False)
        assert done.exit_code == 0, done.output
    built = runner.invoke(cli, ["index"], env=env, catch_exceptions=False)
    assert built.exit_code == 0, built.output
    return Settings(home=root / "home", sample_data=sample_data, dense_encoder="hashing")


@pytest.fixture(scope="session")
def client(web_settings: Settings):
    with TestClient(create_app(web_settings)) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _fresh_cookies(client):
    """Each test starts logged out, without the cookies an earlier test set."""
    client.cookies.clear()
    client.app.state.login_limiter.reset()


PASSWORD = "test password 2026"
#: One user per role of the role matrix (anonymous has none).
ROLE_USERS = {
    "member": "member@example.org",
    "analyst": "analyst@example.org",
    "institution_admin": "inst-admin@example.org",
    "provincial_admin": "prov-admin@example.org",
    "system_admin": "sys-admin@example.org",
}


@pytest.fixture(scope="session")
def users(client) -> dict[str, str]:
    """Role name -> e-mail of a stored user with that role (password :data:`PASSWORD`)."""
    from ipnav.accounts import Role

    accounts = client.app.state.accounts
    for role, email in ROLE_USERS.items():
        accounts.create_user(
            email,
            PASSWORD,
            name=role.replace("_", " ").title(),
            role=Role[role],
            organisation="Test TISC",
            organisation_kind="tisc",
        )
    return ROLE_USERS


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, page: str = "/login") -> str:
    """The session's CSRF token, as a form on ``page`` carries it."""
    found = CSRF_INPUT.search(client.get(page).text)
    assert found, f"no CSRF token in the form of {page}"
    return found.group(1)


def login(client, email: str, password: str = PASSWORD):
    """Log ``client`` in through the login form; returns the response (303 on success)."""
    client.cookies.clear()
    token = csrf(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture(scope="session")
def records(client):
    """Every stored record, for picking real examples."""
    store = client.app.state.store
    return [store.get(patent_id) for patent_id in store.ids()]


@pytest.fixture(name="csrf")
def _csrf_fixture():
    return csrf


@pytest.fixture(name="login")
def _login_fixture():
    return login
