"""A real small home for the web tests: 400 PatSnap, 300 BDCI and 33 CNKI records, indexed."""

from __future__ import annotations

import gzip
import itertools
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
    """Each test starts without the language cookie an earlier test set."""
    client.cookies.clear()


@pytest.fixture(scope="session")
def records(client):
    """Every stored record, for picking real examples."""
    store = client.app.state.store
    return [store.get(patent_id) for patent_id in store.ids()]
