"""IPC titles in Chinese and English, and WIPO technology fields, read from the shared data folder.

:func:`load_scheme` reads ``classification_schemes/`` of the sample-data folder
(``settings.sample_data``, IPNAV_SAMPLE_DATA); see that folder's README for sources and licences:

* ``ipc_titles_en.jsonl.gz``: WIPO IPC titles in English (IPC circa 2020.01);
* ``ipc_titles_zh.jsonl.gz``: CNIPA's Chinese IPC titles (IPC 2026.01), with gaps (no C01C,
  C01D, C01F, C01G; missing main groups and runs of subgroups);
* ``cpc_class_titles_partial.jsonl.gz``: 106 CPC class titles, lower case;
* ``wipo_ipc_technology_concordance.csv``: WIPO's IPC -> 35 technology fields concordance
  (Schmoch 2008, as kept by PatentsView), SQL LIKE patterns such as ``G01N  33/%``.

Nothing is read at import. Each table is read on first use and kept with its scheme; schemes
are cached by resolved folder, so a process reads the files once.

A :class:`Title` says what it shows and why: when the requested language has no title for a
code, the other language is shown (``Title.note``: "no Chinese title for C01C; English
shown"); when the code has no title at all (CPC-only groups such as ``G06F 2201/885``,
subgroups missing from a list), the nearest broader code with a title is shown and named.
"""

from __future__ import annotations

import csv
import gzip
import re
import threading
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, NamedTuple

import orjson

from ipnav.errors import IpnavError
from ipnav.model.classification import ClassSymbol, Level, parse_symbol


class SchemeDataError(IpnavError):
    """The classification-scheme files are missing or cannot be read."""


class UnknownLanguage(IpnavError, ValueError):
    """Titles were asked for in a language the scheme does not have."""


class Fallback(StrEnum):
    """Why a :class:`Title` is not simply the requested code in the requested language."""

    LANGUAGE = "language"  # shown in the other language
    ANCESTOR = "ancestor"  # the code has no title; a broader code's title is shown
    MISSING = "missing"  # no title at all (only in :meth:`ClassificationScheme.path`)


@dataclass(frozen=True)
class Title:
    """A title, the language it is in, and the compact code it belongs to."""

    text: str
    lang: str
    code: str
    fallback: tuple[Fallback, ...] = ()
    note: str | None = None
    source: Literal["ipc", "cpc"] = "ipc"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lang": self.lang,
            "code": self.code,
            "fallback": [f.value for f in self.fallback],
            "note": self.note,
            "source": self.source,
        }


@dataclass(frozen=True)
class TechnologyField:
    """One of WIPO's 35 technology fields and its sector (of 5)."""

    number: int
    name_en: str
    name_zh: str
    sector_en: str
    sector_zh: str


class RejectedEntry(NamedTuple):
    """A line of a title file that was left out, and why."""

    file: str
    code: str
    title: str
    reason: str


# Chinese names of WIPO's technology fields and sectors (Schmoch 2008 concordance). WIPO
# publishes no Chinese list with the concordance; these are our translations, following the
# wording commonly used in Chinese editions of WIPO statistics and in CNIPA reports.
FIELD_NAMES_ZH: dict[int, str] = {
    1: "电气机械、设备和能源",
    2: "音像技术",
    3: "电信",
    4: "数字通信",
    5: "基本通信处理",
    6: "计算机技术",
    7: "管理用信息技术方法",
    8: "半导体",
    9: "光学",
    10: "测量",
    11: "生物材料分析",
    12: "控制",
    13: "医疗技术",
    14: "有机精细化学",
    15: "生物技术",
    16: "药品",
    17: "高分子化学、聚合物",
    18: "食品化学",
    19: "基础材料化学",
    20: "材料、冶金",
    21: "表面技术、涂层",
    22: "微观结构和纳米技术",
    23: "化学工程",
    24: "环境技术",
    25: "装卸",
    26: "机床",
    27: "发动机、泵、涡轮机",
    28: "纺织和造纸机械",
    29: "其他专用机械",
    30: "热工过程和器具",
    31: "机械元件",
    32: "运输",
    33: "家具、游戏",
    34: "其他消费品",
    35: "土木工程",
}
SECTOR_NAMES_ZH: dict[str, str] = {
    "Electrical engineering": "电气工程",
    "Instruments": "仪器",
    "Chemistry": "化学",
    "Mechanical engineering": "机械工程",
    "Other fields": "其他领域",
}

LANGUAGES = ("zh", "en")
_LANGUAGE_NAMES = {"zh": "Chinese", "en": "English"}
_FOLDER = "classification_schemes"
_FILES = {
    "en": "ipc_titles_en.jsonl.gz",
    "zh": "ipc_titles_zh.jsonl.gz",
    "cpc": "cpc_class_titles_partial.jsonl.gz",
    "fields": "wipo_ipc_technology_concordance.csv",
}
# Canonical standard notation as the title files write it; anything else is rejected.
_STANDARD = re.compile(
    r"[A-H](?:[0-9]{2}(?:[A-Z](?: [1-9][0-9]{0,3}/(?:[0-9]{2}|[0-9]{3,6}(?<!0)))?)?)?"
)
_WORD = re.compile(r"[^\W\d_]")  # a letter of any script
_LIKE = re.compile(r"([A-H][0-9]{2}[A-Z])(?: *([0-9]{1,4})/)?%")  # "G06F%", "G01N  33/%"


class ClassificationScheme:
    """Titles and technology fields for IPC/CPC symbols; build it with :func:`load_scheme`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._rejected: dict[str, list[RejectedEntry]] = {}  # by file

    def __repr__(self) -> str:
        return f"ClassificationScheme({str(self.folder)!r})"

    # -- titles ---------------------------------------------------------------------------

    def title(
        self,
        symbol: str | ClassSymbol,
        lang: str = "zh",
        *,
        scheme: Literal["ipc", "cpc"] = "ipc",
    ) -> Title | None:
        """Title of ``symbol`` in ``lang``, or of its nearest broader code that has one.

        A code with a title in the other language only is shown in that language (an exact
        title beats a broader one). ``scheme="cpc"`` takes English class titles from the
        CPC list where it has them. None when no code up to the section has a title (the
        CPC's Y section).
        """
        sym = _as_group(_symbol(symbol))
        _check_lang(lang)
        for broader in reversed(sym.ancestors()):
            found = self._exact(broader, lang, scheme)
            if found is None:
                continue
            if broader == sym:
                return found
            note = f"no title for {sym.standard}; showing the broader {broader.standard}"
            return replace(
                found,
                fallback=(Fallback.ANCESTOR, *found.fallback),
                note="; ".join(filter(None, [note, found.note])),
            )
        return None

    def path(
        self,
        symbol: str | ClassSymbol,
        lang: str = "zh",
        *,
        scheme: Literal["ipc", "cpc"] = "ipc",
    ) -> list[Title]:
        """One title per level, section first, for breadcrumbs.

        Each entry is the title of exactly that code (in the other language where needed);
        a code without any title gets ``text=""`` and ``Fallback.MISSING``.
        """
        _check_lang(lang)
        out = []
        for code in _as_group(_symbol(symbol)).ancestors():
            found = self._exact(code, lang, scheme)
            if found is None:
                note = f"no title for {code.standard}"
                found = Title("", lang, code.compact, (Fallback.MISSING,), note)
            out.append(found)
        return out

    def _exact(self, sym: ClassSymbol, lang: str, scheme: str) -> Title | None:
        code = sym.compact
        if scheme == "cpc" and lang == "en" and sym.level is Level.CLASS:
            text = self._cpc_classes.get(code)
            if text:
                return Title(text, "en", code, source="cpc")
        if text := self._titles(lang).get(code):
            return Title(text, lang, code)
        other = "en" if lang == "zh" else "zh"
        if text := self._titles(other).get(code):
            note = (
                f"no {_LANGUAGE_NAMES[lang]} title for {sym.standard}; "
                f"{_LANGUAGE_NAMES[other]} shown"
            )
            return Title(text, other, code, (Fallback.LANGUAGE,), note)
        return None

    def _titles(self, lang: str) -> dict[str, str]:
        return self._zh if lang == "zh" else self._en

    @cached_property
    def _en(self) -> dict[str, str]:
        # IPC guidance headings share the code of the main group that follows them and come
        # first in the file ("A01B 3/00 Ploughs", then "A01B 3/00 Ploughs with fixed
        # plough-shares"): the later line, the group's own title, wins.
        return self._read_titles("en")

    @cached_property
    def _zh(self) -> dict[str, str]:
        return self._read_titles("zh")

    @cached_property
    def _cpc_classes(self) -> dict[str, str]:
        return self._read_titles("cpc")

    def _read_titles(self, key: str) -> dict[str, str]:
        name = _FILES[key]
        titles: dict[str, str] = {}
        rejected: list[RejectedEntry] = []
        lines = gzip.decompress((self.folder / name).read_bytes()).splitlines()
        for number, line in enumerate(lines, 1):
            try:
                row = orjson.loads(line)
                code, text = row["code"], row["title"].strip()
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise SchemeDataError(
                    f"{self.folder / name} line {number} is not a title record "
                    f'({{"code": ..., "title": ...}}): {exc}'
                ) from exc
            if not isinstance(code, str) or not _STANDARD.fullmatch(code):
                reason = "code is not in canonical standard notation"
            elif not _WORD.search(text):
                reason = "title has no words (dot-level marks or digits left by PDF parsing)"
            else:
                titles[code.replace(" ", "")] = text
                continue
            rejected.append(RejectedEntry(name, str(code), text, reason))
        self._rejected[name] = rejected
        return titles

    @property
    def rejected(self) -> list[RejectedEntry]:
        """Title-file lines left out (PDF-parsing debris in the Chinese list), after loading."""
        _ = (self._en, self._zh, self._cpc_classes)  # read all three files first
        return [entry for entries in self._rejected.values() for entry in entries]

    # -- technology fields ----------------------------------------------------------------

    def technology_field(self, symbol: str | ClassSymbol) -> TechnologyField | None:
        """WIPO technology field of ``symbol`` by the most specific concordance pattern.

        A main-group pattern (``G01N  33/%``) wins over a subclass pattern (``G01N%``). None
        for sections and classes, for the CPC's Y section, and where no pattern covers the
        symbol (e.g. CPC 2000-series groups in a subclass the concordance splits by group).
        """
        sym = _symbol(symbol)
        subclass = sym.subclass_code
        if subclass is None:
            return None
        _, by_group, by_subclass = self._concordance
        number = None
        if sym.main_group is not None:
            number = by_group.get(f"{subclass}{sym.main_group}")
        if number is None:
            number = by_subclass.get(subclass)
        return None if number is None else self._fields[number]

    def technology_fields(self) -> list[TechnologyField]:
        """All 35 fields, by number (for chart legends)."""
        return [self._fields[n] for n in sorted(self._fields)]

    @property
    def _fields(self) -> dict[int, TechnologyField]:
        return self._concordance[0]

    @cached_property
    def _concordance(self) -> tuple[dict[int, TechnologyField], dict[str, int], dict[str, int]]:
        """Fields by number, then field numbers by main group (``G01N33``) and by subclass."""
        path = self.folder / _FILES["fields"]
        fields: dict[int, TechnologyField] = {}
        by_group: dict[str, int] = {}
        by_subclass: dict[str, int] = {}
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row_number, row in enumerate(csv.DictReader(handle), 2):
                try:
                    number = int(row["Field_number"])
                    pattern = _LIKE.fullmatch(row["IPC_code"].strip())
                    sector, name = row["Sector_en"].strip(), row["Field_en"].strip()
                    field = TechnologyField(
                        number, name, FIELD_NAMES_ZH[number], sector, SECTOR_NAMES_ZH[sector]
                    )
                except (KeyError, ValueError, TypeError, AttributeError) as exc:
                    raise SchemeDataError(
                        f"{path} row {row_number} is not a concordance row "
                        f"(Field_number, Sector_en, Field_en, IPC_code): {exc!r}"
                    ) from exc
                if pattern is None:
                    raise SchemeDataError(
                        f"{path} row {row_number}: IPC_code {row['IPC_code']!r} is not a "
                        "subclass or main-group LIKE pattern such as 'G06F%' or 'G01N  33/%'"
                    )
                fields.setdefault(number, field)
                subclass, main = pattern.groups()
                if main is None:
                    by_subclass[subclass] = number
                else:
                    by_group[f"{subclass}{int(main)}"] = number
        return fields, by_group, by_subclass

    # -- everything at once ---------------------------------------------------------------

    def describe(self, symbol: str | ClassSymbol, lang: str = "zh") -> dict[str, Any]:
        """JSON-ready summary of a symbol, printed by ``ipnav class SYMBOL``."""
        sym = _symbol(symbol)
        title = self.title(sym, lang)
        levels = zip(_as_group(sym).ancestors(), self.path(sym, lang), strict=True)
        path = [
            {"standard": code.standard, "level": code.level.value, **crumb.to_dict()}
            for code, crumb in levels
        ]
        field = self.technology_field(sym)
        return {
            "compact": sym.compact,
            "standard": sym.standard,
            "raw14": sym.raw14,
            "level": sym.level.value,
            "is_prefix": sym.is_prefix,
            "title": None if title is None else title.to_dict(),
            "path": path,
            "technology_field": None if field is None else asdict(field),
        }


_CACHE: dict[Path, ClassificationScheme] = {}
_LOCK = threading.Lock()


def load_scheme(data_dir: Path) -> ClassificationScheme:
    """The scheme for the sample-data folder ``data_dir`` (``settings.sample_data``).

    Checks that the four files exist and returns a cached scheme; the files themselves are
    read on first use of each table.

    Raises
    ------
    SchemeDataError
        When the folder or one of its files is missing; the message names the path and the
        IPNAV_SAMPLE_DATA setting.
    """
    folder = (Path(data_dir) / _FOLDER).resolve()
    with _LOCK:
        if folder in _CACHE:
            return _CACHE[folder]
        for name in _FILES.values():
            if not (folder / name).is_file():
                raise SchemeDataError(
                    f"classification scheme file {folder / name} not found; set IPNAV_SAMPLE_DATA "
                    f"(now {data_dir}) to the shared data folder that holds {_FOLDER}/"
                )
        scheme = _CACHE[folder] = ClassificationScheme(folder)
        return scheme


def _symbol(symbol: str | ClassSymbol) -> ClassSymbol:
    return symbol if isinstance(symbol, ClassSymbol) else parse_symbol(symbol)


def _as_group(sym: ClassSymbol) -> ClassSymbol:
    """A main-group prefix (``G06F9``) stands for its main group ``G06F9/00``."""
    if sym.main_group is not None and sym.subgroup is None:
        return replace(sym, subgroup="00")
    return sym


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise UnknownLanguage(f"no titles in language {lang!r}; use one of {', '.join(LANGUAGES)}")
