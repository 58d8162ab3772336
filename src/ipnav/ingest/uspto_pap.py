"""USPTO pre-grant publications in the 2001-2004 XML (``patent-application-publication``).

The weekly files of that period (``pa010315.xml`` ...) concatenate documents the
same way as the later ICE files, so the reading loop, the text helpers and the
mapping choices are those of :mod:`ipnav.ingest.uspto_xml`; only the element
names differ. Publications are applications: no grant date, no legal event,
no citations (the format has none). Paragraph numbers (``[0001]``) are dropped
from the description; inventors whose ``authority-applicant`` is ``INV`` were
the applicants in law and are listed as applicants after the assignee.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lxml import etree

from ipnav.ingest.base import RecordError
from ipnav.ingest.uspto_documents import XmlDocumentsReader
from ipnav.ingest.uspto_fields import (
    dedupe,
    merge_parties,
    normalise_symbols,
    parse_date,
    priority,
    uspc_symbol,
)
from ipnav.ingest.uspto_text import blocks_text, claims_of, kids, leaf, text_of
from ipnav.model.applicants import make_party
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import Party, PatentRecord, Person, PriorityClaim, SourceRef

_BENEFIT = {"continuation-of", "continuation-in-part-of", "division-of"}


class UsptoPapReader(XmlDocumentsReader):
    """USPTO pre-grant publication XML, 2001-2004."""

    format: ClassVar[str] = "uspto-pap"
    roots: ClassVar[frozenset[str]] = frozenset({"patent-application-publication"})

    def map(self, root: etree._Element, *, dataset: str) -> PatentRecord:
        return map_publication(root, dataset=dataset)


def map_publication(root: etree._Element, *, dataset: str) -> PatentRecord:
    """Map one ``patent-application-publication``; :class:`RecordError` without a number."""
    top = kids(root)
    bib_el = top.get("subdoc-bibliographic-information")
    if bib_el is None:
        raise RecordError("no subdoc-bibliographic-information")
    bib = kids(bib_el)
    doc = kids(bib.get("document-id"))
    number = leaf(doc.get("doc-number"))
    if not number:
        raise RecordError("no publication number (document-id has no doc-number)")
    raw = f"US{number}{leaf(doc.get('kind-code')) or ''}"
    try:
        pub = parse_publication_number(raw, default_country="US")
    except NumberError as exc:
        raise RecordError(f"publication number {raw!r}: {exc}") from exc
    extra: dict[str, Any] = {}

    filing = kids(bib.get("domestic-filing-data"))
    app_number = leaf(kids(filing.get("application-number")).get("doc-number"))
    application_number = None
    if app_number:
        try:
            parsed = parse_application_number(app_number, default_country="US")
            application_number = parsed.normalized
        except NumberError:
            extra["application_number"] = app_number
    facts = {
        "application_series_code": leaf(filing.get("application-number-series-code")),
        "publication_filing_type": leaf(bib.get("publication-filing-type")),
    }
    extra.update((key, value) for key, value in facts.items() if value)

    tech = kids(bib.get("technical-information"))
    ipc_el = tech.get("classification-ipc")
    ipc_texts = [el.text or "" for el in ipc_el.iter("ipc")] if ipc_el is not None else []
    ipc, unparsed = normalise_symbols(text for text in ipc_texts if text.strip())
    if unparsed:
        extra["unparsed_classifications"] = unparsed
    us_el = tech.get("classification-us")
    uspc = []
    for el in us_el.iter("uspc") if us_el is not None else ():
        parts = kids(el)
        cls, sub = leaf(parts.get("class")) or "", leaf(parts.get("subclass")) or ""
        uspc.append(uspc_symbol(cls.rjust(3) + sub) if cls and sub else None)

    priorities, relations = _continuity(bib_el)
    inventors: list[Person] = []
    applicants: list[Party] = []
    for el in bib.get("inventors", ()):
        country, city = _residence(el)
        name = _name(kids(el).get("name"))
        if not name:
            continue
        inventors.append(Person(name=name, country=country))
        if leaf(kids(el).get("authority-applicant")) == "INV":
            applicants.append(make_party(name, country=country, city=city))
    if relations:
        extra["related"] = relations
    assignees = [_assignee(el) for el in root.iter("assignee")]

    title = text_of(tech.get("title-of-invention"))
    claims = claims_of(top.get("subdoc-claims"), ref=("dependent-claim-reference", "depends_on"))
    abstract = blocks_text(top.get("subdoc-abstract"), ("paragraph", "heading"), drop=("heading",))
    description = blocks_text(
        top.get("subdoc-description"), ("paragraph", "heading"), drop=("number",)
    )
    return PatentRecord(
        id=pub.id,
        country=pub.country,
        number=pub.number,
        kind=pub.kind,
        application_number=application_number,
        priority_claims=priorities,
        filing_date=parse_date(leaf(filing.get("filing-date"))),
        publication_date=parse_date(leaf(doc.get("document-date"))),
        title={"en": title} if title else {},
        abstract={"en": abstract} if abstract else {},
        claims={"en": claims} if claims else {},
        description={"en": description} if description else {},
        claims_count=len(claims) or None,  # the format states no count: count the claims
        ipc=ipc,
        national_classes=dedupe(uspc),
        applicants=merge_parties([a for a in assignees if a.name], applicants),
        inventors=inventors,
        sources=[SourceRef(dataset=dataset, source_id=pub.id)],
        extra={dataset: extra} if extra else {},
    )


def _name(name: etree._Element | None) -> str:
    parts = kids(name)
    words = (leaf(parts.get(tag)) for tag in ("given-name", "middle-name", "family-name"))
    text = " ".join(word for word in words if word)
    if suffix := leaf(parts.get("name-suffix")):
        text = f"{text}, {suffix}"
    return text


def _residence(el: etree._Element) -> tuple[str | None, str | None]:
    residence = kids(kids(el).get("residence"))
    place = kids(residence.get("residence-us", residence.get("residence-non-us")))
    return leaf(place.get("country-code")), leaf(place.get("city"))


def _assignee(el: etree._Element) -> Party:
    parts = kids(el)
    name = leaf(parts.get("organization-name")) or _name(parts.get("name"))
    address = kids(parts.get("address"))
    country = leaf(kids(address.get("country")).get("country-code"))
    return make_party(name, country=country, city=leaf(address.get("city")))


def _continuity(bib: etree._Element) -> tuple[list[PriorityClaim], list[dict[str, str]]]:
    """Foreign priorities, provisionals and the parents of continuations and divisions."""
    priorities = []
    for el in bib.iter("foreign-priority-data"):
        parts = kids(el)
        number = leaf(kids(parts.get("priority-application-number")).get("doc-number"))
        if number:
            date = parse_date(leaf(parts.get("filing-date")))
            priorities.append(priority(leaf(parts.get("country-code")), number, date))
    relations: list[dict[str, str]] = []
    for el in bib.iter("parent-child", "non-provisional-of-provisional"):
        parts = kids(el)
        if el.tag == "parent-child":
            relation = el.getparent().tag
            ids = kids(kids(parts.get("parent")).get("document-id"))
        else:
            relation, ids = el.tag, kids(parts.get("document-id"))
        number = leaf(ids.get("doc-number"))
        if not number:
            continue
        entry = {"relation": relation, "parent": number}
        if status := leaf(parts.get("parent-status")):
            entry["parent_status"] = status
        relations.append(entry)
        if relation in _BENEFIT or el.tag == "non-provisional-of-provisional":
            date = parse_date(leaf(ids.get("document-date")))
            priorities.append(priority(leaf(ids.get("country-code")) or "US", number, date))
    return priorities, relations
