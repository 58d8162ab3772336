"""Which language a text is in, by script: enough to key patent texts by language.

Patent texts are long and single-language; counting scripts is more reliable
for them than a statistical detector, and costs nothing.
"""

from __future__ import annotations


def _script_counts(text: str) -> tuple[int, int, int, int]:
    han = kana = hangul = latin = 0
    for ch in text:
        code = ord(ch)
        if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
            han += 1
        elif 0x3040 <= code <= 0x30FF:
            kana += 1
        elif 0xAC00 <= code <= 0xD7AF:
            hangul += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    return han, kana, hangul, latin


def detect_language(text: str, default: str = "en") -> str:
    """ISO 639-1 code of the dominant script: zh, ja, ko or en (Latin).

    Han characters count about three times a Latin letter, since a Chinese
    word is one or two characters and an English word about five letters.
    """
    han, kana, hangul, latin = _script_counts(text)
    if kana and kana * 3 >= han * 0.2:
        return "ja"
    if hangul and hangul * 3 >= latin:
        return "ko"
    if han and han * 3 >= latin:
        return "zh"
    if latin:
        return "en"
    return default
