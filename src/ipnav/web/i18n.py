"""Languages of the pages: Babel catalogues, compiled at start-up, and the choice per request.

The ``.po`` files under ``locale/`` are the only source; they are compiled in
memory (:func:`load_translations`) when the app is built, so no binary ``.mo``
file is kept in the repository. The language of a request is the first of
``?lang=``, the logged-in user's saved language, the ``lang`` cookie and the
browser's ``Accept-Language`` that names a supported language; Chinese is the
default. A logged-in user who picks a language with ``?lang=`` has it saved
(``app_user.language``), so it follows them to every browser.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

#: UI language code -> Babel locale (catalogue folder and formatting rules).
LANGUAGES: dict[str, str] = {"zh": "zh_Hans", "en": "en"}
DEFAULT_LANGUAGE = "zh"
COOKIE = "lang"


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / LANGUAGES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(lang: str) -> Translations:
    """The catalogue of ``lang`` compiled from its ``.po`` file."""
    with catalogue_path(lang).open("rb") as source:
        catalog = read_po(source, locale=LANGUAGES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def babel_locale(lang: str) -> Locale:
    return Locale.parse(LANGUAGES[lang])


def normalise(value: str | None) -> str | None:
    """``zh-CN``, ``zh_Hans``, ``EN-us`` … -> a supported code, else None."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (RFC 9110 q-values)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        lang = normalise(tag)
        if lang and q > 0:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else None


def choose_language(
    query: str | None, cookie: str | None, accept: str | None, saved: str | None = None
) -> str:
    """``?lang=``, else the logged-in user's saved language, else the cookie, else the
    browser's ``Accept-Language``, else Chinese."""
    return (
        normalise(query)
        or normalise(saved)
        or normalise(cookie)
        or from_accept_language(accept)
        or DEFAULT_LANGUAGE
    )


def template_messages() -> list[str]:
    """Every translatable string of the templates, as Babel's Jinja2 extractor finds them.

    The catalogues must translate each of them (a test checks this); update them by
    adding the new strings printed by that test to both ``.po`` files.
    """
    from babel.messages.extract import extract_from_dir

    templates = Path(__file__).parent / "templates"
    found = extract_from_dir(
        str(templates),
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}},
    )
    messages: list[str] = []
    for _filename, _lineno, message, _comments, _context in found:
        ids = message if isinstance(message, tuple) else (message,)
        messages.extend(m for m in ids if m and m not in messages)
    return messages
