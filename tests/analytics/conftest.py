"""Real records for the analysis tests: 500 PatSnap (citations, IPC, dates) + 367 BDCI and
33 CNKI Chinese records (no dates / with dates and inventors), mapped in memory by the same
functions ingest uses."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import orjson
import pytest

from ipnav.analytics import AnalysisOptions, DuckDBEngine, build_tables
from ipnav.ingest.jsonl_schemas import map_bdci, map_cnki, map_patsnap
from ipnav.model.record import PatentRecord
from ipnav.model.schemes import ClassificationScheme, load_scheme

PATSNAP = "patsnap_cs3245_citation_corpus/documents.jsonl.gz"
BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"
CNKI = "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz"


def read(sample_data: Path, relative: str, n: int, mapper, dataset: str) -> list[PatentRecord]:
    with gzip.open(sample_data / relative) as source:
        return [mapper(orjson.loads(line), dataset)[1] for line in itertools.islice(source, n)]


@pytest.fixture(scope="session")
def english(sample_data: Path) -> list[PatentRecord]:
    return read(sample_data, PATSNAP, 500, map_patsnap, "patsnap")


@pytest.fixture(scope="session")
def chinese(sample_data: Path) -> list[PatentRecord]:
    return read(sample_data, BDCI, 367, map_bdci, "bdci") + read(
        sample_data, CNKI, 33, map_cnki, "cnki"
    )


@pytest.fixture(scope="session")
def records(english, chinese) -> list[PatentRecord]:
    return english + chinese


@pytest.fixture(scope="session")
def scheme(sample_data: Path) -> ClassificationScheme:
    return load_scheme(sample_data)


@pytest.fixture(scope="session")
def tables(records, scheme):
    return build_tables(records, scheme=scheme)


@pytest.fixture(scope="session")
def engine() -> DuckDBEngine:
    return DuckDBEngine()


@pytest.fixture(scope="session")
def options(scheme) -> AnalysisOptions:
    return AnalysisOptions(classification=scheme, top=10)
