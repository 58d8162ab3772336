"""RIS writer: one ``TY  - PAT`` reference per record, for Zotero, EndNote and other managers.

RIS has no published patent schema of its own; the tags follow the field map of Zotero's RIS
translator (``zotero/translators``, ``RIS.js``, ``fieldMap``), the most widely used reader and
writer of patent RIS, so that a record imported into Zotero lands in its patent fields:

======  ======================  ==================================================
Tag     Zotero patent field     ipnav
======  ======================  ==================================================
TY      item type ``PAT``       always ``PAT``
ID      (item id)               record id (``CN108022189A``, ``BDCI-…``)
TI      title                   title in ``lang``, else Chinese, else English
AU      inventor (one a line)   inventors
PB      assignee                applicants, joined with ``"; "``
AB      abstract                abstract in the same language order
DA, PY  issue date, its year    publication date (``YYYY/MM/DD/``, ``YYYY``)
C1      filing date             filing date (``YYYY/MM/DD/``)
SN      patent number           publication number (``CN108022189A``)
M1      application number      application number (``CN201610972212.5``)
CY, C3  place, country          country / office code
OP      priority numbers        priority application numbers, joined with ``"; "``
C6      legal status            legal status (ipnav code, e.g. ``granted``)
KW      tags (one a line)       IPC symbols
LA      language                language of the exported title
UR      URL                     Google Patents page, for records with a number
======  ======================  ==================================================

The same tags are in rispy's RIS tag map, so the file is written with rispy's own
:class:`~rispy.RisWriter` one reference at a time (streaming; ``rispy.dump`` wants a list) and
reads back with ``rispy.load``. The file is UTF-8 without a byte order mark (rispy and Zotero
look for ``TY`` at the very start of a line; a BOM would hide the first reference) and has
CR LF line ends, the RIS convention. Line breaks inside values are turned into spaces, since
a continuation line would be read as part of the previous tag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ipnav.model.record import PatentRecord
from ipnav.search.export_columns import LIST_SEPARATOR, ExportRow, application_display, preference

GOOGLE_PATENTS_URL = "https://patents.google.com/patent/{id}"


def ris_entry(record: PatentRecord, lang: str) -> dict[str, Any]:
    """The record as a rispy entry (rispy's field names), empty fields left out."""
    prefer = preference(lang)
    title_lang = next((code for code in (*prefer, *record.title) if record.title.get(code)), None)
    entry: dict[str, Any] = {
        "type_of_reference": "PAT",
        "id": record.id,
        "title": record.text("title", prefer),
        "authors": [person.name for person in record.inventors],
        "publisher": LIST_SEPARATOR.join(party.name for party in record.applicants),
        "abstract": record.text("abstract", prefer),
        "year": str(record.publication_date.year) if record.publication_date else None,
        "date": _ris_date(record.publication_date),
        "custom1": _ris_date(record.filing_date),
        "issn": f"{record.country}{record.number}{record.kind or ''}"
        if record.country and record.number
        else None,
        "note": application_display(record),
        "place_published": record.country,
        "custom3": record.country,
        "original_publication": LIST_SEPARATOR.join(
            claim.number for claim in record.priority_claims
        ),
        "custom6": record.legal_status.value if record.legal_status else None,
        "keywords": list(record.ipc),
        "language": title_lang,
        "urls": [GOOGLE_PATENTS_URL.format(id=record.id)]
        if record.country and record.number
        else [],
    }
    return {key: _one_line(value) for key, value in entry.items() if value}


def _ris_date(date: dt.date | None) -> str | None:
    """RIS ``DA`` form ``YYYY/MM/DD/`` (the trailing slash ends the empty "other info" part)."""
    return f"{date.year:04d}/{date.month:02d}/{date.day:02d}/" if date else None


def _one_line(value: Any) -> Any:
    if isinstance(value, list):
        return [_one_line(item) for item in value if item]
    if isinstance(value, str):
        return " ".join(value.split()) if "\n" in value or "\r" in value else value
    return value


def write_ris(
    rows: Iterable[ExportRow], target: Path, *, lang: str, meta: Mapping[str, Any]
) -> None:
    """One reference per record; ``meta`` is not written (RIS has no file header)."""
    from rispy import RisWriter

    class _Writer(RisWriter):
        def set_header(self, count: int) -> str:
            return ""  # rispy numbers references ("1."); every reference would be "1." here

    writer = _Writer()
    with target.open("w", encoding="utf-8", newline="\r\n") as handle:
        for index, row in enumerate(rows):
            if index:
                handle.write("\n")
            handle.write(writer.formats([ris_entry(row.record, lang)]))
