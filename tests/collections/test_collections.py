"""Thematic databases on a real SQLite home: snapshots, breakdown, access, scope, CLI."""

from __future__ import annotations

import contextlib
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ipnav.collections import (
    ANONYMOUS,
    AmbiguousCollection,
    CollectionError,
    CollectionNotAllowed,
    CollectionNotFound,
    Principal,
    SnapshotNotFound,
    UnknownPatent,
)
from ipnav.collections.snapshots import Computed, member_ids, write
from ipnav.search.base import Filters
from ipnav.search.service import SearchMode
from ipnav.store.schema import (
    collection_snapshot,
    collection_snapshot_branch,
    collection_snapshot_member,
)

BATTERY = "battery"
PORTABLE = "TA=(portable AND device)"
CN_DATA = "数据"


def exact(home, query: str, filters: Filters | None = None) -> set[str]:
    """Every match of ``query`` by its Boolean meaning: the reference a snapshot must equal."""
    return set(home.search.export_ids(query, filters or Filters()))


@pytest.fixture
def made(home):
    """A fresh collection of Org A (two queries, one filtered to CN), deleted afterwards."""
    created = []

    def make(name: str, who: str = "a", **options):
        options.setdefault(
            "queries", [BATTERY, {"query": CN_DATA, "filters": {"countries": ["CN"]}}]
        )
        item = home.collections.create(home.principals[who], name, **options)
        created.append((who, item.qualified))
        return item

    yield make
    for _who, ref in created:
        with contextlib.suppress(CollectionNotFound):
            home.collections.delete(Principal.operator(), ref)


def test_a_snapshot_holds_every_exact_match_of_every_query(home, made):
    made("batteries")
    snapshot = home.collections.refresh(home.principals["a"], "batteries")
    battery = exact(home, BATTERY)
    chinese = exact(home, CN_DATA, Filters(countries=("CN",)))
    assert len(battery) > 50 and len(chinese) > 5  # real matches on both sides
    _snap, ids = home.collections.member_ids(home.principals["a"], "batteries")
    assert set(ids) == battery | chinese
    assert snapshot.version == 1 and snapshot.member_count == len(battery | chinese)
    assert [q["matches"] for q in snapshot.queries] == [len(battery), len(chinese)]
    assert snapshot.queries[1]["filters"] == {"countries": ["CN"]}
    records = home.store.get_many(ids)
    assert snapshot.cutoff_date == max(r.publication_date for r in records if r.publication_date)
    written = home.store.last_update()  # naive on SQLite, aware on PostgreSQL: both UTC
    assert snapshot.ingested_at == written.replace(tzinfo=snapshot.ingested_at.tzinfo)
    _snap, total, page = home.collections.members(home.principals["a"], "batteries", limit=500)
    assert total == len(ids) and {m.patent_id for m in page} == set(ids)
    assert {m.via for m in page if m.patent_id in chinese} == {"2"}


def test_a_broad_query_is_not_capped(home, made):
    made("broad", queries=["system OR method OR 方法 OR device"])
    snapshot = home.collections.refresh(home.principals["a"], "broad")
    expected = exact(home, "system OR method OR 方法 OR device")
    assert len(expected) > 200  # beyond any ranking depth the search uses
    assert snapshot.member_count == len(expected)


def test_includes_excludes_and_unknown_ids(home, made):
    battery = sorted(exact(home, BATTERY))
    outside = sorted(exact(home, "TA=(image)") - exact(home, BATTERY) - exact(home, CN_DATA))
    made("manual", includes=[outside[0].lower()], excludes=[battery[0]])  # a number form
    snapshot = home.collections.refresh(home.principals["a"], "manual")
    _snap, ids = home.collections.member_ids(home.principals["a"], "manual")
    assert outside[0] in ids and battery[0] not in ids
    assert snapshot.manual == {"included": 1, "included_missing": 0, "excluded": 1}
    _snap, _total, page = home.collections.members(home.principals["a"], "manual", limit=1000)
    assert {m.patent_id: m.via for m in page}[outside[0]] == "manual"
    with pytest.raises(UnknownPatent, match="'XX-NOT-A-PATENT'"):
        home.collections.include(home.principals["a"], "manual", ["XX-NOT-A-PATENT"])
    forgotten = home.collections.forget(home.principals["a"], "manual", [battery[0]])
    assert forgotten.excludes == () and forgotten.includes == (outside[0],)


def test_the_breakdown_assigns_members_to_branches(home, made):
    tree = (
        "电池 | Batteries | battery\n"
        "  便携设备 | Portable devices | TA=(portable)\n"
        "  充电 | Charging | charging\n"
        "数据与图像 | Data and images\n"
        "  图像 | Images | image\n"
        "  数据 | Data | 数据\n"
    )
    item = made("tree", breakdown=tree)
    assert item.breakdown.to_text() == tree
    snapshot = home.collections.refresh(home.principals["a"], "tree")
    _snap, ids = home.collections.member_ids(home.principals["a"], "tree")
    members = set(ids)
    batteries, heading = snapshot.branches.branches
    portable, charging = batteries.children
    images, data = heading.children

    def held(branch) -> set[str]:
        _s, total, page = home.collections.members(
            home.principals["a"], "tree", branch=branch.id, limit=1000
        )
        assert total == branch.members == len(page)
        return {m.patent_id for m in page}

    assert held(batteries) == members & exact(home, "battery")
    assert held(portable) == held(batteries) & exact(home, "TA=(portable)")
    assert held(charging) == held(batteries) & exact(home, "charging")
    assert held(images) == members & exact(home, "image")
    assert held(data) == members & exact(home, "数据")
    assert held(heading) == held(images) | held(data)
    assert 0 < portable.members < batteries.members


def test_a_refresh_is_a_new_version_and_the_old_one_stays(home, made):
    made("versions", queries=[PORTABLE])
    first = home.collections.refresh(home.principals["a"], "versions")
    _s, before = home.collections.member_ids(home.principals["a"], "versions", 1)
    home.collections.edit(home.principals["a"], "versions", queries=[PORTABLE, BATTERY])
    second = home.collections.refresh(home.principals["a"], "versions", note="with batteries")
    assert (first.version, second.version) == (1, 2)
    assert second.member_count > first.member_count
    _s, again = home.collections.member_ids(home.principals["a"], "versions", 1)
    assert again == before
    listed = home.collections.snapshots(home.principals["a"], "versions")
    assert [s.version for s in listed] == [2, 1] and listed[0].note == "with batteries"
    with pytest.raises(SnapshotNotFound):
        home.collections.snapshot(home.principals["a"], "versions", 3)


def test_who_sees_and_who_changes(home, made):
    made("a-private")
    made("a-shared", visibility="shared", shared_with=["Org B"])
    made("a-public", visibility="public")
    p = home.principals

    def seen(principal) -> set[str]:
        return {c.name for c in home.collections.list_visible(principal)} & {
            "a-private",
            "a-shared",
            "a-public",
        }

    assert seen(p["a"]) == seen(p["a_member"]) == {"a-private", "a-shared", "a-public"}
    assert seen(p["b"]) == {"a-shared", "a-public"}
    assert seen(p["c"]) == seen(ANONYMOUS) == {"a-public"}
    assert seen(p["sys"]) == {"a-private", "a-shared", "a-public"}
    # invisible is answered exactly as unknown
    with pytest.raises(CollectionNotFound) as invisible:
        home.collections.get(p["b"], "a-private")
    with pytest.raises(CollectionNotFound) as unknown:
        home.collections.get(p["b"], "zz-private")
    assert str(invisible.value).replace("a-private", "?") == str(unknown.value).replace(
        "zz-private", "?"
    )
    for action in (
        lambda who: home.collections.scope(who, "a-private"),
        lambda who: home.collections.refresh(who, "a-private"),
        lambda who: home.collections.delete(who, "a-private"),
        lambda who: home.collections.include(who, "a-private", ["X"]),
    ):
        with pytest.raises(CollectionNotFound):
            action(p["c"])
    # seen but not theirs: analysts of B, members of A
    assert not home.collections.get(p["b"], "a-shared").editable
    with pytest.raises(CollectionNotAllowed, match="Org A"):
        home.collections.edit(p["b"], "a-shared", title="taken over")
    with pytest.raises(CollectionNotAllowed):
        home.collections.edit(p["a_member"], "a-private", title="not mine to change")
    assert home.collections.edit(p["a_admin"], "a-private", title="Renamed").title == "Renamed"
    assert home.collections.get(p["sys"], "a-private").editable
    with pytest.raises(CollectionNotAllowed, match="role analyst"):
        home.collections.create(p["a_member"], "by-a-member", queries=[BATTERY])
    with pytest.raises(CollectionNotAllowed, match="own organisation"):
        home.collections.create(p["b"], "for-a", queries=[BATTERY], org="Org A")
    with pytest.raises(CollectionError, match="shared with"):
        home.collections.create(p["a"], "no-orgs", queries=[BATTERY], visibility="shared")
    with pytest.raises(CollectionError, match="no organisation called 'Org Z'"):
        made("to-nobody", visibility="shared", shared_with=["Org Z"])
    # unsharing: B loses it
    home.collections.edit(p["a"], "a-shared", visibility="private")
    assert seen(p["b"]) == {"a-public"}


def test_searching_inside_a_collection(home, made):
    made("inside", queries=[BATTERY])
    home.collections.refresh(home.principals["a"], "inside")
    _s, ids = home.collections.member_ids(home.principals["a"], "inside")
    members = set(ids)
    scope = home.collections.scope(home.principals["a"], "inside", Filters(countries=("US",)))
    assert scope.only_ids == frozenset(ids) and scope.countries == ("US",)
    for mode in SearchMode:
        result = home.search.search("charging portable", k=50, mode=mode, filters=scope)
        assert result.items, mode
        assert {item.record.id for item in result.items} <= members, mode
        assert {item.record.country for item in result.items} == {"US"}, mode
    whole = home.collections.scope(home.principals["a"], "inside")
    result = home.search.search(
        "device", mode=SearchMode.LEXICAL, filters=whole, facets=("country",)
    )
    facets = result.facets["country"]
    inside = members & exact(home, "device")
    counted = {}
    for record in home.store.get_many(sorted(inside)):
        counted[record.country] = counted.get(record.country, 0) + 1
    assert dict(facets) == counted
    nothing = Filters(only_ids=frozenset())
    assert home.search.search("battery", mode=SearchMode.LEXICAL, filters=nothing).total == 0
    with pytest.raises(CollectionNotFound):
        home.collections.scope(home.principals["c"], "inside")


def test_names_shared_by_organisations(home, made):
    made("same-name", who="a", visibility="public")
    made("same-name", who="b", visibility="public", queries=[PORTABLE])
    p = home.principals
    assert home.collections.get(p["a"], "same-name").owner == "Org A"
    assert home.collections.get(p["b"], "same-name").owner == "Org B"
    with pytest.raises(AmbiguousCollection, match="Org A:same-name"):
        home.collections.get(p["c"], "same-name")
    assert home.collections.get(p["c"], "Org B:same-name").queries[0].query == PORTABLE
    visible = home.collections.list_visible(p["c"])
    refs = {home.collections.ref_for(p["c"], c, visible) for c in visible if c.name == "same-name"}
    assert refs == {"Org A:same-name", "Org B:same-name"}
    with pytest.raises(CollectionError, match="already"):
        made("same-name", who="a")


def test_delete_removes_every_snapshot_row(home, made):
    made("doomed", breakdown="电池 | Batteries | battery\n")
    first = home.collections.refresh(home.principals["a"], "doomed")
    second = home.collections.refresh(home.principals["a"], "doomed")
    ids = [first.id, second.id]

    def rows() -> list[int]:
        with home.store.engine.connect() as conn:
            return [
                conn.execute(
                    select(func.count()).select_from(table).where(column.in_(ids))
                ).scalar_one()
                for table, column in (
                    (collection_snapshot, collection_snapshot.c.id),
                    (collection_snapshot_member, collection_snapshot_member.c.snapshot_id),
                    (collection_snapshot_branch, collection_snapshot_branch.c.snapshot_id),
                )
            ]

    assert rows()[0] == 2 and rows()[1] == 2 * first.member_count and rows()[2] > 0
    home.collections.delete(home.principals["a"], "doomed")
    with pytest.raises(CollectionNotFound):
        home.collections.get(home.principals["a"], "doomed")
    assert rows() == [0, 0, 0]


def test_a_large_snapshot_is_written_in_batches(home, made):
    item = made("large", queries=[BATTERY])
    ids = [f"XX{i:07d}" for i in range(100_000)]
    computed = Computed(
        members={pid: "1" for pid in ids}, queries=[], manual={}, branches=item.breakdown
    )
    with home.store.engine.begin() as conn:
        snapshot_id = write(conn, item.id, computed, created_by="test", note=None)
    with home.store.engine.connect() as conn:
        assert member_ids(conn, snapshot_id) == ids
    snapshot = home.collections.snapshot(home.principals["a"], "large")
    assert snapshot.member_count == 100_000 and snapshot.cutoff_date is None


def test_bad_definitions_say_what_is_wrong(home, made):
    with pytest.raises(CollectionError, match="not a collection name"):
        made("two words")
    with pytest.raises(CollectionError, match="at least one query"):
        made("empty", queries=[])
    with pytest.raises(CollectionError, match="line 3: the indentation"):
        made("bad-tree", breakdown="A | a | battery\n    B | b\n  C | c\n")
    with pytest.raises(CollectionError, match="countries"):
        made("bad-filter", queries=[{"query": "battery", "filters": {"countries": "CN", "x": 1}}])


# -- the command line -------------------------------------------------------------------


def test_the_collection_commands(home):
    from ipnav.cli import app

    runner = CliRunner()
    env = {
        "IPNAV_HOME": str(home.settings.home),
        "IPNAV_SAMPLE_DATA": str(home.settings.sample_data),
        "IPNAV_DENSE_ENCODER": "hashing",
    }

    def ipnav(*args: str):
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    made = ipnav(
        "collection", "create", "cli-batteries", "--query", BATTERY, "--query", PORTABLE,
        "--title", "电池", "--org", "Org A", "--visibility", "shared", "--share-with", "Org B",
        "--country", "US",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    expected = exact(home, BATTERY, Filters(countries=("US",))) | exact(
        home, PORTABLE, Filters(countries=("US",))
    )
    assert f"created collection cli-batteries of Org A — snapshot 1: {len(expected):,} members" in (
        made.output
    )
    listed = ipnav("collection", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    entry = next(e for e in json.loads(listed.stdout) if e["name"] == "cli-batteries")
    assert entry == {
        "name": "cli-batteries",
        "title": "电池",
        "owner": "Org A",
        "visibility": "shared",
        "queries": [BATTERY, PORTABLE],
        "snapshots": 1,
        "latest": {
            "version": 1,
            "members": len(expected),
            "cutoff": entry["latest"]["cutoff"],
        },
    }
    assert entry["latest"]["cutoff"] is not None
    assert ipnav("collection", "refresh", "cli-batteries").exit_code == 0
    shown = ipnav("collection", "show", "cli-batteries", "--format", "json", "--members", "3")
    data = json.loads(shown.stdout)
    assert [s["version"] for s in data["snapshot_list"]] == [2, 1]
    assert len(data["members"]) == 3 and data["shared_with"] == ["Org B"]
    inside = ipnav("collection", "search", "cli-batteries", "charging", "--format", "json")
    assert inside.exit_code == 0 and {r["id"] for r in json.loads(inside.stdout)} <= expected
    check_analyze_and_report(ipnav, home, expected)
    assert ipnav("collection", "delete", "cli-batteries").exit_code == 0
    gone = ipnav("collection", "show", "cli-batteries")
    assert gone.exit_code == 1 and "no collection 'cli-batteries'" in gone.output


def check_analyze_and_report(ipnav, home, members: set[str]) -> None:
    """``ipnav analyze`` and ``ipnav report`` over the collection's latest snapshot."""
    import docx
    import openpyxl

    analyzed = ipnav("analyze", "cli-batteries", "--format", "json", "--lang", "en")
    assert analyzed.exit_code == 0, analyzed.output
    data = json.loads(analyzed.stdout)
    assert data["snapshot"] == {
        "version": 2,
        "members": len(members),
        "cutoff": data["snapshot"]["cutoff"],
    }
    trend = data["analyses"]["filing_trend"]
    records = home.store.get_many(sorted(members))
    years: dict[int, int] = {}
    for record in records:
        if record.filing_date:
            years[record.filing_date.year] = years.get(record.filing_date.year, 0) + 1
    rows = trend["rows"]
    assert {r["year"]: r["filings"] for r in rows if r["filings"]} == years
    assert ipnav("analyze", "no-such-db").exit_code == 1
    out = home.settings.home / "reports"
    out.mkdir(exist_ok=True)
    for suffix in ("docx", "xlsx"):
        made = ipnav("report", "cli-batteries", "--to", str(out / f"r.{suffix}"), "--lang", "zh")
        assert made.exit_code == 0, made.output
        assert "snapshot 2" in made.output
    headings = [
        p.text
        for p in docx.Document(out / "r.docx").paragraphs
        if p.style.name.startswith("Heading")
    ]
    assert any("专利导航" in h or "技术分解" in h for h in headings), headings
    assert "filing_trend" in openpyxl.load_workbook(out / "r.xlsx").sheetnames
    bad = ipnav("report", "cli-batteries", "--to", str(out / "r.pdf"))
    assert bad.exit_code != 0 and ".docx" in bad.output
