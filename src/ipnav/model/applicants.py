"""Applicant names: grouping key, clean display form, type, province, splitting.

Every importer calls :func:`make_party` for every applicant, so all work is
cached per distinct name (patent data repeats the same few thousand names) and
the OpenCC converter is only built on first use.

``normalize_name`` is a *variant* key, not a corporate-group key: it merges
spellings of one legal person ("NVIDIA CORPORATION", "Nvidia Corp.",
"腾讯科技（深圳）有限公司" / "腾訊科技(深圳)有限公司"), never two organisations.
Steps, in order:

1. Unicode NFKC (full-width → half-width), traditional → simplified (OpenCC
   ``t2s``), Latin upper case;
2. notes that a database appends at the *end* of a name are dropped: a country
   code "(CN)", an address "(PASADENA, CA)" or a cut-off "(CONEGLIANO", an
   acronym alias "(C.N.R.S.)", a legal-form note "(有限合伙)", a Chinese alias
   that itself names an organisation "(台州学院附属医院)". Parentheses *inside*
   a name are part of the registered name and kept: "FIH (HONG KONG) LIMITED",
   "阿里巴巴(中国)有限公司", "腾讯科技(深圳)有限公司" (China's naming rules put
   the registration place there; 腾讯科技(深圳) and 腾讯科技(北京) are two
   companies). Words outside parentheses are never dropped (中国科学院 stays);
3. "&" → AND, dots and apostrophes removed (L.L.C. → LLC), other punctuation
   → space, spaces next to Han/kana characters removed;
4. whole-word Derwent-style abbreviations expanded (UNIV → UNIVERSITY, INST →
   INSTITUTE, TECH/TECHNOL → TECHNOLOGY, RES → RESEARCH ...), British
   spellings unified (CENTRE → CENTER, ORGANISATION → ORGANIZATION);
5. every stand-alone THE dropped;
6. legal forms removed from the end, repeatedly (CO., LTD. / GMBH & CO. KG /
   股份有限公司 / 株式会社 ...), and KABUSHIKI KAISHA / 株式会社 from the start,
   never down to an empty key.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ipnav.model.applicant_types import classify
from ipnav.model.record import ApplicantType, Party
from ipnav.model.regions import province_of

__all__ = [
    "classify_applicant",
    "display_name",
    "make_party",
    "normalize_name",
    "province_of",
    "split_applicants",
]

_CJK = r"\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")

_ABBREVIATIONS = {
    "UNIV": "UNIVERSITY",
    "INST": "INSTITUTE",
    "TECH": "TECHNOLOGY",
    "TECHNOL": "TECHNOLOGY",
    "RES": "RESEARCH",
    "ACAD": "ACADEMY",
    "SCI": "SCIENCE",
    "NATL": "NATIONAL",
    "INTL": "INTERNATIONAL",
    "LAB": "LABORATORY",
    "LABS": "LABORATORIES",
    "DEV": "DEVELOPMENT",
    "MFG": "MANUFACTURING",
    "ENG": "ENGINEERING",
    "ENGN": "ENGINEERING",
    "HOSP": "HOSPITAL",
    "ASSOC": "ASSOCIATION",
    "FDN": "FOUNDATION",
    "CTR": "CENTER",
    "CENTRE": "CENTER",
    "DEPT": "DEPARTMENT",
    "GOVT": "GOVERNMENT",
    "AGCY": "AGENCY",
    "BROS": "BROTHERS",
    "ORGANISATION": "ORGANIZATION",
}

# Legal forms as word sequences, longest first; removed only from the end.
_LEGAL_FORMS = """
INC INCORPORATED CORP CORPORATION CO COMPANY LTD LIMITED LTDA LLC LLP LP PLC GMBH AG
AKTIENGESELLSCHAFT SA SAS SARL SRL SPA NV BV KK AB OY OYJ AS ASA APS SE KG KGAA PTY PTE BHD
SDN LTEE KFT ZRT SL SLU GBR OHG EV AKTIEBOLAG AKTIEBOLAGET AKTIESELSKAB
KABUSHIKI_KAISHA SOCIETE_ANONYME AND_CO AND_COMPANY S_A N_V B_V A_S K_K L_L_C S_P_A S_R_L
S_A_R_L SP_Z_O_O MIT_BESCHRANKTER_HAFTUNG
"""
_LEGAL_TAILS: tuple[tuple[str, ...], ...] = tuple(
    sorted((tuple(form.split("_")) for form in _LEGAL_FORMS.split()), key=len, reverse=True)
)
_LEGAL_HEADS = (("KABUSHIKI", "KAISHA"),)
_ZH_LEGAL_TAILS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "公司",
    "株式会社",
    "有限会社",
    "有限合伙",
    "주식회사",
)
_ZH_LEGAL_HEADS = ("株式会社", "有限会社", "주식회사", "(주)", "㈜")

_TRAILING_NOTE = re.compile(r"\s*\(([^()]*)\)\s*$|\s*\(([^()]*)$")
_ADDRESS_NOTE = re.compile(r"^[A-Z][A-Z .'\-]*,\s*[A-Z]{2}$|^[A-Z]{2}$")
_ACRONYM_NOTE = re.compile(r"^[A-Z](?:\.?[A-Z]){1,7}\.?$")
_ORG_WORD_ZH = re.compile(r"(?:中心|医院|研究所|研究院|学院|大学|学校|公司|局|站|所|厂)$")
_LEGAL_NOTE_ZH = re.compile(r"^(?:有限合伙|普通合伙|特殊普通合伙)$")


@functools.cache
def _t2s():
    """OpenCC traditional → simplified converter, created on first use."""
    try:
        import opencc
    except ImportError as error:  # pragma: no cover - opencc is a core dependency
        raise ImportError("applicant names need OpenCC: pip install opencc") from error
    return opencc.OpenCC("t2s")


def _simplified(text: str) -> str:
    return _t2s().convert(text) if _HAN_RE.search(text) else text


def _drop_trailing_notes(text: str) -> str:
    """Remove database notes at the end of an upper-cased name (see module doc)."""
    while True:
        match = _TRAILING_NOTE.search(text)
        if not match or match.start() == 0:
            return text
        note = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        unclosed = match.group(2) is not None
        if not (
            unclosed
            or _ADDRESS_NOTE.match(note)
            or _ACRONYM_NOTE.match(note)
            or _LEGAL_NOTE_ZH.match(note)
            or (_HAN_RE.search(note) and _ORG_WORD_ZH.search(note))
        ):
            return text
        text = text[: match.start()].rstrip(" ,;")


def _join_tokens(tokens: list[str]) -> str:
    out = ""
    for token in tokens:
        if out and not (re.search(f"[{_CJK}]$", out) or re.match(f"[{_CJK}]", token)):
            out += " "
        out += token
    return out


def _strip_legal_tokens(tokens: list[str]) -> list[str]:
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for form in _LEGAL_TAILS:
            if len(tokens) > len(form) and tuple(tokens[-len(form) :]) == form:
                tokens = tokens[: -len(form)]
                changed = True
                break
    for form in _LEGAL_HEADS:
        if len(tokens) > len(form) and tuple(tokens[: len(form)]) == form:
            tokens = tokens[len(form) :]
    return tokens


def _strip_legal_zh(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for tail in _ZH_LEGAL_TAILS:
            if key.endswith(tail) and len(key) > len(tail):
                key = key[: -len(tail)].rstrip()
                changed = True
        for head in _ZH_LEGAL_HEADS:
            if key.startswith(head) and len(key) > len(head):
                key = key[len(head) :].lstrip()
                changed = True
    return key


@functools.lru_cache(maxsize=131072)
def normalize_name(name: str) -> str:
    """Grouping key of an applicant name: variants of one organisation share it.

    >>> normalize_name("Nvidia Corp.") == normalize_name("NVIDIA CORPORATION") == "NVIDIA"
    True
    >>> normalize_name("腾訊科技（深圳）有限公司")
    '腾讯科技深圳'
    """
    text = _simplified(unicodedata.normalize("NFKC", name)).upper().strip()
    text = _drop_trailing_notes(text)
    for head in _ZH_LEGAL_HEADS:  # before punctuation goes: "(주)" is a legal form
        if text.startswith(head) and len(text) > len(head):
            text = text[len(head) :]
    text = text.replace("&", " AND ")
    text = re.sub(r"[.'’`]", "", text)
    text = re.sub(r"[^\w]|_", " ", text)
    tokens = [_ABBREVIATIONS.get(token, token) for token in text.split()]
    tokens = [token for token in tokens if token != "THE"] or tokens
    tokens = _strip_legal_tokens(tokens)
    key = _strip_legal_zh(_join_tokens(tokens))
    return key or " ".join(name.split()).upper()


@functools.lru_cache(maxsize=131072)
def display_name(name: str) -> str:
    """Clean human form: NFKC, simplified Chinese, whitespace collapsed, case kept.

    Japanese names (any kana) keep their kanji as written; a space between Han
    characters is kept too, since it separates a Japanese family name from the
    given name (上村 賢一).
    """
    text = unicodedata.normalize("NFKC", name)
    if not _KANA_RE.search(text):
        text = _simplified(text)
    return " ".join(text.split())


# --- several applicants in one string -------------------------------------------
_SPLIT_ZH = "；;、|"
# "CALTECH (PASADENA, CA), UNIVERSITY OF ..." : an address note ends one applicant.
_ADDRESS_END = re.compile(r"\((?:[^()]{1,40},\s*)?[A-Z]{2}\)")
_SPONSOR = re.compile(r"^(?:中国科学院|中国[^、]{1,8}院|[^、]{1,8}部)$")
_MINISTRY_START = re.compile(r"^[^、]{1,6}部")
_ONLY_LEGAL = re.compile(
    r"^(?:INC|INCORPORATED|CORP|CORPORATION|CO|COMPANY|LTD|LIMITED|LLC|PLC|GMBH|AG|S\.?A|"
    r"N\.?V|B\.?V|AS|AB|OY|SE|KK|PTY|PTE)\b",
    re.IGNORECASE,
)


def split_applicants(text: str) -> list[str]:
    """Split a field that holds several applicants into their names.

    Separators: ``；`` ``;`` ``、`` ``|`` (with or without spaces) and, in US
    exports, the end of an address note: ``"X (PASADENA, CA), Y"``. Nothing is
    split inside parentheses (``中山大学肿瘤防治中心(中山大学附属肿瘤医院、中山大学
    肿瘤研究所)``), and a joint institute named after its sponsors stays whole
    (``中国科学院、水利部成都山地灾害与环境研究所``). Commas never separate names:
    "SAMSUNG ELECTRONICS CO., LTD." and "ENGEL, THOMAS PAUL" are one name each.
    """
    parts: list[str] = []
    depth, current = 0, []
    for char in text:
        if char in "(（[【":
            depth += 1
        elif char in ")）]】":
            depth = max(0, depth - 1)
        if depth == 0 and char in _SPLIT_ZH:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    merged: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if merged and _SPONSOR.match(merged[-1]) and _MINISTRY_START.match(part):
            merged[-1] = f"{merged[-1]}、{part}"
        else:
            merged.append(part)
    names: list[str] = []
    for part in merged:
        names.extend(_split_after_addresses(part))
    return [name for name in names if name]


def _split_after_addresses(text: str) -> list[str]:
    """Split "A (CITY, ST), B" after the note; a bare "(XX)" only before a comma."""
    pieces, start = [], 0
    for match in _ADDRESS_END.finditer(text):
        rest = text[match.end() :]
        gap = re.match(r",\s+" if "," not in match.group() else r"[,;]?\s+", rest)
        if not gap or not rest[gap.end() :] or _ONLY_LEGAL.match(rest[gap.end() :]):
            continue
        pieces.append(text[start : match.end()].strip())
        start = match.end() + gap.end()
    pieces.append(text[start:].strip())
    return pieces


@functools.lru_cache(maxsize=131072)
def classify_applicant(name: str) -> ApplicantType:
    """Applicant type from the name alone (rules: :mod:`ipnav.model.applicant_types`).

    A string that holds several applicants is typed by its first one.
    """
    names = split_applicants(name)
    return classify(display_name(names[0] if names else name))


@functools.lru_cache(maxsize=131072)
def _party_fields(name: str, with_province: bool) -> tuple[str, ApplicantType, str | None]:
    province = province_of(display_name(name)) if with_province else None
    return normalize_name(name), classify_applicant(name), province


def make_party(name: str, *, country: str | None = None, city: str | None = None) -> Party:
    """A :class:`Party` with grouping key, type and (for Chinese applicants) province.

    The province is only looked up when ``country`` is unknown or one of CN,
    HK, MO, TW, and only from the name (see :func:`province_of`).
    """
    with_province = country is None or country.upper() in {"CN", "HK", "MO", "TW"}
    key, kind, province = _party_fields(name, with_province)
    return Party(
        name=name,
        normalized_name=key,
        type=kind,
        country=country,
        province=province,
        city=city,
    )
