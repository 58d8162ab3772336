"""Column mappings: which column of a table export holds which canonical field.

A mapping is a small TOML file (the built-in presets live in
``ipnav/ingest/mappings/``; ``ipnav ingest --mapping FILE`` gives a custom
one)::

    name = "my-export"
    language = "auto"            # or "zh", "en": language of title/abstract/claims
    default_country = "CN"       # for numbers written without a country code
    header_row = "auto"          # or the 1-based row holding the headers
    separators = [";", "；"]     # between the values of a multi-valued cell
    required = [["publication_number", "id"], ["title", "abstract"]]
    date_formats = ["%d.%m.%Y"]  # strptime formats besides the built-in ones
    sheet = "专利列表"           # XLSX: the sheet to read (default: the first)
    signature = ["合享价值度"]   # headers typical of this source: they add to its score
                                 # when no --mapping is given and a preset is chosen

    [columns]                    # field = candidate headers, the first found wins
    publication_number = ["公开（公告）号", "公开号"]
    title = ["标题"]
    "title.en" = ["英文标题"]    # a text field with a fixed language

    [field_separators]           # per-field override of `separators`; [] = never split.
    inventors = [","]            # Applicants and agents are split by
                                 # ipnav.model.applicants.split_applicants unless set here.

    [legal_status]               # extra status texts -> LegalStatus values
    "专利权维持" = "granted"

Presets also carry ``order`` (which preset wins a tie). Headers are
compared after NFKC normalisation, case folding and removing
white space, so ``公开（公告）号`` matches ``公开(公告)号`` and ``Pub Date``
matches ``pub date``. Columns no field claims are kept in the record's
``extra`` (nothing the user exported is lost).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ipnav.ingest.base import IngestError
from ipnav.model.dates import plausible
from ipnav.model.legal import status_from_text
from ipnav.model.record import LegalStatus


class MappingError(IngestError):
    """A column-mapping file that cannot be used; the message names the key."""


FIELDS: dict[str, str] = {
    "publication_number": "the publication number (公开号), e.g. CN108022189A",
    "id": "the source's own record id, used where there is no publication number",
    "application_number": "application number (申请号)",
    "country": "country / office of the publication (受理局), used to complete numbers",
    "kind": "kind code (A, B, U, A1 ...), used where the number lacks one",
    "title": "title (标题)",
    "abstract": "abstract (摘要)",
    "claims": "full claims text (权利要求)",
    "first_claim": "first / main claim (主权项); used only without full claims",
    "description": "description (说明书)",
    "claims_count": "number of claims",
    "applicants": "applicants / assignees (申请人), multi-valued",
    "inventors": "inventors (发明人), multi-valued",
    "agents": "agency or agents (代理机构), multi-valued",
    "ipc": "IPC symbols, multi-valued",
    "cpc": "CPC symbols, multi-valued",
    "filing_date": "application (filing) date (申请日)",
    "publication_date": "publication date (公开日)",
    "grant_date": "grant date (授权日)",
    "priority_numbers": "priority application numbers, multi-valued",
    "priority_dates": "priority dates, multi-valued, paired with priority_numbers",
    "family_id": "family id",
    "family": "family member publication numbers, multi-valued",
    "cited_patents": "cited (backward) publication numbers, multi-valued",
    "cited_by": "citing (forward) publication numbers, multi-valued",
    "npl_citations": "non-patent literature citations, multi-valued",
    "legal_status": "legal status text (法律状态), e.g. 有效, 失效, Active",
}
TEXT_FIELDS = frozenset({"title", "abstract", "claims", "first_claim", "description"})
DEFAULT_REQUIRED: tuple[tuple[str, ...], ...] = (
    ("publication_number", "id"),
    ("title", "abstract"),
)
DEFAULT_SEPARATORS = (";", "；")


def normalize_header(text: str) -> str:
    """Comparison key of a header: NFKC, case-folded, without spaces, BOM or underscores."""
    text = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    return re.sub(r"[\s_]+", "", text).casefold()


@dataclass(frozen=True)
class Target:
    """One field a column feeds; ``lang`` is set for a text column of fixed language."""

    field: str
    lang: str | None = None

    def __str__(self) -> str:
        return f"{self.field}.{self.lang}" if self.lang else self.field


@dataclass(frozen=True)
class Column:
    """A file column resolved to a target."""

    target: Target
    index: int
    header: str


@dataclass(frozen=True)
class Resolution:
    """How a mapping fits one header row."""

    mapping: Mapping
    headers: tuple[str, ...]
    columns: tuple[Column, ...]
    unmapped: tuple[tuple[int, str], ...]
    missing: tuple[tuple[str, ...], ...]
    score: int

    @property
    def ok(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file or preset; see the module docstring for its keys."""

    name: str
    columns: tuple[tuple[Target, tuple[str, ...]], ...]
    description: str = ""
    language: str = "auto"
    default_country: str | None = None
    header_row: int | None = None
    sheet: str | None = None
    separators: tuple[str, ...] = DEFAULT_SEPARATORS
    field_separators: MappingABC[str, tuple[str, ...]] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    required: tuple[tuple[str, ...], ...] = DEFAULT_REQUIRED
    signature: tuple[str, ...] = ()
    legal_status: MappingABC[str, LegalStatus] = field(default_factory=dict)
    source: str = ""

    def separators_for(self, field_name: str) -> tuple[str, ...]:
        return self.field_separators.get(field_name, self.separators)

    def candidates(self, field_name: str) -> list[str]:
        """Every header this mapping would accept for ``field_name`` (any language)."""
        return [h for target, heads in self.columns if target.field == field_name for h in heads]

    def resolve(self, headers: Sequence[Any]) -> Resolution:
        """Match a header row: each target takes its first candidate present, once."""
        texts = tuple("" if h is None else str(h).strip().lstrip("\ufeff") for h in headers)
        position: dict[str, int] = {}
        for i, text in enumerate(texts):
            position.setdefault(normalize_header(text), i)
        position.pop("", None)
        claimed: dict[int, Column] = {}
        for target, heads in self.columns:
            for head in heads:
                i = position.get(normalize_header(head))
                if i is not None and i not in claimed:
                    claimed[i] = Column(target, i, texts[i])
                    break
        found = {col.target.field for col in claimed.values()}
        missing = tuple(group for group in self.required if not found.intersection(group))
        signs = sum(1 for head in self.signature if normalize_header(head) in position)
        unmapped = tuple((i, t) for i, t in enumerate(texts) if i not in claimed)
        columns = tuple(sorted(claimed.values(), key=lambda c: c.index))
        return Resolution(self, texts, columns, unmapped, missing, len(claimed) + signs)


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise MappingError(f"`{key}` must be a string or a list of non-empty strings")
    return tuple(value)


def _targets(columns: Any, source: str) -> tuple[tuple[Target, tuple[str, ...]], ...]:
    if not isinstance(columns, dict) or not columns:
        raise MappingError(f"{source}: a mapping needs a [columns] table: field = [headers]")
    out: list[tuple[Target, tuple[str, ...]]] = []
    for key, value in columns.items():
        name, _, lang = key.partition(".")
        items = value.items() if isinstance(value, dict) else [(lang or None, value)]
        for item_lang, heads in items:
            if name not in FIELDS:
                known = ", ".join(FIELDS)
                raise MappingError(f"{source}: unknown field `{key}` in [columns]; known: {known}")
            if item_lang and name not in TEXT_FIELDS:
                raise MappingError(f"{source}: `{key}`: only text fields take a language")
            lang_code = None if item_lang in (None, "auto") else item_lang
            out.append((Target(name, lang_code), _strings(heads, f"columns.{key}")))
    return tuple(out)


def _statuses(table: Any, source: str) -> dict[str, LegalStatus]:
    if not isinstance(table, dict):
        raise MappingError(f"{source}: [legal_status] must map texts to statuses")
    out = {}
    for text, value in table.items():
        try:
            out[status_key(text)] = LegalStatus(value)
        except ValueError as exc:
            allowed = ", ".join(s.value for s in LegalStatus)
            raise MappingError(
                f"{source}: legal_status '{text}' = '{value}': use one of {allowed}"
            ) from exc
    return out


def mapping_from_dict(data: dict[str, Any], *, source: str = "<mapping>") -> Mapping:
    """Build and check a :class:`Mapping` from parsed TOML."""
    known = {
        "name", "description", "language", "default_country", "header_row", "sheet",
        "separators", "field_separators", "date_formats", "required", "signature",
        "columns", "legal_status", "order",
    }  # fmt: skip
    unknown = sorted(set(data) - known)
    if unknown:
        raise MappingError(f"{source}: unknown key(s) {', '.join(unknown)}; known: {sorted(known)}")
    header_row = data.get("header_row", "auto")
    if header_row != "auto" and not (isinstance(header_row, int) and header_row >= 1):
        raise MappingError(f'{source}: header_row must be "auto" or a row number from 1')
    required = tuple(_strings(g, "required") for g in data.get("required", DEFAULT_REQUIRED))
    for group in required:
        for name in group:
            if name not in FIELDS:
                raise MappingError(f"{source}: unknown field `{name}` in required")
    seps = data.get("field_separators", {})
    country = data.get("default_country")
    return Mapping(
        name=str(data.get("name") or Path(source).stem),
        description=str(data.get("description", "")),
        columns=_targets(data.get("columns"), source),
        language=str(data.get("language", "auto")),
        default_country=country.upper() if isinstance(country, str) and country else None,
        header_row=None if header_row == "auto" else header_row,
        sheet=data.get("sheet"),
        separators=_strings(data.get("separators", list(DEFAULT_SEPARATORS)), "separators"),
        field_separators={k: _strings(v, f"field_separators.{k}") for k, v in seps.items()},
        date_formats=tuple(data.get("date_formats", ())),
        required=required,
        signature=tuple(data.get("signature", ())),
        legal_status=_statuses(data.get("legal_status", {}), source),
        source=source,
    )


def load_mapping(path: Path | str) -> Mapping:
    """Read a mapping TOML file; :class:`MappingError` says what is wrong in it."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping file ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not a valid UTF-8 TOML mapping file ({exc})") from exc
    return mapping_from_dict(data, source=str(path))


@cache
def presets() -> tuple[Mapping, ...]:
    """The built-in presets, in the order auto-selection prefers them on a tie."""
    folder = resources.files("ipnav.ingest") / "mappings"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            found.append((data.get("order", 100), mapping_from_dict(data, source=entry.name)))
    return tuple(m for _, m in sorted(found, key=lambda pair: (pair[0], pair[1].name)))


def get_mapping(spec: Mapping | Path | str) -> Mapping:
    """A mapping from a :class:`Mapping`, a preset name or a TOML file path."""
    if isinstance(spec, Mapping):
        return spec
    by_name = {m.name: m for m in presets()}
    path = Path(spec)
    if str(spec) in by_name and not path.is_file():
        return by_name[str(spec)]
    if path.suffix.lower() != ".toml" and not path.exists():
        raise MappingError(f"no mapping preset or file '{spec}'; presets: {', '.join(by_name)}")
    return load_mapping(path)


# --- cell values -------------------------------------------------------------------

_EMPTY = frozenset({"", "-", "--", "—", "n/a", "N/A", "null", "NULL"})
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_HINT = "dates must be YYYY-MM-DD or YYYYMMDD (also YYYY/MM/DD, YYYY.MM.DD, YYYY年MM月DD日)"


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates ISO, empty markers ('-') ''."""
    if value.__class__ is str:  # the common case first: every CSV cell
        text = value.strip()
        return "" if text in _EMPTY else text
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    return "" if text in _EMPTY else text


def cell_value(value: Any) -> Any:
    """A cell as kept in ``extra``: JSON-friendly; numbers stay numbers, dates become ISO text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    return cell_text(value)


def cell_date(value: Any, formats: Iterable[str] = ()) -> dt.date:
    """A date from a cell: an Excel date, a YYYYMMDD or Excel serial number, or text.

    Text may be YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD, YYYY.MM.DD or YYYY年MM月DD日
    (a time of day after it is ignored), else one of the strptime ``formats``.
    Raises ValueError for anything else, and for impossible dates (2023-13-01).
    """
    return plausible(_cell_date(value, formats))


def _cell_date(value: Any, formats: Iterable[str]) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 19000101 <= value <= 29991231:
            value = str(int(value))
        elif 61 <= value < 2958466:  # Excel serial day number in a cell without date format
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = _TIME.sub("", cell_text(value))
    match = _YMD.fullmatch(text) or _COMPACT.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def status_key(text: str) -> str:
    """Lookup key of a legal-status text: NFKC, case-folded, spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def legal_status(
    text: str, table: MappingABC[str, LegalStatus] | None = None
) -> LegalStatus | None:
    """The status a legal-status cell states, or None when nothing says which.

    The mapping's own ``[legal_status]`` table (the exporter's vocabulary,
    e.g. incoPat's 避免重复授权 = abandoned) is looked up first, a compound
    PatSnap text such as ``撤回-视为撤回`` also by its first part; then the
    shared table of :func:`ipnav.model.legal.status_from_text`.
    """
    key = status_key(text)
    table = table or {}
    head = re.split(r"[-－/]", key, maxsplit=1)[0]
    found = table.get(key) or table.get(head)
    return found or status_from_text(text)
