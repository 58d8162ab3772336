"""Sorting results by date: the API, the results page and the core, on the real small home."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ipnav.search.base import SearchQuery
from ipnav.search.lexical import LexicalIndexError
from ipnav.search.query.parser import parse_query
from ipnav.search.sort import SortOrder

DATE_SORTS = [s for s in SortOrder if s is not SortOrder.RELEVANCE]


def _every_hit(client, **params) -> list[dict]:
    """Every item of a search, paged through the API 100 at a time."""
    items: list[dict] = []
    while True:
        body = client.get("/api/v1/search", params={**params, "top": 100, "offset": len(items)})
        assert body.status_code == 200, body.text
        page = body.json()["items"]
        items += page
        if len(page) < 100:
            return items


def _day(item: dict, sort: SortOrder) -> dt.date | None:
    value = item[f"{sort.value.split('-')[0]}_date"]
    return dt.date.fromisoformat(value) if value else None


@pytest.mark.parametrize("sort", DATE_SORTS, ids=str)
def test_api_lists_every_match_in_date_order(client, sort):
    relevance = _every_hit(client, q="battery", mode="lexical")
    dated = _every_hit(client, q="battery", sort=sort.value)
    # the same set (what `total` counts), in another order
    assert sorted(i["id"] for i in dated) == sorted(i["id"] for i in relevance)
    assert len(dated) > 100  # so the order holds across API pages too
    days = [_day(item, sort) for item in dated]
    known = [d for d in days if d is not None]
    assert known == sorted(known, reverse=sort.descending)
    assert known[0] != known[-1]
    first_missing = days.index(None) if None in days else len(days)
    assert all(d is None for d in days[first_missing:]), "records without the date come last"
    assert [i["id"] for i in dated] != [i["id"] for i in relevance]


def test_date_order_equals_sorting_the_matches_by_their_stored_dates(client, records):
    """Reference: the stored records of every match, sorted by filing date in Python."""
    by_id = {r.id: r for r in records}
    matches = _every_hit(client, q="method", mode="lexical")
    expected = sorted(
        (by_id[item["id"]].filing_date for item in matches),
        key=lambda day: (day is None, -day.toordinal() if day else 0),
    )
    dated = _every_hit(client, q="method", sort="filing-desc")
    assert [by_id[item["id"]].filing_date for item in dated] == expected
    assert len(set(expected)) > 20


def test_date_sort_works_in_every_mode_and_with_families_collapsed(client):
    params = {"q": "battery electrode", "sort": "filing-asc", "top": 20}
    lists = {}
    for mode in ("hybrid", "lexical", "dense"):
        body = client.get("/api/v1/search", params={**params, "mode": mode}).json()
        lists[mode] = [i["id"] for i in body["items"]]
        assert body["total"] is not None  # a date order lists counted matches, even in dense
    assert lists["hybrid"] == lists["lexical"] == lists["dense"]
    collapsed = client.get("/api/v1/search", params={**params, "collapse_family": True}).json()
    days = [_day(i, SortOrder.FILING_OLDEST) for i in collapsed["items"]]
    assert [d for d in days if d] == sorted(d for d in days if d)


def test_bad_sort_is_a_validation_error(client):
    body = client.get("/api/v1/search", params={"q": "battery", "sort": "colour"})
    assert body.status_code == 422 and body.json()["code"] == "validation_error"
    page = client.get("/search", params={"q": "battery", "sort": "colour"})
    assert page.status_code == 422


def test_results_page_sorts_and_pages_in_date_order(client, records):
    by_id = {r.id: r for r in records}
    params = {"q": "battery", "sort": "publication-asc", "lang": "en"}
    first = client.get("/search", params=params)
    assert first.status_code == 200
    assert '<option value="publication-asc" selected>' in first.text
    assert "Publication date, oldest first" in first.text
    # page 3 continues page 1's order: pagination has no cap with a date order either
    third = client.get("/search", params={**params, "page": 3})
    ids = [re.findall(r'<span class="id">([^<]+)</span>', page.text) for page in (first, third)]
    assert len(ids[0]) == len(ids[1]) == 10
    days = [by_id[i].publication_date for i in ids[0] + ids[1]]
    assert days == sorted(days)
    assert 'name="sort"' in third.text and "page=4" in third.text


def test_lexical_index_sorts_only_by_date_fields(client):
    lexical = client.app.state.search.lexical
    query = SearchQuery(node=parse_query("battery"))
    hits, total = lexical.search_sorted(query, 5, field="publication_date", descending=False)
    assert len(hits) == 5 and total and total > 5
    assert all(hit.score == 0.0 for hit in hits)
    with pytest.raises(LexicalIndexError, match="sortable fields"):
        lexical.search_sorted(query, 5, field="country")
