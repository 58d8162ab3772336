"""Files of concatenated XML documents (USPTO weekly files) and the reader loop over them.

The USPTO's weekly full-text files (``ipgYYMMDD.xml``, ``ipaYYMMDD.xml``,
``pgYYMMDD.xml``) concatenate thousands of documents, each with its own XML
declaration and DOCTYPE. :func:`iter_documents` cuts the byte stream at
document boundaries and each document is parsed alone by lxml (no DTD, no
entities, no network), so memory is bounded by the largest document, not by
the file (~1 GB). :class:`XmlDocumentsReader` is that loop, shared by the ICE,
PAP and SGML readers; :func:`sniff` tells the USPTO formats apart by content.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import zlib
from collections import deque
from collections.abc import Iterator
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
    Prepare,
    Prepared,
    Rejected,
    describe_error,
    excerpt,
)
from ipnav.ingest.files import ZIP_MAGIC, looks_binary, open_input
from ipnav.ingest.uspto_text import has_entity_refs, resolve_entities
from ipnav.model.record import PatentRecord

_CHUNK = 1 << 20
_BOUNDARIES = (b"\n<?xml", b"\n<!DOCTYPE")
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
        view = memoryview(buf)
        for newline in _boundaries(buf, scan):
            cut = scan = newline + 1
            if _ONLY_DECLARATION.fullmatch(buf, start, newline):
                continue  # the DOCTYPE of a document that so far holds only its declaration
            data = bytes(view[start:cut])
            start = cut
            if not data.isspace():
                if pending is not None:
                    index += 1
                    yield Document(index, pending[0], pending[1], last=False)
                pending = (line, data)
            line += data.count(b"\n")
        view.release()
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


def _boundaries(buf: bytearray, scan: int) -> Iterator[int]:
    """Positions of the newlines before ``<?xml`` or ``<!DOCTYPE`` from ``scan`` on, in order.

    bytes.find (memchr speed), not a regex: it runs over every byte of the file.
    Each kind's next position is kept until passed, so every byte is searched
    once per kind rather than again after each boundary of the other kind.
    """
    found = [buf.find(needle, scan) for needle in _BOUNDARIES]
    while True:
        xml, doctype = found
        newline = doctype if xml < 0 else xml if doctype < 0 else min(xml, doctype)
        if newline < 0:
            return
        yield newline
        for i, needle in enumerate(_BOUNDARIES):
            if found[i] == newline:
                found[i] = buf.find(needle, newline + 1)


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
    hence the resolver that gives it an empty one. Blank text is kept
    (``remove_blank_text`` would join ``<b>x</b> <i>y</i>`` into ``xy``).
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
_IN_FLIGHT = 3  # tasks per worker sent ahead of the one whose results are awaited
# Files at least this large are read by two processes by default, where the
# machine has two cores or more; see XmlDocumentsReader.
PARALLEL_MIN_BYTES = 8 << 20
_worker_parser: etree.XMLParser | None = None

Outcome = Item | Prepared | InputFileError


class XmlDocumentsReader:
    """Reads files of one or many concatenated XML documents, one record each.

    Subclasses name their ``format``, the ``roots`` they map and :meth:`map`.
    ``workers`` > 1 parses and maps in that many forked processes, results in
    the file's order; given ``prepare``, a worker also applies it to each record
    and sends :class:`Prepared` items back (see :class:`PreparingReader`).
    ``workers=None`` (the default) uses 2 processes for files
    of at least :data:`PARALLEL_MIN_BYTES` on disk when ``os.cpu_count() >= 2``
    and fork is available, else reads in this process: on two idle cores two
    workers read a weekly file about 1.4 times faster than one process, while
    starting them costs more than a small file takes.
    """

    format: ClassVar[str]
    roots: ClassVar[frozenset[str]]
    prepares: ClassVar[bool] = True

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    def map(self, root: etree._Element, *, dataset: str) -> PatentRecord:
        raise NotImplementedError

    def workers_for(self, path: Path) -> int:
        """How many processes read ``path``: ``workers`` if given, else by size and cores."""
        if self.workers is not None:
            return self.workers
        if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return 1
        try:
            size = path.stat().st_size
        except OSError:
            return 1  # open_input reports the missing file
        return 2 if size >= PARALLEL_MIN_BYTES else 1

    def read(
        self, path: Path, *, dataset: str, prepare: Prepare | None = None
    ) -> Iterator[Item | Prepared]:
        workers = self.workers_for(path)
        with open_input(path) as stream:
            docs = iter_documents(stream, path)
            if workers > 1:
                outcomes = self._parallel(docs, path, dataset, workers, prepare)
            else:
                parser = make_parser()
                outcomes = (
                    o for doc in docs for o in self.outcomes(doc, parser, path, dataset, prepare)
                )
            for outcome in outcomes:
                if isinstance(outcome, InputFileError):
                    raise outcome
                yield outcome

    def _parallel(
        self,
        docs: Iterator[Document],
        path: Path,
        dataset: str,
        workers: int,
        prepare: Prepare | None,
    ) -> Iterator[Outcome]:
        # A bounded window of batches in flight keeps memory flat. Fork: spawn would
        # re-run the caller's __main__ in each worker.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        pending: deque[Future[list[Outcome | _Shipped]]] = deque()
        try:
            batch: list[Document] = []
            for doc in docs:
                batch.append(doc)
                if len(batch) >= _BATCH_DOCS or doc.last:
                    pending.append(pool.submit(_work, self, batch, path, dataset, prepare))
                    batch = []
                if len(pending) > _IN_FLIGHT * workers:
                    yield from _unship(pending.popleft().result())
            if batch:
                pending.append(pool.submit(_work, self, batch, path, dataset, prepare))
            while pending:
                yield from _unship(pending.popleft().result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def outcomes(
        self,
        doc: Document,
        parser: etree.XMLParser,
        path: Path,
        dataset: str,
        prepare: Prepare | None = None,
    ) -> list[Outcome]:
        """What one document gives: a record (prepared if asked) or a rejection, or the
        file's error."""
        location = Location(line=doc.line, record=doc.index)
        try:
            root = self._parse(doc, parser, path)
        except InputFileError as exc:
            return [exc]
        if has_entity_refs(doc.data):
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
            except (ValueError, ValidationError) as exc:  # RecordError, NumberError ...
                head = excerpt(doc.data[:600].decode("utf-8", "replace"))
                out.append(Rejected(describe_error(exc), location, None, head))
            else:
                if prepare is None:
                    out.append(Parsed(record, record.id, location))
                else:  # not a rejection if it fails: the consumer's error, as in its process
                    out.append(Prepared(prepare(record), record.id, location))
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


@dataclass(frozen=True, slots=True)
class _Shipped:
    """A :class:`Parsed` on its way back from a worker, its record as plain data.

    Unpickling a record's ~100 pydantic models cost the parent more than
    validating their fields again (1.5 ms against 0.6 ms a document), and the
    parent's time is what limits two workers on two cores. Only the fields set
    are shipped, so the rebuilt record equals the original, ``model_fields_set``
    included.
    """

    model: type[PatentRecord]
    fields: dict[str, Any]
    source_key: str
    location: Location


def _work(
    reader: XmlDocumentsReader,
    docs: list[Document],
    path: Path,
    dataset: str,
    prepare: Prepare | None,
) -> list[Outcome | _Shipped]:
    """Worker-process side of :meth:`XmlDocumentsReader._parallel`."""
    global _worker_parser
    if _worker_parser is None:
        _worker_parser = make_parser()
    if prepare is not None:  # prepared items are plain data already
        return [
            out
            for doc in docs
            for out in reader.outcomes(doc, _worker_parser, path, dataset, prepare)
        ]
    return [
        _Shipped(
            type(out.record),
            out.record.model_dump(exclude_unset=True),
            out.source_key,
            out.location,
        )
        if isinstance(out, Parsed)
        else out
        for doc in docs
        for out in reader.outcomes(doc, _worker_parser, path, dataset)
    ]


def _unship(outcomes: list[Outcome | _Shipped]) -> Iterator[Outcome]:
    for out in outcomes:
        if isinstance(out, _Shipped):
            record = out.model.model_validate(out.fields)
            yield Parsed(record, out.source_key, out.location)
        else:
            yield out
