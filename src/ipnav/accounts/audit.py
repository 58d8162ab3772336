"""The audit log: who did what to whom, and when, in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from ipnav.store.schema import audit_log


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str | None
    action: str
    target: str | None
    details: dict[str, Any]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record(
    conn: Connection,
    action: str,
    *,
    actor: str | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Add one entry; call it inside the transaction that makes the change it records."""
    conn.execute(
        audit_log.insert().values(
            at=at or utcnow(), actor=actor, action=action, target=target, details=details or {}
        )
    )


def entries(
    engine: Engine, *, limit: int = 100, offset: int = 0, action: str | None = None
) -> tuple[int, list[AuditEntry]]:
    """The total count and one page of entries, newest first."""
    query = select(audit_log)
    count = select(func.count()).select_from(audit_log)
    if action:
        query = query.where(audit_log.c.action == action)
        count = count.where(audit_log.c.action == action)
    query = query.order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    with engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        rows = conn.execute(query).mappings().all()
    return total, [
        AuditEntry(
            id=r["id"],
            at=_aware(r["at"]),
            actor=r["actor"],
            action=r["action"],
            target=r["target"],
            details=r["details"] or {},
        )
        for r in rows
    ]


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
