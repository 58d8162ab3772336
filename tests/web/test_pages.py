"""The server-rendered pages through the real app on a real small store."""

from __future__ import annotations

import re

import pytest


def test_home_renders_in_chinese_by_default_and_in_english_on_request(client):
    zh = client.get("/")
    assert zh.status_code == 200
    assert '<html lang="zh-Hans">' in zh.text
    assert "专利检索与知识产权公共服务" in zh.text
    assert 'action="/search"' in zh.text
    en = client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in en.text
    assert "Patent search and IP public service" in en.text
    assert "检索" not in en.text.split("<main>")[1].split("</main>")[0].replace("锂电池", "")


def test_language_is_chosen_by_query_then_cookie_then_accept_language(client):
    assert "专利检索" in client.get("/", headers={"Accept-Language": "de-DE,fr;q=0.9"}).text
    accept_en = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"})
    assert '<html lang="en">' in accept_en.text
    chosen = client.get("/", params={"lang": "zh"}, headers={"Accept-Language": "en"})
    assert '<html lang="zh-Hans">' in chosen.text
    assert chosen.cookies.get("lang") == "zh"
    # the cookie now wins over the browser's preference
    again = client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="zh-Hans">' in again.text


def test_chinese_search_finds_chinese_patents_with_highlights(client):
    page = client.get("/search", params={"q": "信号 基站"})
    assert page.status_code == 200
    assert "<mark>" in page.text
    assert re.search(r"共 [\d,]+ 条结果", page.text)
    assert 'href="/patent/' in page.text


def test_english_search_highlights_and_shows_facets_as_filter_links(client):
    page = client.get("/search", params={"q": "battery electrode", "lang": "en"})
    assert page.status_code == 200
    assert re.search(r"<mark>(battery|electrode)s?</mark>", page.text, re.IGNORECASE)
    assert re.search(r"[\d,]+ results", page.text)
    for heading in ("Country", "Applicant type", "Publication year"):
        assert f"<h3>{heading}</h3>" in page.text
    assert "country=" in page.text and "from=" in page.text


def test_filters_restrict_the_results(client):
    everything = client.get("/api/v1/search", params={"q": "battery", "top": 50}).json()
    us_only = client.get("/search", params={"q": "battery", "country": "US", "lang": "en"})
    assert us_only.status_code == 200
    ids = re.findall(r'<span class="id">([^<]+)</span>', us_only.text)
    assert ids and all(i.startswith("US") for i in ids)
    assert everything["total"] >= len(ids)
    bad = client.get("/search", params={"q": "battery", "from": "2020-13-45"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text


def test_pagination_has_no_cap_and_pages_differ(client):
    first = client.get("/search", params={"q": "method", "mode": "lexical", "lang": "en"})
    second = client.get("/search", params={"q": "method", "mode": "lexical", "page": 2})
    ids_1 = re.findall(r'<span class="id">([^<]+)</span>', first.text)
    ids_2 = re.findall(r'<span class="id">([^<]+)</span>', second.text)
    assert len(ids_1) == 10 and ids_2 and not set(ids_1) & set(ids_2)
    assert 'rel="next"' in first.text and "page=2" in first.text
    far = client.get("/search", params={"q": "method", "page": 5000})
    assert far.status_code == 200


def test_family_collapsing_toggle(client):
    page = client.get("/search", params={"q": "membrane", "collapse": "true", "lang": "en"})
    assert page.status_code == 200
    assert "one result per family" in page.text
    assert 'name="collapse" value="true" checked' in page.text


def test_malformed_expert_query_gives_a_400_page_with_the_position(client):
    page = client.get("/search", params={"q": "TA=(battery AND", "lang": "en"})
    assert page.status_code == 400
    assert "The query cannot be read" in page.text
    assert re.search(r"At position \d+", page.text)
    assert '<mark class="fault">' in page.text


@pytest.fixture(scope="module")
def with_claims(records):
    return max(records, key=lambda r: sum(len(c) for c in r.claims.values()))


def test_patent_page_shows_numbered_claims_with_independent_ones_marked(client, with_claims):
    page = client.get(f"/patent/{with_claims.id}")
    assert page.status_code == 200
    assert with_claims.title["zh"] in page.text
    assert page.text.count('class="independent"') >= 1
    assert '<span class="tag">独立权利要求</span>' in page.text
    assert 'id="claim-zh-1"' in page.text
    assert "著录项目" in page.text and "申请人" in page.text


def test_claims_given_as_one_text_are_split_and_dependencies_read(with_claims):
    from ipnav.model.record import Claim
    from ipnav.web.views import claim_sets

    first = with_claims.claims["zh"][0].text
    joined = f"1.{first} 2.根据权利要求1所述的装置，其特征在于，还包括外壳。"
    record = with_claims.model_copy(update={"claims": {"zh": [Claim(text=joined)]}})
    (claims,) = claim_sets(record, "zh")
    assert [c.number for c in claims.claims] == [1, 2]
    assert claims.independent == [1] and claims.claims[1].depends_on == [1]


@pytest.mark.parametrize(("lang", "heading"), [("zh", "分类号"), ("en", "Classification")])
def test_patent_page_shows_classification_titles(client, records, lang, heading):
    record = next(r for r in records if r.ipc)
    page = client.get(f"/patent/{record.id}", params={"lang": lang})
    assert heading in page.text
    symbol = record.ipc[0]
    row = page.text.split(f">{symbol}</a></td>", 1)[1].split("</tr>", 1)[0]
    assert re.search(r"<td>\s*[^<\s]", row), f"no title for {symbol}: {row}"


def test_patent_page_finds_any_number_form_and_links_family_and_citations(client, records):
    cited = next(r for r in records if r.family and r.cited_patents and r.country == "EP")
    spaced = f"{cited.country} {cited.number} {cited.kind}"
    page = client.get(f"/patent/{spaced}", params={"lang": "en"})
    assert page.status_code == 200, page.text[:500]
    assert f'href="/patent/{cited.family[0]}"' in page.text
    assert f'href="/patent/{cited.cited_patents[0].ref}"' in page.text
    assert "Legal events" in page.text or "Citations" in page.text


def test_unknown_patent_is_a_404_page(client):
    page = client.get("/patent/CN999999999A", params={"lang": "en"})
    assert page.status_code == 404
    assert "Not found" in page.text


def test_prior_art_form_returns_explained_hits(client, records, csrf):
    disclosure = (
        "一种信号的发送方法，基站在子帧中为多个用户设备配置参考信号的符号和数据的符号，"
        "并向用户设备发送配置信息。"
    )
    form = client.get("/prior-art")
    assert form.status_code == 200 and 'method="post"' in form.text
    page = client.post(
        "/prior-art", data={"csrf_token": csrf(client, "/prior-art"), "text": disclosure}
    )
    assert page.status_code == 200
    assert "命中词" in page.text and "最相近段落" in page.text and "得分构成" in page.text
    assert page.text.count('class="hit"') >= 3
    assert "<mark>" in page.text
    empty = client.post(
        "/prior-art", data={"csrf_token": csrf(client, "/prior-art"), "text": "   "}
    )
    assert empty.status_code == 400


def test_similar_patents_link_runs_prior_art_for_a_stored_patent(client, with_claims):
    page = client.get("/prior-art", params={"id": with_claims.id, "lang": "en"})
    assert page.status_code == 200
    assert f"for {with_claims.id}" in page.text
    assert "Closest passage" in page.text
