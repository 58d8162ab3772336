"""The `ipnav` command line as a user runs it, and the README that documents it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipnav.cli import app
from ipnav.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def env(tmp_path, sample_data) -> dict[str, str]:
    return {"IPNAV_HOME": str(tmp_path / "home"), "IPNAV_SAMPLE_DATA": str(sample_data)}


def ipnav(env, *args: str):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_ingest_show_stats(env, corpus_subset):
    path = corpus_subset("patsnap_cs3245_citation_corpus/documents.jsonl.gz", 200)
    first = ipnav(env, "ingest", str(path))
    assert first.exit_code == 0, first.output
    assert "200 new" in first.output
    second = ipnav(env, "ingest", str(path))
    assert second.exit_code == 0 and "nothing to do" in second.output

    shown = ipnav(env, "show", "EP 0049154 B2", "--format", "json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["id"] == "EP0049154B2"
    table = ipnav(env, "show", "EP0049154B2")
    assert "B08B5/00" in table.output

    stats = json.loads(ipnav(env, "stats", "--format", "json").stdout)
    assert stats["total"] == 200
    assert set(stats) >= {
        "by_source",
        "by_country",
        "by_kind",
        "by_language",
        "by_applicant_type",
        "years",
    }


def test_show_unknown_and_malformed_numbers(env, corpus_subset):
    ipnav(
        env,
        "ingest",
        str(corpus_subset("cn_patent_titles_ipc/cn_titles_ipc_subclasses.jsonl.gz", 5)),
    )
    missing = ipnav(env, "show", "CN999999999A")
    assert missing.exit_code == 1 and "no record" in missing.output
    broken = ipnav(env, "show", "not a number!")
    assert broken.exit_code == 1 and "not a" in broken.output


def test_bad_input_file_exits_non_zero_with_one_line(env, tmp_path):
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\n\x00\x01\x02binary")
    result = ipnav(env, "ingest", str(binary))
    assert result.exit_code == 4
    assert result.output.strip().count("\n") == 0 and "scan.pdf" in result.output


def test_rejected_records_exit_3(env, tmp_path):
    path = tmp_path / "dates.jsonl"
    path.write_text(
        '{"id": "US5535303", "doc_number": "5535303", "grant_date": "1996-07-09"}\n'
        '{"id": "US5255349", "doc_number": "5255349", "grant_date": "1993-02-30"}\n',
        encoding="utf-8",
    )
    result = ipnav(env, "ingest", str(path))
    assert result.exit_code == 3
    assert "1 new" in result.output and "1 rejected" in result.output


def test_readme_documents_every_command_and_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.lstrip().startswith("# ipnav")
    first_commands = re.findall(r"^make (\w+)", readme, flags=re.M)[:2]
    assert first_commands == ["demo", "test"]
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"ipnav {name}" in readme, f"`ipnav {name}` is not documented in README.md"
    for field in Settings.model_fields:
        assert f"IPNAV_{field.upper()}" in readme, f"setting IPNAV_{field.upper()} not in README.md"


def test_gbk_csv_export_with_a_named_preset(env, sample_data, tmp_path):
    """A Chinese user's Excel export: GBK-encoded CSV with incoPat headers, real CNKI records."""
    import csv
    import gzip

    with gzip.open(
        sample_data / "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz", "rt"
    ) as source:
        records = [json.loads(line) for line in source]
    path = tmp_path / "incopat-export.csv"
    with path.open("w", encoding="gbk", errors="replace", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["公开（公告）号", "标题", "申请人", "申请日", "公开（公告）日", "权利要求"]
        )
        for r in records:
            number = r["source_url"].rsplit("filename=", 1)[1]
            writer.writerow(
                [
                    number,
                    r["title"],
                    r["applicant"],
                    r["application_date"],
                    r["publication_date"],
                    r["claims"],
                ]
            )
    result = ipnav(env, "ingest", str(path), "--mapping", "incopat")
    assert result.exit_code == 0, result.output
    assert "33 new" in result.output
    shown = json.loads(ipnav(env, "show", "CN108859303A", "--format", "json").stdout)
    assert shown["title"] == {"zh": "一种隔热金属材料"}
    assert shown["applicants"][0]["name"] == "四川大阳实业发展有限公司"
    assert shown["claims"]["zh"][0]["text"].startswith("一种隔热金属材料")


def test_class_command_explains_a_symbol(env):
    result = ipnav(env, "class", "G06F0009300000", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["compact"] == "G06F9/30"
    assert [entry["code"] for entry in data["path"]][:3] == ["G", "G06", "G06F"]
    bad = ipnav(env, "class", "not-a-symbol")
    assert bad.exit_code == 1 and "not-a-symbol" in bad.output


def test_show_says_when_the_asked_kind_is_not_stored(env, corpus_subset):
    ipnav(env, "ingest", str(corpus_subset("patsnap_cs3245_citation_corpus/documents.jsonl.gz", 5)))
    result = ipnav(env, "show", "EP_0049154_B1_19900411", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == "EP0049154B2"
    assert "showing EP0049154B2" in result.stderr
