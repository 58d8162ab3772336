"""Text and claims out of parsed USPTO XML, shared by the ICE, PAP and SGML readers.

The large texts are read in libxml2/libxslt rather than by a Python loop over
elements: :func:`text_of` is XPath ``normalize-space()``, :func:`blocks_text`
an XSLT stylesheet (compiled once per set of tags) that writes break marks
around blocks and lines and normalises the whitespace in the same pass.
Descriptions with large tables have thousands of elements, and one Python
attribute write per element cost about as much as parsing the document.
:func:`claims_of` still marks the (small) claims section in place.
"""

from __future__ import annotations

import functools
import html.entities
import re

from lxml import etree

from ipnav.model.record import Claim

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
# a reference to an entity other than the five XML predefines (which the parser replaces)
_ENTITY_REF = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)[A-Za-z_:]")
_LINES_AFTER = ("br", "ul", "ol", "tables", "table")  # elements followed by a line break
_CLAIM_PREFIX = re.compile(r"0*(\d+)\s*\.\s*")
_NON_DIGITS = re.compile(r"\D")
_RANGE_WORDS = {"-", "–", "—", "to", "through"}
_TEXT_REF = re.compile(
    r"\bclaims?\s+(\d+(?:\s*(?:,|-|–|to|through|or|and|and/or)\s*(?:claims?\s+)?\d+)*)", re.I
)
_TEXT_REF_TOKEN = re.compile(r"\d+|-|–|to|through")


def has_entity_refs(data: bytes) -> bool:
    """Whether a document's bytes may hold references to DTD entities.

    A cheap test on the bytes that spares :func:`resolve_entities` its walk over
    the whole tree for the many documents that have none. The ``&`` are found
    by ``bytes.find`` (memchr) and only those not starting a character
    reference (``&#x3bc;``, the usual kind) are tried: half the cost of one
    regular-expression scan over a 190 KB document.
    """
    find, match = data.find, _ENTITY_REF.match
    at = find(b"&")
    while at >= 0:
        if data[at + 1 : at + 2] != b"#" and match(data, at):
            return True
        at = find(b"&", at + 1)
    return False


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

    Table rows, list items and line breaks become lines; table cells are
    separated by a space; the content of ``drop`` elements (e.g. paragraph
    numbers) is left out. The tree is not changed.
    """
    if section is None:
        return ""
    paragraphs = []
    for para in str(_blocks_stylesheet(blocks, drop)(section)).split(_PARA):
        if _LINE in para:
            para = "\n".join(line for part in para.split(_LINE) if (line := part.strip()))
        elif para[:1] == " " or para[-1:] == " ":
            para = para.strip()
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)


@functools.lru_cache(maxsize=16)
def _blocks_stylesheet(blocks: tuple[str, ...], drop: tuple[str, ...]) -> etree.XSLT:
    """XSLT writing the section's text with marks, then ``normalize-space`` over it all.

    Per element: a block is followed by a paragraph mark, a table cell by a
    space, a row or list item starts with a line mark, line breaks, lists and
    tables are followed by one. A block takes only the block mark; a dropped
    element keeps its mark but not its content.
    """
    para, line = f"&#x{ord(_PARA):X};", f"&#x{ord(_LINE):X};"
    templates = []
    for tag in dict.fromkeys((*blocks, *drop, "entry", "row", "li", *_LINES_AFTER)):
        before = after = ""
        if tag in blocks:
            after = para
        elif tag == "entry":
            after = "<xsl:text> </xsl:text>"
        elif tag in ("row", "li"):
            before = line
        else:
            after = line if tag in _LINES_AFTER else ""
        content = "" if tag in drop else "<xsl:apply-templates/>"
        templates.append(f'<xsl:template match="{tag}">{before}{content}{after}</xsl:template>')
    xslt = (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:output method="text" encoding="UTF-8"/>'
        '<xsl:template match="/"><xsl:variable name="t"><xsl:apply-templates/></xsl:variable>'
        '<xsl:value-of select="normalize-space($t)"/></xsl:template>'
        + "".join(templates)
        + "</xsl:stylesheet>"
    )
    return etree.XSLT(etree.fromstring(xslt))


def claims_of(
    section: etree._Element | None,
    claim: str = "claim",
    parts: tuple[str, ...] = ("claim-text",),
    ref: tuple[str, str] = ("claim-ref", "idref"),
) -> list[Claim]:
    """The claims under ``section``: ``claim`` elements, read as one text each.

    ``parts`` (nested claim texts, steps) are joined by spaces; ``ref`` names the
    element and attribute that point to the parent claim (``CLM-00001``). One pass
    marks the tree (in place: read other text of ``section`` first), one C-level
    normalize-space reads every claim's text.
    """
    if section is None:
        return []
    numbers: list[int | None] = []
    refs: list[list[etree._Element]] = []
    for el in section.iter(claim, ref[0], *parts):
        tag = el.tag
        if tag == claim:
            el.text = _PARA + (el.text or "")
            el.tail = _PARA + (el.tail or "")
            numbers.append(_number(el.get("num") or el.get("id") or el.get("ID")))
            refs.append([])
        elif tag == ref[0]:
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
        for token in _TEXT_REF_TOKEN.findall(match[1]):
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
    if not text:
        return None
    if text.isdigit() and text.isascii():
        return int(text)
    digits = _NON_DIGITS.sub("", text)
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
