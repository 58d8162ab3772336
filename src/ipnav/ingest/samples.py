"""The shared sample corpora that ``ipnav demo`` loads (setting ``IPNAV_SAMPLE_DATA``).

Each entry names a folder of the shared data, the files in it that hold
patent documents, and their format. Folders with other data (phrase
similarity pairs, classification schemes) are used by benchmarks and the
classification module, not loaded as patents.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ipnav.ingest.base import InputFileError
from ipnav.ingest.formats import available_formats


@dataclass(frozen=True)
class SampleCorpus:
    folder: str
    pattern: str
    format: str


SAMPLE_CORPORA: tuple[SampleCorpus, ...] = (
    SampleCorpus("us_nvidia_portfolio_patentsview", "*.jsonl.gz", "jsonl"),
    SampleCorpus("us_uspto_random10k_abstracts", "*.jsonl.gz", "jsonl"),
    SampleCorpus("us_patentsview_keyword_queries", "*.jsonl.gz", "jsonl"),
    SampleCorpus("patsnap_cs3245_citation_corpus", "documents.jsonl.gz", "jsonl"),
    SampleCorpus("cn_bdci2022_patent_fewshot", "*.jsonl.gz", "jsonl"),
    SampleCorpus("cn_patent_titles_ipc", "*.jsonl.gz", "jsonl"),
    SampleCorpus("cn_cnki_sample_with_claims", "*.jsonl.gz", "jsonl"),
    SampleCorpus("us_uspto_prosecution_events_sample", "*.jsonl.gz", "jsonl"),
    SampleCorpus("uspto_fulltext_format_samples", "xml20*/*.xml.gz", "uspto-xml"),
    SampleCorpus("uspto_fulltext_format_samples", "xmlApp2004/*.xml.gz", "uspto-xml"),
    SampleCorpus("uspto_fulltext_format_samples", "pap/*.xml.gz", "uspto-pap"),
    SampleCorpus("uspto_fulltext_format_samples", "sgml/*.xml.gz", "uspto-sgml"),
    SampleCorpus("uspto_fulltext_format_samples", "greenbook/*.greenbook.gz", "uspto-aps"),
)


def sample_files(data_dir: Path) -> list[tuple[Path, str, str]]:
    """(file, format, dataset) for every sample corpus file this installation can read."""
    if not (data_dir / "README.md").is_file():
        raise InputFileError(
            f"sample data not found at {data_dir}; set IPNAV_SAMPLE_DATA to the shared data folder"
        )
    formats = set(available_formats())
    files = []
    for corpus in SAMPLE_CORPORA:
        if corpus.format not in formats:
            continue
        for path in sorted((data_dir / corpus.folder).glob(corpus.pattern)):
            files.append((path, corpus.format, corpus.folder))
    return files
