"""The REST API under /api/v1: JSON shapes, OpenAPI and stable error codes."""

from __future__ import annotations


def test_search_returns_total_and_ranked_items(client):
    body = client.get("/api/v1/search", params={"q": "battery electrode", "top": 5}).json()
    assert isinstance(body["total"], int) and body["total"] > 0
    assert len(body["items"]) == 5
    assert [item["rank"] for item in body["items"]] == [1, 2, 3, 4, 5]
    first = body["items"][0]
    assert {"id", "score", "title", "publication_date", "applicants", "ipc"} <= set(first)
    assert "<mark>" in "".join(first.get("highlights", {}).values())


def test_search_pages_with_offset_and_counts_facets(client):
    params = {"q": "method", "mode": "lexical", "top": 5}
    page_1 = client.get("/api/v1/search", params=params).json()
    page_2 = client.get("/api/v1/search", params={**params, "offset": 5}).json()
    assert not {i["id"] for i in page_1["items"]} & {i["id"] for i in page_2["items"]}
    faceted = client.get("/api/v1/search", params={**params, "facet": "country"}).json()
    counts = faceted["facets"]["country"]
    assert counts and {"value", "count"} == set(counts[0])


def test_patent_by_any_number_form(client, records):
    record = next(r for r in records if r.country == "EP" and r.kind)
    body = client.get(f"/api/v1/patents/{record.country} {record.number} {record.kind}").json()
    assert body["id"] == record.id
    assert body["title"] == record.title


def test_prior_art_by_text_and_by_id(client, records):
    by_text = client.post("/api/v1/prior-art", json={"text": "membrane bioreactor for wastewater"})
    assert by_text.status_code == 200
    items = by_text.json()["items"]
    assert items and {"lexical", "dense", "best_passage", "matched_terms"} <= set(
        items[0]["explanation"]
    )
    source = next(r for r in records if r.abstract and r.priority_date)
    by_id = client.post("/api/v1/prior-art", json={"id": source.id, "top": 3}).json()
    assert by_id["source_id"] == source.id
    assert all(item["id"] != source.id for item in by_id["items"])


def test_errors_are_json_with_a_stable_code(client):
    syntax = client.get("/api/v1/search", params={"q": "TA=(battery AND"})
    assert syntax.status_code == 400
    body = syntax.json()
    assert body["code"] == "query_syntax" and body["status"] == 400
    assert "position" in body["message"] and isinstance(body["position"], int)

    missing = client.get("/api/v1/patents/CN999999999A").json()
    assert missing == {"code": "not_found", "message": missing["message"], "status": 404}

    bad_number = client.get("/api/v1/patents/not-a-number!!")
    assert bad_number.status_code == 404 and bad_number.json()["code"] == "not_found"

    invalid = client.get("/api/v1/search", params={"q": "x", "top": 0})
    assert invalid.status_code == 422 and invalid.json()["code"] == "validation_error"

    both = client.post("/api/v1/prior-art", json={"text": "a", "id": "b"})
    assert both.status_code == 422 and both.json()["code"] == "validation_error"

    empty = client.post("/api/v1/prior-art", json={"text": "  "})
    assert empty.status_code == 400 and empty.json()["code"] == "empty_disclosure"

    unknown = client.get("/api/v1/no/such/route")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"

    method = client.delete("/api/v1/search")
    assert method.status_code == 405 and method.json()["code"] == "method_not_allowed"

    facet = client.get("/api/v1/search", params={"q": "x", "facet": "nonsense"})
    assert facet.status_code == 400 and facet.json()["code"] == "bad_request"


def test_openapi_documents_the_api(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/search", "/api/v1/patents/{number}", "/api/v1/prior-art"} <= set(
        schema["paths"]
    )
    assert "/search" not in schema["paths"]  # pages are not API
    assert client.get("/api/docs").status_code == 200


def test_openapi_documents_sort_export_and_saved_searches(client):
    from ipnav.web.i18n import choose_language

    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/export", "/api/v1/saved-searches"} <= set(paths)
    assert "delete" in paths["/api/v1/saved-searches/{search_id}"]
    assert "/search/export" not in paths and "/saved" not in paths
    export_params = {p["name"] for p in paths["/api/v1/export"]["get"]["parameters"]}
    assert {"q", "format", "sort", "mode", "country", "from", "until", "ipc"} <= export_params
    search_params = {p["name"] for p in paths["/api/v1/search"]["get"]["parameters"]}
    assert "sort" in search_params
    # the language order, with a logged-in user's saved language second
    assert choose_language(None, "zh", "zh", saved="en") == "en"
    assert choose_language("zh", None, None, saved="en") == "zh"
    assert choose_language(None, "en", None, saved=None) == "en"
