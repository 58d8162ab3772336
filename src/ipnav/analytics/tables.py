"""Flat tables that every analysis reads, built from canonical records, kept as Arrow or Parquet.

Four tables, one row per thing counted, with fixed Arrow schemas (so an empty set
still has every column, and a Parquet round trip gives identical tables):

``patents``
    one row per record: ids and keys (``match_key``: country + number without kind;
    ``family_key`` as family collapsing in search computes it), office, kind,
    languages, the four dates and their years, best title (Chinese first) and the
    title per language, best abstract, legal status, claim count, counts of the
    citations the record lists both ways, source datasets.
``parties``
    one row per applicant or inventor of a record: role, position, raw name,
    grouping key (applicants: :func:`~ipnav.model.applicants.normalize_name`
    from ingest; inventors: :func:`person_key`), type, country, province.
``classes``
    one row per IPC or CPC symbol: scheme, position, compact symbol, subclass
    (``G06F``), main group (``G06F9``), WIPO technology field (1–35; empty
    without the classification data, see :func:`build_tables`).
``citations``
    one row per citation a record states: ``origin`` ``cited_patents`` (this
    record cites another: backward) or ``cited_by`` (another cites this record:
    forward, as PatSnap lists it), both sides as given and as match keys, and
    whether each side is in the set. A citation both records state appears
    twice (once per origin); analyses count distinct key pairs.

Years are stored as columns so that SQL needs no date functions (which DuckDB
and Spark name differently). Lists are never stored as Arrow list columns:
analyses that need them join the child tables, the one form both engines read
the same way.

:func:`write_parquet` streams records into a Parquet folder batch by batch
(pyarrow ``ParquetWriter``): memory holds one batch of rows and the set's match
keys (for the in-set flags), not the records, so a corpus-wide export works.
That folder is the input of the Spark path.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ipnav.errors import IpnavError
from ipnav.model.classification import ClassificationError, parse_symbol
from ipnav.model.numbers import NumberError, match_key
from ipnav.model.record import PatentRecord
from ipnav.search.service import family_key
from ipnav.store.patents import match_key_of

if TYPE_CHECKING:
    from ipnav.model.schemes import ClassificationScheme
    from ipnav.store.patents import PatentStore

FORMAT = "ipnav-analysis-tables"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH_SIZE = 5000  # records per Arrow record batch / Parquet row group
_STORE_CHUNK = 500  # ids per PatentStore.get_many call

_s, _i, _d, _b = pa.string(), pa.int32(), pa.date32(), pa.bool_()

SCHEMAS: dict[str, pa.Schema] = {
    "patents": pa.schema(
        [
            pa.field("id", _s, nullable=False),
            ("match_key", _s),
            ("family_key", _s),
            ("country", _s),
            ("kind", _s),
            ("lang", _s),
            ("languages", _s),
            ("filing_date", _d),
            ("publication_date", _d),
            ("grant_date", _d),
            ("priority_date", _d),
            ("filing_year", _i),
            ("publication_year", _i),
            ("grant_year", _i),
            ("priority_year", _i),
            ("title", _s),
            ("title_zh", _s),
            ("title_en", _s),
            ("abstract", _s),
            ("legal_status", _s),
            ("claims_count", _i),
            ("applicant_count", _i),
            ("inventor_count", _i),
            ("backward_citations", _i),
            ("forward_citations", _i),
            ("sources", _s),
        ]
    ),
    "parties": pa.schema(
        [
            pa.field("id", _s, nullable=False),
            ("role", _s),
            ("position", _i),
            ("name", _s),
            ("normalized_name", _s),
            ("type", _s),
            ("country", _s),
            ("province", _s),
        ]
    ),
    "classes": pa.schema(
        [
            pa.field("id", _s, nullable=False),
            ("scheme", _s),
            ("position", _i),
            ("symbol", _s),
            ("subclass", _s),
            ("main_group", _s),
            ("wipo_field", _i),
        ]
    ),
    "citations": pa.schema(
        [
            ("origin", _s),
            ("citing_ref", _s),
            ("citing_key", _s),
            ("cited_ref", _s),
            ("cited_key", _s),
            ("category", _s),
            ("citing_in_set", _b),
            ("cited_in_set", _b),
        ]
    ),
}
NAMES = tuple(SCHEMAS)


class TablesError(IpnavError):
    """A Parquet folder is not a readable set of analysis tables."""


@dataclass(frozen=True)
class Tables:
    """The four analysis tables of one set of records (see the module doc)."""

    patents: pa.Table
    parties: pa.Table
    classes: pa.Table
    citations: pa.Table

    def __len__(self) -> int:
        return self.patents.num_rows

    def sources(self) -> dict[str, pa.Table]:
        """Name -> table, what :meth:`Engine.query <ipnav.analytics.engine.Engine.query>` reads."""
        return {name: getattr(self, name) for name in NAMES}

    def equals(self, other: Tables) -> bool:
        return all(getattr(self, n).equals(getattr(other, n)) for n in NAMES)

    def to_parquet(self, folder: Path) -> Path:
        """Write the tables to ``folder`` (one ``<name>.parquet`` each and a manifest)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in NAMES:
            pq.write_table(getattr(self, name), folder / f"{name}.parquet")
        _write_manifest(folder, {name: getattr(self, name).num_rows for name in NAMES})
        return folder

    @classmethod
    def from_parquet(cls, folder: Path) -> Tables:
        """Read a folder written by :meth:`to_parquet` or :func:`write_parquet`.

        Raises
        ------
        TablesError
            When the manifest or a table is missing, or was written by another format version.
        """
        folder = Path(folder)
        manifest = folder / MANIFEST
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TablesError(
                f"{folder} holds no {MANIFEST}: not an analysis-tables folder; write one with "
                "ipnav.analytics.tables.write_parquet (or Tables.to_parquet)"
            ) from None
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise TablesError(
                f"{manifest} is format {meta.get('format')!r} version {meta.get('version')!r}; "
                f"this ipnav reads {FORMAT!r} version {FORMAT_VERSION}: export the tables again"
            )
        read = {}
        for name in NAMES:
            path = folder / f"{name}.parquet"
            if not path.is_file():
                raise TablesError(f"{path} is missing: export the tables again")
            read[name] = pq.read_table(path, schema=SCHEMAS[name], memory_map=True)
        return cls(**read)


def empty_tables() -> Tables:
    return Tables(**{name: SCHEMAS[name].empty_table() for name in NAMES})


# -- building ----------------------------------------------------------------------------


def build_tables(
    records: Iterable[PatentRecord],
    *,
    scheme: ClassificationScheme | None = None,
    batch_size: int = BATCH_SIZE,
) -> Tables:
    """The tables of ``records``, in memory.

    ``scheme`` (:func:`~ipnav.model.schemes.load_scheme`) fills ``classes.wipo_field``;
    without it the column is empty and the technology-field analysis says so.
    """
    parts: dict[str, list[pa.RecordBatch]] = {name: [] for name in NAMES}
    for batches in iter_batches(records, scheme=scheme, batch_size=batch_size):
        for name, batch in batches.items():
            parts[name].append(batch)
    tables = {
        name: pa.Table.from_batches(parts[name], schema=SCHEMAS[name]).combine_chunks()
        for name in NAMES
    }
    keys = tables["patents"].column("match_key")
    tables["citations"] = _flag_in_set(tables["citations"], keys)
    return Tables(**tables)


def write_parquet(
    records: Iterable[PatentRecord],
    folder: Path,
    *,
    scheme: ClassificationScheme | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Stream ``records`` into a Parquet folder that :meth:`Tables.from_parquet` reads.

    One row group per ``batch_size`` records. The citations are written first without
    their in-set flags, then copied once more with the flags, since whether a cited
    number is in the set is only known after the last record. ``progress(n)`` gets
    the number of records written so far after each batch.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    unflagged = folder / "citations.unflagged.parquet"
    writers = {
        name: pq.ParquetWriter(
            unflagged if name == "citations" else folder / f"{name}.parquet", SCHEMAS[name]
        )
        for name in NAMES
    }
    keys: list[pa.Array] = []
    counts = dict.fromkeys(NAMES, 0)
    done = 0
    try:
        for batches in iter_batches(records, scheme=scheme, batch_size=batch_size):
            for name, batch in batches.items():
                writers[name].write_batch(batch)
                counts[name] += batch.num_rows
            keys.append(batches["patents"].column("match_key"))
            done += batches["patents"].num_rows
            if progress:
                progress(done)
    finally:
        for writer in writers.values():
            writer.close()
    key_set = (
        pa.chunked_array(keys, type=pa.string()).combine_chunks()
        if keys
        else pa.array([], pa.string())
    )
    with pq.ParquetWriter(folder / "citations.parquet", SCHEMAS["citations"]) as writer:
        for batch in pq.ParquetFile(unflagged).iter_batches(batch_size=batch_size * 10):
            flagged = _flag_in_set(pa.Table.from_batches([batch], SCHEMAS["citations"]), key_set)
            writer.write_table(flagged)
    unflagged.unlink()
    _write_manifest(folder, counts)
    return folder


def records_from_store(
    store: PatentStore, ids: Iterable[str], chunk: int = _STORE_CHUNK
) -> Iterator[PatentRecord]:
    """The stored records of ``ids``, read ``chunk`` at a time (ids the store lacks are skipped)."""
    batch: list[str] = []
    for patent_id in ids:
        batch.append(patent_id)
        if len(batch) >= chunk:
            yield from store.get_many(batch)
            batch = []
    if batch:
        yield from store.get_many(batch)


def iter_batches(
    records: Iterable[PatentRecord],
    *,
    scheme: ClassificationScheme | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[dict[str, pa.RecordBatch]]:
    """Record batches of the four tables, one dict per ``batch_size`` records.

    The citations' in-set flags are left false here (see :func:`write_parquet`).
    """
    rows = _Rows(scheme)
    for record in records:
        rows.add(record)
        if rows.records >= batch_size:
            yield rows.flush()
    if rows.records:
        yield rows.flush()


class _Rows:
    """Column lists of the four tables for the records added since the last flush."""

    def __init__(self, scheme: ClassificationScheme | None) -> None:
        self.scheme = scheme
        self.records = 0
        self.columns: dict[str, dict[str, list[Any]]] = {}
        self._reset()
        self._field = functools.lru_cache(maxsize=65536)(self._wipo_field)

    def _reset(self) -> None:
        self.records = 0
        self.columns = {name: {f.name: [] for f in SCHEMAS[name]} for name in NAMES}

    def flush(self) -> dict[str, pa.RecordBatch]:
        batches = {
            name: pa.RecordBatch.from_pydict(cols, schema=SCHEMAS[name])
            for name, cols in self.columns.items()
        }
        self._reset()
        return batches

    def _append(self, table: str, **values: Any) -> None:
        for name, column in self.columns[table].items():
            column.append(values.get(name))

    def add(self, rec: PatentRecord) -> None:
        self.records += 1
        key = match_key_of(rec)
        dates = {
            "filing": rec.filing_date,
            "publication": rec.publication_date,
            "grant": rec.grant_date,
            "priority": rec.priority_date,
        }
        abstract = rec.text("abstract")
        self._append(
            "patents",
            id=rec.id,
            match_key=key,
            family_key=family_key(rec),
            country=rec.country,
            kind=rec.kind,
            lang=_main_language(rec),
            languages=",".join(rec.languages),
            **{f"{name}_date": value for name, value in dates.items()},
            **{f"{name}_year": _year(value) for name, value in dates.items()},
            title=rec.text("title"),
            title_zh=rec.title.get("zh") or None,
            title_en=rec.title.get("en") or None,
            abstract=abstract,
            legal_status=rec.legal_status.value if rec.legal_status else None,
            claims_count=rec.claims_count,
            applicant_count=len(rec.applicants),
            inventor_count=len(rec.inventors),
            backward_citations=len(rec.cited_patents),
            forward_citations=len(rec.cited_by),
            sources=",".join(sorted({s.dataset for s in rec.sources})),
        )
        for position, party in enumerate(rec.applicants):
            self._append(
                "parties",
                id=rec.id,
                role="applicant",
                position=position,
                name=party.name,
                normalized_name=party.normalized_name or person_key(party.name),
                type=party.type.value if party.type else None,
                country=party.country,
                province=party.province,
            )
        for position, person in enumerate(rec.inventors):
            self._append(
                "parties",
                id=rec.id,
                role="inventor",
                position=position,
                name=person.name,
                normalized_name=person_key(person.name),
                type="individual",
                country=person.country,
                province=None,
            )
        for scheme, symbols in (("ipc", rec.ipc), ("cpc", rec.cpc)):
            for position, symbol in enumerate(symbols):
                subclass, main_group = _class_parts(symbol)
                self._append(
                    "classes",
                    id=rec.id,
                    scheme=scheme,
                    position=position,
                    symbol=symbol,
                    subclass=subclass,
                    main_group=main_group,
                    wipo_field=self._field(main_group or subclass) if subclass else None,
                )
        for citation in rec.cited_patents:
            self._append(
                "citations",
                origin="cited_patents",
                citing_ref=rec.id,
                citing_key=key,
                cited_ref=citation.ref,
                cited_key=citation.match_key or _key(citation.ref),
                category=citation.category,
                citing_in_set=False,
                cited_in_set=False,
            )
        for citing in rec.cited_by:
            self._append(
                "citations",
                origin="cited_by",
                citing_ref=citing,
                citing_key=_key(citing),
                cited_ref=rec.id,
                cited_key=key,
                category=None,
                citing_in_set=False,
                cited_in_set=False,
            )

    def _wipo_field(self, code: str) -> int | None:
        if self.scheme is None:
            return None
        found = self.scheme.technology_field(code)
        return found.number if found else None


def _flag_in_set(citations: pa.Table, keys: pa.Array | pa.ChunkedArray) -> pa.Table:
    """``citations`` with ``citing_in_set`` / ``cited_in_set`` set from the set's match keys."""
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    for side in ("citing", "cited"):
        flags = pc.fill_null(pc.is_in(citations.column(f"{side}_key"), value_set=keys), False)
        position = citations.schema.get_field_index(f"{side}_in_set")
        citations = citations.set_column(position, SCHEMAS["citations"].field(position), flags)
    return citations


def _write_manifest(folder: Path, counts: dict[str, int]) -> None:
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": counts,
    }
    (folder / MANIFEST).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


# -- small derivations -------------------------------------------------------------------


def _year(value: dt.date | None) -> int | None:
    return value.year if value else None


def _main_language(rec: PatentRecord) -> str | None:
    """The language of the record's title (else abstract): Chinese first, then English."""
    for texts in (rec.title, rec.abstract):
        for lang in ("zh", "en"):
            if texts.get(lang):
                return lang
        for lang, value in texts.items():
            if value:
                return lang
    return None


def _key(number: str) -> str:
    """Match key of a publication number as a citation gives it; the text itself if unreadable."""
    try:
        return match_key(number)
    except NumberError:
        return number


_SUBCLASS = re.compile(r"[A-H][0-9]{2}[A-Z]")


@functools.lru_cache(maxsize=65536)
def _class_parts(symbol: str) -> tuple[str | None, str | None]:
    """Subclass (``G06F``) and main group (``G06F9``) of a compact symbol; None where absent."""
    try:
        sym = parse_symbol(symbol)
    except ClassificationError:
        head = symbol[:4].upper()
        return (head if _SUBCLASS.fullmatch(head) else None), None
    subclass = sym.subclass_code
    if subclass is None or sym.main_group is None:
        return subclass, None
    return subclass, f"{subclass}{int(sym.main_group)}"


_PUNCT = re.compile(r"[\W_]+")


def person_key(name: str) -> str:
    """Grouping key of an inventor's name: NFKC, upper case, punctuation to single spaces.

    ``"SCHMIT, FRANK, L."`` and ``"Schmit Frank L"`` share ``"SCHMIT FRANK L"``; Chinese
    names keep their characters (``"张 三"`` and ``"张三"`` differ only by the space, which
    is dropped between CJK characters). Different people of one name share a key: inventor
    counts are counts of names, as in every name-based patent statistic.
    """
    folded = _PUNCT.sub(" ", unicodedata.normalize("NFKC", name)).strip().upper()
    return re.sub(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])", "", folded)
