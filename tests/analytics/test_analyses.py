"""Every analysis against an independent computation in plain Python over the same records."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections import Counter, defaultdict

import networkx as nx
import pytest

from ipnav.analytics import ANALYSES, AnalysisOptions, analyze, build_tables
from ipnav.analytics.actors import (
    applicant_types,
    concentration,
    newcomers,
    top_applicants,
    top_inventors,
)
from ipnav.analytics.citations import citation_analysis
from ipnav.analytics.classes import class_structure, technology_fields
from ipnav.analytics.compare import compare_applicants
from ipnav.analytics.geography import countries, provinces
from ipnav.analytics.networks import coapplicant_network
from ipnav.analytics.tables import person_key
from ipnav.analytics.trends import filing_trend, life_cycle
from ipnav.model.numbers import NumberError, match_key
from ipnav.search.service import family_key
from ipnav.store.patents import match_key_of


def applicant_keys(record) -> set[str]:
    return {p.normalized_name for p in record.applicants if p.normalized_name}


def by_applicant(records) -> Counter:
    return Counter(key for r in records for key in applicant_keys(r))


# -- trends -------------------------------------------------------------------------------


def test_filing_trend_counts_per_year(engine, tables, options, records):
    table = filing_trend(engine, tables.sources(), options)
    filed = Counter(r.filing_date.year for r in records if r.filing_date)
    published = Counter(r.publication_date.year for r in records if r.publication_date)
    rows = {row["year"]: row for row in table.rows}
    assert [row["year"] for row in table.rows] == list(range(min(filed), max(published) + 1))
    for year, row in rows.items():
        assert row["filings"] == filed.get(year, 0)
        assert row["publications"] == published.get(year, 0)
    assert rows[2009]["filings_growth"] == pytest.approx(filed[2009] / filed[2008] - 1)
    assert rows[1969]["filings"] == 0 and rows[1970]["filings_growth"] is None  # after a 0
    dated = sum(1 for r in records if r.filing_date)
    assert dated == 533  # the 367 BDCI records have no dates
    assert any(f"({dated:,} of 900)" in note["en"] for note in table.notes)
    assert table.summary["peak_filing_year"] == max(filed, key=lambda y: (filed[y], -y))


def test_life_cycle_periods_against_python(engine, tables, options, records):
    table = life_cycle(engine, tables.sources(), options)
    dated = [r for r in records if r.filing_date]
    last = max(r.filing_date.year for r in dated)
    filings: Counter = Counter()
    applicants: dict[int, set] = defaultdict(set)
    for r in dated:
        back = (last - r.filing_date.year) // 3
        filings[back] += 1
        applicants[back] |= applicant_keys(r)
    assert len(table.rows) == max(filings) + 1
    for back, row in zip(range(max(filings), -1, -1), table.rows, strict=True):
        assert row["end_year"] == last - 3 * back
        assert row["filings"] == filings[back]
        assert row["applicants"] == len(applicants[back])
    assert table.summary["stage"] == table.rows[-1]["stage"]
    series = Counter(r.filing_date.year for r in dated)
    first = min(series)
    expected = (series[last] / series[first]) ** (1 / (last - first)) - 1
    assert table.summary["cagr"] == pytest.approx(expected, abs=1e-6)


def _periods(*pairs):
    return [{"filings": f, "applicants": a} for f, a in pairs]


def test_life_cycle_stage_rule():
    from ipnav.analytics.trends import label_stages

    rows = _periods((2, 2), (5, 4), (40, 30), (80, 60), (85, 58), (50, 40))
    label_stages(rows)
    assert [r["stage"] for r in rows] == [
        "emerging",  # under 20 % of the peak (85)
        "emerging",
        "growth",  # both rise by more than 10 %
        "growth",
        "maturity",  # filings +6 %, applicants −3 %
        "decline",  # both fall by more than 10 %
    ]
    assert rows[4]["filings_growth"] == pytest.approx(85 / 80 - 1)
    rows = _periods((50, 10), (60, 30))
    label_stages(rows)
    assert [r["stage"] for r in rows] == [None, "growth"]  # no predecessor: no stage


def test_cagr_and_inflections():
    from ipnav.analytics.trends import cagr, inflections

    assert cagr([(2010, 100), (2012, 121)]) == pytest.approx(0.1)
    assert cagr([(2010, 0), (2012, 5)]) is None
    s_curve = list(
        zip(range(2000, 2012), [1, 2, 4, 8, 16, 30, 45, 55, 60, 62, 63, 63], strict=True)
    )
    found = inflections(s_curve)
    assert [f["kind"] for f in found] == ["slowing"]
    assert 2004 <= found[0]["year"] <= 2007  # where the S-curve is steepest
    assert inflections(s_curve[:3]) == []


# -- actors -------------------------------------------------------------------------------


def test_top_applicants_against_python(engine, tables, options, records):
    table = top_applicants(engine, tables.sources(), options)
    counts = by_applicant(records)
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: options.top]
    assert [(r["key"], r["patents"]) for r in table.rows] == expected
    first = table.rows[0]
    assert first["name"] == "SAMSUNG ELECTRONICS CO., LTD." and first["type"] == "company"
    assert first["share"] == pytest.approx(first["patents"] / len(records))
    years = [
        r.filing_date.year for r in records if first["key"] in applicant_keys(r) and r.filing_date
    ]
    assert (first["first_year"], first["last_year"]) == (min(years), max(years))
    assert table.summary["applicants"] == len(counts)


def test_top_inventors_against_python(engine, tables, options, records):
    table = top_inventors(engine, tables.sources(), options)
    counts = Counter(key for r in records for key in {person_key(p.name) for p in r.inventors})
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: options.top]
    assert [(r["key"], r["patents"]) for r in table.rows] == expected


def test_applicant_types_against_python(engine, tables, options, records):
    table = applicant_types(engine, tables.sources(), options)
    per_type: dict[str, set] = defaultdict(set)
    for r in records:
        for p in r.applicants:
            if p.normalized_name:
                per_type[p.type.value if p.type else "unknown"].add(r.id)
    assert {row["type"]: row["patents"] for row in table.rows} == {
        t: len(ids) for t, ids in per_type.items()
    }
    university = next(row for row in table.rows if row["type"] == "university")
    assert university["label"] == "高校" and university["patents"] > 50  # Chinese universities


def test_concentration_against_the_formulas(engine, tables, options, records):
    table = concentration(engine, tables.sources(), options)
    counts = by_applicant(records)
    total = sum(counts.values())
    shares = sorted((n / total for n in counts.values()), reverse=True)
    row = table.rows[0]
    assert row["applicants"] == len(counts) and row["assignments"] == total
    assert row["cr4"] == pytest.approx(sum(shares[:4]))
    assert row["cr8"] == pytest.approx(sum(shares[:8]))
    assert row["hhi"] == pytest.approx(10000 * sum(s * s for s in shares))
    assert row["level"] == "unconcentrated" and table.summary["hhi"] == row["hhi"]


def test_hhi_levels_on_a_two_applicant_set(engine, options):
    from ipnav.model.applicants import make_party
    from ipnav.model.record import PatentRecord

    records = [
        PatentRecord(
            id=f"CN{n}A", applicants=[make_party("华为技术有限公司" if n < 3 else "浙江大学")]
        )
        for n in range(4)
    ]
    row = concentration(engine, build_tables(records).sources(), options).rows[0]
    assert row["hhi"] == pytest.approx(10000 * (0.75**2 + 0.25**2)) and row["level"] == "high"


def test_newcomers_against_python(engine, tables, options, records):
    table = newcomers(engine, tables.sources(), options)
    dated = [r for r in records if r.filing_date]
    last = max(r.filing_date.year for r in dated)
    active: dict[int, set] = defaultdict(set)
    for r in dated:
        active[(last - r.filing_date.year) // 3] |= applicant_keys(r)
    first_back = {}
    for back in sorted(active, reverse=True):
        for key in active[back]:
            first_back.setdefault(key, back)
    for back, row in zip(range(max(active), -1, -1), table.rows, strict=True):
        assert row["active"] == len(active[back])
        assert row["newcomers"] == sum(1 for k in active[back] if first_back[k] == back)


# -- geography ----------------------------------------------------------------------------


def test_countries_against_python(engine, tables, options, records):
    table = countries(engine, tables.sources(), options)
    offices = {r["country"]: r["patents"] for r in table.rows if r["basis"] == "office"}
    assert offices == dict(Counter(r.country for r in records))
    assert not [r for r in table.rows if r["basis"] == "applicant"]  # no source gives them
    assert any("0 of 776" in note["en"] for note in table.notes)


def test_provinces_of_chinese_applicants(engine, tables, options, records):
    table = provinces(engine, tables.sources(), options)
    people: dict[str, str | None] = {}
    per_province: dict[str, set] = defaultdict(set)
    for r in records:
        for p in r.applicants:
            if p.normalized_name and (
                p.country == "CN" or (p.country is None and r.country == "CN")
            ):
                people[p.normalized_name] = people.get(p.normalized_name) or p.province
                if p.province:
                    per_province[p.province].add(r.id)
    assert {row["province"]: row["patents"] for row in table.rows} == {
        k: len(v) for k, v in per_province.items()
    }
    placed = sum(1 for v in people.values() if v)
    assert table.summary["chinese_applicants"] == len(people)
    assert table.summary["placed_applicants"] == placed
    share = round(100 * placed / len(people))
    assert (
        f"{share}%" in table.notes[0]["zh"]
        and f"({placed:,} of {len(people):,})" in table.notes[0]["en"]
    )
    assert table.rows[0]["province"] == "广东省"


# -- classification -----------------------------------------------------------------------


def test_subclasses_and_main_groups_with_titles(engine, tables, options, records, scheme):
    subclasses, groups = class_structure(engine, tables.sources(), options)
    counts = Counter(s for r in records for s in {sym[:4] for sym in r.ipc})
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: options.top]
    assert [(row["code"], row["patents"]) for row in subclasses.rows] == expected
    g06f = next(row for row in subclasses.rows if row["code"] == "G06F")
    assert g06f["title"] == scheme.title("G06F", "zh").text and "电数字数据处理" in g06f["title"]
    assert all(row["code"].startswith(row["subclass"]) for row in groups.rows)
    assert subclasses.summary["scheme"] == "ipc"
    english = class_structure(
        engine, tables.sources(), dataclasses.replace(options, language="en")
    )[0]
    assert next(r for r in english.rows if r["code"] == "G06F")["title"].startswith(
        "ELECTRIC DIGITAL"
    )


def test_technology_fields_against_the_scheme(engine, tables, options, records, scheme):
    table = technology_fields(engine, tables.sources(), options)
    per_field: dict[int, set] = defaultdict(set)
    for r in records:
        for symbol in r.ipc + r.cpc:
            field = scheme.technology_field(symbol)
            if field:
                per_field[field.number].add(r.id)
    assert {row["field"]: row["patents"] for row in table.rows} == {
        k: len(v) for k, v in per_field.items()
    }
    computers = next(row for row in table.rows if row["field"] == 6)
    assert computers["name"] == "计算机技术" and computers["sector"] == "电气工程"


# -- citations and networks ---------------------------------------------------------------


def _key(number: str) -> str:
    try:
        return match_key(number)
    except NumberError:
        return number


def test_most_cited_and_pagerank_against_networkx(engine, tables, options, records):
    most_cited, key_patents = citation_analysis(engine, tables.sources(), options)
    in_set = {match_key_of(r) for r in records}
    citing: dict[str, set] = defaultdict(set)
    edges = set()
    for r in records:
        mine = match_key_of(r)
        for c in r.cited_patents:
            cited = c.match_key or _key(c.ref)
            if cited != mine:
                citing[cited].add(mine)
                if cited in in_set:
                    edges.add((mine, cited))
        for other in r.cited_by:
            key = _key(other)
            if key != mine:
                citing[mine].add(key)
                if key in in_set:
                    edges.add((key, mine))
    forward = {r.id: len(citing[match_key_of(r)]) for r in records}
    for row in most_cited.rows:
        assert row["forward"] == forward[row["id"]]
    top = sorted(forward.values(), reverse=True)[: options.top]
    assert [row["forward"] for row in most_cited.rows] == top
    graph = nx.DiGraph()
    graph.add_nodes_from(in_set)
    graph.add_edges_from(edges)
    expected = nx.pagerank(graph, alpha=0.85)
    assert most_cited.summary["edges_in_set"] == len(edges) > 0
    for row in key_patents.rows:
        record = next(r for r in records if r.id == row["id"])
        assert row["pagerank"] == pytest.approx(expected[match_key_of(record)], rel=1e-6)
    best = max(expected, key=expected.get)
    assert any(
        match_key_of(next(r for r in records if r.id == row["id"])) == best
        for row in key_patents.rows
    )
    assert {"pagerank", "citations"} & set(
        "+".join(r["reason"] for r in key_patents.rows).split("+")
    )


def test_coapplicant_network_against_python(engine, tables, options, records):
    edges, nodes = coapplicant_network(engine, tables.sources(), options)
    pairs: Counter = Counter()
    for r in records:
        for a, b in itertools.combinations(sorted(applicant_keys(r)), 2):
            pairs[(a, b)] += 1
    assert {(e["source"], e["target"]): e["shared"] for e in edges.rows} == dict(pairs)
    graph = nx.Graph()
    graph.add_edges_from(pairs)
    centrality = nx.degree_centrality(graph)
    for node in nodes.rows:
        assert node["degree_centrality"] == pytest.approx(centrality[node["key"]])
        assert node["partners"] == graph.degree(node["key"])
    flagged = [e for e in edges.rows if e["academia_industry"]]
    assert flagged and all(
        set(e["types"].split("+")) in ({"company", "university"}, {"company", "institute"})
        for e in flagged
    )
    assert edges.summary["academia_industry_edges"] == len(flagged)


# -- comparison ---------------------------------------------------------------------------


def test_compare_two_applicants_against_python(engine, tables, options, records):
    chosen = ("SAMSUNG ELECTRONICS", "MICROSOFT")
    summary, trend, fields = compare_applicants(
        engine, tables.sources(), dataclasses.replace(options, compare=chosen)
    )
    assert [row["key"] for row in summary.rows] == list(chosen)
    for position, key in enumerate(chosen):
        mine = [r for r in records if key in applicant_keys(r)]
        assert summary.rows[position]["patents"] == len(mine)
        per_year = Counter(r.filing_date.year for r in mine if r.filing_date)
        for row in trend.rows:
            assert row[f"n{position}"] == per_year.get(row["year"], 0)
        per_subclass = Counter(s for r in mine for s in {sym[:4] for sym in r.ipc})
        for row in fields.rows:
            assert row[f"n{position}"] == per_subclass.get(row["code"], 0)
    assert [c.label["en"] for c in trend.columns[1:]] == [r["name"] for r in summary.rows]


def test_compare_defaults_to_the_three_largest(engine, tables, options, records):
    summary = compare_applicants(engine, tables.sources(), options)[0]
    largest = sorted(by_applicant(records).items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(r["key"], r["patents"]) for r in summary.rows] == largest


# -- options and edge cases ---------------------------------------------------------------


def test_family_unit_counts_one_record_per_family(engine, tables, options, records):
    families = dataclasses.replace(options, unit="families")
    trend = filing_trend(engine, tables.sources(), families)
    assert trend.summary["records"] == len({family_key(r) for r in records}) < len(records)


def test_cut_off_year_drops_later_records(engine, tables, options):
    trend = filing_trend(engine, tables.sources(), dataclasses.replace(options, last_year=2010))
    assert trend.rows[-1]["year"] == 2010
    cycle = life_cycle(engine, tables.sources(), dataclasses.replace(options, last_year=2010))
    assert cycle.rows[-1]["end_year"] == 2010


def test_chinese_only_set(engine, chinese, options):
    tables = build_tables(chinese)
    found = analyze(tables, engine, "zh", options=options)
    assert found["top_applicants"].rows and found["provinces"].rows
    dated = [r.filing_date.year for r in chinese if r.filing_date]
    assert len(dated) == 33  # only the CNKI records are dated
    assert found["filing_trend"].rows[0]["year"] == min(dated)
    assert found["most_cited"].rows == [] and found["subclasses"].rows == []
    assert found["coapplicant_edges"].rows  # BDCI has university–company co-applications
    assert found["life_cycle"].summary["stage"] in {
        None,
        "emerging",
        "growth",
        "maturity",
        "decline",
    }


def test_empty_set_gives_empty_tables_with_notes(engine, options):
    found = analyze(build_tables([]), engine, "en", options=options)
    assert set(found) >= {"filing_trend", "life_cycle", "concentration", "key_patents", "compare"}
    for table in found.values():
        assert table.rows == [] or table.key == "compare"
        json.dumps(table.to_dict("en"))
    assert found["compare"].rows == []
    assert found["life_cycle"].summary["stage"] is None
    assert any("no data" in note["en"] for note in found["filing_trend"].notes)


def test_records_without_dates_only(engine, chinese, options):
    undated = [r for r in chinese if r.filing_date is None]
    found = analyze(build_tables(undated), engine, "zh", options=options)
    assert found["filing_trend"].rows == [] and found["newcomers"].rows == []
    assert found["top_applicants"].rows[0]["first_year"] is None
    assert any("0%（0 / 367）" in note["zh"] for note in found["filing_trend"].notes)


def test_analyze_runs_everything_with_progress_and_bilingual_output(engine, tables, options):
    seen = []
    found = analyze(tables, engine, "en", options=options, progress=lambda *args: seen.append(args))
    assert [stage for stage, _, _ in seen] == [*ANALYSES, "done"]
    assert seen[-1] == ("done", len(ANALYSES), len(ANALYSES))
    for key, table in found.items():
        assert table.key == key and table.title["zh"] and table.title["en"]
        assert all(c.label["zh"] and c.label["en"] for c in table.columns)
        assert all(note["zh"] and note["en"] for note in table.notes)
        keys = {c.key for c in table.columns}
        assert all(keys <= set(row) for row in table.rows), key
        json.dumps(table.to_dict(), ensure_ascii=False)
        table.to_arrow()
    assert found["life_cycle"].rows[-1]["stage_label"] == found["life_cycle"].rows[-1]["stage"]


def test_options_are_checked():
    from ipnav.analytics import OptionError

    with pytest.raises(OptionError, match="unit='patents' is not one of documents, families"):
        AnalysisOptions(unit="patents")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="top must be a whole number"):
        AnalysisOptions(top=0)
    with pytest.raises(OptionError, match="use any of filing_trend"):
        analyze(build_tables([]), only=["no_such_analysis"])


def test_shares_are_fractions(engine, tables, options):
    table = top_applicants(engine, tables.sources(), options)
    assert all(0 < row["share"] < 1 for row in table.rows)
    assert not any(math.isnan(row["share"]) for row in table.rows)
