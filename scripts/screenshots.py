#!/usr/bin/env python3
"""Screenshots of the portal's main pages, taken with Debian's chromium, for the README.

    .venv/bin/python scripts/screenshots.py                   # a small home built here
    .venv/bin/python scripts/screenshots.py --home .ipnav \\
        --email admin@example.org --password '…'               # an existing home
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000 --email … --password …

Without ``--url`` the real app runs under uvicorn in a background thread on a free
127.0.0.1 port; without ``--home`` it runs on a small home built in a temporary
folder from the shared sample data (400 PatSnap, 300 BDCI and 33 CNKI records, as
in the web tests) with users of every role. The admin page needs an institution
admin's login: given with ``--email/--password``, or made in the small home.
PNGs at a 1280×800 viewport go to ``docs/screenshots/`` (``--out``).

The browser-test fixtures (``tests/browser/conftest.py``) reuse :func:`build_small_home`,
:func:`live_server`, :func:`create_users` and :func:`launch_chromium`, so the pictures
and the tests see the same app, started the same way.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from fastapi import FastAPI
    from playwright.sync_api import Browser, Page, Playwright

    from ipnav.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
MAX_HEIGHT = 1400  # full-page shots are cut here: the top of a long page says enough
SMALL_CORPUS = (  # (file under the sample data, records), as tests/web/conftest.py loads
    ("patsnap_cs3245_citation_corpus/documents.jsonl.gz", 400),
    ("cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz", 300),
    ("cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz", 33),
)
PASSWORD = "test password 2026"
#: One user per role of the role matrix (anonymous has none), in the small home.
ROLE_USERS = {
    "member": "member@example.org",
    "analyst": "analyst@example.org",
    "institution_admin": "inst-admin@example.org",
    "provincial_admin": "prov-admin@example.org",
    "system_admin": "sys-admin@example.org",
}
#: A disclosure to paste on the prior-art page (English: the PatSnap part is English).
DISCLOSURE = (
    "A rechargeable lithium battery whose electrode is coated with a conductive polymer "
    "layer, so that the electrode keeps its capacity over many charge and discharge cycles."
)


def build_small_home(root: Path, sample_data: Path, dense_encoder: str = "hashing") -> Settings:
    """Ingest the first records of three real corpora into ``root/home`` and index them.

    Goes through the ``ipnav ingest`` and ``ipnav index`` commands, as a user would.
    ``hashing`` needs no model (fast, for tests); ``use-m3`` gives real dense search.
    """
    from typer.testing import CliRunner

    from ipnav.cli import app as cli
    from ipnav.settings import Settings

    env = {
        "IPNAV_HOME": str(root / "home"),
        "IPNAV_SAMPLE_DATA": str(sample_data),
        "IPNAV_DENSE_ENCODER": dense_encoder,
    }
    runner = CliRunner()
    for relative, n in SMALL_CORPUS:
        target = root / Path(relative).name.removesuffix(".gz")
        with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
            target.write_text("".join(itertools.islice(source, n)), encoding="utf-8")
        done = runner.invoke(cli, ["ingest", str(target)], env=env, catch_exceptions=False)
        if done.exit_code != 0:
            raise RuntimeError(f"ipnav ingest {target} failed:\n{done.output}")
    built = runner.invoke(cli, ["index"], env=env, catch_exceptions=False)
    if built.exit_code != 0:
        raise RuntimeError(f"ipnav index failed:\n{built.output}")
    return Settings(home=root / "home", sample_data=sample_data, dense_encoder=dense_encoder)


@dataclass
class LiveServer:
    """The real app answering on ``url`` (``app.state`` holds the opened store and services)."""

    url: str
    app: FastAPI


@contextmanager
def live_server(settings: Settings, timeout: float = 120.0) -> Iterator[LiveServer]:
    """Run ``create_app(settings)`` under uvicorn in a background thread on a free port.

    The socket is bound here, before the thread starts, so no other process can take
    the port in between. Yields once the app has started and answered ``/``; stops
    the server (lifespan shutdown: indexes and store closed) when the block ends.
    """
    import uvicorn

    from ipnav.web import create_app

    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="ipnav-live-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the ipnav app stopped while starting on {settings.home}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the ipnav app did not start within {timeout:.0f} s")
            time.sleep(0.05)
        with urllib.request.urlopen(f"{url}/", timeout=timeout) as answer:
            if answer.status != 200:
                raise RuntimeError(f"GET {url}/ answered {answer.status}")
        yield LiveServer(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def create_users(app: FastAPI, password: str = PASSWORD) -> dict[str, str]:
    """One user per role (:data:`ROLE_USERS`) through the accounts service of a started app."""
    from ipnav.accounts import Role

    accounts = app.state.accounts
    for role, email in ROLE_USERS.items():
        accounts.create_user(
            email,
            password,
            name=role.replace("_", " ").title(),
            role=Role[role],
            organisation="Test TISC",
            organisation_kind="tisc",
        )
    return dict(ROLE_USERS)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's chromium, headless (Playwright's own browser downloads are not used)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: install Debian's chromium and fonts-noto-cjk with "
            "`make system-deps` (apt-get install chromium fonts-noto-cjk)"
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Log in through the login form, as a person would; raises if the form says no."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    if "/login" in page.url:
        raise RuntimeError(f"logging in as {email} failed: {page.locator('main').inner_text()}")


def _shoot(page: Page, path: Path, full_page: bool = True) -> Path:
    height = page.evaluate("document.documentElement.scrollHeight") if full_page else 0
    clip = None
    if full_page and height > MAX_HEIGHT:
        clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_HEIGHT}
    page.screenshot(path=str(path), full_page=full_page, clip=clip)
    return path


def capture(
    browser: Browser,
    base_url: str,
    out: Path,
    admin: tuple[str, str] | None,
    zh_query: str = "信号 基站",
    en_query: str = "battery electrode",
    patent_query: str = "防污屏障 相容性",
) -> list[Path]:
    """Save the main pages as PNGs in ``out``; returns their paths.

    Pages: home, login, results in Chinese and in English, the patent page of the
    first hit of ``patent_query``, prior-art results for :data:`DISCLOSURE` and,
    with an ``admin`` login, the users page.
    """
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    shots = []
    try:
        page.goto(f"{base_url}/?lang=zh")
        shots.append(_shoot(page, out / "home.png", full_page=False))
        page.goto(f"{base_url}/login")
        shots.append(_shoot(page, out / "login.png", full_page=False))
        page.goto(f"{base_url}/search?{urlencode({'q': zh_query})}")
        shots.append(_shoot(page, out / "results-zh.png"))
        page.goto(f"{base_url}/search?{urlencode({'q': en_query, 'lang': 'en'})}")
        shots.append(_shoot(page, out / "results-en.png"))
        page.goto(f"{base_url}/search?{urlencode({'q': patent_query, 'lang': 'zh'})}")
        page.click("li.hit h2 a >> nth=0")
        page.wait_for_selector("article.patent")
        shots.append(_shoot(page, out / "patent.png"))
        page.goto(f"{base_url}/prior-art?lang=en")
        page.fill("textarea[name=text]", DISCLOSURE)
        page.click("form.prior-art button[type=submit]")
        page.wait_for_selector("dl.explanation")
        shots.append(_shoot(page, out / "prior-art.png"))
        if admin is not None:
            log_in(page, base_url, *admin)
            page.goto(f"{base_url}/admin/users?lang=zh")
            shots.append(_shoot(page, out / "admin-users.png"))
    finally:
        context.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="a running portal, e.g. http://127.0.0.1:8000")
    where.add_argument("--home", type=Path, help="serve this existing IPNAV_HOME here")
    parser.add_argument("--sample-data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--encoder",
        default="use-m3",
        help="dense encoder of the home: use-m3 (default, as shipped) or hashing",
    )
    parser.add_argument("--email", help="an institution admin's e-mail, for /admin/users")
    parser.add_argument("--password", help="that admin's password")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if bool(args.email) != bool(args.password):
        parser.error("give both --email and --password, or neither")
    admin = (args.email, args.password) if args.email else None

    from playwright.sync_api import sync_playwright

    def shoot(url: str, login: tuple[str, str] | None) -> list[Path]:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                return capture(browser, url, args.out, login)
            finally:
                browser.close()

    if args.url:
        shots = shoot(args.url.rstrip("/"), admin)
    elif args.home:
        from ipnav.settings import Settings

        settings = Settings(
            home=args.home, sample_data=args.sample_data, dense_encoder=args.encoder
        )
        with live_server(settings) as server:
            if server.app.state.search is None:
                print(f"search unavailable: {server.app.state.search_error}", file=sys.stderr)
                return 1
            shots = shoot(server.url, admin)
    else:
        with tempfile.TemporaryDirectory(prefix="ipnav-screens-") as tmp:
            print(f"building a small home in {tmp} …", file=sys.stderr)
            settings = build_small_home(Path(tmp), args.sample_data, args.encoder)
            with live_server(settings) as server:
                create_users(server.app)
                shots = shoot(server.url, admin or (ROLE_USERS["system_admin"], PASSWORD))
    for path in shots:
        print(f"{path} ({path.stat().st_size // 1024} KiB)")
    if admin is None and (args.url or args.home):
        print("admin-users.png skipped: give --email/--password of an admin", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
