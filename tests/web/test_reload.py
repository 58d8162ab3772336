"""A running app serves what `ipnav ingest` + `ipnav index` added since it started.

Each test builds its own small home from real BDCI records (the session's web home is
shared and must not change), opens the app on it, then ingests and indexes more
records through the core, as another process would, and searches the same app again.
"""

from __future__ import annotations

import gzip
import itertools
import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ipnav.ingest.pipeline import ingest_file
from ipnav.search.indexing import update_indexes
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore
from ipnav.web import create_app

BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"


def bdci_lines(sample_data: Path, target: Path, start: int, stop: int) -> Path:
    with gzip.open(sample_data / BDCI, "rt", encoding="utf-8") as source:
        target.write_text("".join(itertools.islice(source, start, stop)), encoding="utf-8")
    return target


def later_title(sample_data: Path, line: int) -> tuple[str, str]:
    """``(id, title)`` of the BDCI record on ``line`` (its id as ipnav stores it)."""
    with gzip.open(sample_data / BDCI, "rt", encoding="utf-8") as source:
        data = json.loads(next(itertools.islice(source, line, line + 1)))
    return f"BDCI-{data['id']}", data["title"]


def add_records(settings: Settings, path: Path, *, rebuild: bool = False) -> None:
    """What `ipnav ingest PATH` then `ipnav index` do, from this process."""
    with PatentStore.open(settings) as store:
        report = ingest_file(store, settings, path)
        assert report.counts.new > 0
        update_indexes(settings, store, rebuild=rebuild)


@pytest.fixture
def home(tmp_path: Path, sample_data: Path):
    """A home with the first 40 BDCI records, both indexes built, searched every time."""

    def make(reload_seconds: float) -> Settings:
        settings = Settings(
            home=tmp_path / "home",
            sample_data=sample_data,
            dense_encoder="hashing",
            search_reload_seconds=reload_seconds,
        )
        add_records(settings, bdci_lines(sample_data, tmp_path / "first.jsonl", 0, 40))
        return settings

    return make


def found(client: TestClient, text: str, mode: str) -> list[str]:
    response = client.get("/api/v1/search", params={"q": text, "mode": mode, "top": 20})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_new_records_are_found_without_restarting(home, sample_data, tmp_path):
    settings = home(0)  # look at the files before every search
    new_id, title = later_title(sample_data, 55)
    with TestClient(create_app(settings)) as client:
        service = client.app.state.search
        lexical, dense = service.lexical, service.dense
        assert dense is not None and dense.count() == 40
        assert new_id not in found(client, title, "lexical")

        add_records(settings, bdci_lines(sample_data, tmp_path / "more.jsonl", 40, 80))

        assert found(client, title, "lexical")[0] == new_id
        assert new_id in found(client, title, "dense")  # the dense index was reopened
        assert service.lexical is not lexical and service.dense is not dense
        assert service.dense.count() == 80
        assert client.get(f"/patent/{new_id}").status_code == 200
        same = service.lexical
        assert found(client, title, "hybrid")[0] == new_id
        assert service.lexical is same  # nothing changed since: nothing reopened


def test_a_rebuild_is_picked_up_with_its_new_dictionary(home, sample_data, tmp_path):
    settings = home(0)
    with TestClient(create_app(settings)) as client:
        service = client.app.state.search
        words = service.lexical.segmenter.user_words
        add_records(
            settings, bdci_lines(sample_data, tmp_path / "more.jsonl", 40, 120), rebuild=True
        )
        new_id, title = later_title(sample_data, 100)
        assert found(client, title, "lexical")[0] == new_id
        # the rebuild grew its user dictionary from 120 records: the service cuts queries
        # with the index's new one, not the one it started with
        assert service.lexical.segmenter.user_words != words
        assert service.lexical.count() == 120


def test_the_files_are_looked_at_only_every_few_seconds(home, sample_data, tmp_path):
    settings = home(3600)
    new_id, title = later_title(sample_data, 55)
    with TestClient(create_app(settings)) as client:
        service = client.app.state.search
        dense = service.dense
        add_records(settings, bdci_lines(sample_data, tmp_path / "more.jsonl", 40, 80))
        assert service.dense is dense  # not time to look yet
        assert service.refresh(force=True) is True
        assert service.dense is not dense and service.dense.count() == 80
        assert found(client, title, "dense").count(new_id) == 1
        assert service.refresh(force=True) is False


def test_searches_running_while_the_indexes_change_do_not_fail(home, sample_data, tmp_path):
    settings = home(0)
    new_id, title = later_title(sample_data, 70)
    with TestClient(create_app(settings)) as client:
        service = client.app.state.search
        errors: list[BaseException] = []
        stop = threading.Event()

        def search() -> None:
            while not stop.is_set():
                try:
                    for mode in ("hybrid", "lexical", "dense"):
                        service.search("通讯 电缆", mode=mode, facets=("country",))
                        service.search(title, mode=mode)
                except BaseException as exc:  # every failure is the test's
                    errors.append(exc)
                    return

        threads = [threading.Thread(target=search) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            add_records(settings, bdci_lines(sample_data, tmp_path / "b.jsonl", 40, 80))
            add_records(settings, bdci_lines(sample_data, tmp_path / "c.jsonl", 80, 100))
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert not errors, errors
        assert found(client, title, "lexical")[0] == new_id
        assert service.dense.count() == service.lexical.count() == 100
