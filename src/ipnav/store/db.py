"""Database engines: SQLite (embedded default, WAL) or PostgreSQL, chosen by URL.

The schema is created and upgraded by Alembic (``migrations/``) whenever a
store is opened, so an old data folder is brought up to date on first use.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ipnav.errors import IpnavError

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreConfigError(IpnavError):
    """The database URL is unusable."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer, and a killed writer loses only its
    # uncommitted transaction. NORMAL is durable across process crashes in WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _json_dumps(value: object) -> str:
    return orjson.dumps(value).decode()


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the parent folder is created."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreConfigError(
            f"database URL {url!r} is not valid; use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:PORT/DB (setting IPNAV_DATABASE_URL)"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, json_serializer=_json_dumps)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, json_serializer=_json_dumps)
    raise StoreConfigError(
        f"database backend {parsed.get_backend_name()!r} is not supported; use sqlite or postgresql"
    )


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")
