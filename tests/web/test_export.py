"""Exports: ``/api/v1/export`` and the results page's buttons, streamed from the real small home."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from contextlib import contextmanager

import pytest
import rispy
from openpyxl import load_workbook

from ipnav.model.record import PatentRecord
from ipnav.search.export import EXPORTERS, export_records
from ipnav.search.export_stream import CHUNK_ROWS, stream_export
from ipnav.search.service import family_key

ID_COLUMN = 2  # rank, score, record id, ...


def _csv_ids(body: bytes) -> list[str]:
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][ID_COLUMN].endswith("Record ID")
    return [row[ID_COLUMN] for row in rows[1:]]


def _search_ids(client, **params) -> list[str]:
    ids: list[str] = []
    while True:
        body = client.get("/api/v1/search", params={**params, "top": 100, "offset": len(ids)})
        page = [item["id"] for item in body.json()["items"]]
        ids += page
        if len(page) < 100:
            return ids


@contextmanager
def _limits(client, anonymous: int, members: int):
    settings = client.app.state.settings
    before = settings.export_max_rows_anonymous, settings.export_max_rows
    settings.export_max_rows_anonymous, settings.export_max_rows = anonymous, members
    try:
        yield
    finally:
        settings.export_max_rows_anonymous, settings.export_max_rows = before


@pytest.mark.parametrize(
    "params",
    [
        {"mode": "lexical"},
        {"mode": "lexical", "sort": "publication-asc"},
        {"sort": "filing-desc", "country": "US"},
        {"mode": "lexical", "from": "2005", "until": "2011-06-30"},
    ],
    ids=["relevance", "publication-asc", "filing-desc+country", "date-range"],
)
def test_exported_csv_rows_are_the_search_hits_in_order(client, params):
    hits = _search_ids(client, q="battery", **params)
    assert 10 < len(hits) < 1000
    response = client.get("/api/v1/export", params={"q": "battery", "format": "csv", **params})
    assert response.status_code == 200, response.text
    assert _csv_ids(response.content) == hits


def test_hybrid_export_follows_the_fused_ranking_as_deep_as_the_match_count(client):
    body = client.get("/api/v1/search", params={"q": "electrode", "top": 100}).json()
    total = body["total"]
    assert 0 < total < 100
    exported = client.get("/api/v1/export", params={"q": "electrode", "format": "csv"})
    assert _csv_ids(exported.content) == [item["id"] for item in body["items"]][:total]


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_every_format_has_its_content_type_a_filename_and_readable_content(client, fmt):
    params = {"q": "battery", "mode": "lexical", "sort": "publication-desc"}
    hits = _search_ids(client, **params)
    response = client.get("/api/v1/export", params={**params, "format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"] == EXPORTERS[fmt].media_type
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f'{EXPORTERS[fmt].suffix}"' in disposition
    assert response.headers["x-ipnav-row-limit"] == "1000"
    if fmt == "csv":
        ids = _csv_ids(response.content)
    elif fmt == "jsonl":
        lines = response.content.decode("utf-8").splitlines()
        ids = [PatentRecord.model_validate(json.loads(line)).id for line in lines]
    elif fmt == "ris":
        assert b"\r\n" in response.content and not response.content.startswith(b"\xef\xbb\xbf")
        ids = [entry["id"] for entry in rispy.loads(response.content.decode("utf-8"))]
    else:
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        ids = [row[ID_COLUMN] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == hits


def test_streamed_bytes_equal_the_files_ipnav_export_writes(client, tmp_path):
    """Same columns, escaping, BOM and line ends as the CLI's writers, chunk after chunk."""
    store = client.app.state.store
    records = list(itertools.islice(store.iter_records(), CHUNK_ROWS * 2 + 7))
    for fmt in ("csv", "jsonl", "ris"):
        for lang in ("zh", "en"):
            target = tmp_path / f"out-{lang}{EXPORTERS[fmt].suffix}"
            export_records(iter(records), target, lang=lang)
            chunks = list(stream_export(iter(records), fmt, lang=lang))
            assert len(chunks) >= 3, "written in pieces, not in one"
            assert b"".join(chunks) == target.read_bytes(), (fmt, lang)


def test_bad_requests_are_json_errors_with_a_code(client):
    bad = client.get("/api/v1/export", params={"q": "battery", "format": "pdf"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "unknown_format" and "csv" in bad.json()["message"]
    syntax = client.get("/api/v1/export", params={"q": "TA=(battery AND", "format": "csv"})
    assert syntax.status_code == 400 and syntax.json()["code"] == "query_syntax"
    missing = client.get("/api/v1/export", params={"format": "csv"})
    assert missing.status_code == 422 and missing.json()["code"] == "validation_error"
    bad_date = client.get("/api/v1/export", params={"q": "battery", "from": "2020-13-01"})
    assert bad_date.status_code == 400 and bad_date.json()["code"] == "bad_request"
    bad_sort = client.get("/api/v1/export", params={"q": "battery", "sort": "colour"})
    assert bad_sort.status_code == 422


def test_visitors_are_capped_and_logged_in_users_get_more(client, users):
    accounts = client.app.state.accounts
    secret, _ = accounts.create_token(accounts.user_by_email(users["member"]), "export")
    params = {"q": "battery", "mode": "lexical", "format": "csv"}
    with _limits(client, anonymous=7, members=50):
        anonymous = client.get("/api/v1/export", params=params)
        member = client.get(
            "/api/v1/export", params=params, headers={"Authorization": f"Bearer {secret}"}
        )
        hits = _search_ids(client, q="battery", mode="lexical")
        assert _csv_ids(anonymous.content) == hits[:7]
        assert anonymous.headers["x-ipnav-row-limit"] == "7"
        assert _csv_ids(member.content) == hits[:50]
        assert member.headers["x-ipnav-row-limit"] == "50"
    with _limits(client, anonymous=0, members=50):
        closed = client.get("/api/v1/export", params=params)
        assert closed.status_code == 401 and closed.json()["code"] == "login_required"


def test_results_page_export_buttons_carry_the_query_filters_and_sort(client):
    params = {"q": "battery", "sort": "filing-asc", "country": "US", "mode": "lexical"}
    page = client.get("/search", params={**params, "page": 2, "lang": "en"})
    assert page.status_code == 200
    links = dict(
        re.findall(r'href="(/search/export\?[^"]+)" data-testid="export-(\w+)"', page.text)
    )
    assert {v for v in links.values()} == {"csv", "xlsx", "ris", "jsonl"}
    csv_link = next(href for href, fmt in links.items() if fmt == "csv").replace("&amp;", "&")
    assert "sort=filing-asc" in csv_link and "country=US" in csv_link and "page=" not in csv_link
    assert "(at most 1,000 records; log in for more)" in page.text
    exported = client.get(csv_link)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert _csv_ids(exported.content) == _search_ids(client, **params)


def test_page_export_with_families_collapsed_keeps_one_row_per_family(client, records):
    by_id = {r.id: r for r in records}
    plain = client.get("/search/export", params={"q": "battery", "mode": "lexical"})
    collapsed = client.get(
        "/search/export", params={"q": "battery", "mode": "lexical", "collapse": "true"}
    )
    all_ids, family_ids = _csv_ids(plain.content), _csv_ids(collapsed.content)
    keys = [family_key(by_id[i]) for i in family_ids]
    assert len(keys) == len(set(keys)) < len(all_ids)
    # the first member of each family in the uncollapsed order
    firsts: dict[str, str] = {}
    for i in all_ids:
        firsts.setdefault(family_key(by_id[i]), i)
    assert family_ids == list(firsts.values())
    empty = client.get("/search/export", params={"q": "  "})
    assert empty.status_code == 400
