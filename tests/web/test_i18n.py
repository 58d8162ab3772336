"""Every template string is translated in both catalogues; language negotiation."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from ipnav.web.i18n import (
    LANGUAGES,
    catalogue_path,
    choose_language,
    from_accept_language,
    load_translations,
    template_messages,
)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_template_string_has_a_translation(lang):
    with catalogue_path(lang).open("rb") as source:
        catalog = read_po(source)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = [m for m in template_messages() if m not in translated]
    assert not missing, f"untranslated in {catalogue_path(lang)}: {missing}"


def test_catalogues_compile_and_keep_placeholders():
    zh = load_translations("zh")
    assert zh.gettext("Search") == "检索"
    for lang in LANGUAGES:
        with catalogue_path(lang).open("rb") as source:
            for message in read_po(source):
                if message.id and "%(" in message.id:
                    assert sorted(_names(message.id)) == sorted(_names(message.string)), message.id


def _names(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)s", text)


def test_language_choice_order():
    assert choose_language(None, None, None) == "zh"
    assert choose_language("en", "zh", "zh") == "en"
    assert choose_language("xx", "en", "zh") == "en"
    assert choose_language(None, None, "fr, en-GB;q=0.8, zh;q=0.5") == "en"
    assert from_accept_language("zh-TW;q=0.9, en;q=0.1") == "zh"
    assert from_accept_language("en;q=0, de") is None
    assert from_accept_language("en;q=abc") is None
