"""The patent store: upsert source records, keep canonical records merged, read them back.

Every write goes through :meth:`PatentStore.upsert`, which runs in one
transaction: either a whole batch (its source rows, the re-merged canonical
records and their derived rows) is stored, or nothing of it is. A killed
ingest therefore leaves the store as it was after the last committed batch.

A publication that only one source row gives is not written twice: its
canonical row holds JSON ``null`` in ``record``, meaning "the record of my only
source row" (the merge of one record is that record), and reading it takes the
source row's JSON. A merged record of several sources is stored whole. Full-text
documents (~120 KB of JSON each) are most of what an ingest writes, so this
halves the bytes written and spares a second serialisation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, bindparam, delete, func, select, tuple_, update

from ipnav.model.merge import Merged, SourceRow, merge_group
from ipnav.model.numbers import ApplicationNumber, parse_any
from ipnav.model.record import PatentRecord
from ipnav.settings import Settings
from ipnav.store import db
from ipnav.store.bulk import bulk_insert
from ipnav.store.schema import (
    DERIVED_TABLES,
    patent,
    patent_citation,
    patent_class,
    patent_party,
    source_record,
)

_IN_CHUNK = 500  # keeps IN (...) lists well inside SQLite's and PostgreSQL's limits

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CanonicalRows:
    """A canonical record's row in ``patent`` (less ``record`` and ``updated_at``) and its
    rows in the derived tables."""

    patent: Row
    parties: list[Row]
    classes: list[Row]
    citations: list[Row]


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A source record in the form the store writes it, made by :func:`stored_form`.

    Plain data (bytes, strings, dicts), cheap to send between processes: readers
    that map in worker processes make it there, so that the process that writes
    neither rebuilds the pydantic model nor serialises it again. ``rows`` are the
    canonical rows of the record as its publication's only source, the common case.
    """

    id: str
    match_key: str
    kind: str | None
    json: bytes  # record_json(record_data(record)): what is stored and hashed
    content_hash: str
    rows: CanonicalRows

    def to_record(self) -> PatentRecord:
        """The record again (for merging it with other sources)."""
        return PatentRecord.model_validate(orjson.loads(self.json))


@dataclass(frozen=True)
class SourceItem:
    """A record as one dataset gives it, ready to be stored.

    ``record`` or ``stored`` (its :func:`stored_form`) or both; with both, the
    store uses ``stored`` and does not serialise ``record`` again.
    """

    dataset: str
    source_key: str
    record: PatentRecord | None = None
    stored: StoredRecord | None = None

    def __post_init__(self) -> None:
        if self.record is None and self.stored is None:
            raise TypeError("SourceItem needs a record or its stored form")

    def stored_form(self) -> StoredRecord:
        return self.stored if self.stored is not None else stored_form(self.record)  # type: ignore[arg-type]


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def record_data(record: PatentRecord) -> dict:
    """The record as JSON-ready data, defaults left out (what is stored)."""
    return record.model_dump(mode="json", exclude_defaults=True)


def record_json(data: dict) -> bytes:
    """Stable JSON of record data: sorted keys (what is hashed)."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def content_hash(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def stored_form(record: PatentRecord) -> StoredRecord:
    """Serialise, hash and lay out ``record`` once, for :meth:`PatentStore.upsert`."""
    payload = record_json(record_data(record))
    return StoredRecord(
        id=record.id,
        match_key=match_key_of(record),
        kind=record.kind,
        json=payload,
        content_hash=content_hash(payload),
        rows=canonical_rows(record),
    )


def match_key_of(record: PatentRecord) -> str:
    """Country + number with the kind dropped; the id itself for records without a number."""
    if record.country and record.number:
        number = record.number.lstrip("0") if record.number.isdigit() else record.number
        return f"{record.country}{number}"
    return record.id


def canonical_rows(rec: PatentRecord) -> CanonicalRows:
    """The columns and derived rows that searches and facets query without parsing JSON."""
    row = {
        "id": rec.id,
        "match_key": match_key_of(rec),
        "country": rec.country,
        "number": rec.number,
        "kind": rec.kind,
        "application_number": rec.application_number,
        "filing_date": rec.filing_date,
        "publication_date": rec.publication_date,
        "grant_date": rec.grant_date,
        "priority_date": rec.priority_date,
        "title": rec.text("title"),
        "languages": ",".join(rec.languages),
        "legal_status": rec.legal_status.value if rec.legal_status else None,
        "family_id": rec.family_id,
        "claims_count": rec.claims_count,
        "sources": ",".join(sorted({s.dataset for s in rec.sources})),
    }
    parties = []
    for role, people in (("applicant", rec.applicants), ("agent", rec.agents)):
        for seq, party in enumerate(people):
            parties.append(
                {
                    "patent_id": rec.id,
                    "role": role,
                    "seq": seq,
                    "name": party.name,
                    "normalized_name": party.normalized_name,
                    "type": party.type.value if party.type else None,
                    "country": party.country,
                    "province": party.province,
                }
            )
    for seq, person in enumerate(rec.inventors):
        parties.append(
            {
                "patent_id": rec.id,
                "role": "inventor",
                "seq": seq,
                "name": person.name,
                "normalized_name": "",
                "type": None,
                "country": person.country,
                "province": None,
            }
        )
    classes = [
        {
            "patent_id": rec.id,
            "scheme": scheme,
            "seq": seq,
            "symbol": symbol,
            "subclass": symbol[:4],
        }
        for scheme, symbols in (("ipc", rec.ipc), ("cpc", rec.cpc))
        for seq, symbol in enumerate(symbols)
    ]
    citations = [
        {
            "patent_id": rec.id,
            "seq": seq,
            "cited_ref": citation.ref,
            "cited_match_key": citation.match_key or citation.ref,
            "category": citation.category,
        }
        for seq, citation in enumerate(rec.cited_patents)
    ]
    return CanonicalRows(row, parties, classes, citations)


@dataclass(slots=True)
class _BatchRow:
    """A source row the batch being stored writes: its stored form, its record once needed."""

    form: StoredRecord
    model: PatentRecord | None

    def record(self) -> PatentRecord:
        if self.model is None:
            self.model = self.form.to_record()
        return self.model


def _chunks(values: Sequence, size: int = _IN_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class PatentStore:
    """Canonical patent records in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, settings: Settings) -> PatentStore:
        """Open (creating or upgrading) the store the settings point to."""
        engine = db.create_store_engine(settings.resolved_database_url)
        db.upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> PatentStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------

    def upsert(self, items: Sequence[SourceItem], run_id: int | None = None) -> UpsertResult:
        """Store a batch atomically; re-merge every publication it touches."""
        latest: dict[tuple[str, str], SourceItem] = {}
        for item in items:
            latest[(item.dataset, item.source_key)] = item
        forms = {key: item.stored_form() for key, item in latest.items()}
        result = UpsertResult()
        with self.engine.begin() as conn:
            known = self._known_hashes(conn, list(latest))
            changed: dict[tuple[str, str], SourceItem] = {}
            touched: set[str] = set()
            for key, item in latest.items():
                old = known.get(key)
                if old is None:
                    result.new += 1
                elif old[0] == forms[key].content_hash:
                    result.unchanged += 1
                    continue
                else:
                    result.updated += 1
                    touched.add(old[1])
                changed[key] = item
                touched.add(forms[key].match_key)
            if not changed:
                return result
            self._write_source_rows(conn, changed, forms, known, run_id)
            batch = {key: _BatchRow(forms[key], item.record) for key, item in changed.items()}
            self._remerge(conn, sorted(touched), batch)
        return result

    def _known_hashes(
        self, conn: Connection, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        by_dataset: dict[str, list[str]] = defaultdict(list)
        for dataset, source_key in keys:
            by_dataset[dataset].append(source_key)
        known = {}
        for dataset, source_keys in by_dataset.items():
            for chunk in _chunks(source_keys):
                rows = conn.execute(
                    select(
                        source_record.c.source_key,
                        source_record.c.content_hash,
                        source_record.c.match_key,
                    ).where(
                        source_record.c.dataset == dataset, source_record.c.source_key.in_(chunk)
                    )
                )
                for source_key, content_hash, key in rows:
                    known[(dataset, source_key)] = (content_hash, key)
        return known

    def _write_source_rows(self, conn, changed, forms, known, run_id) -> None:
        fresh, stale = [], []
        for key, item in changed.items():
            form: StoredRecord = forms[key]
            row = {
                "dataset": item.dataset,
                "source_key": item.source_key,
                "match_key": form.match_key,
                "kind": form.kind,
                "patent_id": form.id,
                "content_hash": form.content_hash,
                "record": form.json.decode(),
                "ingest_run_id": run_id,
            }
            (stale if key in known else fresh).append(row)
        bulk_insert(conn, source_record, fresh)
        for row in stale:
            conn.execute(
                update(source_record)
                .where(
                    source_record.c.dataset == row["dataset"],
                    source_record.c.source_key == row["source_key"],
                )
                .values(row)
            )

    def _remerge(
        self, conn: Connection, match_keys: list[str], batch: dict[tuple[str, str], _BatchRow]
    ) -> None:
        members: dict[str, list[tuple[str, str]]] = defaultdict(list)
        current: dict[tuple[str, str], str] = {}
        for chunk in _chunks(match_keys):
            rows = conn.execute(
                select(
                    source_record.c.dataset,
                    source_record.c.source_key,
                    source_record.c.match_key,
                    source_record.c.patent_id,
                ).where(source_record.c.match_key.in_(chunk))
            ).all()
            for dataset, source_key, key, patent_id in rows:
                members[key].append((dataset, source_key))
                current[(dataset, source_key)] = patent_id
            doomed = select(patent.c.id).where(patent.c.match_key.in_(chunk))
            for table in DERIVED_TABLES:
                conn.execute(delete(table).where(table.c.patent_id.in_(doomed)))
            conn.execute(delete(patent).where(patent.c.match_key.in_(chunk)))
        # A publication of one source row of this batch is that row's record: its
        # rows are ready. The others are merged from their records; only rows of
        # other batches are read back, this batch's are in memory.
        single = {
            key: batch[rows[0]].form
            for key, rows in members.items()
            if len(rows) == 1 and rows[0] in batch
        }
        stored = self._stored_records(
            conn,
            [
                row
                for key, rows in members.items()
                if key not in single
                for row in rows
                if row not in batch
            ],
        )
        canonical: list[Merged | StoredRecord] = []
        for key in match_keys:
            if key in single:
                canonical.append(single[key])
                continue
            group = [
                SourceRow(d, k, batch[(d, k)].record() if (d, k) in batch else stored[(d, k)])
                for d, k in members.get(key, [])
            ]
            canonical.extend(merge_group(group))
        self._insert_patents(conn, canonical)
        moved = []
        for entry in canonical:
            if isinstance(entry, StoredRecord):
                pairs = [(row, entry.id) for row in members[entry.match_key]]
            else:
                pairs = [((r.dataset, r.source_key), entry.record.id) for r in entry.members]
            moved.extend(
                {"d": d, "k": k, "p": patent_id}
                for (d, k), patent_id in pairs
                if current.get((d, k)) != patent_id
            )
        if moved:
            conn.execute(
                update(source_record)
                .where(
                    source_record.c.dataset == bindparam("d"),
                    source_record.c.source_key == bindparam("k"),
                )
                .values(patent_id=bindparam("p")),
                moved,
            )

    def _stored_records(
        self, conn: Connection, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], PatentRecord]:
        found: dict[tuple[str, str], PatentRecord] = {}
        for chunk in _chunks(keys):
            rows = conn.execute(
                select(
                    source_record.c.dataset, source_record.c.source_key, source_record.c.record
                ).where(tuple_(source_record.c.dataset, source_record.c.source_key).in_(chunk))
            )
            for dataset, source_key, text in rows:
                found[(dataset, source_key)] = PatentRecord.model_validate_json(text)
        return found

    def _insert_patents(self, conn: Connection, canonical: Sequence[Merged | StoredRecord]) -> None:
        """Canonical rows: a record of one source as JSON null (see the module doc)."""
        if not canonical:
            return
        now = dt.datetime.now(dt.UTC)
        rows, parties, classes, citations = [], [], [], []
        for entry in canonical:
            if isinstance(entry, StoredRecord):
                ready, data = entry.rows, None
            else:
                ready = canonical_rows(entry.record)
                data = record_data(entry.record) if len(entry.members) > 1 else None
            rows.append({**ready.patent, "record": data, "updated_at": now})
            parties += ready.parties
            classes += ready.classes
            citations += ready.citations
        for table, values in (
            (patent, rows),
            (patent_party, parties),
            (patent_class, classes),
            (patent_citation, citations),
        ):
            bulk_insert(conn, table, values)

    # -- reading -------------------------------------------------------------

    def get(self, patent_id: str) -> PatentRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(patent.c.id, patent.c.record).where(patent.c.id == patent_id)
            ).first()
            return self._canonical(conn, [row])[0] if row is not None else None

    #: The ``patent`` rows of a list of ids: built once (an "expanding" IN takes any
    #: number), not per page with a bound parameter made for each id.
    _ROWS_BY_ID = select(patent.c.id, patent.c.record).where(
        patent.c.id.in_(bindparam("ids", expanding=True))
    )

    def get_many(self, ids: Sequence[str]) -> list[PatentRecord]:
        """The records of ``ids`` in the order asked; ids the store lacks are skipped.

        What a result page or an export batch reads: two statements for up to
        500 ids (the ``patent`` rows, then the source rows of the records stored
        as JSON null), where :meth:`get` per id costs two each.
        """
        found: dict[str, PatentRecord] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(dict.fromkeys(ids))):
                rows = conn.execute(self._ROWS_BY_ID, {"ids": list(chunk)}).all()
                records = self._canonical(conn, rows)
                found.update(zip([row[0] for row in rows], records, strict=True))
        return [found[patent_id] for patent_id in ids if patent_id in found]

    def _canonical(self, conn: Connection, rows: Sequence) -> list[PatentRecord]:
        """Records of (id, record) rows of ``patent``; JSON null: the only source row's record."""
        alone = [patent_id for patent_id, data in rows if data is None]
        sourced: dict[str, PatentRecord] = {}
        for chunk in _chunks(alone):
            query = select(source_record.c.patent_id, source_record.c.record).where(
                source_record.c.patent_id.in_(chunk)
            )
            for patent_id, text in conn.execute(query):
                sourced[patent_id] = PatentRecord.model_validate_json(text)
        return [
            sourced[patent_id] if data is None else PatentRecord.model_validate(data)
            for patent_id, data in rows
        ]

    def find(self, text: str) -> list[PatentRecord]:
        """Records for an id or number in any form a user pastes.

        Tried in order: the exact id, a source's own id (e.g. a BDCI hash), the
        publication number (exact kind first, then every kind of that number),
        the application number. Raises :class:`NumberError` when the text is
        not a number at all.
        """
        text = text.strip()
        with self.engine.connect() as conn:
            ids = [text, text.upper()]
            found = conn.execute(select(patent.c.id).where(patent.c.id.in_(ids))).scalars().all()
            if not found:
                found = (
                    conn.execute(
                        select(source_record.c.patent_id).where(source_record.c.source_key.in_(ids))
                    )
                    .scalars()
                    .all()
                )
            if not found:
                number = parse_any(text)
                if isinstance(number, ApplicationNumber):
                    query = select(patent.c.id).where(
                        patent.c.application_number == number.normalized
                    )
                else:
                    query = select(patent.c.id).where(patent.c.id == number.id)
                    if number.kind is None or not conn.execute(query).first():
                        query = select(patent.c.id).where(patent.c.match_key == number.match_key)
                found = conn.execute(query.order_by(patent.c.id)).scalars().all()
        return [rec for rec in (self.get(pid) for pid in dict.fromkeys(found)) if rec]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(patent)).scalar_one()

    def iter_records(
        self, batch_size: int = 1000, *, updated_after: dt.datetime | None = None
    ) -> Iterator[PatentRecord]:
        """Every canonical record (or those changed after a time), in id order, in batches."""
        last = ""
        while True:
            query = select(patent.c.id, patent.c.record).where(patent.c.id > last)
            if updated_after is not None:
                query = query.where(patent.c.updated_at > updated_after)
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(patent.c.id).limit(batch_size)).all()
                records = self._canonical(conn, rows)
            if not rows:
                return
            yield from records
            last = rows[-1][0]

    def last_update(self) -> dt.datetime | None:
        """When the newest canonical record was written (None for an empty store)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(patent.c.updated_at))).scalar()

    def count_updated_after(self, when: dt.datetime | None) -> int:
        query = select(func.count()).select_from(patent)
        if when is not None:
            query = query.where(patent.c.updated_at > when)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def ids(self) -> Iterable[str]:
        with self.engine.connect() as conn:
            return conn.execute(select(patent.c.id).order_by(patent.c.id)).scalars().all()


__all__ = ["PatentStore", "SourceItem", "StoredRecord", "UpsertResult", "stored_form"]
