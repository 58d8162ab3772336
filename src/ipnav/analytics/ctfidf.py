"""Distinctive terms of groups of documents: class-based TF-IDF (c-TF-IDF).

c-TF-IDF (Grootendorst 2022, "BERTopic: Neural topic modeling with a class-based
TF-IDF procedure", arXiv:2203.05794, eq. 1) treats all documents of a class (a
cluster) as one document and weighs term ``t`` in class ``c`` by

    W(t, c) = tf(t, c) * log(1 + A / f(t))

where ``tf(t, c)`` is the frequency of ``t`` in ``c`` divided by the number of
tokens of ``c`` (BERTopic L1-normalises the class rows the same way), ``f(t)``
the frequency of ``t`` over all classes and ``A`` the average number of tokens per
class. A term frequent in one cluster and rare elsewhere scores high; a word of
every cluster ("water", "处理") scores low without a hand-made stop list.
(BERTopic truncates ``A`` to an integer; the formula's real value is used here.)

Tokens are taken per language, so that a cluster gets a label in each language
its documents are written in: Chinese through jieba's precise cut
(:class:`~ipnav.text.segment.Segmenter`), words of two or more Han characters
that are not function words or drafting boilerplate; English lower-cased words
of three or more letters minus scikit-learn's English stop words and patent
boilerplate ("apparatus", "wherein", ...).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

from ipnav.text.segment import STOP_WORDS, Segmenter, normalize

_HAN_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_EN_WORD = re.compile(r"[a-z][a-z-]*[a-z]")

#: Chinese patent drafting words that say nothing about the technology.
_ZH_BOILERPLATE_TEXT = """
    本发明 发明 实用新型 公开 涉及 提供 一种 所述 包括 设置 连接 用于 通过 实现 其中 至少
    技术 领域 方法 装置 系统 设备 结构 步骤 模块 单元 组件 部件 机构 本体 以及 进行 具有
    能够 可以 采用 利用 使得 从而 有效 现有 问题 解决 目的 优点 效果 特征 方案 相应 分别
    得到 获取 根据 包含 位于 第一 第二 第三 一端 另一端 两端 上端 下端 内部 外部 之间
    """
ZH_BOILERPLATE = frozenset(_ZH_BOILERPLATE_TEXT.split())

#: English patent drafting words that say nothing about the technology.
_EN_BOILERPLATE_TEXT = """
    invention present disclosed disclosure provided provides providing include includes
    including comprising comprises comprise wherein whereby thereof therein said method
    methods apparatus apparatuses system systems device devices unit units means embodiment
    embodiments first second third plurality configured arranged based using used use
    having least portion portions member members one two may can also within further
    each thereby according described herein invention's structure
    """
EN_BOILERPLATE = frozenset(_EN_BOILERPLATE_TEXT.split())

_segmenter: Segmenter | None = None


def _cutter() -> Segmenter:
    global _segmenter
    if _segmenter is None:  # built on first use (jieba's dictionary load), not at import
        _segmenter = Segmenter()
    return _segmenter


@functools.lru_cache(maxsize=1)
def _english_stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | EN_BOILERPLATE


def tokens(text: str, lang: str) -> list[str]:
    """The terms of ``text`` counted for language ``lang`` (``zh`` or ``en``; others: none)."""
    if not text:
        return []
    if lang == "zh":
        return [
            word
            for word, _ in _cutter().words(text)
            if _HAN_WORD.fullmatch(word) and word not in STOP_WORDS and word not in ZH_BOILERPLATE
        ]
    if lang == "en":
        stop = _english_stop_words()
        return [
            word
            for word in _EN_WORD.findall(normalize(text).lower())
            if len(word) >= 3 and word not in stop
        ]
    return []


def class_tfidf(
    documents: Sequence[Sequence[str]],
    classes: Sequence[Hashable],
    *,
    top: int = 10,
    min_df: int = 1,
) -> dict[Hashable, list[tuple[str, float]]]:
    """The ``top`` terms of each class by c-TF-IDF weight (see the module doc), best first.

    Parameters
    ----------
    documents:
        Each document's tokens.
    classes:
        Each document's class (cluster), same length as ``documents``.
    min_df:
        Terms found in fewer documents are left out (a word of one document, often a
        name or a typo, is not what a cluster is about).

    Ties are broken by the term, so the result is deterministic.
    """
    if len(documents) != len(classes):
        raise ValueError("class_tfidf needs one class per document")
    df: Counter[str] = Counter()
    for doc in documents:
        df.update(set(doc))
    keep = {term for term, n in df.items() if n >= min_df}
    per_class: dict[Hashable, Counter[str]] = {}
    for doc, cls in zip(documents, classes, strict=True):
        per_class.setdefault(cls, Counter()).update(t for t in doc if t in keep)
    per_class = {cls: counts for cls, counts in per_class.items() if counts}
    if not per_class:
        return {}
    overall: Counter[str] = Counter()
    for counts in per_class.values():
        overall.update(counts)
    average = sum(overall.values()) / len(per_class)
    found: dict[Hashable, list[tuple[str, float]]] = {}
    for cls, counts in per_class.items():
        size = sum(counts.values())
        weights = [
            (term, (n / size) * math.log(1.0 + average / overall[term]))
            for term, n in counts.items()
        ]
        weights.sort(key=lambda tw: (-tw[1], tw[0]))
        found[cls] = weights[:top]
    return found


def label(terms: Iterable[str], lang: str, n: int = 3) -> str:
    """A short label from the best terms: ``膜、反应器、污泥`` or ``membrane, sludge, reactor``."""
    best = list(terms)[:n]
    return ("、" if lang == "zh" else ", ").join(best)
