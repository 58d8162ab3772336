"""Shared fixtures: the real sample data, settings in a temp home, stores on both backends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ipnav.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The shared real-data folder (IPNAV_SAMPLE_DATA, default ../shared/data)."""
    path = Path(os.environ.get("IPNAV_SAMPLE_DATA", ROOT.parent / "shared" / "data"))
    if not (path / "README.md").exists():
        pytest.fail(f"shared sample data not found at {path}; set IPNAV_SAMPLE_DATA")
    return path


@pytest.fixture
def settings(tmp_path: Path, sample_data: Path) -> Settings:
    return Settings(home=tmp_path / "home", sample_data=sample_data)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty database on each backend: a SQLite file, and a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ipnav.db'}"
        return
    yield from _fresh_postgres_database()


def _fresh_postgres_database():
    import uuid

    import sqlalchemy as sa

    base = os.environ.get("IPNAV_TEST_POSTGRES_URL")
    if not base:
        pytest.fail(
            "IPNAV_TEST_POSTGRES_URL is not set: run the PostgreSQL tests through `make test` "
            "(scripts/tmp_postgres.py starts a server), or deselect them with -m 'not postgres'"
        )
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def store_settings(tmp_path: Path, sample_data: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", sample_data=sample_data, database_url=database_url)


@pytest.fixture
def store(store_settings: Settings):
    from ipnav.store.patents import PatentStore

    opened = PatentStore.open(store_settings)
    yield opened
    opened.close()


@pytest.fixture
def corpus_subset(sample_data: Path, tmp_path: Path):
    """``corpus_subset("folder/file.jsonl.gz", n)``: the first n real records as a .jsonl file."""
    import gzip
    import itertools

    def make(relative: str, lines: int, name: str | None = None) -> Path:
        target = tmp_path / (name or Path(relative).name.removesuffix(".gz"))
        with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
            target.write_text("".join(itertools.islice(source, lines)), encoding="utf-8")
        return target

    return make
