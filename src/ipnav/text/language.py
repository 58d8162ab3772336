"""Which language a text is in, by script: enough to key patent texts by language.

Patent texts are long and single-language; counting scripts is more reliable
for them than a statistical detector, and costs nothing. Counting uses regular
expressions (C speed) over the first few thousand characters.
"""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_SAMPLE = 4000


def detect_language(text: str, default: str = "en") -> str:
    """ISO 639-1 code of the dominant script: zh, ja, ko or en (Latin).

    Han characters count three times a Latin letter, since a Chinese word is
    one or two characters and an English word about five letters; any kana
    beside Han means Japanese.
    """
    sample = text[:_SAMPLE]
    if not _CJK.search(sample):  # the common case of a Latin-script text: no counting needed
        return "en" if _LATIN.search(sample) else default
    han = len(_HAN.findall(sample))
    kana = len(_KANA.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    latin = len(_LATIN.findall(sample))
    if kana and kana * 3 >= han * 0.2:
        return "ja"
    if hangul and hangul * 3 >= latin:
        return "ko"
    if han and han * 3 >= latin:
        return "zh"
    if latin:
        return "en"
    return default
