"""Run every analysis over a set of records: :func:`analyze` and :func:`analyze_ids`.

:data:`ANALYSES` is the registry: stage name -> function of ``(engine, tables,
options)`` returning one :class:`~ipnav.analytics.result.AnalysisTable` or a list
of them; the CLI, the web pages and the report read whatever it holds. Two optional
extra sources may sit beside the four tables: ``doc_vectors``
(:func:`~ipnav.analytics.clusters.vector_source`: the dense index's vectors, for the
clusters) and ``branches`` (:func:`~ipnav.analytics.effects.branch_table`: technical
branch memberships, the rows of the technology–effect matrix).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ipnav.analytics.actors import (
    applicant_types,
    concentration,
    newcomers,
    top_applicants,
    top_inventors,
)
from ipnav.analytics.citations import citation_analysis
from ipnav.analytics.classes import class_structure, technology_fields
from ipnav.analytics.clusters import technology_clusters
from ipnav.analytics.compare import compare_applicants
from ipnav.analytics.effects import technology_effects
from ipnav.analytics.engine import DuckDBEngine, Engine, Source
from ipnav.analytics.geography import countries, provinces
from ipnav.analytics.networks import coapplicant_network
from ipnav.analytics.options import AnalysisOptions, OptionError
from ipnav.analytics.result import AnalysisTable, Progress
from ipnav.analytics.tables import Tables, build_tables, records_from_store
from ipnav.analytics.trends import filing_trend, life_cycle
from ipnav.analytics.whitespace import white_spaces

if TYPE_CHECKING:
    from ipnav.model.schemes import ClassificationScheme
    from ipnav.store.patents import PatentStore

Analysis = Callable[
    [Engine, Mapping[str, Source], AnalysisOptions], AnalysisTable | list[AnalysisTable]
]

#: Stage name -> analysis, in the order a report presents them.
ANALYSES: dict[str, Analysis] = {
    "filing_trend": filing_trend,
    "life_cycle": life_cycle,
    "top_applicants": top_applicants,
    "top_inventors": top_inventors,
    "applicant_types": applicant_types,
    "concentration": concentration,
    "newcomers": newcomers,
    "countries": countries,
    "provinces": provinces,
    "classes": class_structure,
    "technology_fields": technology_fields,
    "citations": citation_analysis,
    "coapplicants": coapplicant_network,
    "compare": compare_applicants,
    "clusters": technology_clusters,
    "effects": technology_effects,
    "white_spaces": white_spaces,
}


def analyze(
    tables: Tables | Mapping[str, Source],
    engine: Engine | None = None,
    language: str = "zh",
    *,
    options: AnalysisOptions | None = None,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, AnalysisTable]:
    """Every analysis (or those of ``only``) over ``tables``, keyed by table key.

    ``tables`` is a :class:`Tables` or a mapping of table name to Arrow table or
    Parquet file (:func:`~ipnav.analytics.engine.parquet_sources`). ``language``
    overrides ``options.language``. ``progress(stage, done, total)`` is called
    before each analysis and once more at the end (stage ``"done"``).
    """
    options = dataclasses.replace(options or AnalysisOptions(), language=language)
    engine = engine or DuckDBEngine()
    sources = tables.sources() if isinstance(tables, Tables) else dict(tables)
    stages = list(ANALYSES) if only is None else list(only)
    unknown = [s for s in stages if s not in ANALYSES]
    if unknown:
        raise OptionError(
            f"unknown analyses {', '.join(unknown)}; use any of {', '.join(ANALYSES)}"
        )
    found: dict[str, AnalysisTable] = {}
    for done, stage in enumerate(stages):
        if progress:
            progress(stage, done, len(stages))
        produced = ANALYSES[stage](engine, sources, options)
        for table in produced if isinstance(produced, list) else [produced]:
            found[table.key] = table
    if progress:
        progress("done", len(stages), len(stages))
    return found


def analyze_ids(
    store: PatentStore,
    ids: Iterable[str],
    *,
    classification: ClassificationScheme | None = None,
    engine: Engine | None = None,
    language: str = "zh",
    options: AnalysisOptions | None = None,
    progress: Progress | None = None,
    parquet_folder: Path | None = None,
) -> dict[str, AnalysisTable]:
    """Build the tables of the stored records ``ids`` and run :func:`analyze` over them.

    What the CLI and the web call for a thematic database or a result set.
    ``classification`` (:func:`~ipnav.model.schemes.load_scheme` of
    ``settings.sample_data``) gives titles and technology fields. With
    ``parquet_folder`` the tables are also kept there (the Spark path's input).
    Progress reports stage ``"tables"`` first (records read so far, total ids).
    """
    ids = list(dict.fromkeys(ids))
    options = dataclasses.replace(
        options or AnalysisOptions(), classification=classification, language=language
    )
    if progress:
        progress("tables", 0, len(ids))
    tables = build_tables(records_from_store(store, ids), scheme=classification)
    if progress:
        progress("tables", len(tables), len(ids))
    if parquet_folder is not None:
        tables.to_parquet(parquet_folder)
    return analyze(tables, engine, language, options=options, progress=progress)
