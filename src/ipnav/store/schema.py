"""Tables of the patent store (SQLAlchemy Core; Alembic migrations mirror this file).

Two layers:

* ``source_record`` keeps what each source said about a publication, one row
  per (dataset, source key), with a content hash so that re-ingesting the
  same file is recognised as "unchanged";
* ``patent`` holds the canonical record merged from all source rows that
  share a ``match_key`` (country + number) (JSON null in ``record`` when one
  source row gives the publication: the record is that row's), plus derived tables
  (``patent_party``, ``patent_class``, ``patent_citation``) that searches,
  facets and analytics query without parsing JSON.

The derived rows of a publication are always rewritten together with it, in
the same transaction, so they can never disagree with the record.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JsonDoc = JSON().with_variant(JSONB(), "postgresql")

ingest_run = Table(
    "ingest_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False),
    Column("format", String(32), nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("fingerprint", String(80), nullable=False),
    Column(
        "status", String(32), nullable=False
    ),  # running, completed, completed_with_rejects, failed, interrupted
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("read", Integer, nullable=False, default=0),
    Column("new", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("rejects_path", Text),
    Column("message", Text),
    Index("ix_ingest_run_fingerprint", "fingerprint", "status"),
)

source_record = Table(
    "source_record",
    metadata,
    Column("dataset", String(200), primary_key=True),
    Column("source_key", String(300), primary_key=True),
    Column("match_key", String(300), nullable=False),
    Column("kind", String(8)),
    Column("patent_id", String(300), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("record", Text, nullable=False),  # canonical JSON as this source gave it
    Column("ingest_run_id", Integer, ForeignKey("ingest_run.id")),
    Index("ix_source_record_match_key", "match_key"),
    Index("ix_source_record_patent_id", "patent_id"),
)

patent = Table(
    "patent",
    metadata,
    Column("id", String(300), primary_key=True),
    Column("match_key", String(300), nullable=False),
    Column("country", String(8)),
    Column("number", String(64)),
    Column("kind", String(8)),
    Column("application_number", String(64)),
    Column("filing_date", Date),
    Column("publication_date", Date),
    Column("grant_date", Date),
    Column("priority_date", Date),
    Column("title", Text),
    Column("languages", String(64), nullable=False, default=""),  # e.g. "en,zh"
    Column("legal_status", String(20)),
    Column("family_id", String(64)),
    Column("claims_count", Integer),
    Column("sources", Text, nullable=False, default=""),  # datasets, comma-separated
    # the merged record; JSON null where one source row gives the publication: its
    # record is that row's (written once, see ipnav.store.patents)
    Column("record", JsonDoc, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_patent_match_key", "match_key"),
    Index("ix_patent_application_number", "application_number"),
    Index("ix_patent_publication_date", "publication_date"),
    Index("ix_patent_country_kind", "country", "kind"),
)

patent_party = Table(
    "patent_party",
    metadata,
    Column("patent_id", String(300), ForeignKey("patent.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(12), primary_key=True),  # applicant / inventor / agent
    Column("seq", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("normalized_name", Text, nullable=False, default=""),
    Column("type", String(16)),
    Column("country", String(8)),
    Column("province", String(32)),
    Index("ix_patent_party_normalized", "role", "normalized_name"),
)

patent_class = Table(
    "patent_class",
    metadata,
    Column("patent_id", String(300), ForeignKey("patent.id", ondelete="CASCADE"), primary_key=True),
    Column("scheme", String(8), primary_key=True),  # ipc / cpc
    Column("seq", Integer, primary_key=True),
    Column("symbol", String(40), nullable=False),
    Column("subclass", String(4), nullable=False),
    Index("ix_patent_class_symbol", "scheme", "symbol"),
    Index("ix_patent_class_subclass", "scheme", "subclass"),
)

patent_citation = Table(
    "patent_citation",
    metadata,
    Column("patent_id", String(300), ForeignKey("patent.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("cited_ref", String(300), nullable=False),
    Column("cited_match_key", String(300), nullable=False),
    Column("category", String(20)),
    Index("ix_patent_citation_cited", "cited_match_key"),
)

DERIVED_TABLES = (patent_party, patent_class, patent_citation)

# -- accounts (ipnav.accounts): organisations, users, API tokens, audit log ----

organisation = Table(
    "organisation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

app_user = Table(  # "user" is reserved in PostgreSQL
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
    Column("display_name", String(200), nullable=False),
    Column(
        "organisation_id", Integer, ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    ),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(256), nullable=False),  # argon2id, PHC string
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("language", String(8), nullable=False, default="zh"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
)

api_token = Table(
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the secret
    Column("prefix", String(16), nullable=False),  # shown to the user to tell tokens apart
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_api_token_user", "user_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(320)),  # email of who acted; NULL for the system / anonymous
    Column("action", String(64), nullable=False),
    Column("target", String(320)),
    Column("details", JsonDoc),
    Index("ix_audit_log_at", "at"),
)

# -- background jobs (ipnav.jobs): one durable row per job, whatever the queue -----

job = Table(
    "job",
    metadata,
    Column("id", String(32), primary_key=True),  # uuid4 hex; also the queue task's id
    Column("kind", String(32), nullable=False),  # a key of ipnav.jobs.kinds.KINDS
    Column("params", JsonDoc, nullable=False),
    Column("status", String(16), nullable=False),  # queued, running, done, failed, cancelled
    Column("progress_done", Integer, nullable=False, default=0),
    Column("progress_total", Integer),  # NULL while unknown
    Column("stage", String(200)),
    Column("message", Text),  # the error of a failed job, a note of a done one
    Column("result", JsonDoc),  # e.g. {"file": "<id>.csv", "records": 120}
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="SET NULL")),
    Column("user_email", String(320)),  # kept when the user is deleted
    Column("worker", String(200)),  # host:pid of the worker that runs / ran it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_job_user_created", "user_id", "created_at"),
    Index("ix_job_status", "status"),
)

# -- saved searches (ipnav.accounts.saved_searches): a user's named queries -----------

saved_search = Table(
    "saved_search",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("query", Text, nullable=False),
    Column("params", JsonDoc, nullable=False),  # filters, mode, sort, collapse
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_run_at", DateTime(timezone=True)),
    Index("ix_saved_search_user", "user_id", "created_at"),
)

# -- thematic databases (ipnav.collections): collections, their queries and snapshots -----

collection = Table(
    "collection",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),  # unique per owner organisation
    # NULL: a platform collection, made by the local operator without --org
    Column("owner_org_id", Integer, ForeignKey("organisation.id")),
    Column("title", String(300), nullable=False),
    Column("description", Text),
    Column("visibility", String(16), nullable=False),  # private, shared, public
    Column("created_by", String(320)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("owner_org_id", "name"),
    Index("ix_collection_name", "name"),
)

collection_share = Table(  # organisations a "shared" collection is shown to
    "collection_share",
    metadata,
    Column(
        "collection_id",
        Integer,
        ForeignKey("collection.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "organisation_id",
        Integer,
        ForeignKey("organisation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

collection_query = Table(
    "collection_query",
    metadata,
    Column(
        "collection_id",
        Integer,
        ForeignKey("collection.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),  # 1, 2, ... as shown
    Column("query", Text, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("filters", JsonDoc, nullable=False),  # ipnav.jobs.export.filters_to_params
)

collection_manual = Table(  # ids added to or removed from what the queries find
    "collection_manual",
    metadata,
    Column(
        "collection_id",
        Integer,
        ForeignKey("collection.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("patent_id", String(300), primary_key=True),
    Column("action", String(8), nullable=False),  # include / exclude
    Column("note", Text),
    Column("added_by", String(320)),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

collection_branch = Table(  # the technology breakdown (技术分解表), a tree
    "collection_branch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "collection_id",
        Integer,
        ForeignKey("collection.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("parent_id", Integer, ForeignKey("collection_branch.id", ondelete="CASCADE")),
    Column("position", Integer, nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("query", Text),  # NULL: a heading; its members are its children's
    Index("ix_collection_branch_collection", "collection_id", "position"),
)

collection_snapshot = Table(
    "collection_snapshot",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "collection_id",
        Integer,
        ForeignKey("collection.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),  # 1, 2, ... per collection
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(320)),
    Column("cutoff_date", Date),  # latest publication date among the members
    Column("ingested_at", DateTime(timezone=True)),  # the store's latest write then
    Column("member_count", Integer, nullable=False),
    Column("queries", JsonDoc, nullable=False),  # as run: text, mode, filters, matches
    Column("manual", JsonDoc, nullable=False),  # included / excluded counts
    Column("branches", JsonDoc, nullable=False),  # the breakdown tree as it was, with counts
    Column("note", Text),
    UniqueConstraint("collection_id", "version"),
)

collection_snapshot_member = Table(
    "collection_snapshot_member",
    metadata,
    Column(
        "snapshot_id",
        Integer,
        ForeignKey("collection_snapshot.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("patent_id", String(300), primary_key=True),  # no FK: a snapshot outlives deletions
    Column("via", String(200), nullable=False),  # query numbers "1,3", or "manual"
)

collection_snapshot_branch = Table(
    "collection_snapshot_branch",
    metadata,
    Column(
        "snapshot_id",
        Integer,
        ForeignKey("collection_snapshot.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("branch_id", Integer, primary_key=True),  # as frozen in collection_snapshot.branches
    Column("patent_id", String(300), primary_key=True),
)
