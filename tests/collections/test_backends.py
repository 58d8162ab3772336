"""Collections on SQLite and PostgreSQL: the migration, versioned snapshots, batched writes."""

from __future__ import annotations

import pytest

from ipnav.collections import CollectionNotFound, Principal
from ipnav.collections.snapshots import Computed, member_ids, write
from ipnav.search.base import Filters

COLLECTION_TABLES = (
    "collection",
    "collection_share",
    "collection_query",
    "collection_manual",
    "collection_branch",
    "collection_snapshot",
    "collection_snapshot_member",
    "collection_snapshot_branch",
)


def test_new_records_make_a_bigger_version_2_and_version_1_stays(backend_home, ingest_more):
    home = backend_home
    analyst = home.principals["a"]
    home.collections.create(
        analyst,
        "批次",
        queries=["battery OR charging"],
        visibility="shared",
        shared_with=["Org B"],
        breakdown="充电 | Charging | charging\n",
    )
    first = home.collections.refresh(analyst, "批次", note="first data")
    _s, before = home.collections.member_ids(analyst, "批次", 1)
    assert set(before) == set(home.search.export_ids("battery OR charging", Filters()))
    ingest_more(home, 300, 900)  # new records arrive
    second = home.collections.refresh(analyst, "批次")
    _s, after = home.collections.member_ids(analyst, "批次")
    assert set(after) == set(home.search.export_ids("battery OR charging", Filters()))
    assert second.version == 2 and second.member_count > first.member_count
    assert set(before) < set(after)
    _s, again = home.collections.member_ids(analyst, "批次", 1)
    assert again == before  # version 1 is what it was
    assert second.ingested_at > first.ingested_at
    assert second.cutoff_date >= first.cutoff_date
    assert second.branches.branches[0].members > first.branches.branches[0].members
    # members pages on each backend: newest publication first, no id twice
    seen: list[str] = []
    for offset in range(0, second.member_count, 40):
        _snap, total, page = home.collections.members(
            home.principals["b"], "Org A:批次", offset=offset, limit=40
        )
        assert total == second.member_count
        seen += [m.patent_id for m in page]
    assert sorted(seen) == sorted(after)
    dates = [r.publication_date for r in home.store.get_many(seen[:40]) if r.publication_date]
    assert dates == sorted(dates, reverse=True)
    home.collections.delete(analyst, "批次")
    with pytest.raises(CollectionNotFound):
        home.collections.snapshot(Principal.operator(), ":批次")


def test_a_big_snapshot_is_written_in_batches_on_each_backend(backend_home):
    home = backend_home
    item = home.collections.create(home.principals["a"], "big", queries=["battery"])
    ids = [f"ZZ{i:06d}" for i in range(20_000)]
    computed = Computed({pid: "1" for pid in ids}, [], {}, item.breakdown, {})
    with home.store.engine.begin() as conn:
        snapshot_id = write(conn, item.id, computed, created_by="t", note=None)
    with home.store.engine.connect() as conn:
        assert member_ids(conn, snapshot_id) == ids
    assert home.collections.snapshot(home.principals["a"], "big").member_count == 20_000


def test_the_migration_mirrors_the_collection_tables(backend_home):
    """Alembic's autogenerate finds nothing to change about the collection tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ipnav.store.schema import metadata

    with backend_home.store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    ours = [
        d
        for d in flat
        if any(f"'{t}'" in repr(d) or f"_{t}_" in repr(d) for t in COLLECTION_TABLES)
    ]
    assert ours == []
