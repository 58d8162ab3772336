"""What every benchmark shares: writing its section into benchmarks/RESULTS.md, between its
own markers, the machine line, and where the shared data is.

Each benchmark owns the text between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->``; re-running it replaces only that section, and a
``<!-- NAME:notes -->`` marker inside it keeps the hand-written notes below it.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def sample_data() -> Path:
    """The shared corpora: ``IPNAV_SAMPLE_DATA``, else ``../shared/data`` beside the repo."""
    return Path(os.environ.get("IPNAV_SAMPLE_DATA", ROOT.parent / "shared" / "data"))


def machine() -> str:
    """CPU model, cores, memory, Python and OS: the machine line of every results section."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        memory = f", {mem / 2**20:.0f} GiB RAM"
    except (OSError, TypeError):
        memory = ""
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


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
