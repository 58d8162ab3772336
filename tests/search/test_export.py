"""Exports of real records to CSV, XLSX, RIS and JSON Lines, each read back by its own reader.

The records are real: subsets of the PatSnap citation corpus (English, priorities, families,
citations), the BDCI few-shot set (Chinese, no publication number) and the CNKI sample
(Chinese, claims), ingested into a SQLite store once for the module.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import itertools
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import orjson
import pytest
import rispy

from ipnav.ingest.base import Parsed
from ipnav.ingest.jsonl import JsonlReader
from ipnav.ingest.pipeline import ingest_file
from ipnav.model.record import Claim, LegalStatus, Party, PatentRecord, Person
from ipnav.search.export import EXPORTERS, ExportError, export_records
from ipnav.search.export_columns import COLUMNS
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore

CORPORA = {
    "patsnap_cs3245_citation_corpus/documents.jsonl.gz": 250,
    "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz": 150,
    "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz": 40,
}
KEYS = [column.key for column in COLUMNS]
FORMATS = sorted(EXPORTERS)


@pytest.fixture(scope="module")
def records(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> list[PatentRecord]:
    """A few hundred real canonical records, as the store gives them back."""
    folder = tmp_path_factory.mktemp("export-store")
    settings = Settings(home=folder / "home", sample_data=sample_data)
    with PatentStore.open(settings) as store:
        for relative, lines in CORPORA.items():
            subset = folder / Path(relative).name.removesuffix(".gz")
            with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
                subset.write_text("".join(itertools.islice(source, lines)), encoding="utf-8")
            report = ingest_file(store, settings, subset, dataset=relative.split("/")[0])
            assert report.counts.rejected == 0
        loaded = list(store.iter_records())
    assert len(loaded) >= 400
    return loaded


def by_id(records: list[PatentRecord]) -> dict[str, PatentRecord]:
    return {record.id: record for record in records}


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [dict(zip(KEYS, row, strict=True)) for row in reader]


def with_texts(record: PatentRecord, **changes) -> PatentRecord:
    return record.model_copy(deep=True, update=changes)


# -- CSV -----------------------------------------------------------------------------------


def test_csv_has_a_bom_bilingual_headers_and_every_record(records, tmp_path):
    path = tmp_path / "result.csv"
    scores = {records[0].id: 12.5, records[3].id: 0.25}
    assert export_records(iter(records), path, scores=scores) == len(records)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    header, rows = read_csv(path)
    assert header[:3] == ["排名 / Rank", "相关度 / Score", "记录号 / Record ID"]
    assert header[3] == "公开(公告)号 / Publication number"
    assert len(header) == len(COLUMNS) and "申请人 / Applicants" in header
    assert [row["id"] for row in rows] == [record.id for record in records]
    assert [row["rank"] for row in rows[:3]] == ["1", "2", "3"]
    assert (rows[0]["score"], rows[1]["score"], rows[3]["score"]) == ("12.5", "", "0.25")

    originals = by_id(records)
    for row in rows:
        record = originals[row["id"]]
        assert row["title"] == (record.text("title") or "")
        assert row["applicants"] == "; ".join(p.name for p in record.applicants)
        assert row["inventors"] == "; ".join(p.name for p in record.inventors)
        assert row["publication_date"] == (
            record.publication_date.isoformat() if record.publication_date else ""
        )
        assert row["cited_count"] == str(len(record.cited_patents))
        assert row["cited_by_count"] == str(len(record.cited_by))
        assert row["ipc"] == "; ".join(record.ipc)

    cnki = originals["CN104205376B"]
    row = next(row for row in rows if row["id"] == "CN104205376B")
    assert row["title"] == "发光二极管器件及用于生产其的包括转换材料化学的方法"
    assert row["publication_number"] == "CN 104205376 B"
    assert row["filing_date"] == "2013-02-01" and row["publication_date"] == "2018-04-27"
    assert row["first_claim"] == cnki.claims["zh"][0].text and row["first_claim"]
    assert row["applicant_types"] == "企业"
    assert row["sources"] == "cn_cnki_sample_with_claims"

    ep = next(row for row in rows if row["id"] == "EP0049154B2")
    assert ep["application_number"] == "EP1981304493"
    assert ep["priority_date"] == "1980-11-04"
    assert "EP0049154B1" in ep["family"].split("; ")
    assert ep["cited_count"] == "1"

    bdci = next(row for row in rows if row["id"].startswith("BDCI-"))
    assert bdci["publication_number"] == "" and bdci["title"]


def test_csv_in_english_prefers_english_texts(records, tmp_path):
    translated = [r for r in records if {"en", "zh"} <= set(r.abstract)]
    assert translated, "the PatSnap subset has machine-translated abstracts"
    path = tmp_path / "result.csv"
    export_records(translated, path, lang="en")
    header, rows = read_csv(path)
    assert header[3] == "Publication number" and "申请人" not in "".join(header)
    for row, record in zip(rows, translated, strict=True):
        assert row["abstract"] == record.abstract["en"]
    zh_path = tmp_path / "result_zh.csv"
    export_records(translated, zh_path, lang="zh")
    _, zh_rows = read_csv(zh_path)
    assert [row["abstract"] for row in zh_rows] == [r.abstract["zh"] for r in translated]


HOSTILE = {
    "title": {"zh": '=HYPERLINK("http://evil.example","点击")'},
    "abstract": {"zh": "+1+cmd|' /C calc'!A0"},
    "applicants": [Party(name="@SUM(A1:A9)"), Party(name="正常公司")],
    "inventors": [Person(name="-2+3")],
    "claims": {"zh": [Claim(number=1, text="\t=1+1")]},
    "legal_status": LegalStatus.GRANTED,
}


def test_csv_neutralises_formulas(records, tmp_path):
    record = with_texts(records[0], **HOSTILE)
    path = tmp_path / "hostile.csv"
    export_records([record], path)
    _, [row] = read_csv(path)
    assert row["title"] == '\'=HYPERLINK("http://evil.example","点击")'
    assert row["abstract"] == "'+1+cmd|' /C calc'!A0"
    assert row["applicants"] == "'@SUM(A1:A9); 正常公司"
    assert row["inventors"] == "'-2+3"
    assert row["first_claim"] == "'\t=1+1"
    assert row["legal_status"] == "授权"
    for key in KEYS:
        assert not row[key].startswith(("=", "+", "-", "@", "\t")), key


# -- XLSX ----------------------------------------------------------------------------------


def test_xlsx_streams_typed_cells_a_frozen_header_and_an_about_sheet(records, tmp_path):
    path = tmp_path / "result.xlsx"
    meta = {"query": "TI=(电池 AND 锂)", "user": "测试"}
    count = export_records(records, path, scores={records[1].id: 3.0}, meta=meta)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["专利 (Patents)", "说明 (About)"]
    sheet = workbook["专利 (Patents)"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[2] == "记录号 / Record ID" and all(cell.font.b for cell in sheet[1])
    rows = [dict(zip(KEYS, values, strict=True)) for values in sheet.iter_rows(2, values_only=True)]
    assert len(rows) == count == len(records)
    assert rows[1]["score"] == 3.0 and rows[0]["score"] is None and rows[4]["rank"] == 5

    originals = by_id(records)
    for row in rows:
        record = originals[row["id"]]
        assert row["title"] == record.text("title")
        for field in ("publication_date", "filing_date", "grant_date"):
            expected = getattr(record, field)
            assert (row[field].date() if row[field] else None) == expected
        assert row["cited_by_count"] == len(record.cited_by)
        assert row["applicants"] == ("; ".join(p.name for p in record.applicants) or None)
    cnki = next(row for row in rows if row["id"] == "CN104205376B")
    assert cnki["publication_date"] == dt.datetime(2018, 4, 27)
    date_cell = sheet.cell(row=2 + rows.index(cnki), column=KEYS.index("publication_date") + 1)
    assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd"

    about = {row[0]: row[1] for row in workbook["说明 (About)"].iter_rows(2, values_only=True)}
    assert about["记录数 / Records"] == len(records)
    assert about["检索式 / Query"] == "TI=(电池 AND 锂)" and about["user"] == "测试"
    exported = dt.datetime.fromisoformat(about["导出时间 / Exported at"])
    assert abs(dt.datetime.now().astimezone() - exported) < dt.timedelta(minutes=5)


def test_xlsx_keeps_hostile_text_as_inert_text(records, tmp_path):
    record = with_texts(records[0], **HOSTILE)
    path = tmp_path / "hostile.xlsx"
    export_records([record], path, meta={"query": "=cmd|' /C calc'!A0"})
    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(name) for name in sheets)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    row = dict(zip(KEYS, sheet[2], strict=True))
    assert row["title"].value == HOSTILE["title"]["zh"]  # the exact text, never evaluated
    assert row["applicants"].value == "@SUM(A1:A9); 正常公司"
    for key in ("title", "abstract", "applicants", "inventors", "first_claim"):
        assert row[key].data_type == "s" and row[key].quotePrefix, key
    assert not row["id"].quotePrefix


def test_xlsx_drops_control_characters_and_cuts_overlong_text(records, tmp_path):
    record = with_texts(records[0], abstract={"zh": "控制\x01字符" + "长" * 40_000})
    path = tmp_path / "long.xlsx"
    export_records([record], path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    abstract = sheet.cell(row=2, column=KEYS.index("abstract") + 1).value
    assert abstract.startswith("控制字符长") and len(abstract) == 32_767


# -- RIS -----------------------------------------------------------------------------------


def test_ris_reads_back_with_rispy(records, tmp_path):
    path = tmp_path / "result.ris"
    export_records(records, path)
    raw = path.read_bytes()
    assert raw.startswith(b"TY  - PAT\r\n")
    entries = rispy.load(path, encoding="utf-8")
    assert len(entries) == len(records)
    originals = by_id(records)
    for entry in entries:
        record = originals[entry["id"]]
        assert entry["type_of_reference"] == "PAT"
        assert entry.get("title") == record.text("title")
        assert entry.get("authors", []) == [p.name for p in record.inventors]
        assert entry.get("publisher", "") == "; ".join(p.name for p in record.applicants)
        assert entry.get("keywords", []) == record.ipc
        if record.publication_date:
            assert entry["date"] == record.publication_date.strftime("%Y/%m/%d/")
            assert entry["year"] == str(record.publication_date.year)
    ep = next(entry for entry in entries if entry["id"] == "EP0049154B2")
    assert ep["issn"] == "EP0049154B2" and ep["note"] == "EP1981304493"
    assert ep["custom1"] == "1981/09/29/" and ep["original_publication"] == "US203834"
    assert ep["urls"] == ["https://patents.google.com/patent/EP0049154B2"]
    assert ep["authors"][0] == "SCHMIT, FRANK, L."
    cnki = next(entry for entry in entries if entry["id"] == "CN104205376B")
    assert cnki["title"] == "发光二极管器件及用于生产其的包括转换材料化学的方法"
    assert cnki["publisher"] == "沙特基础全球技术有限公司" and cnki["language"] == "zh"


def test_ris_values_stay_on_one_line(records, tmp_path):
    record = with_texts(records[0], abstract={"zh": "第一行\n第二行\r\nER  - 第三行"})
    path = tmp_path / "lines.ris"
    export_records([record, records[1]], path)
    entries = rispy.load(path, encoding="utf-8")
    assert [e["id"] for e in entries] == [records[0].id, records[1].id]
    assert entries[0]["abstract"] == "第一行 第二行 ER - 第三行"


# -- JSONL ---------------------------------------------------------------------------------


def test_jsonl_is_ipnavs_import_format(records, tmp_path):
    path = tmp_path / "result.jsonl"
    export_records(records, path)
    lines = path.read_bytes().splitlines()
    assert len(lines) == len(records) and orjson.loads(lines[0])["id"] == records[0].id
    items = list(JsonlReader().read(path, dataset="reimport"))
    assert all(isinstance(item, Parsed) for item in items)
    back = [item.record for item in items]
    for record in back:  # the reader records where it read the record from; nothing else
        assert record.sources[-1].dataset == "reimport"
        record.sources.pop()
    assert back == records


# -- the shared machinery ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_export_leaves_no_file_and_keeps_the_old_one(records, tmp_path, fmt):
    def failing() -> Iterator[PatentRecord]:
        yield from records[:50]
        raise RuntimeError("store went away")

    path = tmp_path / f"result.{fmt}"
    with pytest.raises(RuntimeError, match="store went away"):
        export_records(failing(), path)
    assert list(tmp_path.iterdir()) == []

    export_records(records[:3], path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError):
        export_records(failing(), path)
    assert list(tmp_path.iterdir()) == [path] and path.read_bytes() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_by_suffix_or_by_name_and_empty_sets(records, tmp_path, fmt):
    assert export_records(iter(()), tmp_path / f"empty.{fmt}") == 0
    assert export_records(records[:5], tmp_path / f"by_suffix.{fmt}") == 5
    assert export_records(records[:5], tmp_path / "by_name.out", format=fmt.upper()) == 5
    if fmt == "xlsx":  # the About sheet holds the export time; compare the records sheet
        values = [_first_sheet(tmp_path / name) for name in ("by_suffix.xlsx", "by_name.out")]
        assert values[0] == values[1] and len(values[0]) == 6
        assert len(_first_sheet(tmp_path / "empty.xlsx")) == 1
    else:
        by_suffix = (tmp_path / f"by_suffix.{fmt}").read_bytes()
        assert (tmp_path / "by_name.out").read_bytes() == by_suffix


def _first_sheet(path: Path) -> list[tuple]:
    with path.open("rb") as handle:  # a handle: openpyxl refuses names not ending in .xlsx
        return list(openpyxl.load_workbook(handle).worksheets[0].values)


def test_unknown_formats_and_folders_are_refused_with_the_choices(records, tmp_path):
    with pytest.raises(ExportError, match="known formats: csv, jsonl, ris, xlsx"):
        export_records(records, tmp_path / "a.csv", format="pdf")
    with pytest.raises(ExportError, match=r"\.csv, \.xlsx, \.ris or \.jsonl"):
        export_records(records, tmp_path / "a.docx")
    with pytest.raises(ExportError, match="does not exist"):
        export_records(records, tmp_path / "missing" / "a.csv")
    assert list(tmp_path.iterdir()) == []


def test_progress_counts_records(records, tmp_path):
    many = (with_texts(records[i % len(records)], id=f"X{i}") for i in range(2500))
    seen: list[int] = []
    assert export_records(many, tmp_path / "a.jsonl", progress=seen.append) == 2500
    assert seen == [1000, 2000, 2500]


# -- scale ---------------------------------------------------------------------------------


def cycled(records: list[PatentRecord], n: int) -> Iterator[PatentRecord]:
    """``n`` records with distinct ids, made by cycling real ones (shallow copies)."""
    for i, record in zip(range(n), itertools.cycle(records), strict=False):
        yield record.model_copy(update={"id": f"{record.id}-{i}"})


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_large_export_streams_in_flat_memory(records, tmp_path, fmt):
    n = 50_000 if fmt != "xlsx" else 10_000  # openpyxl is ~10x slower per row
    path = tmp_path / f"large.{fmt}"
    export_records(records[:2], tmp_path / f"warm-up.{fmt}")  # lazy imports are not the export
    tracemalloc.start()
    try:
        assert export_records(cycled(records, n), path) == n
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert size > (30_000_000 if fmt != "xlsx" else 3_000_000)  # XLSX is zip-compressed
    assert peak < size / 5 and peak < 2_000_000, (peak, size)  # measured: 0.05-0.5 MB
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            assert sum(1 for _ in csv.reader(handle)) == n + 1
    elif fmt == "jsonl":
        with path.open("rb") as handle:
            last = orjson.loads(handle.readlines()[-1])
        assert last["id"].endswith(f"-{n - 1}")
