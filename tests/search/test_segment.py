"""Chinese segmentation and the corpus-grown user dictionary, on real CN titles and abstracts."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest

from ipnav.text.segment import (
    STOP_WORDS,
    Segmenter,
    grow_user_dictionary,
    load_user_dictionary,
    normalize,
    save_user_dictionary,
)


def _read(path: Path, n: int) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in itertools.islice(handle, n)]


@pytest.fixture(scope="module")
def cn_texts(sample_data: Path) -> list[str]:
    """Titles + abstracts of 4,097 BDCI patents and 9,740 CN titles (~1.3 M characters)."""
    bdci = _read(sample_data / "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz", 10_000)
    titles = _read(sample_data / "cn_patent_titles_ipc/cn_titles_ipc_subclasses.jsonl.gz", 10_000)
    texts = [f"{d.get('title') or ''}。{d.get('abstract') or ''}" for d in bdci]
    return texts + [d["title"] for d in titles]


@pytest.fixture(scope="module")
def grown(cn_texts: list[str]) -> list[str]:
    return grow_user_dictionary(cn_texts)


def test_tokens_drop_punctuation_and_lowercase_latin() -> None:
    tokens = Segmenter().tokens("一种5G通讯电缆故障监控系统，包括ＬＥＤ指示灯（MBR）。")
    assert "5g" in tokens and "led" in tokens and "mbr" in tokens
    assert "电缆" in tokens and "故障" in tokens
    assert not {"，", "（", "）", "。"} & set(tokens)


def test_search_mode_adds_inner_words_at_their_offsets() -> None:
    positioned = Segmenter().positioned("锂离子电池")
    assert ("锂离子", 0, 3) in positioned
    assert ("离子", 1, 3) in positioned  # inner word: a query for 离子 finds 锂离子


def test_normalize_joins_latin_and_han() -> None:
    assert normalize("  LED 灯\u3000与 ＬＥＤ灯  lithium   ion ") == "LED灯与LED灯lithium ion"


def test_real_title_words(sample_data: Path) -> None:
    record = _read(sample_data / "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz", 2)[1]
    assert record["title"] == "一种5G通讯电缆故障监控系统"
    assert Segmenter().tokens(record["title"]) == [
        "一种", "5g", "通讯", "电缆", "故障", "监控", "系统",
    ]  # fmt: skip


def test_grown_dictionary_finds_technical_terms(grown: list[str], cn_texts: list[str]) -> None:
    assert 500 < len(grown) <= 5000
    top = set(grown[:200])
    # multi-word terms of the corpus that jieba's general dictionary splits
    assert {"区块链", "新能源汽车", "石墨烯", "数字孪生"} <= top
    for term in grown:
        assert 3 <= len(term) <= 10
        # never a function word or boilerplate at either end
        assert not any(term.startswith(w) or term.endswith(w) for w in ("的", "一种", "所述"))
    base = Segmenter()
    assert not any(base.jieba.has_word(term) for term in grown[:200])
    assert all(sum(term in text for text in cn_texts) >= 5 for term in grown[:50])


def test_trigram_kept_instead_of_its_fragment(grown: list[str]) -> None:
    # "新能源 汽车" is kept; "能源汽车" etc. are not separate terms
    assert "新能源汽车" in grown
    assert not any(term in grown for term in ("能源汽车",))


def test_cohesion_threshold_rejects_chance_pairs(cn_texts: list[str]) -> None:
    strict = grow_user_dictionary(cn_texts[:2000], min_count=5, min_pmi=6.0)
    loose = grow_user_dictionary(cn_texts[:2000], min_count=5, min_pmi=1.0)
    assert set(strict) < set(loose)
    assert "一种" in STOP_WORDS and not any(term.startswith("一种") for term in loose)


def test_user_dictionary_changes_the_cut_and_round_trips(grown: list[str], tmp_path: Path) -> None:
    term = "数字孪生"
    assert term in grown
    assert term not in Segmenter().tokens("基于数字孪生的车间监控方法")
    path = tmp_path / "user_dictionary.txt"
    save_user_dictionary(path, grown)
    assert load_user_dictionary(path) == grown
    loaded = Segmenter.from_file(path)
    assert term in loaded.tokens("基于数字孪生的车间监控方法")
    assert [w for w, _ in loaded.words("数字孪生")] == [term]


def test_segmenter_is_lazy() -> None:
    segmenter = Segmenter(["热失控"])
    assert segmenter._jieba is None
    assert "热失控" in segmenter.tokens("电池热失控预警")
