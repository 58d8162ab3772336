"""The USPTO full-text XML reader on the real ICE samples, weekly files and broken input."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

from ipnav.ingest.base import InputFileError, Parsed, Prepared, Rejected
from ipnav.ingest.uspto_aps import UsptoApsReader
from ipnav.ingest.uspto_documents import PARALLEL_MIN_BYTES
from ipnav.ingest.uspto_fields import parse_date, uspc_symbol
from ipnav.ingest.uspto_pap import UsptoPapReader
from ipnav.ingest.uspto_sgml import UsptoSgmlReader
from ipnav.ingest.uspto_text import blocks_text, has_entity_refs
from ipnav.ingest.uspto_xml import UsptoXmlReader, sniff
from ipnav.model.record import LegalStatus
from ipnav.store.patents import stored_form

SAMPLES = "uspto_fulltext_format_samples"
TAG = re.compile(r"</?[A-Za-z-]+>")  # markup left in a text

# file: id, publication date, filing date, application number, (claim, depends_on),
#       first applicant, number of inventors
EXPECTED = {
    "xml2004/US06859910.xml.gz": (
        "US6859910B2", "2005-02-22", "2001-04-10", "US09832323", (2, [1]), "Bluestreak.com", 1,
    ),
    "xml2004/US06970935.xml.gz": (
        "US6970935B1", "2005-11-29", "2000-11-01", "US09703574", (29, [22]),
        "International Business Machines Corporation", 1,
    ),
    "xml2006/US07272630B2.xml.gz": (
        "US7272630B2", "2007-09-18", "2004-11-18", "US10991571", (17, [14]),
        "Microsoft Corporation", 4,
    ),
    "xml2014/US08926509.xml.gz": (
        "US8926509B2", "2015-01-06", "2008-06-05", "US12134151", (31, [27]), "Hmicro, Inc.", 5,
    ),
    "xml2014/US08927118.xml.gz": (
        "US8927118B2", "2015-01-06", "2012-01-12", "US13349377", (45, [5]),
        "Idemitsu Kosan Co., Ltd.", 5,
    ),
    "xml2014/US08930553.xml.gz": (
        "US8930553B2", "2015-01-06", "2012-10-09", "US13648029", (5, [4]),
        "International Business Machines Corporation", 3,
    ),
    "xmlApp2004/US20050004437A1.xml.gz": (
        "US20050004437A1", "2005-01-06", "2004-04-23", "US10830857", (4, [3]),
        "Heiner Kaufmann", 2,
    ),
    "xmlApp2004/US20050004974A1.xml.gz": (
        "US20050004974A1", "2005-01-06", "2003-10-16", "US10687244", (21, [17]),
        "Xerox Corporation", 12,
    ),
}  # fmt: skip


def read_all(path: Path, **kwargs) -> list:
    return list(UsptoXmlReader(**kwargs).read(path, dataset="uspto"))


def records(items: list) -> list:
    return [item.record for item in items if isinstance(item, Parsed)]


def raw(sample_data: Path, name: str) -> bytes:
    return gzip.decompress((sample_data / SAMPLES / name).read_bytes())


def weekly(sample_data: Path, copies: int = 1, names: list[str] | None = None) -> bytes:
    """A weekly-style file: whole documents, declaration and DOCTYPE each, one after another."""
    docs = [raw(sample_data, name) for name in names or EXPECTED]
    return b"".join(doc if doc.endswith(b"\n") else doc + b"\n" for doc in docs) * copies


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_ice_sample_maps(sample_data: Path, name: str) -> None:
    pub_id, published, filed, app_number, (claim, parents), applicant, inventors = EXPECTED[name]
    data = raw(sample_data, name)
    items = read_all(sample_data / SAMPLES / name)
    assert len(items) == 1 and isinstance(items[0], Parsed), items
    record = items[0].record
    assert items[0].source_key == record.id == pub_id
    assert record.publication_date == dt.date.fromisoformat(published)
    assert record.filing_date == dt.date.fromisoformat(filed)
    assert record.application_number == app_number
    # claims: as many as the document holds and, for grants, as it says it holds
    claims = record.claims["en"]
    assert len(claims) == len(re.findall(rb"<claim id=", data)) == record.claims_count
    if stated := re.search(rb"<number-of-claims>(\d+)<", data):
        assert record.claims_count == int(stated[1])
    assert [c.number for c in claims] == list(range(1, len(claims) + 1))
    assert claims[claim - 1].depends_on == parents
    assert not any(TAG.search(c.text) or "  " in c.text or c.text[0].isdigit() for c in claims)
    # citations: every patcit and nplcit of the file
    assert len(record.cited_patents) == data.count(b"<patcit")
    assert len(record.npl_citations) == data.count(b"<nplcit")
    assert record.applicants[0].name == applicant
    assert len(record.inventors) == inventors
    assert record.title["en"] and record.abstract["en"] and record.description["en"]
    file_attribute = re.search(rb'file="([^"]+)"', data)[1].decode()  # US08930553-20150106.XML
    assert (record.sources[0].dataset, record.sources[0].source_id) == ("uspto", file_attribute)
    if pub_id.endswith(("A1", "A2")):
        assert record.grant_date is None and record.legal_events == []
    else:
        assert record.grant_date == record.publication_date
        [event] = record.legal_events
        assert (event.code, event.date, event.status) == (
            "grant",
            record.publication_date,
            LegalStatus.GRANTED,
        )
    assert record.legal_status is None  # a grant may have lapsed since: not stated


def test_grant_v45_fields(sample_data: Path) -> None:
    [record] = records(read_all(sample_data / SAMPLES / "xml2014/US08926509.xml.gz"))
    # 130 patent citations (117 by the applicant, 13 by the examiner) and 30 non-patent ones
    categories = [c.category for c in record.cited_patents]
    assert (categories.count("applicant"), categories.count("examiner")) == (117, 13)
    first = record.cited_patents[0]
    assert (first.ref, first.match_key, first.name) == ("US4313443A", "US4313443", "Frosch et al.")
    assert first.date is None  # 19820200: the day is not known
    refs = {c.ref for c in record.cited_patents}
    assert {"US20010003163A1", "USD439981S", "WO2002025773A1", "KR1020040032451"} <= refs
    assert all(c.match_key for c in record.cited_patents)
    assert record.npl_citations[0].startswith("Montemont, G. et al in “Experimental Comparison")
    assert record.ipc[0] == "A61B5/00" and "A61B5/0205" in record.ipc
    assert record.cpc[:2] == ["A61B5/0205", "A61B5/0024"]
    assert record.national_classes[:3] == ["US:600/301", "US:600/300", "US:600/382"]
    assert "US:340/539.12" in record.national_classes
    assert [p.date for p in record.priority_claims] == [dt.date(2007, 8, 24)]  # provisional
    assert record.family == ["US20090054737A1"]  # the pre-grant publication of this application
    assert [e.name for e in record.examiners] == ["William Thomson", "Marie Archer"]
    hmicro = record.applicants[0]
    assert (hmicro.country, hmicro.city) == ("US", "Fremont")
    assert record.inventors[0].name == "Surendar Magar"


def test_grant_v40_fields(sample_data: Path) -> None:
    [record] = records(read_all(sample_data / SAMPLES / "xml2004/US06859910.xml.gz"))
    assert record.ipc == ["G06F15/00", "G06F17/00", "G06F17/21", "G06F17/24"]  # "G06F015/00"
    assert record.national_classes[:5] == [
        "US:715/513", "US:709/219", "US:709/227", "US:709/203", "US:705/26",
    ]  # fmt: skip
    assert "US:707/7" in record.national_classes
    assert record.cpc == []
    # the applicant-inventor is the inventor; the assignee leads the applicants
    assert [p.name for p in record.applicants] == ["Bluestreak.com", "John Charles Croy"]
    assert [p.name for p in record.inventors] == ["John Charles Croy"]
    assert [p.name for p in record.agents] == ["Joseph H. Born", "Foley Hoag LLP"]
    assert record.family == ["US20010037361A1"]
    assert all(c.category == "examiner" for c in record.cited_patents)
    assert record.extra["uspto"]["term_extension"] == "802"


def test_related_documents_and_priorities(sample_data: Path) -> None:
    [record] = records(read_all(sample_data / SAMPLES / "xml2014/US08927118.xml.gz"))
    # JP priority, then the two parents of the continuation chain
    assert [(p.country, p.date) for p in record.priority_claims] == [
        ("JP", dt.date(2008, 6, 5)),
        ("US", dt.date(2011, 6, 30)),
        ("US", dt.date(2008, 10, 17)),
    ]
    assert record.priority_date == dt.date(2008, 6, 5)
    # the parent patent is extended family only: kept in extra, not in family
    assert record.family == ["US20120104943A1"]
    related = record.extra["uspto"]["related"]
    assert related[1] == {
        "relation": "continuation",
        "parent": "12253586",
        "parent_patent": "US8049411",
    }
    [app] = records(read_all(sample_data / SAMPLES / "xmlApp2004/US20050004437A1.xml.gz"))
    assert [p.country for p in app.priority_claims] == ["CH", "WO"]  # PCT parent


def test_texts(sample_data: Path) -> None:
    [app] = records(read_all(sample_data / SAMPLES / "xmlApp2004/US20050004437A1.xml.gz"))
    first = app.claims["en"][0]
    assert first.text.startswith("A simulation device for displaying")  # no "1." left
    assert "comprising: a housing; a display means; and a storing" in first.text
    assert app.claims_count == 10  # applications state no count
    [grant] = records(read_all(sample_data / SAMPLES / "xml2014/US08930553.xml.gz"))
    paragraphs = grant.description["en"].split("\n\n")
    assert paragraphs[:2] == [
        "FIELD OF THE INVENTION",
        "The present invention relates to computer networks in general, and more particularly "
        "to computer networks supporting SIP.",
    ]
    assert "BRIEF DESCRIPTION OF THE DRAWINGS" in paragraphs  # kept from description-of-drawings
    assert "“circuit,” “module” or “system.”" in grant.description["en"]
    assert grant.abstract["en"].startswith("Processing mid-dialog SIP messages")
    [tables] = records(read_all(sample_data / SAMPLES / "xmlApp2004/US20050004974A1.xml.gz"))
    assert "\nActor Definitions Primary Roles & Responsibilities\n" in tables.description["en"]


@pytest.mark.parametrize("compress", [False, True])
def test_weekly_file_yields_every_document_in_order(
    sample_data: Path, tmp_path: Path, compress: bool
) -> None:
    data = weekly(sample_data, copies=2)
    path = tmp_path / ("ipg.xml.gz" if compress else "ipg.xml")
    path.write_bytes(gzip.compress(data) if compress else data)
    items = read_all(path)
    assert all(isinstance(item, Parsed) for item in items)
    assert [item.source_key for item in items] == [e[0] for e in EXPECTED.values()] * 2
    # each location is the line where that document's XML declaration stands
    lines = data.split(b"\n")
    for item in items:
        assert lines[item.location.line - 1].startswith(b"<?xml")
    assert [item.location.record for item in items] == list(range(1, 17))


def test_worker_processes_give_the_same_items(sample_data: Path, tmp_path: Path) -> None:
    data = weekly(sample_data, copies=3)
    fifth = [m.start() for m in re.finditer(rb"<\?xml", data)][4]
    path = tmp_path / "ipg.xml"
    path.write_bytes(data + data[: fifth + 5000])  # ends in a cut-off document
    serial, parallel = [], []
    for out, workers in ((serial, 1), (parallel, 2)):
        with pytest.raises(InputFileError, match="cut off") as error:
            for item in UsptoXmlReader(workers=workers).read(path, dataset="uspto"):
                out.append(item)
        out.append(str(error.value))
    assert len(serial) == 3 * len(EXPECTED) + 4 + 1 and serial == parallel


def test_worker_processes_give_equal_records_with_the_same_fields_set(
    sample_data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ipg.xml"
    path.write_bytes(weekly(sample_data, copies=3))
    serial = records(read_all(path, workers=1))
    parallel = records(read_all(path, workers=2))
    assert serial == parallel
    for one, other in zip(serial, parallel, strict=True):
        assert one.model_fields_set == other.model_fields_set
        assert one.model_dump(exclude_unset=True) == other.model_dump(exclude_unset=True)


@pytest.mark.parametrize("workers", [1, 2])
def test_prepared_items_are_the_stored_form_of_the_records_mapped_in_process(
    sample_data: Path, tmp_path: Path, workers: int
) -> None:
    data = weekly(sample_data, copies=2)
    path = tmp_path / "ipg.xml"
    path.write_bytes(data + data[:5000])  # ends in a cut-off document
    parsed, prepared = [], []
    for out, prepare in ((parsed, None), (prepared, stored_form)):
        reader = UsptoXmlReader(workers=1 if prepare is None else workers)
        with pytest.raises(InputFileError, match="cut off"):
            out.extend(reader.read(path, dataset="uspto", prepare=prepare))
    assert len(prepared) == len(parsed) == 2 * len(EXPECTED)
    for one, other in zip(parsed, prepared, strict=True):
        assert isinstance(one, Parsed) and isinstance(other, Prepared)
        assert (other.source_key, other.location) == (one.source_key, one.location)
        assert other.value == stored_form(one.record)
        assert other.value.to_record() == one.record


def test_prepared_reading_still_reports_rejections(sample_data: Path, tmp_path: Path) -> None:
    first, second = (raw(sample_data, name) for name in list(EXPECTED)[:2])
    no_number = re.sub(rb"<doc-number>06859910</doc-number>", b"", first, count=1)
    path = tmp_path / "two.xml"
    path.write_bytes(no_number + second)
    for workers in (1, 2):
        items = list(
            UsptoXmlReader(workers=workers).read(path, dataset="uspto", prepare=stored_form)
        )
        assert isinstance(items[0], Rejected) and "no publication number" in items[0].reason
        assert isinstance(items[1], Prepared) and items[1].value.id == "US6970935B1"


def test_large_files_are_read_by_two_processes_by_default(tmp_path: Path) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    small.write_bytes(b"<us-patent-grant/>\n")
    with large.open("wb") as out:
        out.truncate(PARALLEL_MIN_BYTES)  # sparse: only its size matters here
    expected = 2 if (os.cpu_count() or 1) >= 2 else 1
    assert UsptoXmlReader().workers_for(small) == 1
    assert UsptoXmlReader().workers_for(large) == expected
    assert UsptoXmlReader(workers=1).workers_for(large) == 1
    assert UsptoXmlReader(workers=3).workers_for(small) == 3


def test_blocks_text_marks_paragraphs_lines_and_cells_without_changing_the_tree() -> None:
    section = etree.fromstring(
        "<description><heading>FIELD</heading><p num='1'>One <b>bold</b>\n  text.</p>"
        "<p>Table:<tables><table><row><entry>a</entry><entry>b</entry></row>"
        "<row><entry>c</entry></row></table></tables></p>"
        "<p><number>[0003]</number>Kept<ul><li>first</li><li>second</li></ul></p></description>"
    )
    before = etree.tostring(section)
    text = blocks_text(section, drop=("number",))
    assert text == "FIELD\n\nOne bold text.\n\nTable:\na b\nc\n\nKept\nfirst\nsecond"
    assert etree.tostring(section) == before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<p>&#x3bc;m &#181; AT&amp;T &lt;b&gt; &quot;x&quot; &apos;</p>", False),
        (b"<p>&#x201c;quoted&#x201d; then &ldquo;quoted&rdquo;</p>", True),
        (b"<p>&amp;&lgr;</p>", True),  # ISO Greek, after a predefined one
        (b"<p>&_x;</p>", True),
        (b"<p>5 &#x3c; 6 &", False),  # '&' as the last byte
        (b"<p>no references</p>", False),
    ],
)
def test_entity_references_are_told_from_character_references(data: bytes, expected: bool) -> None:
    assert has_entity_refs(data) is expected


def test_dtd_entities_in_ice_documents_become_characters(sample_data: Path, tmp_path: Path) -> None:
    doc = raw(sample_data, "xml2014/US08930553.xml.gz")
    assert not has_entity_refs(doc)
    doc = doc.replace(
        b"Processing mid-dialog SIP messages",
        b"Processing &ldquo;mid-dialog&rdquo; SIP messages",
        1,
    )
    path = tmp_path / "one.xml"
    path.write_bytes(doc)
    [record] = records(read_all(path))
    assert record.abstract["en"].startswith("Processing “mid-dialog” SIP messages")


def test_dates() -> None:
    for _ in range(2):  # parsed once, then from the cache: the same answers
        assert parse_date("20050222") == dt.date(2005, 2, 22)
        assert parse_date("19820200") is None  # day unknown
        assert parse_date("20050230") is None  # no such day
        assert parse_date("2005022") is None
        assert parse_date(None) is None


def test_truncated_file_yields_the_good_documents_then_names_the_line(
    sample_data: Path, tmp_path: Path
) -> None:
    data = weekly(sample_data)
    last = data.rindex(b"<?xml")
    start_line = data[:last].count(b"\n") + 1
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: last + 5000])
    seen = []
    with pytest.raises(InputFileError) as error:
        for item in UsptoXmlReader().read(path, dataset="uspto"):
            seen.append(item.source_key)
    assert seen == [e[0] for e in EXPECTED.values()][:-1]
    message = str(error.value)
    assert str(path) in message and f"line {start_line}" in message and "truncated" in message
    assert "\n" not in message


def test_truncated_gzip(sample_data: Path, tmp_path: Path) -> None:
    packed = gzip.compress(weekly(sample_data))
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(packed[: len(packed) * 3 // 4])
    seen = []
    with pytest.raises(InputFileError, match="compressed data ends early"):
        for item in UsptoXmlReader().read(path, dataset="uspto"):
            seen.append(item)
    assert 1 <= len(seen) < len(EXPECTED)


def test_malformed_document_in_the_middle(sample_data: Path, tmp_path: Path) -> None:
    data = weekly(sample_data)
    third = [m.start() for m in re.finditer(rb"<\?xml", data)][2]
    broken = data[:third] + data[third:].replace(b"</invention-title>", b"</invention>", 1)
    path = tmp_path / "broken.xml"
    path.write_bytes(broken)
    seen = []
    with pytest.raises(InputFileError, match="not well-formed XML") as error:
        for item in UsptoXmlReader().read(path, dataset="uspto"):
            seen.append(item)
    assert len(seen) == 2
    line = data[:third].count(b"\n") + 1
    assert f"document 3 starting at line {line}" in str(error.value)


def test_document_without_publication_number_is_rejected(sample_data: Path, tmp_path: Path) -> None:
    first, second = (raw(sample_data, name) for name in list(EXPECTED)[:2])
    no_number = re.sub(rb"<doc-number>06859910</doc-number>", b"", first, count=1)
    path = tmp_path / "two.xml"
    path.write_bytes(no_number + second)
    items = read_all(path)
    assert isinstance(items[0], Rejected) and "no publication number" in items[0].reason
    assert items[0].location.line == 1 and items[0].location.record == 1
    assert isinstance(items[1], Parsed) and items[1].source_key == "US6970935B1"


def test_sequence_listing_between_patents_is_skipped(sample_data: Path, tmp_path: Path) -> None:
    first = raw(sample_data, "xml2014/US08930553.xml.gz")
    listing = b'<?xml version="1.0"?>\n<!DOCTYPE sequence-cwu SYSTEM "x.dtd">\n<sequence-cwu/>\n'
    path = tmp_path / "ipg.xml"
    path.write_bytes(first + listing + first)
    items = read_all(path)
    assert [type(item) for item in items] == [Parsed, Rejected, Parsed]
    assert "sequence-cwu" in items[1].reason


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\n \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"PK\x03\x04\x14\x00\x00\x00", "ZIP"),
        (b'<?xml version="1.0"?>\n<catalog><book/></catalog>\n', "root element <catalog>"),
        (b"id,title\n1,foo\n", "not XML"),
        (b"PATN\nWKU  039373754\n", "uspto-aps"),
        (b'<?xml version="1.0"?>\n<us-patent-grant><unclosed>', "cut off"),
    ],
)
def test_whole_file_problems(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "input.xml"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=re.escape(expected)) as error:
        read_all(path)
    assert str(path) in str(error.value)


def test_other_uspto_formats_are_named(sample_data: Path) -> None:
    for folder, fmt in (("pap", "uspto-pap"), ("sgml", "uspto-sgml")):
        path = next((sample_data / SAMPLES / folder).glob("*.gz"))
        with pytest.raises(InputFileError, match=f"--format {fmt}"):
            read_all(path)


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("xml2004", "uspto-xml"),
        ("xml2006", "uspto-xml"),
        ("xml2014", "uspto-xml"),
        ("xmlApp2004", "uspto-xml"),
        ("pap", "uspto-pap"),
        ("sgml", "uspto-sgml"),
        ("greenbook", "uspto-aps"),
        ("cpcScheme", None),
    ],
)
def test_sniff(sample_data: Path, folder: str, expected: str | None) -> None:
    path = next((sample_data / SAMPLES / folder).glob("*.gz"))
    packed = path.read_bytes()
    assert sniff(gzip.decompress(packed)[:4096]) == expected
    assert sniff(packed[:4096]) == expected  # gzip is looked into


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("715513", "US:715/513"),
        ("705 26", "US:705/26"),
        ("707  7", "US:707/7"),
        ("379 8802", "US:379/88.02"),
        ("34053912", "US:340/539.12"),
        ("600300000", "US:600/300"),
        ("4242781", "US:424/278.1"),
        ("257E21211", "US:257/E21.211"),
        ("D14138", "US:D14/138"),
        ("PLT263", "US:PLT/263"),
        ("  ", None),
    ],
)
def test_uspc_symbol(text: str, expected: str | None) -> None:
    assert uspc_symbol(text) == expected


def test_claim_ranges_and_multiple_parents(sample_data: Path, tmp_path: Path) -> None:
    doc = raw(sample_data, "xml2014/US08930553.xml.gz")
    doc = doc.replace(
        b'<claim-ref idref="CLM-00004">claim 4</claim-ref>',
        b'<claim-ref idref="CLM-00001">claims 1</claim-ref>-'
        b'<claim-ref idref="CLM-00003">3</claim-ref> or <claim-ref idref="CLM-00004">4</claim-ref>',
        1,
    )
    path = tmp_path / "one.xml"
    path.write_bytes(doc)
    [record] = records(read_all(path))
    assert record.claims["en"][4].depends_on == [1, 2, 3, 4]
    assert record.claims["en"][4].text.startswith("The system according to claims 1-3 or 4 wherein")


@pytest.mark.slow
def test_memory_stays_flat_on_a_large_weekly_file(sample_data: Path, tmp_path: Path) -> None:
    small = ["xml2014/US08930553.xml.gz", "xmlApp2004/US20050004437A1.xml.gz"]

    def peak(copies: int) -> int:
        path = tmp_path / f"weekly{copies}.xml"
        path.write_bytes(weekly(sample_data, copies, small))
        tracemalloc.start()
        count = sum(1 for _ in UsptoXmlReader(workers=1).read(path, dataset="uspto"))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == 2 * copies
        return top

    # beyond the reader's 1 MiB read buffer, a file 10 times larger costs no more memory
    few, some, many = peak(4), peak(40), peak(400)
    assert many < some * 1.1 and many < few + (2 << 20), (few, some, many)


# --------------------------------------------------------------------------- older formats

# folder/file: reader, id, publication date, filing date, application number, claims,
#              (claim, depends_on), cited patents, non-patent citations, first applicant
OLDER = {
    "pap/US20010000044A1.xml.gz": (
        UsptoPapReader, "US20010000044A1", "2001-03-15", "1999-06-29", "US09342866", 21,
        (21, [20]), 0, 0, None,
    ),
    "pap/US20010000943A1.xml.gz": (
        UsptoPapReader, "US20010000943A1", "2001-05-10", "2000-12-04", "US09727454", 13,
        (13, [11, 12]), 0, 0, "IDEMITSU KOSAN CO., LTD.",
    ),
    "pap/US20010009014A1.xml.gz": (
        UsptoPapReader, "US20010009014A1", "2001-07-19", "2001-02-05", "US09777392", 55,
        (2, [1]), 0, 0, "James A. Savage, III",
    ),
    "sgml/US06336130.xml.gz": (
        UsptoSgmlReader, "US6336130B1", "2002-01-01", "1999-10-05", "US09413215", 22,
        (22, [19]), 6, 3, "Telefonaktiebolaget LM Ericsson (publ)",
    ),
    "sgml/US06337117.xml.gz": (
        UsptoSgmlReader, "US6337117B1", "2002-01-08", "1999-06-30", "US09343526", 39,
        (3, [2]), 2, 0, "Mitsubishi Chemical Corporation",
    ),
    "sgml/USD435854S1.xml.gz": (
        UsptoSgmlReader, "USD435854S", "2001-01-02", "1999-01-06", "US29116510", 1,
        (1, []), 10, 0, "Hitachi Maxell, Ltd.",
    ),
    "greenbook/US03932709.greenbook.gz": (
        UsptoApsReader, "US3932709", "1976-01-13", "1974-03-07", "US05449155", 17,
        (2, [1]), 9, 0, "General Teletronics Incorporated",
    ),
    "greenbook/US03937375.greenbook.gz": (
        UsptoApsReader, "US3937375", "1976-02-10", "1974-10-29", "US05518454", 3,
        (3, [2]), 5, 0, None,
    ),
    "greenbook/US04347903.greenbook.gz": (
        UsptoApsReader, "US4347903", "1982-09-07", "1980-03-10", "US06192529", 3,
        (3, [1]), 3, 0, "Shimadzu Corporation",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(OLDER))
def test_older_formats_map(sample_data: Path, name: str) -> None:
    reader, pub_id, published, filed, app, n_claims, (claim, parents), n_cited, n_npl, first = (
        OLDER[name]
    )
    items = list(reader().read(sample_data / SAMPLES / name, dataset="uspto"))
    assert len(items) == 1 and isinstance(items[0], Parsed), items
    record = items[0].record
    assert items[0].source_key == record.id == pub_id
    assert record.publication_date == dt.date.fromisoformat(published)
    assert record.filing_date == dt.date.fromisoformat(filed)
    assert record.application_number == app
    assert record.claims_count == len(record.claims["en"]) == n_claims
    assert record.claims["en"][claim - 1].depends_on == parents
    assert not any(TAG.search(c.text) or c.text[0].isdigit() for c in record.claims["en"])
    assert (len(record.cited_patents), len(record.npl_citations)) == (n_cited, n_npl)
    assert (record.applicants[0].name if record.applicants else None) == first
    assert record.title["en"] and record.description["en"] and record.inventors
    assert (record.grant_date is None) == (reader is UsptoPapReader)


def test_older_formats_details(sample_data: Path) -> None:
    def one(reader, name):
        return records(list(reader().read(sample_data / SAMPLES / name, dataset="uspto")))[0]

    sgml = one(UsptoSgmlReader, "sgml/US06337117.xml.gz")
    assert sgml.ipc == ["B32B3/02"]  # fixed-width "B32B  302"
    assert sgml.national_classes[:2] == ["US:428/64.1", "US:428/64.4"]
    assert [p.country for p in sgml.priority_claims] == ["JP"] * 4
    assert "“luminous intensity”" in sgml.abstract["en"]  # &ldquo; of the unloaded DTD
    pap = one(UsptoPapReader, "pap/US20010009014A1.xml.gz")
    assert [p.date for p in pap.priority_claims] == [
        dt.date(1999, 11, 2),  # division-of
        dt.date(1999, 5, 17),  # continuation-in-part-of
        dt.date(1999, 4, 6),  # provisional
    ]
    assert not pap.description["en"].startswith("[0001]")  # paragraph numbers dropped
    aps = one(UsptoApsReader, "greenbook/US04347903.greenbook.gz")
    assert aps.ipc == ["G01G19/04", "G01G23/10", "G06F7/28"]
    assert aps.national_classes == ["US:177/25", "US:177/185", "US:364/734"]
    assert aps.family == ["WO1980000272"]  # the PCT publication of this application
    assert (aps.inventors[0].name, aps.inventors[0].country) == ("Shozo Yano", "JP")
    assert [e.name for e in aps.examiners] == ["George H. Miller, Jr."]
    old = one(UsptoApsReader, "greenbook/US03932709.greenbook.gz")
    assert old.national_classes[:2] == ["US:179/90K", "US:179/2DD"]
    assert [(p.number, p.date) for p in old.priority_claims] == [
        ("US351745", dt.date(1973, 4, 16))  # RLAP 72: continuation-in-part
    ]


@pytest.mark.parametrize(
    ("folder", "reader"),
    [("pap", UsptoPapReader), ("sgml", UsptoSgmlReader), ("greenbook", UsptoApsReader)],
)
def test_older_weekly_files(sample_data: Path, tmp_path: Path, folder: str, reader) -> None:
    files = sorted((sample_data / SAMPLES / folder).glob("*.gz"))
    docs = [gzip.decompress(f.read_bytes()) for f in files]
    data = b"".join(doc if doc.endswith(b"\n") else doc + b"\n" for doc in docs) * 2
    path = tmp_path / "weekly.gz"
    path.write_bytes(gzip.compress(data))
    items = list(reader().read(path, dataset="uspto"))
    expected = [OLDER[f"{folder}/{f.name}"][1] for f in files] * 2
    assert [item.source_key for item in items] == expected
    cut = tmp_path / "cut.txt"
    cut.write_bytes(data[: len(data) - 700])
    seen = []
    with pytest.raises(InputFileError, match="cut off") as error:
        for item in reader().read(cut, dataset="uspto"):
            seen.append(item)
    assert len(seen) == len(expected) - 1
    assert f"line {items[-1].location.line}" in str(error.value)


def test_aps_reader_refuses_other_input(tmp_path: Path) -> None:
    for content, expected in (
        (b"", "empty"),
        (b'<?xml version="1.0"?>\n<us-patent-grant/>\n', "not APS"),
        (b"\x00\x01\x02", "binary"),
    ):
        path = tmp_path / "in.txt"
        path.write_bytes(content)
        with pytest.raises(InputFileError, match=expected):
            list(UsptoApsReader().read(path, dataset="uspto"))


def test_national_stage_wo_publication_is_family(sample_data: Path, tmp_path: Path) -> None:
    doc = raw(sample_data, "xml2014/US08930553.xml.gz")
    pct = (
        b"<pct-or-regional-publishing-data><document-id><country>WO</country>"
        b"<doc-number>2012/123456</doc-number><kind>A1</kind><date>20120920</date>"
        b"</document-id></pct-or-regional-publishing-data>\n<us-parties>"
    )
    path = tmp_path / "one.xml"
    path.write_bytes(doc.replace(b"<us-parties>", pct, 1))
    [record] = records(read_all(path))
    assert record.family == ["WO2012123456A1", "US20140101323A1"]
