"""USPTO grants of 1976-2001 in APS "Greenbook" text.

A file is a series of patents, each starting with a ``PATN`` line (a weekly file
may open with an ``HHHHHT`` header). A line is a 4-character section header
(``INVT``, ``CLAS``, ``UREF``, ``CLMS`` ...) or a field: a 3-4 character code
in columns 1-4 and its value from column 6, continued on lines that start with
spaces. Read line by line, one patent in memory at a time.

Mapping choices, beside those of :mod:`ipnav.ingest.uspto_xml`:

* ``WKU`` holds the patent number and a check digit (``039327094`` ->
  ``US3932709``); APS states no kind code, so the id has none.
* ``APN`` is the serial number and a check digit, ``SRC`` the series code:
  ``SRC 5``/``APN 4491556`` -> ``US05449155`` (the raw APN stays in ``extra``).
* Country codes are the APS ones (``JPX``): the trailing ``X`` is dropped.
* ``UREF``/``FREF`` are the references cited (APS does not say by whom, so
  ``category`` stays empty), ``OREF`` the non-patent ones.
* ``RLAP`` parents coded 71 (continuation), 72 (continuation-in-part) and 73
  (division) are priority claims; the ``PCTA`` publication (``PCP``) of a
  national-stage patent is the same application, hence ``family``.
* Claim dependencies come from the claim text (``of claim 1``), APS having no markup.
* A last line without its line end means a cut-off file (:class:`InputFileError`).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from ipnav.ingest.base import (
    InputFileError,
    Item,
    Location,
    Parsed,
    RecordError,
    Rejected,
    describe_error,
    excerpt,
)
from ipnav.ingest.files import ZIP_MAGIC, looks_binary, open_input
from ipnav.ingest.uspto_fields import citation as make_citation
from ipnav.ingest.uspto_fields import (
    dedupe,
    grant_event,
    merge_parties,
    normalise_symbols,
    parse_date,
    priority,
)
from ipnav.ingest.uspto_fields import uspc_symbol as fixed_width_uspc
from ipnav.ingest.uspto_text import text_refs as claim_refs
from ipnav.model.applicants import make_party
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import Claim, PatentRecord, Person, SourceRef

_FIELD = re.compile(r"([A-Z][A-Z0-9]{2,3}) ?(.*)")
_SECTION = re.compile(r"[A-Z][A-Z0-9]{3}")
_CLAIM_PREFIX = re.compile(r"0*(\d+)\s*\.\s*")
_RELATIONS = {"71": "continuation", "72": "continuation-in-part", "73": "division"}
_TEXT_SECTIONS = ("PARN", "BSUM", "DRWD", "DETD")
_PARAGRAPHS = ("PAC", "PAR", "PA0", "PA1", "PA2", "PA3", "PA4", "PA5", "PAL", "TBL", "EQU")


@dataclass
class _Patent:
    line: int
    sections: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    def fields(self, section: str) -> Iterator[list[tuple[str, str]]]:
        return (fields for name, fields in self.sections if name == section)

    def first(self, section: str, code: str) -> str | None:
        for fields in self.fields(section):
            for name, value in fields:
                if name == code and value:
                    return value
        return None


class UsptoApsReader:
    """USPTO APS Greenbook text, grants 1976-2001."""

    format: ClassVar[str] = "uspto-aps"

    def read(self, path: Path, *, dataset: str) -> Iterator[Item]:
        index = 0
        for patent in _patents(path):
            index += 1
            location = Location(line=patent.line, record=index)
            try:
                record = map_patent(patent, dataset=dataset)
            except (RecordError, ValidationError) as exc:
                head = " ".join(f"{n} {v}" for _, fs in patent.sections[:1] for n, v in fs[:4])
                yield Rejected(describe_error(exc), location, None, excerpt(head))
                continue
            yield Parsed(record, record.id, location)


def _patents(path: Path) -> Iterator[_Patent]:
    with open_input(path) as raw:
        head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
        if head.startswith(ZIP_MAGIC):
            raise InputFileError(f"{path}: is a ZIP archive; unzip it and ingest the file inside")
        if looks_binary(head):
            raise InputFileError(f"{path}: holds binary data (NUL bytes), not APS text")
        text = io.TextIOWrapper(raw, encoding="latin-1", newline=None)  # APS is 7-bit ASCII
        patent: _Patent | None = None
        fields: list[tuple[str, str]] = []
        last = ""
        number = 0
        try:
            for number, last in enumerate(text, 1):
                line = last.rstrip("\n")
                if line.startswith("HHHHHT"):  # the weekly file's header
                    continue
                if not line.strip():
                    if fields and fields[-1][0] == "TBL":  # table rows keep their blank lines
                        fields[-1] = (fields[-1][0], fields[-1][1] + "\n")
                    continue
                if line[0] == " ":  # continuation of the field above
                    if fields:
                        name, value = fields[-1]
                        sep = "\n" if name == "TBL" else " "
                        fields[-1] = (name, value + sep + line.strip())
                    continue
                if _SECTION.fullmatch(line.rstrip()):
                    name = line.rstrip()
                    if name == "PATN":
                        if patent is not None:
                            yield patent
                        patent = _Patent(number)
                    elif patent is None:
                        raise InputFileError(
                            f"{path}: line {number}: {name!r} before the first PATN line; "
                            "expected APS Greenbook text (--format uspto-aps)"
                        )
                    fields = []
                    if patent is not None:
                        patent.sections.append((name, fields))
                    continue
                match = _FIELD.match(line)
                if patent is None or match is None:
                    if number == 1 or patent is None:
                        raise InputFileError(
                            f"{path}: line {number}: not APS Greenbook text (starts with "
                            f"{line[:20]!r}); for USPTO XML use --format uspto-xml"
                        )
                    raise InputFileError(f"{path}: line {number}: not an APS field: {line[:40]!r}")
                fields.append((match[1], match[2].strip()))
        except (EOFError, OSError) as exc:
            raise InputFileError(
                f"{path}: the compressed data ends early or is corrupt after line {number} "
                f"({exc}); re-download the file"
            ) from exc
        if patent is None:
            raise InputFileError(f"{path}: the file is empty; expected APS Greenbook text")
        if not last.endswith("\n"):
            raise InputFileError(
                f"{path}: patent starting at line {patent.line} is cut off at line {number} "
                "(no line end); the file is truncated, re-download it"
            )
        yield patent


def _country(code: str | None) -> str | None:
    """APS country (``JPX``, ``DEX``) to ST.3 (``JP``, ``DE``)."""
    if not code:
        return None
    code = code.strip().upper()
    return code[:2] if len(code) == 3 and code.endswith("X") else code if len(code) == 2 else None


def _name(text: str) -> str:
    """``Last; First`` to ``First Last``."""
    last, _, first = text.partition(";")
    return f"{first.strip()} {last.strip()}".strip()


def uspc(text: str) -> str | None:
    """APS ``OCL``/``XCL``: fixed width, but with explicit decimals and letter suffixes.

    ``"224 4207"`` -> ``US:224/42.07``, ``"340172.5"`` -> ``US:340/172.5``,
    ``"179 90K"`` -> ``US:179/90K``, ``"235 92PL"`` -> ``US:235/92PL``.
    """
    raw = text.rstrip()
    m = re.fullmatch(r"\.?(\d*)\s*([A-Z]*)", raw[6:].strip())
    plain = fixed_width_uspc(raw[:6] + (m[1] if m else raw[6:]))
    return f"{plain}{m[2]}" if plain and m else plain


def map_patent(patent: _Patent, *, dataset: str) -> PatentRecord:
    """Map one APS patent; :class:`RecordError` when it has no patent number."""
    wku = patent.first("PATN", "WKU")
    if not wku:
        raise RecordError("no patent number (PATN has no WKU)")
    try:
        pub = parse_publication_number(f"US{wku[:8]}", default_country="US")
    except NumberError as exc:
        raise RecordError(f"patent number {wku!r}: {exc}") from exc
    grant_date = parse_date(patent.first("PATN", "ISD"))
    extra: dict[str, Any] = {}
    apn, series = patent.first("PATN", "APN"), patent.first("PATN", "SRC")
    application_number = None
    if apn:
        extra["application_number"] = apn
        if series and series.isdigit() and len(apn) == 7 and apn.isdigit():
            app = f"{int(series):02d}{apn[:6]}"
            with contextlib.suppress(NumberError):
                application_number = parse_application_number(app, default_country="US").normalized
    if apt := patent.first("PATN", "APT"):
        extra["application_type"] = apt

    priorities = [
        priority(_country(p.get("CNT")), p["APN"], parse_date(p.get("APD")))
        for p in map(dict, patent.fields("PRIR"))
        if p.get("APN")
    ]
    relations = []
    for rel in map(dict, patent.fields("RLAP")):
        if not rel.get("APN"):
            continue
        relations.append({"relation": rel.get("COD", ""), "parent": rel["APN"]})
        if rel.get("COD") in _RELATIONS:
            priorities.append(priority("US", rel["APN"], parse_date(rel.get("APD"))))
    family = []
    for pct in map(dict, patent.fields("PCTA")):
        extra["pct_application"] = pct.get("PCN")
        with contextlib.suppress(NumberError):
            family.append(parse_publication_number(pct.get("PCP", "")).id)
    if relations:
        extra["related"] = relations

    classes = [pair for fields in patent.fields("CLAS") for pair in fields]
    ipc, unparsed = normalise_symbols(value for name, value in classes if name == "ICL")
    if unparsed:
        extra["unparsed_classifications"] = unparsed
    national = [uspc(value) for name, value in classes if name in ("OCL", "XCL")]

    cited = []
    for section, country in (("UREF", "US"), ("FREF", None)):
        for ref in map(dict, patent.fields(section)):
            if pno := ref.get("PNO"):
                ids = {"country": _country(ref.get("CNT")) or country or "", "doc-number": pno}
                ids.update({"date": ref.get("ISD", ""), "name": ref.get("NAM", "")})
                cited.append(make_citation({k: v for k, v in ids.items() if v}, None))
    npl = [v for fields in patent.fields("OREF") for n, v in fields if n == "PAL" and v]

    def parties(section: str) -> list:
        found = []
        for party in map(dict, patent.fields(section)):
            if name := party.get("NAM"):
                country = _country(party.get("CNT"))
                found.append(make_party(_name(name), country=country, city=party.get("CTY")))
        return found

    agents = [
        make_party(_name(value))
        for fields in patent.fields("LREP")
        for name, value in fields
        if name in ("FRM", "FR2", "ATT", "AGT", "AAT") and value
    ]
    examiners = [patent.first("PATN", code) for code in ("EXP", "EXA")]
    claims = _claims(patent)
    count = patent.first("PATN", "NCL")
    title = patent.first("PATN", "TTL")
    abstract = _paragraphs(patent, ("ABST",))
    description = _paragraphs(patent, _TEXT_SECTIONS)
    event = grant_event(grant_date)
    return PatentRecord(
        id=pub.id,
        country=pub.country,
        number=pub.number,
        kind=pub.kind,
        application_number=application_number,
        priority_claims=priorities,
        filing_date=parse_date(patent.first("PATN", "APD")),
        publication_date=grant_date,
        grant_date=grant_date,
        title={"en": title} if title else {},
        abstract={"en": abstract} if abstract else {},
        claims={"en": claims} if claims else {},
        description={"en": description} if description else {},
        claims_count=int(count) if count and count.isdigit() else len(claims) or None,
        ipc=ipc,
        national_classes=dedupe(national),
        applicants=merge_parties(parties("ASSG"), []),
        inventors=[Person(name=p.name, country=p.country) for p in parties("INVT")],
        agents=agents,
        examiners=[Person(name=_name(name)) for name in examiners if name],
        family=dedupe(family),
        cited_patents=cited,
        npl_citations=npl,
        legal_events=[event],
        sources=[SourceRef(dataset=dataset, source_id=wku)],
        extra={dataset: extra} if extra else {},
    )


def _text(name: str, value: str) -> str:
    if name != "TBL":
        return value
    rows = (row.strip() for row in value.split("\n"))
    return "\n".join(row for row in rows if row and set(row) != {"_"})


def _paragraphs(patent: _Patent, sections: tuple[str, ...]) -> str:
    paragraphs = [
        _text(name, value)
        for section, fields in patent.sections
        if section in sections
        for name, value in fields
        if name in _PARAGRAPHS and value
    ]
    return "\n\n".join(p for p in paragraphs if p)


def _claims(patent: _Patent) -> list[Claim]:
    texts: list[list[str]] = []
    numbers: list[int | None] = []
    for section, fields in patent.sections:
        if section not in ("CLMS", "DCLM"):
            continue
        for name, value in fields:
            if name == "NUM" or (section == "DCLM" and name == "PAR" and not texts):
                digits = re.sub(r"\D", "", value) if name == "NUM" else "1"
                numbers.append(int(digits) if digits else None)
                texts.append([])
            if name in _PARAGRAPHS and name != "PAC" and texts:
                texts[-1].append(value)
    claims = []
    for number, parts in zip(numbers, texts, strict=True):
        text = " ".join(" ".join(parts).split())
        if (m := _CLAIM_PREFIX.match(text)) and int(m[1]) == number:
            text = text[m.end() :]
        if text:
            claims.append(Claim(number=number, text=text, depends_on=claim_refs(text, number)))
    return claims
