"""JSON Lines reader: one JSON object per line, mapped by the schema it follows.

The schema is recognised from the keys of the first record (see
:data:`ipnav.ingest.jsonl_schemas.SCHEMAS`), so the shared corpora and
ipnav's own JSONL exports load with ``--format auto``. A line that is not
JSON, or a record that does not fit the schema, is rejected with its line
number; a file that is not JSON Lines at all (binary data, another format,
wrong encoding) stops the ingest with one clear message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import orjson

from ipnav.ingest.base import (
    InputFileError,
    Item,
    Location,
    Parsed,
    RecordError,
    Rejected,
    describe_error,
    excerpt,
)
from ipnav.ingest.files import looks_binary, open_input
from ipnav.ingest.jsonl_schemas import SCHEMAS, Mapper, detect_schema


class JsonlReader:
    """Reads ``.jsonl`` / ``.jsonl.gz`` files of patent records."""

    format: ClassVar[str] = "jsonl"

    def __init__(self, schema: str | None = None) -> None:
        if schema is not None and schema not in SCHEMAS:
            raise InputFileError(
                f"unknown JSONL schema {schema!r}; known schemas: {', '.join(sorted(SCHEMAS))}"
            )
        self.schema = schema

    def read(self, path: Path, *, dataset: str) -> Iterator[Item]:
        mapper: Mapper | None = SCHEMAS[self.schema] if self.schema else None
        seen_json = False
        with open_input(path) as raw:
            number = 0
            try:
                if looks_binary(raw.peek(4096)[:4096]):  # type: ignore[attr-defined]
                    raise InputFileError(
                        f"{path}: binary data, not JSON Lines; "
                        "give a .jsonl file (one JSON object per line)"
                    )
                for number, data in enumerate(raw, start=1):
                    if looks_binary(data):
                        raise InputFileError(
                            f"{path}: line {number} holds binary data, not JSON Lines; "
                            "give a .jsonl file (one JSON object per line)"
                        )
                    try:
                        line = data.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise InputFileError(
                            f"{path}: line {number} is not valid UTF-8 ({exc.reason} at byte "
                            f"{exc.start}); JSON Lines files must be UTF-8"
                        ) from None
                    if not line.strip():
                        continue
                    location = Location(line=number)
                    try:
                        raw_record = orjson.loads(line)
                    except orjson.JSONDecodeError as exc:
                        if not seen_json:
                            raise InputFileError(
                                f"{path}: line {number} is not JSON ({exc}); "
                                "is this really a JSON Lines file? use --format to choose another"
                            ) from None
                        yield Rejected(f"not valid JSON: {exc}", location, excerpt=excerpt(line))
                        continue
                    seen_json = True
                    if not isinstance(raw_record, dict):
                        yield Rejected(
                            f"expected a JSON object, got {type(raw_record).__name__}",
                            location,
                            excerpt=excerpt(line),
                        )
                        continue
                    if mapper is None:
                        name = detect_schema(raw_record)
                        if name is None:
                            raise InputFileError(
                                f"{path}: line {number}: a record with keys "
                                f"{sorted(raw_record)[:12]} matches no known JSONL schema "
                                f"({', '.join(sorted(SCHEMAS))})"
                            )
                        mapper = SCHEMAS[name]
                    try:
                        source_key, record = mapper(raw_record, dataset)
                    except (RecordError, ValueError, KeyError, TypeError) as exc:
                        yield Rejected(
                            describe_error(exc),
                            location,
                            source_key=str(raw_record.get("id") or "") or None,
                            excerpt=excerpt(line),
                        )
                        continue
                    yield Parsed(record, source_key, location)
            except (EOFError, OSError) as exc:  # truncated or corrupt .gz
                raise InputFileError(
                    f"{path}: the file ends or breaks after line {number} ({exc}); "
                    "it is truncated or corrupt"
                ) from None
