"""Typed settings, read once from the environment (prefix ``IPNAV_``) and passed down.

Modules never read ``os.environ`` themselves: the CLI (and later the web app
factory) builds one :class:`Settings` and hands it to the core.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where ipnav keeps its data and where it finds the sample corpora."""

    model_config = SettingsConfigDict(env_prefix="IPNAV_", extra="ignore")

    home: Path = Field(
        default=Path(".ipnav"),
        description="Data folder: SQLite database, indexes, ingest reports (IPNAV_HOME).",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the store (IPNAV_DATABASE_URL), e.g. "
            "postgresql+psycopg://user@host:5432/ipnav. Default: SQLite file in IPNAV_HOME."
        ),
    )
    sample_data: Path = Field(
        default=Path("../shared/data"),
        description="Folder of the shared sample corpora read in place (IPNAV_SAMPLE_DATA).",
    )
    ingest_batch_size: int = Field(
        default=1000,
        ge=1,
        description="Records per ingest transaction (IPNAV_INGEST_BATCH_SIZE).",
    )

    dense_encoder: str = Field(
        default="use-m3",
        description=(
            "Sentence encoder of the dense index (IPNAV_DENSE_ENCODER): use-m3 (Universal "
            "Sentence Encoder multilingual, zh+en in one space) or hashing (lexical, no model)."
        ),
    )
    search_reload_seconds: float = Field(
        default=3.0,
        ge=0,
        description=(
            "How often, at most, a running server looks whether `ipnav index`, `ipnav ingest` "
            "or an index job changed the indexes, and reopens them "
            "(IPNAV_SEARCH_RELOAD_SECONDS; 0: before every search)."
        ),
    )

    export_max_rows_anonymous: int = Field(
        default=1000,
        ge=0,
        description=(
            "Most records one web or API export gives a visitor who is not logged in "
            "(IPNAV_EXPORT_MAX_ROWS_ANONYMOUS)."
        ),
    )
    export_max_rows: int = Field(
        default=100_000,
        ge=1,
        description=(
            "Most records one web or API export gives a logged-in user "
            "(IPNAV_EXPORT_MAX_ROWS); `ipnav export` has no cap."
        ),
    )

    secret_key: str | None = Field(
        default=None,
        description=(
            "Key that signs the web session cookies (IPNAV_SECRET_KEY). Default: a random "
            "key generated once and kept in IPNAV_HOME/secret_key."
        ),
    )
    secure_cookies: bool = Field(
        default=False,
        description=(
            "Mark the session and language cookies Secure (IPNAV_SECURE_COOKIES=1): "
            "browsers then send them over HTTPS only. Turn on when the site is served over "
            "HTTPS (e.g. behind a TLS reverse proxy); leave off for http://127.0.0.1."
        ),
    )
    demo_accounts: bool = Field(
        default=True,
        description=(
            "Whether `ipnav demo` creates its demo accounts, one per role, with published "
            "passwords (IPNAV_DEMO_ACCOUNTS=0 turns them off); for a local demo only."
        ),
    )

    jobs_url: str | None = Field(
        default=None,
        description=(
            "Queue of the background jobs (IPNAV_JOBS_URL): redis://HOST:6379/0 (needs "
            "pip install 'ipnav[redis]') or sqlite:///PATH. Default: IPNAV_HOME/jobs.sqlite3."
        ),
    )
    jobs_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Jobs `ipnav worker` runs at the same time (IPNAV_JOBS_WORKERS).",
    )
    web_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description=(
            "Web server processes `ipnav serve` runs (IPNAV_WEB_WORKERS; `--workers` "
            "overrides it): more use more cores, each holds its own indexes in memory."
        ),
    )

    def resolved_secret_key(self) -> str:
        """The configured key, else the one in ``home/secret_key`` (created on first use).

        The file is written with mode 0600; all web workers on one data folder share it,
        so sessions survive restarts.
        """
        if self.secret_key:
            return self.secret_key
        path = self.home / "secret_key"
        if not path.exists():
            import os
            import secrets

            self.home.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                pass
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file inside ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'ipnav.db').resolve()}"

    @property
    def reports_dir(self) -> Path:
        """Where ingest writes its rejected-record reports."""
        return self.home / "reports"

    @property
    def exports_dir(self) -> Path:
        """Where export jobs write their files (``<job id>.<format>``)."""
        return self.home / "exports"
