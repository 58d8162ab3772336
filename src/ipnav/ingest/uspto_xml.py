"""USPTO full-text XML (the "ICE" DTDs of 2005 onwards): grants and applications.

Covers ``us-patent-grant`` v4.0 to v4.5+ and ``us-patent-application`` v4.0+,
one document per file or the USPTO's weekly files (``ipgYYMMDD.xml``,
``ipaYYMMDD.xml``), in which thousands of documents, each with its own XML
declaration and DOCTYPE, are simply concatenated. The byte stream is cut at
document boundaries (:func:`iter_documents`) and each document is parsed on its
own with lxml, without loading the DTD or touching the network, so memory is
bounded by the largest single document, not by the file (a weekly file is
about 1 GB).

Mapping choices (the record's rule: what the source does not state stays empty):

* ``id`` is the publication-reference (country + number + kind) as
  :func:`ipnav.model.numbers.parse_publication_number` normalises it.
* ``grant_date`` is the publication date of a grant; a grant document also
  yields one :class:`LegalEvent` ``grant`` on that date. ``legal_status`` stays
  empty: a grant may have lapsed since, and the document cannot say.
* ``priority_claims``: the foreign priorities (``priority-claims``), the US
  provisional applications (35 USC 119(e)) and the parent applications of
  continuations, continuations-in-part and divisions (35 USC 120), as EPO's
  DOCDB also lists them. Numbers are kept as the source writes them (a PCT
  parent such as ``PCT/CH02/00573`` gets country ``WO``).
* ``family`` holds only ``related-publication`` ids: earlier publications of
  this very application, hence of the same family under any definition.
  Parent patents of continuations belong to the extended (INPADOC) family
  only; they are kept, with every continuity relation, in
  ``extra[dataset]["related"]``.
* ``national_classes``: USPC as ``"US:<class>/<subclass>[.<decimal>]"``
  (``"715513"`` -> ``"US:715/513"``, ``"379 8802"`` -> ``"US:379/88.02"``,
  ``"600300000"`` -> ``"US:600/300"``, ``"257E21211"`` -> ``"US:257/E21.211"``).
* ``applicants``: the assignees (owners at publication, what navigation
  groups by) first, then the applicants the document lists (``us-applicants``,
  or v4.0 ``applicants``, whose ``applicant-inventor`` entries were the
  applicants in law before 2012), without repeating a name.
* ``inventors``: ``inventors``; in v4.0, the ``applicant-inventor`` applicants.
* claim texts lose their leading ``"1. "`` (``Claim.number`` holds it);
  ``depends_on`` comes from ``claim-ref`` (``"claims 1-3"`` gives 1, 2, 3).
* citation dates with an unknown day (``19820200``, the USPTO's usual form)
  are left empty rather than set to the first of the month.
"""

from __future__ import annotations

import datetime as dt
import html.entities
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from lxml import etree

from ipnav.ingest.base import (
    InputFileError,
    Item,
    Location,
    Parsed,
    RecordError,
    Rejected,
    excerpt,
)
from ipnav.ingest.files import ZIP_MAGIC, looks_binary, open_input
from ipnav.model.applicants import make_party
from ipnav.model.classification import ClassificationError, normalize_symbol
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import (
    Citation,
    Claim,
    LegalEvent,
    LegalStatus,
    Party,
    PatentRecord,
    Person,
    PriorityClaim,
    SourceRef,
)

FORMAT = "uspto-xml"
ROOTS = {"us-patent-grant": "grant", "us-patent-application": "application"}

# Roots of USPTO documents other readers handle, for a message that says which.
_OTHER_FORMATS = {
    "patent-application-publication": "uspto-pap",
    "PATDOC": "uspto-sgml",
}
# Non-patent documents the weekly files carry between patents (sequence listings).
_NOT_PATENTS = {"sequence-cwu", "us-sequence-listing"}

_CHUNK = 1 << 22
_BOUNDARY = re.compile(rb"\n(?=<\?xml|<!DOCTYPE)")
_ONLY_DECLARATION = re.compile(rb"\s*(?:<\?xml[^>]*\?>\s*)?")


def _parser() -> etree.XMLParser:
    # No DTD, no entity expansion, no network: an ICE document declares an
    # external DTD that is neither needed nor available.
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=True,
        collect_ids=False,
        remove_comments=True,
        remove_pis=True,
    )


# --------------------------------------------------------------------------- splitting


@dataclass(frozen=True, slots=True)
class Document:
    """One XML document cut out of a (possibly concatenated) file."""

    index: int  # 1-based position in the file
    line: int  # line of the file where the document starts
    data: bytes
    last: bool
    stream_error: str | None = None  # set on the last document when decompression failed


def iter_documents(stream: BinaryIO, path: Path) -> Iterator[Document]:
    """Cut ``stream`` into documents at lines that start ``<?xml`` or ``<!DOCTYPE``.

    A DOCTYPE directly after an XML declaration belongs to that declaration's
    document. Raises :class:`InputFileError` for an empty or a binary file.
    """
    buf = bytearray()
    scan = 0  # where the boundary search goes on
    line = 1
    index = 0
    pending: tuple[int, bytes] | None = None
    stream_error: str | None = None
    first = True
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except (EOFError, OSError, zlib.error) as exc:
            stream_error = f"the compressed data ends early or is corrupt ({exc})"
            chunk = b""
        if first:
            _check_head(bytes(chunk[:8192]), path)
            first = False
        if not chunk:
            break
        buf += chunk
        start = 0
        while (match := _BOUNDARY.search(buf, scan)) is not None:
            cut = match.end()
            scan = cut
            if _ONLY_DECLARATION.fullmatch(buf, start, match.start()):
                continue  # the DOCTYPE of a document that so far holds only its declaration
            data = bytes(buf[start:cut])
            start = cut
            if data.strip():
                if pending is not None:
                    index += 1
                    yield Document(index, pending[0], pending[1], last=False)
                pending = (line, data)
            line += data.count(b"\n")
        del buf[:start]
        scan = max(0, scan - start, len(buf) - 12)
    if buf.strip():
        if pending is not None:
            index += 1
            yield Document(index, pending[0], pending[1], last=False)
        pending = (line, bytes(buf))
    if pending is None:
        if stream_error:
            raise InputFileError(f"{path}: cannot be read: {stream_error}")
        raise InputFileError(f"{path}: the file is empty; expected USPTO full-text XML")
    yield Document(index + 1, pending[0], pending[1], last=True, stream_error=stream_error)


def _check_head(head: bytes, path: Path) -> None:
    if head.startswith(ZIP_MAGIC):
        raise InputFileError(f"{path}: is a ZIP archive; unzip it and ingest the .xml inside")
    if looks_binary(head):
        raise InputFileError(
            f"{path}: holds binary data (NUL bytes at the start), not USPTO full-text XML"
        )


# --------------------------------------------------------------------------- reader


class UsptoXmlReader:
    """Reader for USPTO full-text XML grants and applications (2005 onwards)."""

    format: ClassVar[str] = FORMAT

    def read(self, path: Path, *, dataset: str) -> Iterator[Item]:
        parser = _parser()
        with open_input(path) as stream:
            for doc in iter_documents(stream, path):
                location = Location(line=doc.line, record=doc.index)
                root = _parse(doc, parser, path)
                tag = root.tag if isinstance(root.tag, str) else ""
                if tag not in ROOTS:
                    if doc.index == 1 and tag not in _NOT_PATENTS:
                        raise InputFileError(_not_uspto_message(path, tag))
                    yield Rejected(
                        f"<{tag}> document is not a patent grant or application; skipped",
                        location,
                        excerpt=excerpt(doc.data[:300].decode("utf-8", "replace")),
                    )
                    continue
                try:
                    record = map_document(root, dataset=dataset)
                except RecordError as exc:
                    yield Rejected(
                        str(exc),
                        location,
                        excerpt=excerpt(doc.data[:600].decode("utf-8", "replace")),
                    )
                    continue
                yield Parsed(record, record.id, location)
                if doc.stream_error:
                    raise InputFileError(
                        f"{path}: after document {doc.index} (line {doc.line}) "
                        f"{doc.stream_error}; re-download the file"
                    )


def _parse(doc: Document, parser: etree.XMLParser, path: Path) -> etree._Element:
    data = doc.data.lstrip()
    line = doc.line + doc.data[: len(doc.data) - len(data)].count(b"\n")
    if doc.index == 1 and not data.startswith((b"<", b"\xef\xbb\xbf<")):
        hint = "; for APS 'greenbook' text use --format uspto-aps" if _is_aps(data) else ""
        raise InputFileError(
            f"{path}: line {line}: not XML (starts with {data[:20]!r}); "
            f"expected USPTO full-text XML{hint}"
        )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        err_line = line + (exc.lineno or 1) - 1
        msg = exc.msg or str(exc)
        at_end = err_line >= line + data.rstrip().count(b"\n")
        if doc.last and (at_end or doc.stream_error):
            what = doc.stream_error or "the file is truncated"
            raise InputFileError(
                f"{path}: document {doc.index} starting at line {line} is cut off "
                f"({msg}, line {err_line}): {what}; re-download the file"
            ) from exc
        if "Premature end" in msg:
            raise InputFileError(
                f"{path}: document {doc.index} starting at line {line} is cut off before "
                f"the next document begins ({msg}, line {err_line}); the file is corrupt"
            ) from exc
        raise InputFileError(
            f"{path}: document {doc.index} starting at line {line} is not well-formed XML "
            f"({msg}, line {err_line}); fix or re-download the file"
        ) from exc


def _not_uspto_message(path: Path, tag: str) -> str:
    other = _OTHER_FORMATS.get(tag)
    hint = f"; this is another USPTO format, use --format {other}" if other else ""
    return (
        f"{path}: line 1: root element <{tag}> is not a USPTO patent grant or application "
        f"(<us-patent-grant>, <us-patent-application>){hint}"
    )


def _is_aps(data: bytes) -> bool:
    return re.match(rb"(HHHHHT|PATN)\s", data) is not None


def sniff(head: bytes) -> str | None:
    """Which USPTO format the first bytes of a file (plain or gzip) look like, if any.

    Returns ``"uspto-xml"``, ``"uspto-pap"``, ``"uspto-sgml"``, ``"uspto-aps"`` or None.
    """
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 65536)
        except zlib.error:
            return None
    head = head[:65536]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _is_aps(text):
        return "uspto-aps"
    if not text.startswith(b"<"):
        return None
    if re.search(rb"<(?:!DOCTYPE\s+)?us-patent-(?:grant|application)\b", head):
        return "uspto-xml"
    if re.search(rb"<(?:!DOCTYPE\s+)?patent-application-publication\b", head):
        return "uspto-pap"
    if re.search(rb"<(?:!DOCTYPE\s+)?PATDOC\b", head):
        return "uspto-sgml"
    return None


# --------------------------------------------------------------------------- text helpers

_PARA = "\ue000"  # private-use characters mark our own breaks inside extracted text
_LINE = "\ue001"
_NORMALIZED = etree.XPath("normalize-space(.)")  # C speed, unlike str.split on MBs of text
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def _entities(text: str) -> str:
    # entities of the DTD, which is not loaded, come through as '&name;'
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: html.entities.html5.get(m[1] + ";", m[0]), text)


def text_of(el: etree._Element | None) -> str:
    """All text under ``el``, whitespace collapsed."""
    return "" if el is None else _entities(_NORMALIZED(el))


def _leaf(el: etree._Element | None, path: str) -> str | None:
    """Text of a simple (text-only) element at ``path`` under ``el``, or None."""
    if el is None:
        return None
    text = el.findtext(path)
    return " ".join(text.split()) or None if text else None


def blocks_text(section: etree._Element | None) -> str:
    """Headings and paragraphs of ``section`` as plain text joined by blank lines.

    Table rows, list items and line breaks inside a paragraph become lines.
    The tree is marked up in place: call it once per element, last.
    """
    if section is None:
        return ""
    for el in section.iter("row", "li", "br", "ul", "ol", "tables", "table", "entry"):
        tag = el.tag
        if tag == "entry":
            el.tail = " " + (el.tail or "")
        elif tag in ("row", "li"):
            el.text = _LINE + (el.text or "")
        else:
            el.tail = _LINE + (el.tail or "")
    for el in section.iter("p", "heading"):
        el.text = _PARA + (el.text or "")
        el.tail = _PARA + (el.tail or "")
    text = _NORMALIZED(section)
    for mark in (_PARA, _LINE):
        text = text.replace(" " + mark, mark).replace(mark + " ", mark)
    paragraphs = []
    for para in text.split(_PARA):
        if _LINE in para:
            para = "\n".join(line for line in para.split(_LINE) if line)
        if para:
            paragraphs.append(para)
    return _entities("\n\n".join(paragraphs))


def parse_date(text: str | None) -> dt.date | None:
    """A YYYYMMDD date; None for a missing one or an unknown day/month (``19820200``)."""
    if not text:
        return None
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def uspc_symbol(text: str) -> str | None:
    """USPC ``"715513"``/``"705 26"``/``"600300000"`` -> ``"US:715/513"``/``"US:705/26"``...

    The USPTO writes a 3-character class, a 3-character subclass and an
    optional decimal extension (zero-padded on the right), space-padded.
    """
    raw = text.rstrip()
    if len(raw) < 4:
        return None
    cls = raw[:3].strip()
    sub = raw[3:6].strip()
    ext = raw[6:].strip().rstrip("0")
    if cls.isdigit():
        cls = cls.lstrip("0") or "0"
    if sub.isdigit():
        sub = sub.lstrip("0") or "0"
    if not cls or not sub:
        return None
    return f"US:{cls}/{sub}" + (f".{ext}" if ext else "")


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


# --------------------------------------------------------------------------- mapping

_CITED_BY = {
    "cited by examiner": "examiner",
    "cited by applicant": "applicant",
    "cited by third party": "third party",
    "cited by other": "other",  # 2006-2012: anyone but the examiner, mostly applicants
}
_BENEFIT_RELATIONS = ("continuation", "continuation-in-part", "division")
_RANGE_WORDS = {"-", "–", "—", "to", "through"}
_COUNTRY = re.compile(r"[A-Z]{2}")


def map_document(root: etree._Element, *, dataset: str) -> PatentRecord:
    """Map one parsed ICE document to a :class:`PatentRecord`.

    Raises :class:`RecordError` when the document has no usable publication number.
    """
    doc_type = ROOTS[root.tag]
    bib = root.find(
        "us-bibliographic-data-grant"
        if doc_type == "grant"
        else "us-bibliographic-data-application"
    )
    if bib is None:
        raise RecordError(f"<{root.tag}> has no bibliographic data")
    lang = (root.get("lang") or "en").lower()
    extra: dict[str, Any] = {}

    pub_ref = bib.find("publication-reference/document-id")
    number = _leaf(pub_ref, "doc-number")
    if not number:
        raise RecordError("no publication number (publication-reference has no doc-number)")
    country = _leaf(pub_ref, "country") or "US"
    kind = _leaf(pub_ref, "kind") or ""
    try:
        pub = parse_publication_number(f"{country}{number}{kind}", default_country="US")
    except NumberError as exc:
        raise RecordError(f"publication number '{country}{number}{kind}': {exc}") from exc
    pub_date = parse_date(_leaf(pub_ref, "date"))

    app_ref = bib.find("application-reference")
    app_id = app_ref.find("document-id") if app_ref is not None else None
    application_number = None
    app_number = _leaf(app_id, "doc-number")
    if app_number:
        try:
            application_number = parse_application_number(
                app_number, default_country=_leaf(app_id, "country") or "US"
            ).normalized
        except NumberError:
            extra["application_number"] = app_number
    if app_ref is not None and app_ref.get("appl-type"):
        extra["application_type"] = app_ref.get("appl-type")
    if series := _leaf(bib, "us-application-series-code"):
        extra["application_series_code"] = series
    if term := _leaf(bib, "us-term-of-grant/us-term-extension"):
        extra["term_extension_days"] = int(term) if term.isdigit() else term

    ipc, unparsed = _ipc(bib)
    cpc, unparsed_cpc = _cpc(bib)
    if unparsed or unparsed_cpc:
        extra["unparsed_classifications"] = unparsed + unparsed_cpc

    related = _related(bib)
    if related["relations"]:
        extra["related"] = related["relations"]
    if version := root.get("dtd-version"):
        extra["dtd_version"] = version

    parties = bib.find("us-parties")
    if parties is None:
        parties = bib.find("parties")
    applicants, inventors = _applicants(parties)
    if parties is not None and parties.find("inventors") is not None:
        inventors = [_person(el) for el in parties.iterfind("inventors/inventor")]
    agents = [_party(el) for el in parties.iterfind("agents/agent")] if parties is not None else []
    assignees = [_party(el) for el in bib.iterfind("assignees/assignee")]

    claims = _claims(root.find("claims"))
    count_text = _leaf(bib, "number-of-claims")
    claims_count = int(count_text) if count_text and count_text.isdigit() else None
    if claims_count is None and claims:
        claims_count = len(claims)  # applications state no count: count what is there

    cited, npl = _citations(bib)
    title = text_of(bib.find("invention-title"))
    abstract = blocks_text(root.find("abstract"))
    description = blocks_text(root.find("description"))

    events = []
    if doc_type == "grant":
        events.append(
            LegalEvent(
                date=pub_date,
                code="grant",
                description="Patent granted",
                status=LegalStatus.GRANTED,
            )
        )
    return PatentRecord(
        id=pub.id,
        country=pub.country,
        number=pub.number,
        kind=pub.kind,
        application_number=application_number,
        priority_claims=_priority_claims(bib) + related["priorities"],
        filing_date=parse_date(_leaf(app_id, "date")),
        publication_date=pub_date,
        grant_date=pub_date if doc_type == "grant" else None,
        title={lang: title} if title else {},
        abstract={lang: abstract} if abstract else {},
        claims={lang: claims} if claims else {},
        description={lang: description} if description else {},
        claims_count=claims_count,
        ipc=ipc,
        cpc=cpc,
        national_classes=_uspc(bib),
        applicants=_merge_parties(assignees, applicants),
        inventors=inventors,
        agents=agents,
        examiners=_examiners(bib),
        family=related["family"],
        cited_patents=cited,
        npl_citations=npl,
        legal_events=events,
        sources=[SourceRef(dataset=dataset, source_id=root.get("file") or pub.id)],
        extra={dataset: extra} if extra else {},
    )


def _name(el: etree._Element) -> str:
    """Organisation name, else 'first middle last[, suffix]' of an addressbook-like element."""
    book = el.find("addressbook")
    if book is None:
        book = el
    if org := _leaf(book, "orgname"):
        return org
    parts = [_leaf(book, tag) for tag in ("first-name", "middle-name", "last-name")]
    name = " ".join(part for part in parts if part)
    if suffix := _leaf(book, "suffix"):
        name = f"{name}, {suffix}"
    return name or (_leaf(book, "name") or "")


def _place(el: etree._Element) -> tuple[str | None, str | None]:
    """(country, city) from the address, else the residence; only real ST.3 codes."""
    book = el.find("addressbook")
    if book is None:
        book = el
    country = _leaf(book, "address/country") or _leaf(el, "residence/country")
    if country and not _COUNTRY.fullmatch(country):
        country = None  # the USPTO writes 'unknown'
    return country, _leaf(book, "address/city")


def _party(el: etree._Element) -> Party:
    country, city = _place(el)
    return make_party(_name(el), country=country, city=city)


def _person(el: etree._Element) -> Person:
    return Person(name=_name(el), country=_place(el)[0])


def _applicants(parties: etree._Element | None) -> tuple[list[Party], list[Person]]:
    applicants: list[Party] = []
    inventors: list[Person] = []
    if parties is None:
        return applicants, inventors
    for el in parties.iterfind("us-applicants/us-applicant"):
        applicants.append(_party(el))
    for el in parties.iterfind("applicants/applicant"):
        applicants.append(_party(el))
        if el.get("app-type") == "applicant-inventor":
            inventors.append(_person(el))
    return [party for party in applicants if party.name], [p for p in inventors if p.name]


def _merge_parties(first: list[Party], then: list[Party]) -> list[Party]:
    merged: list[Party] = []
    seen: set[str] = set()
    for party in first + then:
        key = party.normalized_name or party.name
        if party.name and key not in seen:
            seen.add(key)
            merged.append(party)
    return merged


def _examiners(bib: etree._Element) -> list[Person]:
    people = []
    for tag in ("primary-examiner", "assistant-examiner"):
        el = bib.find(f"examiners/{tag}")
        if el is not None and (name := _name(el)):
            people.append(Person(name=name))
    return people


def _ipc(bib: etree._Element) -> tuple[list[str], list[str]]:
    raw = [text_of(el) for el in bib.iterfind("classification-ipc/main-classification")]
    raw += [text_of(el) for el in bib.iterfind("classification-ipc/further-classification")]
    for el in bib.iterfind("classifications-ipcr/classification-ipcr"):
        raw.append(_symbol_from_parts(el))
    return _normalise_symbols(raw)


def _cpc(bib: etree._Element) -> tuple[list[str], list[str]]:
    # main, further, then the symbols of combination sets (also allocated CPC symbols)
    paths = (
        "classifications-cpc/main-cpc/classification-cpc",
        "classifications-cpc/further-cpc/classification-cpc",
        "classifications-cpc/further-cpc/combination-set/combination-rank/classification-cpc",
    )
    return _normalise_symbols(_symbol_from_parts(el) for path in paths for el in bib.iterfind(path))


def _symbol_from_parts(el: etree._Element) -> str:
    get = el.findtext
    head = "".join((get("section") or "", get("class") or "", get("subclass") or ""))
    return f"{head}{(get('main-group') or '').strip()}/{(get('subgroup') or '').strip()}"


def _normalise_symbols(raw: Iterable[str]) -> tuple[list[str], list[str]]:
    symbols, unparsed = [], []
    for text in raw:
        if not text.strip():
            continue
        try:
            symbols.append(normalize_symbol(text))
        except ClassificationError:
            unparsed.append(text)
    return _dedupe(symbols), unparsed


def _uspc(bib: etree._Element) -> list[str]:
    national = bib.find("classification-national")
    if national is None or (national.findtext("country") or "US").strip() != "US":
        return []
    raw = [
        el.text or ""
        for el in national
        if el.tag in ("main-classification", "further-classification")
    ]
    return _dedupe(uspc_symbol(text) or "" for text in raw)


def _priority_claims(bib: etree._Element) -> list[PriorityClaim]:
    claims = []
    for el in bib.iterfind("priority-claims/priority-claim"):
        number = _leaf(el, "doc-number")
        if number:
            claims.append(
                PriorityClaim(
                    country=_leaf(el, "country"),
                    number=number,
                    date=parse_date(_leaf(el, "date")),
                )
            )
    return claims


def _document_id(el: etree._Element | None) -> dict[str, str]:
    if el is None:
        return {}
    return {
        child.tag: " ".join(child.text.split())
        for child in el
        if isinstance(child.tag, str) and child.text
    }


def _publication_id(ids: dict[str, str]) -> str | None:
    if not ids.get("doc-number"):
        return None
    text = f"{ids.get('country', 'US')}{ids['doc-number']}{ids.get('kind', '')}"
    try:
        return parse_publication_number(text, default_country="US").id
    except NumberError:
        return None


def _related(bib: etree._Element) -> dict[str, list[Any]]:
    family: list[str] = []
    priorities: list[PriorityClaim] = []
    relations: list[dict[str, str]] = []
    docs = bib.find("us-related-documents")
    if docs is None:
        docs = bib.find("related-documents")
    if docs is None:
        return {"family": family, "priorities": priorities, "relations": relations}
    for el in docs:
        if not isinstance(el.tag, str):
            continue
        if el.tag == "related-publication":
            if pub_id := _publication_id(_document_id(el.find("document-id"))):
                family.append(pub_id)
        elif el.tag == "us-provisional-application":
            ids = _document_id(el.find("document-id"))
            if ids.get("doc-number"):
                priorities.append(
                    PriorityClaim(
                        country=ids.get("country") or "US",
                        number=ids["doc-number"],
                        date=parse_date(ids.get("date")),
                    )
                )
                relations.append({"relation": el.tag, "parent": ids["doc-number"]})
        else:
            for rel in el.iterfind("relation"):
                parent = _document_id(rel.find("parent-doc/document-id"))
                number = parent.get("doc-number")
                if not number:
                    continue
                entry = {"relation": el.tag, "parent": number}
                if status := _leaf(rel, "parent-doc/parent-status"):
                    entry["parent_status"] = status
                grant = _document_id(rel.find("parent-doc/parent-grant-document/document-id"))
                if grant_id := _publication_id(grant):
                    entry["parent_patent"] = grant_id
                relations.append(entry)
                if el.tag in _BENEFIT_RELATIONS:
                    country = "WO" if number.upper().startswith("PCT/") else parent.get("country")
                    priorities.append(
                        PriorityClaim(
                            country=country or "US",
                            number=number,
                            date=parse_date(parent.get("date")),
                        )
                    )
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for claim in priorities:
        if (claim.country, claim.number) not in seen:
            seen.add((claim.country, claim.number))
            unique.append(claim)
    return {"family": _dedupe(family), "priorities": unique, "relations": relations}


def _citations(bib: etree._Element) -> tuple[list[Citation], list[str]]:
    refs = bib.find("us-references-cited")
    if refs is None:
        refs = bib.find("references-cited")
    cited: list[Citation] = []
    npl: list[str] = []
    if refs is None:
        return cited, npl
    for citation in refs:
        if not isinstance(citation.tag, str):
            continue
        category_text = (citation.findtext("category") or "").strip().lower()
        category = _CITED_BY.get(category_text, category_text or None)
        patcit = citation.find("patcit")
        if patcit is not None:
            ids = _document_id(patcit.find("document-id"))
            raw = "".join(ids.get(tag, "") for tag in ("country", "doc-number", "kind"))
            if not raw:
                continue
            try:
                number = parse_publication_number(raw, default_country="US")
                ref, key = number.id, number.match_key
            except NumberError:
                # Kept raw rather than dropped: the citation exists, its number is
                # just in a form the helper does not read (yet).
                ref, key = raw, ""
            cited.append(
                Citation(
                    ref=ref,
                    match_key=key,
                    category=category,
                    date=parse_date(ids.get("date")),
                    name=ids.get("name") or None,
                )
            )
        for other in citation.iterfind("nplcit"):
            if text := text_of(other):
                npl.append(text)
    return cited, npl


def _claims(claims_el: etree._Element | None) -> list[Claim]:
    if claims_el is None:
        return []
    claims = []
    for claim in claims_el.iterfind("claim"):
        number = _claim_number(claim.get("num") or claim.get("id"))
        for part in claim.iter("claim-text"):
            part.tail = " " + (part.tail or "")
        text = text_of(claim)
        if number is not None:
            text = re.sub(rf"^0*{number}\s*\.\s*", "", text, count=1)
        if not text:
            continue
        claims.append(Claim(number=number, text=text, depends_on=_depends_on(claim, number)))
    return claims


def _claim_number(text: str | None) -> int | None:
    digits = re.sub(r"\D", "", text or "")
    return int(digits) if digits else None


def _depends_on(claim: etree._Element, own: int | None) -> list[int]:
    refs = list(claim.iter("claim-ref"))
    numbers: list[int] = []
    for i, ref in enumerate(refs):
        number = _claim_number(ref.get("idref")) or _claim_number(ref.text)
        if number is None:
            continue
        numbers.append(number)
        tail = (ref.tail or "").strip().lower()
        if tail in _RANGE_WORDS and i + 1 < len(refs):
            end = _claim_number(refs[i + 1].get("idref")) or _claim_number(refs[i + 1].text)
            if end is not None and number < end <= number + 500:
                numbers.extend(range(number + 1, end))
    return [n for n in dict.fromkeys(numbers) if n != own]
