"""Landscape analytics over a thematic database or any result set (专利导航 analyses).

The pipeline, each step usable on its own:

1. :mod:`~ipnav.analytics.tables` flattens canonical records into four Arrow tables
   (patents, parties, classes, citations), in memory or streamed to a Parquet folder;
2. :mod:`~ipnav.analytics.engine` runs SQL over them: DuckDB in process, later Spark over
   the Parquet folder, with the same SQL texts;
3. one module per family of analyses (:mod:`~ipnav.analytics.trends`,
   :mod:`~ipnav.analytics.actors`, :mod:`~ipnav.analytics.geography`,
   :mod:`~ipnav.analytics.classes`, :mod:`~ipnav.analytics.citations`,
   :mod:`~ipnav.analytics.networks`, :mod:`~ipnav.analytics.compare`) returns
   bilingual :class:`~ipnav.analytics.result.AnalysisTable` objects, data first,
   charts later;
4. :func:`~ipnav.analytics.run.analyze` runs them all; :func:`~ipnav.analytics.run.analyze_ids`
   does so for stored records.

Nothing here imports the web app or the CLI.
"""

from ipnav.analytics.engine import DuckDBEngine, Engine, EngineError, make_engine
from ipnav.analytics.options import AnalysisOptions, OptionError
from ipnav.analytics.result import AnalysisTable, Column
from ipnav.analytics.run import ANALYSES, analyze, analyze_ids
from ipnav.analytics.tables import Tables, TablesError, build_tables, write_parquet

__all__ = [
    "ANALYSES",
    "AnalysisOptions",
    "AnalysisTable",
    "Column",
    "DuckDBEngine",
    "Engine",
    "EngineError",
    "OptionError",
    "Tables",
    "TablesError",
    "analyze",
    "analyze_ids",
    "build_tables",
    "make_engine",
    "write_parquet",
]
