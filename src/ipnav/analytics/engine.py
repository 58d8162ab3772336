"""One protocol for the SQL engine the aggregation analyses run on.

Every aggregation is one SQL text over the tables of :mod:`ipnav.analytics.tables`,
run by an :class:`Engine`: :class:`DuckDBEngine` in-process (the embedded default),
and later a ``SparkEngine`` running the same text over the Parquet folder
(``pip install 'ipnav[spark]'``). The texts therefore keep to the SQL that DuckDB
and Spark SQL read alike:

* ``WITH`` common table expressions, joins, ``GROUP BY`` on column names (no
  ``GROUP BY ALL``, no ordinals), ``COUNT(DISTINCT x)`` of one column only;
* window functions with ``PARTITION BY`` / ``ORDER BY`` (``ROW_NUMBER``, ``SUM``,
  ``MIN``), filtered in an outer query (no ``QUALIFY``);
* ``CASE WHEN``, ``COALESCE``, ``CAST(x AS DOUBLE | INT)``, ``FLOOR``; division of
  numbers cast to ``DOUBLE`` first (integer ``/`` differs between dialects);
* no date functions (years are columns), no ``::`` casts, no ``ILIKE``, no list or
  struct functions, no ``FILTER (WHERE ...)`` aggregates, no ``DISTINCT ON``,
  no ``ANY_VALUE`` (a ``ROW_NUMBER`` window picks a representative row instead);
* ``ORDER BY`` with explicit tie-breakers, so both engines return the same order;
* options are plain integers or column names checked against a list before they
  are written into the text; strings (applicant names) travel as a small extra
  table, never spliced into SQL.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.parquet as pq

from ipnav.errors import IpnavError

#: What an engine reads under a name: an Arrow table, or a Parquet file.
Source = pa.Table | Path


class EngineError(IpnavError):
    """An analysis engine cannot be made or cannot run a query."""


@runtime_checkable
class Engine(Protocol):
    """Runs one SQL text over named tables and returns the result as Arrow."""

    name: str

    def query(self, sql: str, tables: Mapping[str, Source]) -> pa.Table: ...


class DuckDBEngine:
    """DuckDB in process: Arrow tables are read in place (no copy), Parquet files by path.

    A fresh in-memory connection per query keeps concurrent callers (web workers,
    background jobs) apart; opening one costs well under a millisecond.
    """

    name = "duckdb"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    def query(self, sql: str, tables: Mapping[str, Source]) -> pa.Table:
        import duckdb

        config = {"threads": self.threads} if self.threads else {}
        with duckdb.connect(":memory:", config=config) as con:
            for name, source in tables.items():
                if isinstance(source, Path | str):
                    path = os.fspath(source).replace("'", "''")
                    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
                else:
                    con.register(name, source)
            try:
                relation = con.sql(sql)
                fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
                return whole_numbers(fetch())
            except duckdb.Error as exc:
                raise EngineError(f"DuckDB could not run an analysis query: {exc}") from exc


def whole_numbers(table: pa.Table) -> pa.Table:
    """``table`` with scale-0 decimal columns as int64.

    DuckDB sums integers into HUGEINT, which Arrow receives as ``decimal128(38, 0)``;
    Spark sums them into BIGINT. Casting here gives callers plain ints from both.
    """
    for position, column in enumerate(table.schema):
        if pa.types.is_decimal(column.type) and column.type.scale == 0:
            table = table.set_column(position, column.name, table.column(position).cast(pa.int64()))
    return table


#: Engines by name; the Spark path registers ``"spark"`` here (``pip install 'ipnav[spark]'``).
ENGINES: dict[str, type] = {"duckdb": DuckDBEngine}


def make_engine(name: str = "duckdb", **options: object) -> Engine:
    """The engine registered as ``name`` (see :data:`ENGINES`), made with ``options``."""
    try:
        factory = ENGINES[name]
    except KeyError:
        raise EngineError(
            f"unknown analysis engine {name!r}; use one of {', '.join(sorted(ENGINES))}"
        ) from None
    return factory(**options)


def parquet_sources(folder: Path) -> dict[str, Path]:
    """Name -> Parquet file of a tables folder, for engines that read files themselves."""
    from ipnav.analytics.tables import NAMES

    found = {name: Path(folder) / f"{name}.parquet" for name in NAMES}
    for path in found.values():
        pq.ParquetFile(path)  # raises early on a missing or unreadable file
    return found
