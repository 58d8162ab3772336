"""USPTO full-text XML (the "ICE" DTDs of 2005 onwards): grants and applications.

Reads ``us-patent-grant`` v4.0 to v4.5+ and ``us-patent-application`` v4.0+, one
document per file or the weekly files (``ipgYYMMDD.xml``, ``ipaYYMMDD.xml``) in
which the USPTO concatenates thousands of documents. This module maps one ICE
document to a :class:`PatentRecord`; cutting files into documents, parsing them
safely and the reader loop (serial or in two processes) are
:mod:`ipnav.ingest.uspto_documents`, text and claims :mod:`ipnav.ingest.uspto_text`,
field values the USPTO formats share :mod:`ipnav.ingest.uspto_fields`.

Mapping choices (what the source does not state stays empty):

* ``grant_date`` is a grant's publication date, with one ``grant``
  :class:`LegalEvent` on it; ``legal_status`` stays empty, since a patent may
  have lapsed since and the document cannot say so.
* ``priority_claims``: foreign priorities, US provisional applications (35 USC
  119(e)) and the parent applications of continuations, continuations-in-part
  and divisions (35 USC 120), as EPO's DOCDB lists them too.
* ``family``: only ``related-publication`` ids and the PCT publication of a
  national-stage application: publications of this very application (same
  family under any definition). Parent patents of
  continuations share only the extended family; every continuity relation is
  kept in ``extra[dataset]["related"]``.
* ``national_classes``: USPC as ``US:<class>/<subclass>[.<decimal>]``, see
  :func:`uspc_symbol`.
* ``applicants``: the assignees (owners at publication, what navigation groups
  by), then the applicants listed (``us-applicants``; v4.0 ``applicants``, whose
  ``applicant-inventor`` entries were the applicants in law before 2012), each
  name once. ``inventors``: ``inventors``, else the ``applicant-inventor`` entries.
* claim texts lose their leading ``"1. "`` (``Claim.number`` holds it);
  ``depends_on`` comes from ``claim-ref`` (``claims 1-3`` gives 1, 2, 3), or,
  for a claim without that markup, from its text (``of claim 1``).
* a cited number the numbers helper cannot read is kept as written in
  ``Citation.ref`` (empty ``match_key``) rather than dropped.
* citation dates with an unknown day (``19820200``, the usual form) stay empty
  rather than become the first of the month.
* entities of the DTD (``&ldquo;``, ISO ``&lgr;``) become their characters.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from lxml import etree

from ipnav.ingest.base import RecordError
from ipnav.ingest.uspto_documents import XmlDocumentsReader, sniff
from ipnav.ingest.uspto_fields import (
    citation_fields,
    dedupe,
    grant_event,
    merge_parties,
    normalise_symbols,
    parse_date,
    priority,
    uspc_symbol,
)
from ipnav.ingest.uspto_text import blocks_text, claims_of, kids, leaf, text_of
from ipnav.model.applicants import make_party
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import (
    Party,
    PatentRecord,
    Person,
    PriorityClaim,
    SourceRef,
)

__all__ = ["UsptoXmlReader", "map_document", "sniff"]


class UsptoXmlReader(XmlDocumentsReader):
    """USPTO full-text XML grants and applications, 2005 onwards."""

    format: ClassVar[str] = "uspto-xml"
    roots: ClassVar[frozenset[str]] = frozenset({"us-patent-grant", "us-patent-application"})

    def map(self, root: etree._Element, *, dataset: str) -> PatentRecord:
        return map_document(root, dataset=dataset)


_CITED_BY = {
    "cited by examiner": "examiner",
    "cited by applicant": "applicant",
    "cited by third party": "third party",
    "cited by other": "other",  # 2006-2012: anyone but the examiner, mostly the applicant
}
_BENEFIT_RELATIONS = ("continuation", "continuation-in-part", "division")
_COUNTRY = re.compile(r"[A-Z]{2}")


def map_document(root: etree._Element, *, dataset: str) -> PatentRecord:
    """Map one parsed ICE document; :class:`RecordError` when it has no publication number."""
    grant = root.tag == "us-patent-grant"
    top = kids(root)
    bib = kids(
        top.get("us-bibliographic-data-grant" if grant else "us-bibliographic-data-application")
    )
    pub = _ids(kids(bib.get("publication-reference")).get("document-id"))
    if not pub.get("doc-number"):
        raise RecordError("no publication number (publication-reference has no doc-number)")
    raw_number = f"{pub.get('country', 'US')}{pub['doc-number']}{pub.get('kind', '')}"
    try:
        number = parse_publication_number(raw_number, default_country="US")
    except NumberError as exc:
        raise RecordError(f"publication number {raw_number!r}: {exc}") from exc
    pub_date = parse_date(pub.get("date"))
    lang = (root.get("lang") or "en").lower()
    extra: dict[str, Any] = {}

    app_ref = bib.get("application-reference")
    app = _ids(kids(app_ref).get("document-id"))
    application_number = None
    if app.get("doc-number"):
        try:
            application_number = parse_application_number(
                app["doc-number"], default_country=app.get("country") or "US"
            ).normalized
        except NumberError:
            extra["application_number"] = app["doc-number"]
    facts = {
        "application_type": app_ref.get("appl-type") if app_ref is not None else None,
        "application_series_code": leaf(bib.get("us-application-series-code")),
        "term_extension": leaf(kids(bib.get("us-term-of-grant")).get("us-term-extension")),
        "dtd_version": root.get("dtd-version"),
    }
    extra.update((key, value) for key, value in facts.items() if value)

    ipc, unparsed = normalise_symbols(_ipc_texts(bib))
    cpc, unparsed_cpc = normalise_symbols(_parts_texts(bib.get("classifications-cpc"), "cpc"))
    if unparsed or unparsed_cpc:
        extra["unparsed_classifications"] = unparsed + unparsed_cpc
    family, priorities, relations = _related(bib)
    if relations:
        extra["related"] = relations

    parties = bib.get("us-parties", bib.get("parties"))
    applicants, inventors, agents = _parties(kids(parties))
    assignees = [_party(el) for el in bib.get("assignees", ())]

    claims = claims_of(top.get("claims"))
    count = leaf(bib.get("number-of-claims"))
    claims_count = int(count) if count and count.isdigit() else None
    if claims_count is None and claims:
        claims_count = len(claims)  # applications state no count: count the claims given
    cited, npl = _citations(bib.get("us-references-cited", bib.get("references-cited")))
    title = text_of(bib.get("invention-title"))
    abstract = blocks_text(top.get("abstract"))
    description = blocks_text(top.get("description"))
    events = [grant_event(pub_date)] if grant else []
    return PatentRecord(
        id=number.id,
        country=number.country,
        number=number.number,
        kind=number.kind,
        application_number=application_number,
        priority_claims=priorities,
        filing_date=parse_date(app.get("date")),
        publication_date=pub_date,
        grant_date=pub_date if grant else None,
        title={lang: title} if title else {},
        abstract={lang: abstract} if abstract else {},
        claims={lang: claims} if claims else {},
        description={lang: description} if description else {},
        claims_count=claims_count,
        ipc=ipc,
        cpc=cpc,
        national_classes=_uspc(bib.get("classification-national")),
        applicants=merge_parties(assignees, applicants),
        inventors=inventors,
        agents=agents,
        examiners=_examiners(kids(bib.get("examiners"))),
        family=family,
        cited_patents=cited,
        npl_citations=npl,
        legal_events=events,
        sources=[SourceRef(dataset=dataset, source_id=root.get("file") or number.id)],
        extra={dataset: extra} if extra else {},
    )


def _name(el: etree._Element) -> str:
    """Organisation name, else ``first middle last[, suffix]``."""
    book = kids(el)
    book = kids(book["addressbook"]) if "addressbook" in book else book
    if org := leaf(book.get("orgname")):
        return org
    parts = (leaf(book.get(tag)) for tag in ("first-name", "middle-name", "last-name"))
    name = " ".join(part for part in parts if part)
    if suffix := leaf(book.get("suffix")):
        name = f"{name}, {suffix}"
    return name or leaf(book.get("name")) or ""


def _place(el: etree._Element) -> tuple[str | None, str | None]:
    """(country, city) of the address, else the residence; only two-letter codes."""
    top = kids(el)
    address = kids(kids(top.get("addressbook", el)).get("address"))
    country = leaf(address.get("country")) or leaf(kids(top.get("residence")).get("country"))
    if country and not _COUNTRY.fullmatch(country):
        country = None  # the USPTO writes 'unknown'
    return country, leaf(address.get("city"))


def _party(el: etree._Element) -> Party:
    country, city = _place(el)
    return make_party(_name(el), country=country, city=city)


def _person(el: etree._Element) -> Person:
    return Person(name=_name(el), country=_place(el)[0])


def _parties(
    parties: dict[str, etree._Element],
) -> tuple[list[Party], list[Person], list[Party]]:
    applicants = [_party(el) for el in parties.get("us-applicants", ())]
    inventors = [_person(el) for el in parties.get("inventors", ())]
    for el in parties.get("applicants", ()):
        applicants.append(_party(el))
        if el.get("app-type") == "applicant-inventor" and "inventors" not in parties:
            inventors.append(_person(el))
    agents = [_party(el) for el in parties.get("agents", ())]
    return applicants, [p for p in inventors if p.name], [a for a in agents if a.name]


def _examiners(examiners: dict[str, etree._Element]) -> list[Person]:
    people = [examiners.get(tag) for tag in ("primary-examiner", "assistant-examiner")]
    return [Person(name=name) for el in people if el is not None and (name := _name(el))]


def _ipc_texts(bib: dict[str, etree._Element]) -> list[str]:
    old = bib.get("classification-ipc", ())  # edition 7: main then further, as written
    texts = [el.text or "" for el in old if el.tag.endswith("-classification")]
    return [t for t in texts if t.strip()] + _parts_texts(bib.get("classifications-ipcr"), "ipcr")


def _parts_texts(section: etree._Element | None, scheme: str) -> list[str]:
    """Symbols written in parts (IPCR, CPC), in document order: main, further, combinations."""
    texts = []
    for el in section.iter(f"classification-{scheme}") if section is not None else ():
        part = {child.tag: (child.text or "").strip() for child in el}
        head = part.get("section", "") + part.get("class", "") + part.get("subclass", "")
        texts.append(f"{head}{part.get('main-group', '')}/{part.get('subgroup', '')}")
    return texts


def _uspc(national: etree._Element | None) -> list[str]:
    if national is None or (leaf(kids(national).get("country")) or "US") != "US":
        return []
    tags = ("main-classification", "further-classification")
    return dedupe(uspc_symbol(el.text or "") for el in national if el.tag in tags)


def _ids(el: etree._Element | None) -> dict[str, str]:
    """The children of a ``document-id`` as a dict."""
    if el is None:
        return {}
    return {child.tag: child.text.strip() for child in el if child.text}


def _publication_id(ids: dict[str, str]) -> str | None:
    if not ids.get("doc-number"):
        return None
    try:
        text = f"{ids.get('country', 'US')}{ids['doc-number']}{ids.get('kind', '')}"
        return parse_publication_number(text, default_country="US").id
    except NumberError:
        return None


def _related(
    bib: dict[str, etree._Element],
) -> tuple[list[str], list[PriorityClaim], list[dict[str, str]]]:
    priorities = []
    for el in bib.get("priority-claims", ()):
        ids = kids(el)
        if number := leaf(ids.get("doc-number")):
            date = parse_date(leaf(ids.get("date")))
            priorities.append(priority(leaf(ids.get("country")), number, date))
    # the WO publication of a national-stage (371) application publishes this application
    pct = _ids(kids(bib.get("pct-or-regional-publishing-data")).get("document-id"))
    family: list[str | None] = [_publication_id(pct)]
    relations: list[dict[str, str]] = []
    for el in bib.get("us-related-documents", ()):
        if el.tag == "related-publication":
            family.append(_publication_id(_ids(kids(el).get("document-id"))))
            continue
        if el.tag == "us-provisional-application":
            parents = [(el, _ids(kids(el).get("document-id")))]
        else:
            parents = []
            for rel in el.iter("relation"):
                parent = kids(rel).get("parent-doc")
                parents.append((parent, _ids(kids(parent).get("document-id"))))
        for parent, ids in parents:
            if not (number := ids.get("doc-number")):
                continue
            entry = {"relation": el.tag, "parent": number}
            parts = kids(parent)
            if status := leaf(parts.get("parent-status")):
                entry["parent_status"] = status
            grant = _ids(kids(parts.get("parent-grant-document")).get("document-id"))
            if patent := _publication_id(grant):
                entry["parent_patent"] = patent
            relations.append(entry)
            if el.tag in _BENEFIT_RELATIONS or el.tag == "us-provisional-application":
                date = parse_date(ids.get("date"))
                priorities.append(priority(ids.get("country"), number, date))
    unique: dict[tuple[str | None, str], PriorityClaim] = {}
    for claim in priorities:
        unique.setdefault((claim.country, claim.number), claim)
    return dedupe(family), list(unique.values()), relations


def _citations(refs: etree._Element | None) -> tuple[list[dict[str, Any]], list[str]]:
    """Cited patents (as :class:`Citation` fields) and non-patent citations, in order.

    A ``patcit`` is followed by its ``category`` where the document states one.
    """
    cited: list[dict[str, Any]] = []
    npl: list[str] = []
    pending: dict[str, str] | None = None  # the patcit whose category comes next
    for el in refs.iter("patcit", "category", "nplcit") if refs is not None else ():
        tag = el.tag
        if tag == "nplcit":
            if text := text_of(el):
                npl.append(text)
            continue
        if pending is not None:
            category = (el.text or "").strip().lower() if tag == "category" else ""
            cited.append(citation_fields(pending, _CITED_BY.get(category, category or None)))
            pending = None
        if tag == "patcit":
            pending = _ids(next(el.iterchildren("document-id"), None))
    if pending is not None:
        cited.append(citation_fields(pending, None))
    return [fields for fields in cited if fields["ref"]], npl
