"""Fast multi-row INSERT: the statement compiled once, rows handed to the driver's executemany.

SQLAlchemy's generic executemany path processes every parameter of every row
in Python (about 15 µs a row); ingest writes tens of thousands of small rows
(parties, classes, citations) per second. Here the INSERT is compiled for the
connection's dialect once per column set, and only the columns whose type
needs a bind processor (dates on SQLite, JSON) are converted, with SQLAlchemy's
own processors, so values are stored exactly as the ORM path would store them.
Rows none of whose columns need converting are handed over as they are (named
parameters) or as tuples made by ``operator.itemgetter`` (positional), with no
Python loop over their values.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in one executemany."""
    if not rows:
        return
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional else keys
    dialect = conn.dialect
    processors = [table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in order]
    convert = [(i, p) for i, p in enumerate(processors) if p is not None]
    params: Sequence[Any]
    if not convert and not compiled.positional:
        params = rows
    elif not convert:
        values = itemgetter(*order)
        params = [values(row) for row in rows] if len(order) > 1 else [(values(r),) for r in rows]
    else:
        params = []
        for row in rows:
            converted = [row[key] for key in order]
            for i, processor in convert:
                converted[i] = processor(converted[i])
            params.append(
                tuple(converted)
                if compiled.positional
                else dict(zip(order, converted, strict=True))
            )
    conn.exec_driver_sql(str(compiled), params)
