"""What every reader yields, and the errors it raises.

A reader turns one input file into a stream of :class:`Parsed` records and
:class:`Rejected` items, lazily and in constant memory (readers that map in
worker processes can hand records over as :class:`Prepared` items instead,
already in the form their consumer asked for). A problem with one
record is a :class:`Rejected` item (the ingest goes on and reports it); a
problem with the whole file (truncated XML, binary data, wrong encoding, a
missing required column) raises :class:`InputFileError`, whose one-line message
names the file, the place and what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import ValidationError

from ipnav.errors import IpnavError
from ipnav.model.record import PatentRecord


class IngestError(IpnavError):
    """Base of ingest failures."""


class InputFileError(IngestError):
    """The input file as a whole cannot be read; records before the fault stay stored."""

    exit_code = 4


class RecordError(IngestError, ValueError):
    """One record is invalid; raised by mappers, turned into a :class:`Rejected` item."""


@dataclass(frozen=True)
class Location:
    """Where in the input a record sits (1-based), for rejection reports."""

    line: int | None = None
    record: int | None = None

    def __str__(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.record is not None:
            parts.append(f"record {self.record}")
        return ", ".join(parts) or "unknown place"


@dataclass(frozen=True)
class Parsed:
    """A record read successfully.

    ``source_key`` identifies the record inside its dataset (the source's own id
    or publication number); re-reading the same input yields the same keys,
    which is what makes ingest idempotent.
    """

    record: PatentRecord
    source_key: str
    location: Location


@dataclass(frozen=True)
class Prepared:
    """A record read successfully, handed over as what the consumer's ``prepare`` made of it.

    A reader that maps in worker processes applies ``prepare`` there, so the
    record crosses to the consumer's process once, in the form it is used in
    (for the store: its JSON, hash and rows), instead of as a pydantic model
    that the consumer's process rebuilds and serialises again.
    """

    value: Any
    source_key: str
    location: Location


Prepare = Callable[[PatentRecord], Any]


@dataclass(frozen=True)
class Rejected:
    """A record that could not be used, with the reason a person can act on."""

    reason: str
    location: Location
    source_key: str | None = None
    excerpt: str = ""


Item = Parsed | Rejected


class Reader(Protocol):
    """Reads one input format.

    ``format`` is the name used by ``ipnav ingest --format``. ``read`` yields
    items lazily; ``dataset`` is the name stored in each record's ``sources``.
    """

    format: ClassVar[str]

    def read(self, path: Path, *, dataset: str) -> Iterator[Item]: ...


class PreparingReader(Reader, Protocol):
    """A reader whose ``read`` also takes ``prepare``: then it yields :class:`Prepared`
    items (and :class:`Rejected` ones) instead of :class:`Parsed` ones."""

    prepares: ClassVar[bool]

    def read(  # type: ignore[override]
        self, path: Path, *, dataset: str, prepare: Prepare | None = None
    ) -> Iterator[Item | Prepared]: ...


def describe_error(exc: Exception) -> str:
    """One line saying what is wrong with a record, from a mapper's exception."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        place = ".".join(str(p) for p in first["loc"]) or "record"
        return f"field `{place}`: {first['msg']}"
    if isinstance(exc, KeyError):
        return f"required field `{exc.args[0]}` is missing"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def excerpt(text: str, limit: int = 200) -> str:
    """A short, single-line excerpt of raw input for a rejection report."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
