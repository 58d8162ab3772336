"""USPTO grants of 2001 in the WIPO ST.32 (SGML-derived) XML, root ``PATDOC``.

Elements are named by ST.32 INID-style codes (``B110`` number, ``B220`` filing
date, ``B561`` cited patent ...); every text sits in a ``PDAT``. The weekly
files concatenate documents like the later ICE files, so reading, text helpers
and mapping choices are those of :mod:`ipnav.ingest.uspto_xml`. The DTD's ISO
entities (``&lgr;``, ``&lsqb;`` ...) are resolved to their characters.

Codes read: B110/B130/B140/B190 publication, B210/B220 application, B300
priorities, B511/B512 IPC (fixed-width ``B32B  302``), B521/B522 USPC, B540
title, B561/B562 citations (``CITED-BY-EXAMINER``/``CITED-BY-OTHER``), B577
number of claims, B600 related documents (B620 division, B631 continuation,
B632 continuation-in-part as priorities; B650 earlier publication as family;
B680US provisional), B721 inventors, B731 assignees, B741 agents, B746/B747
examiners.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lxml import etree

from ipnav.ingest.base import RecordError
from ipnav.ingest.uspto_documents import XmlDocumentsReader
from ipnav.ingest.uspto_fields import (
    citation,
    dedupe,
    grant_event,
    merge_parties,
    normalise_symbols,
    parse_date,
    priority,
    uspc_symbol,
)
from ipnav.ingest.uspto_text import blocks_text, claims_of, kids, text_of
from ipnav.model.applicants import make_party
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import (
    Citation,
    Party,
    PatentRecord,
    Person,
    PriorityClaim,
    SourceRef,
)

# ST.32 B600 codes; B620 and B632 are read as the standard defines them, unseen in the samples
_RELATIONS = {
    "B620": "division",
    "B621": "division",
    "B631": "continuation",
    "B632": "continuation-in-part",
    "B633": "continuing-reissue",
    "B641": "reissue",
}
_BENEFIT = {"division", "continuation", "continuation-in-part"}
_CITED_BY = {"CITED-BY-EXAMINER": "examiner", "CITED-BY-OTHER": "other"}


class UsptoSgmlReader(XmlDocumentsReader):
    """USPTO 2001 grants in ST.32 XML (``PATDOC``)."""

    format: ClassVar[str] = "uspto-sgml"
    roots: ClassVar[frozenset[str]] = frozenset({"PATDOC"})

    def map(self, root: etree._Element, *, dataset: str) -> PatentRecord:
        return map_patdoc(root, dataset=dataset)


def _text(el: etree._Element | None, path: str) -> str | None:
    """Text at ``path`` under ``el`` (all its PDATs), or None."""
    found = el.find(path) if el is not None else None
    return (text_of(found) or None) if found is not None else None


def _raw(el: etree._Element) -> str:
    return "".join(el.itertext()).strip("\r\n")


def map_patdoc(root: etree._Element, *, dataset: str) -> PatentRecord:
    """Map one ``PATDOC``; :class:`RecordError` when it has no publication number."""
    top = kids(root)
    bib = top.get("SDOBI")
    number = _text(bib, "B100/B110")
    if bib is None or not number:
        raise RecordError("no publication number (SDOBI/B100/B110 is missing)")
    country = _text(bib, "B100/B190") or "US"
    raw = f"{country}{number}{_text(bib, 'B100/B130') or ''}"
    try:
        pub = parse_publication_number(raw, default_country="US")
    except NumberError as exc:
        raise RecordError(f"publication number {raw!r}: {exc}") from exc
    pub_date = parse_date(_text(bib, "B100/B140"))
    extra: dict[str, Any] = {}
    application_number = None
    if app := _text(bib, "B200/B210"):
        try:
            application_number = parse_application_number(app, default_country="US").normalized
        except NumberError:
            extra["application_number"] = app
    if series := _text(bib, "B200/B211US"):
        extra["application_series_code"] = series

    # fixed-width fields ("B32B  302", "707  7"): their spaces count, read them raw
    ipc, unparsed = normalise_symbols(
        _raw(el) for el in bib.iterfind("B500/B510/*") if el.tag in ("B511", "B512")
    )
    if unparsed:  # design patents carry a Locarno class here
        extra["unparsed_classifications"] = unparsed
    uspc = [uspc_symbol(_raw(el)) for el in bib.iterfind("B500/B520/*")]
    priorities = [
        priority(_text(el, "B330"), number, parse_date(_text(el, "B320")))
        for el in bib.iterfind("B300")
        if (number := _text(el, "B310"))
    ]
    family, related, relations = _related(bib.find("B600"))
    if relations:
        extra["related"] = relations
    cited, npl = _citations(bib.find("B500/B560"))
    claims = claims_of(top.get("SDOCL"), "CLM", ("PARA", "CLMSTEP"), ("CLREF", "ID"))
    count = _text(bib, "B500/B570/B577")
    abstract = blocks_text(top.get("SDOAB"), ("PARA", "H"))
    description = blocks_text(top.get("SDODE"), ("PARA", "H"))
    title = _text(bib, "B500/B540")
    inventors = [
        Person(name=name, country=_place(el)[0])
        for el in bib.iterfind("B700/B720/B721/PARTY-US")
        if (name := _name(el))
    ]
    event = grant_event(pub_date)
    return PatentRecord(
        id=pub.id,
        country=pub.country,
        number=pub.number,
        kind=pub.kind,
        application_number=application_number,
        priority_claims=priorities + related,
        filing_date=parse_date(_text(bib, "B200/B220")),
        publication_date=pub_date,
        grant_date=pub_date,
        title={"en": title} if title else {},
        abstract={"en": abstract} if abstract else {},
        claims={"en": claims} if claims else {},
        description={"en": description} if description else {},
        claims_count=int(count) if count and count.isdigit() else len(claims) or None,
        ipc=ipc,
        national_classes=dedupe(uspc),
        applicants=merge_parties(_parties(bib, "B700/B730/B731/PARTY-US"), []),
        inventors=inventors,
        agents=_parties(bib, "B700/B740/B741/PARTY-US"),
        examiners=[
            Person(name=name) for el in bib.iterfind("B700/B745/*/PARTY-US") if (name := _name(el))
        ],
        family=family,
        cited_patents=cited,
        npl_citations=npl,
        legal_events=[event],
        sources=[SourceRef(dataset=dataset, source_id=pub.id)],
        extra={dataset: extra} if extra else {},
    )


def _name(party: etree._Element) -> str:
    """``ONM``, else ``FNM SNM``, of a ``PARTY-US``."""
    if org := _text(party, "NAM/ONM"):
        return org
    return " ".join(part for part in (_text(party, "NAM/FNM"), _text(party, "NAM/SNM")) if part)


def _place(party: etree._Element) -> tuple[str | None, str | None]:
    return _text(party, "ADR/CTRY"), _text(party, "ADR/CITY")


def _parties(bib: etree._Element, path: str) -> list[Party]:
    parties = []
    for el in bib.iterfind(path):
        if name := _name(el):
            country, city = _place(el)
            parties.append(make_party(name, country=country, city=city))
    return parties


def _related(
    section: etree._Element | None,
) -> tuple[list[str], list[PriorityClaim], list[dict[str, str]]]:
    family: list[str | None] = []
    priorities: list[PriorityClaim] = []
    relations: list[dict[str, str]] = []
    for el in section.iter() if section is not None else ():
        if el.tag == "B650":  # a publication of this very application
            doc = el.find(".//DOC")
            if doc is not None:
                family.append(_publication_id(doc))
        elif el.tag == "B680US":
            if number := _text(el, ".//DNUM"):
                date = parse_date(_text(el, ".//DATE"))
                priorities.append(priority("US", number, date))
                relations.append({"relation": "provisional", "parent": number})
        elif el.tag in _RELATIONS:
            relation = _RELATIONS[el.tag]
            for parent in el.iterfind(".//PDOC/DOC"):
                if not (number := _text(parent, "DNUM")):
                    continue
                relations.append({"relation": relation, "parent": number})
                if relation in _BENEFIT:
                    date = parse_date(_text(parent, "DATE"))
                    country = "WO" if number.upper().startswith("PCT") else _text(parent, "CTRY")
                    priorities.append(priority(country or "US", number, date))
    return dedupe(family), priorities, relations


def _publication_id(doc: etree._Element) -> str | None:
    raw = f"{_text(doc, 'CTRY') or 'US'}{_text(doc, 'DNUM') or ''}{_text(doc, 'KIND') or ''}"
    try:
        return parse_publication_number(raw, default_country="US").id
    except NumberError:
        return None


def _citations(section: etree._Element | None) -> tuple[list[Citation], list[str]]:
    cited: list[Citation] = []
    npl: list[str] = []
    for el in section if section is not None else ():
        by = next((_CITED_BY.get(child.tag) for child in el if child.tag in _CITED_BY), None)
        if el.tag == "B561" and (doc := el.find("PCIT/DOC")) is not None:
            ids = {
                "country": _text(doc, "CTRY") or "US",
                "doc-number": _text(doc, "DNUM") or "",
                "kind": _text(doc, "KIND") or "",
                "date": _text(doc, "DATE") or "",
                "name": _text(el, "PCIT/PARTY-US/NAM") or "",
            }
            if ids["doc-number"]:
                cited.append(citation({k: v for k, v in ids.items() if v}, by))
        elif el.tag == "B562" and (text := _text(el, "NCIT")):
            npl.append(text)
    return cited, npl
