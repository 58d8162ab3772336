"""Applicant-type classifier against the hand-labelled fixture, plus make_party speed.

Run::

    .venv/bin/python benchmarks/applicant_types.py            # print the markdown
    .venv/bin/python benchmarks/applicant_types.py --write

Reads ``tests/fixtures/applicant_types.csv`` (300 names labelled by reading them,
see ``tests/fixtures/applicant_types.md``) and, for the speed figure, every
applicant string of three real data sets under the sample-data folder
(``IPNAV_SAMPLE_DATA``, default ``../shared/data``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "applicant_types.csv"
TYPES = ("university", "institute", "company", "individual", "government", "other")
NOTES = "#### Notes"
LANGUAGES = {"zh": "Chinese names", "en": "English names", "ja": "Japanese names"}


def load_fixture(path: Path = FIXTURE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def scores(rows: list[dict[str, str]], predicted: list[str]) -> dict[str, dict[str, float]]:
    """Per-type precision, recall and support (precision is NaN with no predictions)."""
    table: dict[str, dict[str, float]] = {}
    for kind in TYPES:
        tp = sum(1 for r, p in zip(rows, predicted, strict=True) if p == kind == r["label"])
        n_pred = sum(1 for p in predicted if p == kind)
        n_true = sum(1 for r in rows if r["label"] == kind)
        table[kind] = {
            "precision": tp / n_pred if n_pred else float("nan"),
            "recall": tp / n_true if n_true else float("nan"),
            "support": n_true,
            "predicted": n_pred,
        }
    return table


def _fmt(value: float) -> str:
    return "–" if value != value else f"{value:.3f}"


def _table(title: str, rows: list[dict[str, str]], predicted: list[str]) -> list[str]:
    table = scores(rows, predicted)
    correct = sum(1 for r, p in zip(rows, predicted, strict=True) if r["label"] == p)
    lines = [
        f"#### {title} ({len(rows)} names): accuracy {correct / len(rows):.3f}",
        "",
        "| type | precision | recall | support | predicted |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, row in table.items():
        if row["support"] or row["predicted"]:
            lines.append(
                f"| {kind} | {_fmt(row['precision'])} | {_fmt(row['recall'])} "
                f"| {row['support']} | {row['predicted']} |"
            )
    return [*lines, ""]


def report(rows: list[dict[str, str]]) -> str:
    from ipnav.model.applicants import classify_applicant

    predicted = [classify_applicant(row["name"]).value for row in rows]
    lines: list[str] = []
    strata = (("random", "random sample"), (None, "random + hard"))
    for lang, title in LANGUAGES.items():
        for stratum, label in strata:
            idx = [
                i
                for i, row in enumerate(rows)
                if row["lang"] == lang and stratum in (None, row["sample"])
            ]
            if idx:
                lines += _table(
                    f"{title}, {label}", [rows[i] for i in idx], [predicted[i] for i in idx]
                )
    errors = [
        (row, pred) for row, pred in zip(rows, predicted, strict=True) if row["label"] != pred
    ]
    lines += [f"#### Errors ({len(errors)})", ""]
    if errors:
        lines += ["| name | label | predicted | sample | note |", "|---|---|---|---|---|"]
        for row, pred in errors:
            name = row["name"].replace("|", "\\|")
            lines.append(f"| {name} | {row['label']} | {pred} | {row['sample']} | {row['note']} |")
    pairs = Counter((row["label"], pred) for row, pred in errors)
    if pairs:
        lines += ["", "Confusions: " + ", ".join(f"{a}→{b} ×{n}" for (a, b), n in pairs.items())]
    return "\n".join(lines)


def _applicant_strings(data: Path) -> list[str]:
    """Every applicant string of the three sets, in record order (with repeats)."""
    names: list[str] = []
    sources = [
        ("cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz", "assignee"),
        ("patsnap_cs3245_citation_corpus/documents.jsonl.gz", "assignees"),
        ("us_nvidia_portfolio_patentsview/nvidia_patents.jsonl.gz", "assignees"),
    ]
    for rel, field in sources:
        with gzip.open(data / rel, "rt", encoding="utf-8") as handle:
            for line in handle:
                value = json.loads(line).get(field)
                if isinstance(value, str):
                    names.append(value)
                elif value:
                    names.extend(value)
    return names


def speed(data: Path) -> str:
    from ipnav.model import applicants

    names = _applicant_strings(data)
    for func in (
        applicants.normalize_name,
        applicants.display_name,
        applicants.classify_applicant,
        applicants._party_fields,
    ):
        func.cache_clear()
    start = time.perf_counter()
    for name in names:
        applicants.make_party(name)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for name in names:
        applicants.make_party(name)
    warm = time.perf_counter() - start
    return (
        f"make_party over {len(names):,} applicant strings ({len(set(names)):,} distinct) "
        f"of BDCI + PatSnap + NVIDIA: {len(names) / cold:,.0f} names/s with empty caches "
        f"(OpenCC start-up included), {len(names) / warm:,.0f} names/s with warm caches."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write", action="store_true", help="also write the section in benchmarks/RESULTS.md"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("IPNAV_SAMPLE_DATA", ROOT.parent / "shared" / "data")),
    )
    args = parser.parse_args(argv)
    body = report(load_fixture()) + "\n\n" + speed(args.data)
    print(body)
    if args.write:
        from results_file import machine, write_section

        header = [
            "## Applicant types (`ipnav.model.applicants.classify_applicant`)",
            "",
            f"- date: {dt.date.today().isoformat()}",
            f"- machine: {machine()}",
            "- command: `.venv/bin/python benchmarks/applicant_types.py --write`",
            "- fixture: `tests/fixtures/applicant_types.csv` (420 names labelled by hand: "
            "300 random, 120 hard; sampling in `tests/fixtures/applicant_types.md`)",
            "",
        ]
        write_section("applicant_types", "\n".join(header) + body)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    raise SystemExit(main())
