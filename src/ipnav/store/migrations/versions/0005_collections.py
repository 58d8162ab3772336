"""collections: thematic databases, their queries, breakdown tree and versioned snapshots

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _collection_fk(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["collection_id"],
        ["collection.id"],
        name=op.f(f"fk_{name}_collection_id_collection"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "collection",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisation.id"],
            name=op.f("fk_collection_owner_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection")),
        sa.UniqueConstraint("owner_org_id", "name", name=op.f("uq_collection_owner_org_id")),
    )
    op.create_index("ix_collection_name", "collection", ["name"], unique=False)
    op.create_table(
        "collection_share",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        _collection_fk("collection_share"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_collection_share_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "collection_id", "organisation_id", name=op.f("pk_collection_share")
        ),
    )
    op.create_table(
        "collection_query",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("filters", JSON, nullable=False),
        _collection_fk("collection_query"),
        sa.PrimaryKeyConstraint("collection_id", "position", name=op.f("pk_collection_query")),
    )
    op.create_table(
        "collection_manual",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(length=320), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        _collection_fk("collection_manual"),
        sa.PrimaryKeyConstraint("collection_id", "patent_id", name=op.f("pk_collection_manual")),
    )
    op.create_table(
        "collection_branch",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=True),
        _collection_fk("collection_branch"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["collection_branch.id"],
            name=op.f("fk_collection_branch_parent_id_collection_branch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_branch")),
    )
    op.create_index(
        "ix_collection_branch_collection", "collection_branch", ["collection_id", "position"]
    )
    op.create_table(
        "collection_snapshot",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.Column("cutoff_date", sa.Date(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("queries", JSON, nullable=False),
        sa.Column("manual", JSON, nullable=False),
        sa.Column("branches", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _collection_fk("collection_snapshot"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_snapshot")),
        sa.UniqueConstraint(
            "collection_id", "version", name=op.f("uq_collection_snapshot_collection_id")
        ),
    )
    op.create_table(
        "collection_snapshot_member",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.String(length=300), nullable=False),
        sa.Column("via", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["collection_snapshot.id"],
            name=op.f("fk_collection_snapshot_member_snapshot_id_collection_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "patent_id", name=op.f("pk_collection_snapshot_member")
        ),
    )
    op.create_table(
        "collection_snapshot_branch",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["collection_snapshot.id"],
            name=op.f("fk_collection_snapshot_branch_snapshot_id_collection_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "branch_id", "patent_id", name=op.f("pk_collection_snapshot_branch")
        ),
    )


def downgrade() -> None:
    op.drop_table("collection_snapshot_branch")
    op.drop_table("collection_snapshot_member")
    op.drop_table("collection_snapshot")
    op.drop_index("ix_collection_branch_collection", table_name="collection_branch")
    op.drop_table("collection_branch")
    op.drop_table("collection_manual")
    op.drop_table("collection_query")
    op.drop_table("collection_share")
    op.drop_index("ix_collection_name", table_name="collection")
    op.drop_table("collection")
