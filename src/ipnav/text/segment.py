"""Chinese word segmentation for indexing and querying, with a dictionary grown from the corpus.

Chinese has no spaces, so both the lexical index and its queries cut text into
words with jieba (the ``rjieba`` port: same segmentation, ~20× faster). Two
choices keep index and query in step:

* **Search-mode cut, tokens positioned by character offset.** The index gets
  jieba's search-mode tokens (every word plus the dictionary words inside it:
  ``锂离子`` also yields ``离子``), each at the position of its first character.
  A query phrase is then matched by the characters' offsets, not by how jieba
  happened to cut the document: ``生物反应器`` (``生物`` at +0, ``反应器`` at +2)
  finds ``膜生物反应器`` although the document's word is the longer one.
* **One user dictionary for both sides.** Technical terms that jieba's general
  dictionary splits (``热失控`` -> ``热 失控``) are learned from the corpus by
  :func:`grow_user_dictionary`, saved next to the index and added to jieba
  before indexing and before querying.

Text is NFKC-normalised (full-width ``ＬＥＤ`` -> ``LED``), whitespace runs are
collapsed (and dropped next to Han characters), Latin is lower-cased and
punctuation is dropped.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_SPACE = re.compile(r"\s+")
_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BY_HAN = re.compile(f"(?<=[{_HAN_CLASS}]) (?=\\S)|(?<=\\S) (?=[{_HAN_CLASS}])")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

#: Words that never start, end or sit inside a learned term: function words and the
#: boilerplate of Chinese patent abstracts. Kept short on purpose: PMI already rejects
#: pairs with very frequent words; this list only stops the frequent *phrases* of patent
#: drafting ("本发明 公开", "所述 装置") that PMI alone would keep.
_STOP_TEXT = """
的 了 和 与 及 或 在 为 对 将 由 是 于 其 该 所 以 并 等 中
上 下 内 外 后 前 时 个 种 一 一种 所述 包括 包含 用于 通过 进行
具有 设有 设置 本发明 本 发明 实用新型 公开 涉及 提供 实现 采用 一个
多个 以及 利用 使得 从而 能够 可以 进而 且 至少 其中 该种 分别 相应
所示 如下 以上 以下 方法 装置 系统 设备 结构 步骤 模块 单元 有 均
如 即 各 可 被 使 从 向 至 到 把 用 基于 具体 尤其 特别 领域
现有 实施例 及其 较 若 来 经 读
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

#: Characters that never start or end a term (jieba sometimes glues them onto a word:
#: ``计算所`` + ``述``, ``端的``); ``所述`` ("said ...") never occurs inside one.
_EDGE_CHARS = frozenset("的了所述于该其并及与和或之")


def normalize(text: str) -> str:
    """NFKC form, whitespace runs collapsed, no space next to a Han character.

    Offsets and tokens refer to this form. Dropping the spaces beside Han characters
    makes ``LED 灯`` and ``LED灯`` (both common) one character sequence, so a phrase
    matches by offsets whichever way it was written.
    """
    if text.isascii():  # NFKC leaves ASCII as it is, and there is no Han character
        return _SPACE.sub(" ", text).strip()
    text = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return _SPACE_BY_HAN.sub("", text) if " " in text else text


def has_han(text: str) -> bool:
    """Whether ``text`` contains a Chinese (Han) character."""
    return _HAN.search(text) is not None


def _keep(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


_FORMS_MAX = 1_000_000  # distinct tokens remembered; a corpus's vocabulary is far smaller


class _IndexedForms(dict):
    """Token -> the form indexed (lower-cased), or ``""`` for punctuation and spaces.

    Memoised: a corpus repeats a few tens of thousands of words, and deciding it
    again for each of the ~45 tokens of an abstract cost as much as cutting it.
    """

    def __missing__(self, token: str) -> str:
        form = token.lower() if _keep(token) else ""
        if len(self) < _FORMS_MAX:
            self[token] = form
        return form


class _WordKinds(dict):
    """Word -> 0 (not all Han), 1 (a Han stop word) or 2 (a Han word a term may hold)."""

    def __missing__(self, word: str) -> int:
        kind = (1 if word in STOP_WORDS else 2) if _HAN_ONLY.fullmatch(word) else 0
        self[word] = kind
        return kind


class Segmenter:
    """jieba (rjieba) with ipnav's user dictionary; created lazily on first use.

    Parameters
    ----------
    user_words:
        Terms added to jieba's dictionary before the first cut (see
        :func:`grow_user_dictionary`); index and query must use the same list.
    """

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self.user_words = tuple(dict.fromkeys(w.strip() for w in user_words if w.strip()))
        self._jieba: Any = None
        self._forms = _IndexedForms()

    @classmethod
    def from_file(cls, path: Path) -> Segmenter:
        """A segmenter with the user dictionary saved at ``path`` (none if it is missing)."""
        return cls(load_user_dictionary(path) if path.exists() else ())

    @property
    def jieba(self) -> Any:
        if self._jieba is None:
            import rjieba

            jieba = rjieba.Jieba()
            for word in self.user_words:
                jieba.add_word(word, None, None)
            self._jieba = jieba
        return self._jieba

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens of ``text``: words and the dictionary words inside them."""
        return [token for token, _, _ in self.positioned(text)]

    def positioned(self, text: str) -> list[tuple[str, int, int]]:
        """``(token, start, end)`` of the search-mode cut of ``normalize(text)``.

        Offsets are character offsets into the normalised text; the index uses the
        start as the token's position (see the module docstring).
        """
        return self.positioned_normalized(normalize(text))

    def positioned_normalized(self, text: str) -> list[tuple[str, int, int]]:
        """:meth:`positioned` of a text already normalised (:func:`normalize`)."""
        if not text:
            return []
        forms = self._forms
        return [
            (form, start, end)
            for word, start, end in self.jieba.tokenize(text, mode="search")
            if (form := forms[word])
        ]

    def words(self, text: str) -> list[tuple[str, int]]:
        """``(token, start)`` of the precise (default-mode) cut: how a query is read."""
        text = normalize(text)
        if not text:
            return []
        return [
            (word.lower(), start)
            for word, start, _ in self.jieba.tokenize(text, mode="default")
            if _keep(word)
        ]


def grow_user_dictionary(
    texts: Iterable[str],
    min_count: int = 5,
    max_terms: int = 5000,
    min_pmi: float = 3.0,
    segmenter: Segmenter | None = None,
) -> list[str]:
    """Frequent, cohesive technical terms of a Chinese corpus that jieba splits.

    Candidates are runs of two or three adjacent jieba words (Han characters only,
    no :data:`STOP_WORDS`, 3–10 characters) that jieba does not already know.

    A candidate is kept when

    * it occurs in at least ``min_count`` texts (document frequency: a term many
      patents use, not one patent's repetition), and
    * its words are **cohesive**: pointwise mutual information
      ``PMI(x, y) = log(c(xy) · N / (c(x) · c(y)))`` (Church & Hanks 1990, "Word
      association norms, mutual information, and lexicography") is at least
      ``min_pmi`` nats (≈ 20× more often together than by chance). A trigram must
      pass at both cut points (``x|yz`` and ``xy|z``), so ``热 失控`` passes while
      ``电池 的`` or ``一种 电池`` never do. PMI favours rare pairs, which the
      document-frequency floor keeps in check; and
    * it is **stable**, not a fragment: a bigram that occurs (nearly) only inside a
      kept trigram (``生物 反应器`` inside ``膜 生物 反应器``, ≥ 90 % of its uses) is
      left out in favour of the trigram.

    Terms are returned best first, by ``document frequency × PMI``.
    """
    seg = segmenter or Segmenter()
    unigrams: Counter[str] = Counter()
    ngrams: Counter[tuple[str, ...]] = Counter()
    doc_freq: Counter[tuple[str, ...]] = Counter()
    kinds = _WordKinds()
    for text in texts:
        words = seg.jieba.cut(normalize(text))  # punctuation kept: it ends a run
        kind = [kinds[word] for word in words]
        unigrams.update([word for word, k in zip(words, kind, strict=True) if k])
        # a run is Han words other than stop words; "" (anything else) ends it
        run = [word if k == 2 else "" for word, k in zip(words, kind, strict=True)]
        pairs = [(a, b) for a, b in itertools.pairwise(run) if a and b]
        triples = [t for t in zip(run, run[1:], run[2:], strict=False) if t[0] and t[1] and t[2]]
        ngrams.update(pairs)
        ngrams.update(triples)
        doc_freq.update({*pairs, *triples})
    total = sum(unigrams.values()) or 1

    def count(parts: tuple[str, ...]) -> int:
        return unigrams[parts[0]] if len(parts) == 1 else ngrams[parts]

    def pmi(left: tuple[str, ...], right: tuple[str, ...]) -> float:
        joint = ngrams[left + right]
        return math.log(joint * total / (count(left) * count(right)))

    scored: dict[tuple[str, ...], float] = {}
    for gram, df in doc_freq.items():
        if df < min_count:  # most grams: checked before building the term
            continue
        term = "".join(gram)
        if not 3 <= len(term) <= 10 or seg.jieba.has_word(term):
            continue
        if term[0] in _EDGE_CHARS or term[-1] in _EDGE_CHARS or "所述" in term:
            continue
        cohesion = min(pmi(gram[:cut], gram[cut:]) for cut in range(1, len(gram)))
        if cohesion >= min_pmi:
            scored[gram] = df * cohesion
    for gram in [g for g in scored if len(g) == 3]:
        for part in (gram[:2], gram[1:]):
            if part in scored and ngrams[gram] >= 0.9 * ngrams[part]:
                del scored[part]
    ranked = sorted(scored, key=lambda g: (-scored[g], "".join(g)))
    return ["".join(gram) for gram in ranked[:max_terms]]


def save_user_dictionary(path: Path, terms: Iterable[str]) -> None:
    """Write ``terms`` one per line (UTF-8), the format :func:`load_user_dictionary` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{term}\n" for term in terms), encoding="utf-8")


def load_user_dictionary(path: Path) -> list[str]:
    """Terms saved by :func:`save_user_dictionary`; blank lines and ``#`` comments skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
