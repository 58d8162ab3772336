"""Writing one benchmark's section into benchmarks/RESULTS.md, between its own markers.

Each benchmark owns the text between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->``; re-running it replaces only that section, and a
``<!-- NAME:notes -->`` marker inside it keeps the hand-written notes below it.
"""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    start, end, notes_marker = (
        f"<!-- {name}:start -->",
        f"<!-- {name}:end -->",
        f"<!-- {name}:notes -->",
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    notes = ""
    if start in text:
        old = text[text.index(start) : text.index(end)]
        if notes_marker in old:
            notes = "\n" + old[old.index(notes_marker) :].rstrip() + "\n"
    section = f"{start}\n{body.rstrip()}\n{notes}{end}"
    if start in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
