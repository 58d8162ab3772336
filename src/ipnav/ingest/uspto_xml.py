"""USPTO full-text XML (the "ICE" DTDs of 2005 onwards): grants and applications.

Reads ``us-patent-grant`` v4.0 to v4.5+ and ``us-patent-application`` v4.0+, one
document per file or the weekly files (``ipgYYMMDD.xml``, ``ipaYYMMDD.xml``) in
which the USPTO concatenates thousands of documents, each with its own XML
declaration and DOCTYPE. :func:`iter_documents` cuts the byte stream at document
boundaries and each document is parsed alone by lxml (no DTD, no entities, no
network), so memory is bounded by the largest document, not by the file (~1 GB).
:class:`XmlDocumentsReader` is that loop, shared by the older USPTO XML readers.

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

import datetime as dt
import html.entities
import multiprocessing
import re
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from lxml import etree
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

_CHUNK = 1 << 20
# what may precede a DOCTYPE in the same document: the XML declaration and comments
_ONLY_DECLARATION = re.compile(rb"\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*", re.DOTALL)
# Roots of each USPTO XML family, for messages that name the right --format.
_FORMAT_OF_ROOT = {
    "us-patent-grant": "uspto-xml",
    "us-patent-application": "uspto-xml",
    "patent-application-publication": "uspto-pap",
    "PATDOC": "uspto-sgml",
}
# Non-patent documents that weekly files carry between patents: skipped, reported.
_NOT_PATENTS = {"sequence-cwu", "us-sequence-listing"}


@dataclass(frozen=True, slots=True)
class Document:
    """One XML document cut out of a (possibly concatenated) file."""

    index: int  # 1-based position in the file
    line: int  # line of the file where it starts
    data: bytes
    last: bool
    stream_error: str | None = None  # on the last document, when decompression failed


def iter_documents(stream: BinaryIO, path: Path) -> Iterator[Document]:
    """Cut ``stream`` at each line that starts ``<?xml`` or ``<!DOCTYPE``.

    A DOCTYPE that follows an XML declaration belongs to its document. Raises
    :class:`InputFileError` for an empty, a binary or a ZIP file.
    """
    buf = bytearray()
    scan, line = 0, 1
    index = 0
    pending: tuple[int, bytes] | None = None
    stream_error = None
    first = True
    # read1: one read from a gzip stream at a time, so that a truncated .gz loses
    # nothing that was decompressed before the point where it breaks off
    read = getattr(stream, "read1", stream.read)
    while True:
        try:
            chunk = read(_CHUNK)
        except (EOFError, OSError, zlib.error) as exc:
            stream_error = f"the compressed data ends early or is corrupt ({exc})"
            chunk = b""
        if first:
            _check_head(chunk[:8192], path)
            first = False
        if not chunk:
            break
        buf += chunk
        start = 0
        while (newline := _next_boundary(buf, scan)) >= 0:
            cut = scan = newline + 1
            if _ONLY_DECLARATION.fullmatch(buf, start, newline):
                continue  # the DOCTYPE of a document that so far holds only its declaration
            data = bytes(buf[start:cut])
            start = cut
            if not data.isspace():
                if pending is not None:
                    index += 1
                    yield Document(index, pending[0], pending[1], last=False)
                pending = (line, data)
            line += data.count(b"\n")
        del buf[:start]
        scan = max(0, scan - start, len(buf) - 12)
    if buf and not buf.isspace():
        if pending is not None:
            index += 1
            yield Document(index, pending[0], pending[1], last=False)
        pending = (line, bytes(buf))
    if pending is None:
        if stream_error:
            raise InputFileError(f"{path}: cannot be read: {stream_error}")
        raise InputFileError(f"{path}: the file is empty; expected USPTO full-text XML")
    yield Document(index + 1, pending[0], pending[1], last=True, stream_error=stream_error)


def _next_boundary(buf: bytearray, scan: int) -> int:
    # bytes.find (memchr speed), not a regex: it runs over every byte of the file
    xml, doctype = buf.find(b"\n<?xml", scan), buf.find(b"\n<!DOCTYPE", scan)
    return doctype if xml < 0 else xml if doctype < 0 else min(xml, doctype)


def _check_head(head: bytes, path: Path) -> None:
    if head.startswith(ZIP_MAGIC):
        raise InputFileError(f"{path}: is a ZIP archive; unzip it and ingest the .xml inside")
    if looks_binary(head):
        raise InputFileError(f"{path}: holds binary data (NUL bytes), not USPTO XML or text")


def sniff(head: bytes) -> str | None:
    """Which USPTO format a file's first bytes (plain or gzip) look like, if any.

    Returns ``"uspto-xml"``, ``"uspto-pap"``, ``"uspto-sgml"``, ``"uspto-aps"`` or None.
    """
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 65536)
        except zlib.error:
            return None
    text = head[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if _is_aps(text):
        return "uspto-aps"
    if text.startswith(b"<"):
        for root, name in _FORMAT_OF_ROOT.items():
            if re.search(rb"<(?:!DOCTYPE\s+)?" + root.encode() + rb"[\s>]", text):
                return name
    return None


def _is_aps(data: bytes) -> bool:
    return re.match(rb"(HHHHHT|PATN)\s", data) is not None


class _NoExternal(etree.Resolver):
    """Resolves every external DTD or entity to nothing: no file, no network is read."""

    def resolve(self, url: str | None, pubid: str | None, context: object) -> Any:
        return self.resolve_string("", context)


def make_parser() -> etree.XMLParser:
    """An lxml parser for untrusted patent XML: no DTD, no entity expansion, no network.

    libxml2 still asks for the DTD once ID collection is off (which saves time),
    hence the resolver that gives it an empty one.
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=True,
        collect_ids=False,
        remove_comments=True,
        remove_pis=True,
    )
    parser.resolvers.add(_NoExternal())
    return parser


_BATCH_DOCS = 16  # documents per task sent to a worker process
_worker_parser: etree.XMLParser | None = None

Outcome = Item | InputFileError


class XmlDocumentsReader:
    """Reads files of one or many concatenated XML documents, one record each.

    Subclasses name their ``format``, the ``roots`` they map and :meth:`map`.
    ``workers`` > 1 parses and maps in that many forked processes, results in
    the file's order (about 1.5 times faster on two idle cores, slower on busy
    ones: hence opt-in).
    """

    format: ClassVar[str]
    roots: ClassVar[frozenset[str]]

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    def map(self, root: etree._Element, *, dataset: str) -> PatentRecord:
        raise NotImplementedError

    def read(self, path: Path, *, dataset: str) -> Iterator[Item]:
        with open_input(path) as stream:
            docs = iter_documents(stream, path)
            if self.workers > 1:
                outcomes = self._parallel(docs, path, dataset, self.workers)
            else:
                parser = make_parser()
                outcomes = (o for doc in docs for o in self.outcomes(doc, parser, path, dataset))
            for outcome in outcomes:
                if isinstance(outcome, InputFileError):
                    raise outcome
                yield outcome

    def _parallel(
        self, docs: Iterator[Document], path: Path, dataset: str, workers: int
    ) -> Iterator[Outcome]:
        # A bounded window of batches in flight keeps memory flat. Fork: spawn would
        # re-run the caller's __main__ in each worker.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        pending: deque[Future[list[Outcome]]] = deque()
        try:
            batch: list[Document] = []
            for doc in docs:
                batch.append(doc)
                if len(batch) >= _BATCH_DOCS or doc.last:
                    pending.append(pool.submit(_work, self, batch, path, dataset))
                    batch = []
                if len(pending) > 3 * workers:
                    yield from pending.popleft().result()
            if batch:
                pending.append(pool.submit(_work, self, batch, path, dataset))
            while pending:
                yield from pending.popleft().result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def outcomes(
        self, doc: Document, parser: etree.XMLParser, path: Path, dataset: str
    ) -> list[Outcome]:
        """What one document gives: a record or a rejection, or the file's error."""
        location = Location(line=doc.line, record=doc.index)
        try:
            root = self._parse(doc, parser, path)
        except InputFileError as exc:
            return [exc]
        resolve_entities(root)
        tag = root.tag if isinstance(root.tag, str) else ""
        out: list[Outcome] = []
        if tag not in self.roots:
            if doc.index == 1 and tag not in _NOT_PATENTS:
                return [InputFileError(self._wrong_root(path, tag))]
            head = excerpt(doc.data[:300].decode("utf-8", "replace"))
            out.append(Rejected(f"<{tag}> is not a patent document; skipped", location, None, head))
        else:
            try:
                record = self.map(root, dataset=dataset)
                out.append(Parsed(record, record.id, location))
            except (ValueError, ValidationError) as exc:  # RecordError, NumberError ...
                head = excerpt(doc.data[:600].decode("utf-8", "replace"))
                out.append(Rejected(describe_error(exc), location, None, head))
        if doc.stream_error:
            where = f"{path}: after document {doc.index} (line {doc.line})"
            out.append(InputFileError(f"{where} {doc.stream_error}; re-download the file"))
        return out

    def _parse(self, doc: Document, parser: etree.XMLParser, path: Path) -> etree._Element:
        data, line = doc.data, doc.line
        if data[:1].isspace():
            data = data.lstrip()
            line += doc.data[: len(doc.data) - len(data)].count(b"\n")
        if doc.index == 1 and not data.startswith((b"<", b"\xef\xbb\xbf<")):
            hint = "; APS 'greenbook' text is --format uspto-aps" if _is_aps(data) else ""
            raise InputFileError(
                f"{path}: line {line}: not XML (starts with {data[:20]!r}); "
                f"expected {self.format} XML{hint}"
            )
        try:
            return etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            at = line + (exc.lineno or 1) - 1
            msg = exc.msg or str(exc)
            where = f"{path}: document {doc.index} starting at line {line}"
            if doc.last and (doc.stream_error or at >= line + data.rstrip().count(b"\n")):
                reason = doc.stream_error or "the file is truncated"
                raise InputFileError(
                    f"{where} is cut off ({msg}, line {at}): {reason}; re-download the file"
                ) from exc
            if "Premature end" in msg:
                raise InputFileError(
                    f"{where} is cut off before the next one begins ({msg}, line {at}); "
                    "the file is corrupt"
                ) from exc
            raise InputFileError(
                f"{where} is not well-formed XML ({msg}, line {at}); fix or re-download the file"
            ) from exc

    def _wrong_root(self, path: Path, tag: str) -> str:
        other = _FORMAT_OF_ROOT.get(tag)
        hint = f"; it is {other}, use --format {other}" if other else ""
        expected = ", ".join(f"<{root}>" for root in sorted(self.roots))
        return f"{path}: line 1: root element <{tag}> is not {self.format} ({expected}){hint}"


class UsptoXmlReader(XmlDocumentsReader):
    """USPTO full-text XML grants and applications, 2005 onwards."""

    format: ClassVar[str] = "uspto-xml"
    roots: ClassVar[frozenset[str]] = frozenset({"us-patent-grant", "us-patent-application"})

    def map(self, root: etree._Element, *, dataset: str) -> PatentRecord:
        return map_document(root, dataset=dataset)


def _work(
    reader: XmlDocumentsReader, docs: list[Document], path: Path, dataset: str
) -> list[Outcome]:
    """Worker-process side of :meth:`XmlDocumentsReader._parallel`."""
    global _worker_parser
    if _worker_parser is None:
        _worker_parser = make_parser()
    return [out for doc in docs for out in reader.outcomes(doc, _worker_parser, path, dataset)]


# --------------------------------------------------------------------------- text

_PARA = "\ue000"  # private-use characters mark our own breaks in extracted text
_LINE = "\ue001"
_NORMALIZED = etree.XPath("normalize-space(.)")  # C speed, unlike str.split on MBs of text
# ISO 8879 Greek (ISOgrk1), which the USPTO's SGML-derived files use beside the HTML names
_GREEK = dict(
    re.findall(
        r"(\w+)=(\S)",
        "agr=α bgr=β ggr=γ dgr=δ egr=ε zgr=ζ eegr=η thgr=θ igr=ι kgr=κ lgr=λ mgr=μ ngr=ν "
        "xgr=ξ ogr=ο pgr=π rgr=ρ sgr=σ sfgr=ς tgr=τ ugr=υ phgr=φ khgr=χ psgr=ψ ohgr=ω "
        "Agr=Α Bgr=Β Ggr=Γ Dgr=Δ Egr=Ε Zgr=Ζ EEgr=Η THgr=Θ Igr=Ι Kgr=Κ Lgr=Λ Mgr=Μ Ngr=Ν "
        "Xgr=Ξ Ogr=Ο Pgr=Π Rgr=Ρ Sgr=Σ Tgr=Τ Ugr=Υ PHgr=Φ KHgr=Χ PSgr=Ψ OHgr=Ω",
    )
)


def resolve_entities(root: etree._Element) -> None:
    """Replace references to entities of the DTD, which is not loaded, by their characters.

    HTML 5 and ISO 8879 Greek names are known; others stay as ``&name;``.
    """
    for entity in list(root.iter(etree.Entity)):
        parent = entity.getparent()
        if parent is None:
            continue
        name = entity.name
        text = html.entities.html5.get(f"{name};") or _GREEK.get(name) or f"&{name};"
        text += entity.tail or ""
        previous = entity.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(entity)


def text_of(el: etree._Element | None) -> str:
    """All text under ``el``, whitespace collapsed."""
    return "" if el is None else _NORMALIZED(el)


def kids(el: etree._Element | None) -> dict[str, etree._Element]:
    """The first child of each tag: one C-level pass instead of a path search per field."""
    found: dict[str, etree._Element] = {}
    for child in el if el is not None else ():
        found.setdefault(child.tag, child)
    return found


def leaf(el: etree._Element | None) -> str | None:
    """Text of a text-only element, whitespace collapsed, or None."""
    text = el.text if el is not None else None
    return " ".join(text.split()) or None if text else None


def blocks_text(
    section: etree._Element | None,
    blocks: tuple[str, ...] = ("p", "heading"),
    drop: tuple[str, ...] = (),
) -> str:
    """Headings and paragraphs of ``section`` as plain text joined by blank lines.

    Table rows, list items and line breaks become lines. Marks the tree up in
    place: call it once per element, after other text has been read from it.
    """
    if section is None:
        return ""
    for el in section.iter(*drop) if drop else ():
        el.text = None  # e.g. paragraph numbers; the tail stays
        del el[:]
    for el in section.iter(*blocks, "row", "li", "br", "ul", "ol", "tables", "table", "entry"):
        tag = el.tag
        if tag in blocks:
            el.tail = _PARA + (el.tail or "")  # a mark after each block separates them all
        elif tag == "entry":
            el.tail = " " + (el.tail or "")
        elif tag in ("row", "li"):
            el.text = _LINE + (el.text or "")
        else:
            el.tail = _LINE + (el.tail or "")
    paragraphs = []
    for para in _NORMALIZED(section).split(_PARA):
        if _LINE in para:
            para = "\n".join(line for part in para.split(_LINE) if (line := part.strip()))
        elif para[:1] == " " or para[-1:] == " ":
            para = para.strip()
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)


def parse_date(text: str | None) -> dt.date | None:
    """A YYYYMMDD date; None when missing or partial (``19820200``)."""
    if not text or len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def uspc_symbol(text: str) -> str | None:
    """USPC as ``US:<class>/<subclass>[.<decimal>]`` from the USPTO's fixed-width form.

    A 3-character class, a 3-character subclass, then an optional decimal
    extension, zero-padded on the right: ``"715513"`` -> ``US:715/513``,
    ``"707  7"`` -> ``US:707/7``, ``"379 8802"`` -> ``US:379/88.02``,
    ``"600300000"`` -> ``US:600/300``, ``"257E21211"`` -> ``US:257/E21.211``,
    ``"D14138"`` -> ``US:D14/138``.
    """
    raw = text.rstrip()
    cls, sub, ext = raw[:3].strip(), raw[3:6].strip(), raw[6:].strip().rstrip("0")
    cls = cls.lstrip("0") if cls.isdigit() else cls
    sub = sub.lstrip("0") or "0" if sub.isdigit() else sub
    if not cls or not sub:
        return None
    return f"US:{cls}/{sub}" + (f".{ext}" if ext else "")


def dedupe(items: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def normalise_symbols(raw: Iterable[str]) -> tuple[list[str], list[str]]:
    """(compact IPC/CPC symbols, texts the classification helper could not read)."""
    symbols, unparsed = [], []
    for text in raw:
        try:
            symbols.append(normalize_symbol(text))
        except ClassificationError:
            unparsed.append(text)
    return dedupe(symbols), unparsed


def priority(country: str | None, number: str, date: dt.date | None) -> PriorityClaim:
    """A priority claim with the number normalised where the numbers helper can."""
    try:
        number = parse_application_number(number, default_country=country).normalized
        country = number[:2] if number[:2].isalpha() else country
    except NumberError:
        pass  # kept as written
    return PriorityClaim(country=country, number=number, date=date)


# --------------------------------------------------------------------------- mapping

_CITED_BY = {
    "cited by examiner": "examiner",
    "cited by applicant": "applicant",
    "cited by third party": "third party",
    "cited by other": "other",  # 2006-2012: anyone but the examiner, mostly the applicant
}
_BENEFIT_RELATIONS = ("continuation", "continuation-in-part", "division")
_RANGE_WORDS = {"-", "–", "—", "to", "through"}
_COUNTRY = re.compile(r"[A-Z]{2}")
_CLAIM_PREFIX = re.compile(r"0*(\d+)\s*\.\s*")
_NON_DIGITS = re.compile(r"\D")
_TEXT_REF = re.compile(
    r"\bclaims?\s+(\d+(?:\s*(?:,|-|–|to|through|or|and|and/or)\s*(?:claims?\s+)?\d+)*)", re.I
)


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
    events = []
    if grant:
        granted = LegalStatus.GRANTED
        events.append(
            LegalEvent(date=pub_date, code="grant", description="Patent granted", status=granted)
        )
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


def merge_parties(first: list[Party], then: list[Party]) -> list[Party]:
    """``first`` then ``then``, each (normalised) name once."""
    merged: dict[str, Party] = {}
    for party in first + then:
        if party.name:
            merged.setdefault(party.normalized_name or party.name, party)
    return list(merged.values())


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


def _citations(refs: etree._Element | None) -> tuple[list[Citation], list[str]]:
    cited: list[Citation] = []
    npl: list[str] = []
    pending: dict[str, str] | None = None  # the patcit whose category comes next
    for el in refs.iter("patcit", "category", "nplcit") if refs is not None else ():
        if el.tag == "nplcit":
            if text := text_of(el):
                npl.append(text)
            continue
        if pending is not None:
            category = (el.text or "").strip().lower() if el.tag == "category" else ""
            cited.append(citation(pending, _CITED_BY.get(category, category or None)))
            pending = None
        if el.tag == "patcit":
            pending = next((_ids(child) for child in el if child.tag == "document-id"), {})
    if pending is not None:
        cited.append(citation(pending, None))
    return [citation for citation in cited if citation.ref], npl


def citation(ids: dict[str, str], category: str | None) -> Citation:
    raw = ids.get("doc-number", "")
    country = ids.get("country", "")
    if raw and not raw.startswith(country):  # some write "WO 02/25773" with country WO
        raw = country + raw
    raw += ids.get("kind", "") if raw else ""
    try:
        number = parse_publication_number(raw, default_country="US")
        ref, key = number.id, number.match_key
    except NumberError:
        # Kept raw, not dropped: the citation is real, only its number is in a
        # form the numbers helper does not read.
        ref, key = raw, ""
    date = parse_date(ids.get("date"))
    return Citation(ref=ref, match_key=key, category=category, date=date, name=ids.get("name"))


def claims_of(
    section: etree._Element | None,
    claim: str = "claim",
    parts: tuple[str, ...] = ("claim-text",),
    ref: tuple[str, str] = ("claim-ref", "idref"),
) -> list[Claim]:
    """The claims under ``section``: ``claim`` elements, read as one text each.

    ``parts`` (nested claim texts, steps) are joined by spaces; ``ref`` names the
    element and attribute that point to the parent claim (``CLM-00001``). One pass
    marks the tree, one C-level normalize-space reads every claim's text.
    """
    if section is None:
        return []
    numbers: list[int | None] = []
    refs: list[list[etree._Element]] = []
    for el in section.iter(claim, ref[0], *parts):
        if el.tag == claim:
            el.text = _PARA + (el.text or "")
            el.tail = _PARA + (el.tail or "")
            numbers.append(_number(el.get("num") or el.get("id") or el.get("ID")))
            refs.append([])
        elif el.tag == ref[0]:
            if refs:
                refs[-1].append(el)
        else:
            el.tail = " " + (el.tail or "")
    texts = text_of(section).split(_PARA)[1::2]  # between each claim's start and end marks
    claims = []
    for number, text, claim_refs in zip(numbers, texts, refs, strict=False):
        text = text.strip()
        if (m := _CLAIM_PREFIX.match(text)) and int(m[1]) == number:
            text = text[m.end() :]
        if text:
            parents = _depends_on(claim_refs, ref[1], number) or text_refs(text, number)
            claims.append(Claim(number=number, text=text, depends_on=parents))
    return claims


def text_refs(text: str, own: int | None) -> list[int]:
    """Earlier claims a claim's text names (``of claim 1``, ``claims 2-4 or 6``).

    For claims without reference markup; only numbers below the claim's own
    count, since a claim depends on preceding claims only.
    """
    numbers: list[int] = []
    for match in _TEXT_REF.finditer(text):
        previous, span = None, False
        for token in re.findall(r"\d+|-|–|to|through", match[1]):
            if not token.isdigit():
                span = True
                continue
            number = int(token)
            if span and previous is not None and previous < number <= previous + 500:
                numbers.extend(range(previous + 1, number))
            numbers.append(number)
            previous, span = number, False
    return [n for n in dict.fromkeys(numbers) if own is None or n < own]


def _number(text: str | None) -> int | None:
    digits = _NON_DIGITS.sub("", text or "")
    return int(digits) if digits else None


def _depends_on(refs: list[etree._Element], attribute: str, own: int | None) -> list[int]:
    numbers: list[int] = []
    for i, ref in enumerate(refs):
        number = _number(ref.get(attribute)) or _number(text_of(ref))
        if number is None:
            continue
        numbers.append(number)
        if (ref.tail or "").strip().lower() in _RANGE_WORDS and i + 1 < len(refs):
            end = _number(refs[i + 1].get(attribute)) or _number(text_of(refs[i + 1]))
            if end is not None and number < end <= number + 500:
                numbers.extend(range(number + 1, end))
    return [n for n in dict.fromkeys(numbers) if n != own]
