"""Homes with real records for the collections tests, and users of three organisations."""

from __future__ import annotations

import gzip
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest

from ipnav.accounts import Accounts, Role
from ipnav.collections import Collections, Principal
from ipnav.ingest.pipeline import ingest_file
from ipnav.search.indexing import update_indexes
from ipnav.search.service import SearchService
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore

PATSNAP = "patsnap_cs3245_citation_corpus/documents.jsonl.gz"
BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"
PASSWORD = "collections test 2026"
#: (e-mail, role, organisation) of the users the tests act as.
USERS = {
    "a": ("a-analyst@example.org", Role.analyst, "Org A"),
    "a_member": ("a-member@example.org", Role.member, "Org A"),
    "a_admin": ("a-admin@example.org", Role.institution_admin, "Org A"),
    "b": ("b-analyst@example.org", Role.analyst, "Org B"),
    "c": ("c-analyst@example.org", Role.analyst, "Org C"),
    "sys": ("sys@example.org", Role.system_admin, None),
}


def add_records(settings: Settings, store: PatentStore, folder: Path, relative: str, lines: slice):
    """Ingest records ``lines`` of a real sample file (a slice of its lines)."""
    target = folder / f"{Path(relative).name.removesuffix('.jsonl.gz')}-{lines.start}.jsonl"
    with gzip.open(settings.sample_data / relative, "rt", encoding="utf-8") as source:
        target.write_text(
            "".join(itertools.islice(source, lines.start, lines.stop)), encoding="utf-8"
        )
    report = ingest_file(store, settings, target, dataset=relative.split("/")[0])
    assert report.counts.rejected == 0


@dataclass
class Home:
    settings: Settings
    store: PatentStore
    search: SearchService
    collections: Collections
    principals: dict[str, Principal]

    def reindex(self) -> None:
        update_indexes(self.settings, self.store, dense=False)
        self.search.refresh(force=True)

    def close(self) -> None:
        self.search.close()
        self.store.close()


def open_home(
    folder: Path, sample_data: Path, *, database_url: str | None = None, dense: bool = False
) -> Home:
    """300 PatSnap + 100 BDCI real records, indexed, with the users of :data:`USERS`."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        home=folder / "home",
        sample_data=sample_data,
        dense_encoder="hashing",
        database_url=database_url,
    )
    store = PatentStore.open(settings)
    add_records(settings, store, folder, PATSNAP, slice(0, 300))
    add_records(settings, store, folder, BDCI, slice(0, 100))
    update_indexes(settings, store, dense=dense)
    accounts = Accounts(store.engine)
    for email, role, org in USERS.values():
        accounts.create_user(email, PASSWORD, role=role, organisation=org)
    search = SearchService.open(settings, store)
    collections = Collections(store.engine, search)
    principals = {
        key: collections.principal(accounts.user_by_email(email))
        for key, (email, _role, _org) in USERS.items()
    }
    return Home(settings, store, search, collections, principals)


@pytest.fixture(scope="module")
def home(tmp_path_factory, sample_data: Path):
    """A SQLite home with a dense index too (hashing encoder), shared by a module."""
    opened = open_home(tmp_path_factory.mktemp("collections"), sample_data, dense=True)
    yield opened
    opened.close()


@pytest.fixture
def backend_home(database_url: str, tmp_path: Path, sample_data: Path):
    """A fresh home on each backend (SQLite file, new PostgreSQL database), lexical only."""
    opened = open_home(tmp_path / "backend", sample_data, database_url=database_url)
    yield opened
    opened.close()


@pytest.fixture
def ingest_more(tmp_path: Path):
    """``ingest_more(home, first, last)``: add PatSnap records ``first:last`` and reindex."""

    def more(home: Home, first: int, last: int) -> None:
        add_records(home.settings, home.store, tmp_path, PATSNAP, slice(first, last))
        home.reindex()

    return more
