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
    from ipnav.store.references import stored_ids

    cited = next(r for r in records if r.family and r.cited_patents and r.country == "EP")
    spaced = f"{cited.country} {cited.number} {cited.kind}"
    page = client.get(f"/patent/{spaced}", params={"lang": "en"})
    assert page.status_code == 200, page.text[:500]
    stored = stored_ids(client.app.state.store, [cited.family[0], cited.cited_patents[0].ref])
    for ref in (cited.family[0], cited.cited_patents[0].ref):
        if stored.get(ref, cited.id) != cited.id:  # another stored record: its own page
            assert f'href="/patent/{stored[ref]}">{ref}</a>' in page.text
        else:  # not stored (or this very record): the office's publication elsewhere
            assert f'href="https://patents.google.com/patent/{ref}"' in page.text
    assert "Citations" in page.text


def test_patent_page_links_stored_references_and_others_outside(client, records):
    """Stored family members and citations link to their page, the rest to Google Patents."""
    from ipnav.store.references import stored_ids

    store = client.app.state.store
    record = next(
        r
        for r in records
        if r.cited_patents
        and any(i != r.id for i in stored_ids(store, [c.ref for c in r.cited_patents]).values())
        and any(c.ref not in stored_ids(store, [c.ref]) for c in r.cited_patents)
    )
    page = client.get(f"/patent/{record.id}", params={"lang": "en"}).text
    cites = page.split('data-testid="cites">', 1)[1].split("</ul>", 1)[0]
    stored = stored_ids(store, [c.ref for c in record.cited_patents])
    for citation in record.cited_patents:
        if stored.get(citation.ref, record.id) != record.id:
            assert f'<a href="/patent/{stored[citation.ref]}">{citation.ref}</a>' in cites
        else:
            assert f'href="/patent/{citation.ref}"' not in cites
            assert f"patents.google.com/patent/{citation.ref}" in cites
    assert "Numbers not in this database link to Google Patents." in page


def test_patent_page_lists_stored_records_that_cite_it(client, records):
    """Cited by, both ways: a stored record whose citations name this one is listed and linked,
    even where this record's source gives no forward citations."""
    from ipnav.store.references import citing_ids

    store = client.app.state.store
    by_id = {r.id: r for r in records}
    record, citing = next(
        (r, [i for i in citing_ids(store, r) if i not in r.cited_by])
        for r in records
        if [i for i in citing_ids(store, r) if i not in r.cited_by]
    )
    assert any(record.number in c.ref for c in by_id[citing[0]].cited_patents)
    page = client.get(f"/patent/{record.id}", params={"lang": "en"}).text
    cited_by = page.split('data-testid="cited-by">', 1)[1].split("</ul>", 1)[0]
    for other in citing:
        assert f'<a href="/patent/{other}">{other}</a>' in cited_by


def test_patent_page_shows_every_number_form(client, records):
    record = next(r for r in records if r.country == "EP" and r.kind and r.application_number)
    page = client.get(f"/patent/{record.id}", params={"lang": "en"}).text
    forms = dict(re.findall(r'data-form="(\w+)">([^<]+)<', page))
    assert forms["id"] == record.id
    assert forms["docdb"] == f"{record.country} {record.number} {record.kind}"
    assert forms["epodoc"] == f"{record.country}{record.number}"
    assert forms["application"].startswith(record.application_number[:2])
    assert "DOCDB form" in page and "Application number" in page
    us = next(r for r in records if r.country == "US" and r.number and len(r.number) == 11)
    us_forms = dict(re.findall(r'data-form="(\w+)">([^<]+)<', client.get(f"/patent/{us.id}").text))
    assert us_forms["original"] == f"US {us.number[:4]}/{us.number[4:]} {us.kind}"


def test_patent_page_shows_five_explained_similar_patents(client, with_claims):
    page = client.get(f"/patent/{with_claims.id}", params={"lang": "en"})
    section = page.text.split('data-testid="similar">', 1)[1].split("</section>", 1)[0]
    ids = re.findall(r'<span class="id">([^<]+)</span>', section)
    assert len(ids) == 5 and with_claims.id not in ids
    assert section.count("Matched words") == 5 and section.count("Share of the score") == 5
    assert "Closest passage" in section
    assert f'href="/prior-art?id={with_claims.id}"' in section


def test_patent_page_shows_legal_events(tmp_path, sample_data):
    """USPTO prosecution events in a table, on a home without indexes (no similar patents)."""
    import gzip
    import itertools

    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from ipnav.cli import app as cli
    from ipnav.model.numbers import parse_application_number
    from ipnav.settings import Settings
    from ipnav.web import create_app

    source = (
        sample_data / "us_uspto_prosecution_events_sample/uspto_peds_prosecution_events.jsonl.gz"
    )
    target = tmp_path / "peds.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        target.write_text("".join(itertools.islice(lines, 10)), encoding="utf-8")
    env = {"IPNAV_HOME": str(tmp_path / "home"), "IPNAV_SAMPLE_DATA": str(sample_data)}
    done = CliRunner().invoke(cli, ["ingest", str(target)], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    settings = Settings(home=tmp_path / "home", sample_data=sample_data)
    with TestClient(create_app(settings)) as client:
        store = client.app.state.store
        record = next(r for r in map(store.get, store.ids()) if len(r.legal_events) >= 2)
        written = parse_application_number(record.application_number).display  # US16/100,003
        page = client.get(f"/patent/{written}", params={"lang": "en"}).text
    table = page.split('<table class="events">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == len(record.legal_events) + 1
    for event in record.legal_events:
        assert f"<td>{event.code}</td><td>{event.description}</td>" in table
    assert 'data-testid="similar"' not in page


def test_language_is_remembered_per_user(client, login):
    """?lang= > the user's saved language > cookie > Accept-Language > Chinese."""
    import uuid

    from ipnav.accounts import Role

    email = f"polyglot-{uuid.uuid4().hex[:8]}@example.org"
    client.app.state.accounts.create_user(email, "language test 2026", role=Role.member)
    assert login(client, email, "language test 2026").status_code == 303
    assert '<html lang="zh-Hans">' in client.get("/").text  # the default of a new user
    switched = client.get("/search", params={"lang": "en"})
    assert '<html lang="en">' in switched.text
    assert client.app.state.accounts.user_by_email(email).language == "en"
    # another browser: no cookie, a Chinese browser; the saved language wins after login
    client.cookies.clear()
    assert login(client, email, "language test 2026").status_code == 303
    client.cookies.set("lang", "zh")
    page = client.get("/profile", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="en">' in page.text
    # ?lang= still wins, and is saved in turn
    assert '<html lang="zh-Hans">' in client.get("/", params={"lang": "zh"}).text
    assert client.app.state.accounts.user_by_email(email).language == "zh"
    # visitors are not affected by anyone's saved language
    client.cookies.clear()
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).text


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
