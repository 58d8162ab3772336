"""The portal as a person uses it: Debian's chromium clicking through the real pages.

Each test starts logged out, in a fresh browser context whose browser prefers Chinese,
on the small real home of ``conftest.py``; it asserts what the page shows, not only a
status code.
"""

from __future__ import annotations

import csv
import re
import struct
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ZH_QUERY = "信号 基站"  # BDCI: several Huawei / ZTE patents on signals and base stations
EN_QUERY = "battery electrode"  # PatSnap
CLAIMS_QUERY = "防污屏障 相容性"  # CNKI CN108982325A, which has its claims


def search_from_home(page: Page, query: str, lang: str = "zh") -> None:
    page.goto(f"/?lang={lang}")
    page.get_by_role("searchbox").fill(query)
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))


def test_login_through_the_form(page: Page, users, log_in):
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录")
    page.get_by_label("电子邮箱").fill(users["member"])
    page.get_by_label("密码").fill("not the password 1")
    page.locator("form.login button[type=submit]").click()
    expect(page.get_by_role("alert")).to_have_text("电子邮箱或密码错误。")
    expect(page.locator(".account")).not_to_contain_text("Member")

    log_in(users["member"])
    account = page.locator(".account")
    expect(account.get_by_role("link", name="Member")).to_have_attribute("href", "/profile")
    expect(account.get_by_role("button", name="退出登录")).to_be_visible()
    expect(page.locator("header nav")).not_to_contain_text("用户")  # no admin links


def test_logout_ends_the_session(page: Page, users, log_in):
    log_in(users["analyst"])
    page.goto("/search")
    page.locator(".account").get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator(".account").get_by_role("link", name="登录")).to_be_visible()
    expect(page.locator(".account")).not_to_contain_text("Analyst")
    page.goto("/profile")  # members only: back to the login form
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fprofile$"))
    expect(page.locator("h1")).to_have_text("登录")


def test_chinese_search_shows_highlighted_hits(page: Page):
    search_from_home(page, ZH_QUERY)
    expect(page.locator("p.summary")).to_contain_text(re.compile(r"共 \d+ 条结果"))
    hits = page.locator("li.hit")
    expect(hits.first).to_be_visible()
    assert hits.count() >= 2
    marked = page.locator("li.hit mark").all_inner_texts()
    assert marked and set(marked) <= {"信号", "基站"}, marked
    expect(hits.first.locator("h2 mark").first).to_have_text(re.compile("信号|基站"))
    expect(hits.first.locator("h2")).to_contain_text("信号")
    # the query stays in the box and the facets list the country of the hits
    expect(page.get_by_role("searchbox")).to_have_value(ZH_QUERY)
    expect(page.locator("aside.facets")).to_contain_text("CN")


def test_english_search_shows_highlighted_hits(page: Page):
    search_from_home(page, EN_QUERY, lang="en")
    expect(page.locator("p.summary")).to_contain_text(re.compile(r"[\d,]+ results"))
    marked = [t.lower() for t in page.locator("li.hit mark").all_inner_texts()]
    assert marked, "no highlighted word on the results page"
    assert all(re.fullmatch(r"(batter(y|ies)|electrodes?)", t) for t in marked), marked
    first_title = page.locator("li.hit h2").first.inner_text().lower()
    assert "battery" in first_title or "electrode" in first_title, first_title
    expect(page.locator("aside.facets h3").first).to_have_text("Country")


def test_open_a_patent_from_the_results(page: Page):
    search_from_home(page, CLAIMS_QUERY)
    first = page.locator("li.hit h2 a").first
    title = first.inner_text()
    assert "防污屏障" in title
    first.click()
    page.wait_for_url(re.compile(r"/patent/"))
    expect(page.locator("article.patent h1")).to_have_text(title)
    expect(page.locator("p.id")).to_contain_text("CN108982325A")
    expect(page.locator("dl.biblio")).to_contain_text("浙江大学")
    claims = page.locator("section.claims")
    expect(claims.locator("h2")).to_contain_text("权利要求书")
    first_claim = claims.locator("li.independent").first
    expect(first_claim).to_contain_text("独立权利要求")
    expect(first_claim).to_contain_text("其特征在于")


def test_language_switch_changes_the_interface_and_sticks(page: Page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("header nav")).to_contain_text("现有技术检索")
    page.locator(".langs").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("section.hero h1")).to_have_text("Patent search and IP public service")
    expect(page.locator("header nav")).to_contain_text("Prior art")
    # the next page, reached by a link without ?lang=, stays in English (the cookie)
    page.locator("header nav").get_by_role("link", name="Prior art").click()
    page.wait_for_url(re.compile(r"/prior-art$"))
    expect(page.locator("h1")).to_have_text("Prior-art search")
    expect(page.get_by_role("button", name="Find prior art")).to_be_visible()
    # and back
    page.locator(".langs").get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("现有技术检索")
    page.goto("/search")
    expect(page.locator("header nav")).to_contain_text("检索")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def test_prior_art_search_explains_its_hits(page: Page, screenshots_script):
    page.goto("/")
    page.locator("section.hero").get_by_role("link", name=re.compile("现有技术检索")).click()
    page.get_by_label("粘贴技术交底书").fill(screenshots_script.DISCLOSURE)
    page.get_by_role("button", name="检索现有技术").click()
    expect(page.locator("p.summary")).to_contain_text("10 篇文献")
    first = page.locator("li.hit").first
    explanation = first.locator("dl.explanation")
    expect(explanation.locator("dt").first).to_have_text("命中词")
    words = {t.lower() for t in explanation.locator("mark").all_inner_texts()}
    assert words & {"battery", "lithium", "electrode", "rechargeable"}, words
    expect(explanation).to_contain_text("最相近段落")
    expect(explanation).to_contain_text(re.compile(r"关键词 [\d.]+%，语义 [\d.]+%"))
    # the disclosure stays in the form, for another try
    expect(page.locator("textarea[name=text]")).to_have_value(screenshots_script.DISCLOSURE)


def test_export_the_results_as_csv(page: Page, users, log_in):
    log_in(users["analyst"])
    page.goto(f"/search?q={EN_QUERY.replace(' ', '+')}&lang=en")
    shown = page.locator("li.hit span.id").all_inner_texts()
    total = int(re.search(r"([\d,]+) results", page.locator("p.summary").inner_text())[1])
    assert shown and total
    with page.expect_download() as started:
        page.get_by_test_id("export-csv").click()
    download = started.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    with open(download.path(), encoding="utf-8-sig", newline="") as saved:
        rows = list(csv.reader(saved))
    header = [cell.split(" / ")[-1] for cell in rows[0]]  # zh headers are bilingual
    assert header[:3] == ["Rank", "Score", "Record ID"], rows[0]
    assert "Publication number" in header and "Title" in header
    body = rows[1:]
    assert len(body) == total  # the whole result list, not just this page
    ids = [row[header.index("Record ID")] for row in body]
    assert ids[: len(shown)] == shown[: len(ids)]  # in the order the page shows
    assert [row[0] for row in body] == [str(rank) for rank in range(1, total + 1)]


def test_member_sees_403_on_an_admin_page(page: Page, users, log_in):
    log_in(users["member"])
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(page.locator("section.error h1")).to_have_text("无法处理该请求")
    expect(page.locator("section.error p.code")).to_contain_text("403")
    expect(page.locator("section.error code")).to_have_text("forbidden")
    expect(page.locator("table")).to_have_count(0)  # no user list leaks


def test_institution_admin_sees_the_users_page(page: Page, users, log_in):
    log_in(users["institution_admin"])
    page.locator("header nav").get_by_role("link", name="用户").click()
    page.wait_for_url(re.compile(r"/admin/users$"))
    expect(page.locator("main")).to_contain_text(users["member"])


def test_a_chinese_font_is_installed_for_the_pages():
    """Without one, chromium draws Chinese as empty boxes (in screenshots too)."""
    families = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto Sans CJK" in families, "install fonts-noto-cjk: `make system-deps`"


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_screenshots_script_saves_every_main_page(
    browser, live, users, tmp_path, screenshots_script
):
    admin = (users["institution_admin"], screenshots_script.PASSWORD)
    shots = screenshots_script.capture(browser, live.url, tmp_path, admin)
    assert [p.name for p in shots] == [
        "home.png",
        "login.png",
        "results-zh.png",
        "results-en.png",
        "patent.png",
        "prior-art.png",
        "admin-users.png",
    ]
    for path in shots:
        width, height = _png_size(path)
        assert width == 1280 and 800 <= height <= screenshots_script.MAX_HEIGHT, (path, height)
