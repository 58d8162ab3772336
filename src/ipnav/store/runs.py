"""The ingest log: one row per ingest of one file, so re-runs can be recognised and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from ipnav.store.schema import ingest_run


@dataclass
class RunCounts:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


class IngestLog:
    """Start, finish and look up ingest runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self, path: str, format: str, dataset: str, fingerprint: str) -> int:
        """Record a run as ``running``; runs left ``running`` by a killed process become
        ``interrupted`` the next time a run starts for the same file."""
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(
                update(ingest_run)
                .where(ingest_run.c.path == path, ingest_run.c.status == "running")
                .values(status="interrupted", finished_at=now)
            )
            return conn.execute(
                insert(ingest_run).values(
                    path=path,
                    format=format,
                    dataset=dataset,
                    fingerprint=fingerprint,
                    status="running",
                    started_at=now,
                    read=0,
                    new=0,
                    updated=0,
                    unchanged=0,
                    rejected=0,
                )
            ).inserted_primary_key[0]

    def finish(
        self,
        run_id: int,
        counts: RunCounts,
        status: str,
        message: str | None = None,
        rejects_path: str | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(ingest_run)
                .where(ingest_run.c.id == run_id)
                .values(
                    status=status,
                    finished_at=dt.datetime.now(dt.UTC),
                    message=message,
                    rejects_path=rejects_path,
                    **counts.__dict__,
                )
            )

    def completed(self, fingerprint: str, dataset: str) -> dict | None:
        """The last clean run of exactly this file content into this dataset, if any."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(ingest_run)
                    .where(
                        ingest_run.c.fingerprint == fingerprint,
                        ingest_run.c.dataset == dataset,
                        ingest_run.c.status == "completed",
                    )
                    .order_by(ingest_run.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def recent(self, limit: int = 20) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ingest_run).order_by(ingest_run.c.id.desc()).limit(limit)
            ).mappings()
            return [dict(row) for row in rows]
