"""Why a result matched: shared words, the closest passage, and each retriever's share.

Prior-art search is only useful when the examiner can see *why* a document came
back (PQAI shows the passage nearest to the query for each hit). For one query and
one record, :func:`explain` gives

* **matched terms** per field (title, abstract, claims): the query's content words
  found in the record, in the record's own spelling. English words are compared
  by their stems, with the lexical index's own analyzer (Tantivy's ``en_stem``,
  :func:`~ipnav.search.lexical_schema.en_analyzer`), so *batteries* in the query
  matches *battery* in the text; Chinese is cut by jieba
  (:class:`~ipnav.text.segment.Segmenter`: precise mode for the query, search
  mode for the record, as the index does). Function words and patent
  boilerplate (``一种``, ``所述``, *wherein*, *comprising* ...) are dropped;
* the **best passage**: the title, abstract sentence or claim whose vector is
  closest (cosine) to the query's. The encoder maps Chinese and English into one
  space, so an English query gets a Chinese passage from a Chinese record;
* each retriever's **contribution**: its rank and share of the fused score;
* **highlights**: title, abstract and claims as HTML, matched terms in ``<mark>``.

Terms are ordered by importance: by ``idf(term)`` when an IDF function is given
(it is called with the index term: the stem of an English word, a Chinese word
as cut), else by length (Han characters count twice, as one carries about as
much as two letters), since longer words are rarer and more specific (Zipf's law
of abbreviation, Zipf 1935), then by how often the record uses them.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

import numpy as np

from ipnav.errors import IpnavError
from ipnav.model.record import Claim, PatentRecord
from ipnav.search.base import Hit
from ipnav.search.encoders import Encoder, estimate_tokens
from ipnav.search.fusion import FusedHit
from ipnav.text.claims import split_claims
from ipnav.text.segment import STOP_WORDS, Segmenter, has_han, normalize

FIELDS = ("title", "abstract", "claims")
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})

#: English function words and patent boilerplate, compared by stem.
_EN_STOP_TEXT = """
a an the of and or nor to in on at by for with from into onto upon as is are be been being was
were it its this that these those which who whom whose what where when than then there thereof
therein thereto therefrom thereby herein such so not no can may might will would shall should
must do does did has have having also each either both any all some other another further more
most least one two first second plurality via about between within without over under same said
wherein whereby comprising comprises comprise comprised including includes include consisting
consists claim claims according invention present disclosed disclosure embodiment embodiments
method methods device devices apparatus system systems
"""
#: Chinese stopwords: the segmenter's list plus claim boilerplate.
ZH_STOP_WORDS = STOP_WORDS | {"特征", "在于", "其特征在于", "根据", "权利要求", "所述的"}

_WORD = re.compile(r"[^\W_]+")  # Tantivy's "simple" tokenizer: runs of letters and digits
_SENTENCE_END = re.compile(r"(?<=[。；！？])|(?<=[.!?])\s+(?=[A-Z(\"'])")
_CLAUSE_END = re.compile(r"(?<=[，,；;：:])\s*")
_ASCII_WORD_CHAR = "A-Za-z0-9"
_MAX_PASSAGE_TOKENS = 96  # longer sentences are cut at clause marks into chunks this size
_MAX_CLAIMS = 30  # claims per language and record that are encoded


class ExplainError(IpnavError):
    """An explanation cannot be made from the arguments given."""


@dataclass(frozen=True)
class Passage:
    """A title, abstract sentence (or clause run) or claim, and its cosine with the query."""

    field: str  # "title" | "abstract" | "claim"
    claim_number: int | None
    text: str
    similarity: float
    lang: str


@dataclass(frozen=True)
class Contribution:
    """One retriever's rank for the hit and its share of the fused score, in percent."""

    retriever: str
    rank: int | None
    share: float


@dataclass(frozen=True)
class Highlight:
    """A title, abstract or claim set in one language as HTML, matched terms in ``<mark>``."""

    lang: str
    html: str


@dataclass(frozen=True)
class Explanation:
    """Why ``id`` matched the query; :meth:`to_dict` gives its JSON form."""

    id: str
    matched_terms: dict[str, tuple[str, ...]]
    passages: tuple[Passage, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    highlights: dict[str, Highlight] = field(default_factory=dict)

    @property
    def best_passage(self) -> Passage | None:
        return self.passages[0] if self.passages else None

    @property
    def lexical(self) -> Contribution | None:
        return next((c for c in self.contributions if c.retriever == "lexical"), None)

    @property
    def dense(self) -> Contribution | None:
        return next((c for c in self.contributions if c.retriever == "dense"), None)

    def to_dict(self) -> dict[str, Any]:
        def passage(p: Passage | None) -> dict[str, Any] | None:
            return None if p is None else {**asdict(p), "similarity": round(p.similarity, 4)}

        def share(c: Contribution | None) -> dict[str, Any] | None:
            return None if c is None else {"rank": c.rank, "share": c.share}

        return {
            "id": self.id,
            "matched_terms": {f: list(terms) for f, terms in self.matched_terms.items()},
            "best_passage": passage(self.best_passage),
            "passages": [passage(p) for p in self.passages],
            "lexical": share(self.lexical),
            "dense": share(self.dense),
            "contributions": {c.retriever: share(c) for c in self.contributions},
            "highlights": {f: asdict(h) for f, h in self.highlights.items()},
        }


# -- words -------------------------------------------------------------------------


@cache
def _default_segmenter() -> Segmenter:
    return Segmenter()


@cache
def _analyzer() -> Any:
    from ipnav.search.lexical_schema import en_analyzer

    return en_analyzer()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The index term of one non-Chinese word: lower-cased English Snowball stem."""
    terms = _analyzer().analyze(word)
    return terms[0] if len(terms) == 1 else word.lower()


@cache
def _en_stop_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in _EN_STOP_TEXT.split())


@lru_cache(maxsize=65536)
def _key(word: str) -> str:
    return word if has_han(word) else stem(word)


def is_content(key: str) -> bool:
    """Single characters, numbers (reference signs) and stopwords are not content words."""
    if len(key) < 2 or key.isdigit():
        return False
    return key not in (ZH_STOP_WORDS if has_han(key) else _en_stop_stems())


def _surface(word: str, shouting: bool) -> str:
    """How a word is reported: lower case, except acronyms (``SIP``) in normal text."""
    keep = not shouting and len(word) > 1 and word.isupper()
    return word if keep else word.lower()


def words(text: str, segmenter: Segmenter, *, query: bool = False) -> list[tuple[str, str]]:
    """``(key, surface)`` of each word of ``text``; keys are what query and text match on.

    Text with Han characters is cut by jieba (precise mode for a query, search mode,
    which adds the words inside compounds, for a record); other text is split into
    runs of letters and digits. Non-Han words are keyed by their stem.
    """
    shouting = text.isupper() and not has_han(text)  # "一种5G".isupper() is True
    if not has_han(text):
        return [(stem(w), _surface(w, shouting)) for w in _WORD.findall(text)]
    if query:
        return [(_key(word), word) for word, _ in segmenter.words(text)]
    norm = normalize(text)  # the positions refer to it; its tokens are lower-cased
    return [(_key(w), _surface(norm[s:e], shouting)) for w, s, e in segmenter.positioned(text)]


def _found(
    text: str, segmenter: Segmenter, wanted: Collection[str]
) -> tuple[list[tuple[str, str]], list[tuple[int, int]] | None]:
    """The ``(key, surface)`` of the words of a record's ``text`` whose key is ``wanted``,
    as :func:`words` gives them, and for a text without Han characters their spans.

    What a result list needs: a word's surface is worked out only for the few words the
    query wants, not for each of the hundreds of an abstract or thousands of a set of
    claims; and the spans of a Latin text are the words its highlight marks, so it is
    not split a second time (:func:`_highlight_spans`).
    """
    if not has_han(text):
        shouting = text.isupper()
        found, spans = [], []
        for match in _WORD.finditer(text):
            word = match.group()
            key = stem(word)
            if key in wanted:
                found.append((key, _surface(word, shouting)))
                spans.append(match.span())
        return found, spans
    norm = normalize(text)  # the positions refer to it
    return [
        (key, _surface(norm[start:end], False))
        for word, start, end in segmenter.positioned(text)
        if (key := _key(word)) in wanted
    ], None


def query_terms(query_text: str, segmenter: Segmenter | None = None) -> dict[str, str]:
    """The query's content words, ``key -> surface``, in query order."""
    seg = segmenter or _default_segmenter()
    terms = words(query_text, seg, query=True)
    return {key: surface for key, surface in terms if is_content(key)}


def highlight(text: str, terms: Iterable[str], lang: str) -> str:
    """``text`` HTML-escaped, with every occurrence of ``terms`` wrapped in ``<mark>``.

    English words are marked when their stem is a term's stem (``battery`` marks
    *batteries* too); Chinese terms (and Latin ones inside Chinese text) are
    marked where they occur as written, ignoring case, longest first.
    """
    wanted = [t for t in dict.fromkeys(terms) if t.strip()]
    spans: list[tuple[int, int]] = []
    if wanted and (lang in CJK_LANGUAGES or has_han(text)):
        pattern = "|".join(_literal(t) for t in sorted(wanted, key=len, reverse=True))
        spans = [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]
    elif wanted:
        stems = {stem(t) for t in wanted}
        spans = [m.span() for m in _WORD.finditer(text) if stem(m.group()) in stems]
    return _marked(text, spans)


def _marked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` HTML-escaped with the (ordered, disjoint) ``spans`` in ``<mark>``."""
    out: list[str] = []
    at = 0
    for start, end in spans:
        if start == at and out:  # adjacent Chinese words: one mark
            out.pop()
        else:
            out += [html.escape(text[at:start]), "<mark>"]
        out += [html.escape(text[start:end]), "</mark>"]
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def _literal(term: str) -> str:
    if has_han(term):
        return re.escape(term)
    # a Latin term inside Chinese text: not inside a longer Latin word ("5g" not in "15g")
    return f"(?<![{_ASCII_WORD_CHAR}]){re.escape(term)}(?![{_ASCII_WORD_CHAR}])"


# -- passages ----------------------------------------------------------------------


def _human_languages(record: PatentRecord, part: str, texts: dict[str, Any]) -> list[str]:
    """Languages of a field with text, machine translations dropped where a human text exists."""
    langs = [lang for lang, value in texts.items() if value]
    human = [lang for lang in langs if f"{part}.{lang}" not in record.machine_translated]
    return human or langs


def _sentences(text: str) -> list[str]:
    """Sentences of ``text``; long ones cut at clause marks into runs of ≤ ~96 tokens."""
    out: list[str] = []
    for sentence in filter(None, (s.strip() for s in _SENTENCE_END.split(text))):
        if estimate_tokens(sentence) <= _MAX_PASSAGE_TOKENS:
            out.append(sentence)
            continue
        chunk = ""
        for clause in _CLAUSE_END.split(sentence):
            joined = f"{chunk}{' ' if chunk and not has_han(clause) else ''}{clause}"
            if chunk and estimate_tokens(joined) > _MAX_PASSAGE_TOKENS:
                out.append(chunk.strip())
                joined = clause
            chunk = joined
        if chunk.strip():
            out.append(chunk.strip())
    return out


def _long_enough(text: str) -> bool:
    han = sum(1 for ch in text if has_han(ch))
    return han >= 6 or len(_WORD.findall(text)) >= 4


def _claims(claims: list[Claim]) -> list[Claim]:
    """Numbered claims; a single stored blob holding several claims is split."""
    parts = split_claims(claims[0].text) if len(claims) == 1 else []
    return parts if len(parts) > 1 else claims


def passages_of(record: PatentRecord) -> list[Passage]:
    """Title, abstract sentences and claims (first 30 per language), similarity 0.

    Passages shorter than six Han characters or four words are left out, unless
    nothing longer exists; duplicates are kept once.
    """
    found: list[Passage] = []
    for lang in _human_languages(record, "title", record.title):
        found.append(Passage("title", None, record.title[lang].strip(), 0.0, lang))
    for lang in _human_languages(record, "abstract", record.abstract):
        for sentence in _sentences(record.abstract[lang]):
            found.append(Passage("abstract", None, sentence, 0.0, lang))
    for lang in _human_languages(record, "claims", record.claims):
        for claim in _claims(record.claims[lang])[:_MAX_CLAIMS]:
            if claim.text.strip():
                found.append(Passage("claim", claim.number, claim.text.strip(), 0.0, lang))
    unique = list({p.text: p for p in reversed(found) if p.text}.values())[::-1]
    return [p for p in unique if _long_enough(p.text)] or unique


# -- terms and contributions -------------------------------------------------------


def _field_texts(record: PatentRecord, part: str) -> dict[str, str]:
    if part != "claims":
        return {lang: text for lang, text in getattr(record, part).items() if text}
    return {lang: "\n".join(c.text for c in cs) for lang, cs in record.claims.items() if cs}


def _matches(
    record: PatentRecord,
    wanted: dict[str, str],
    segmenter: Segmenter,
    idf: Callable[[str], float] | None,
) -> tuple[dict[str, tuple[str, ...]], dict[str, Highlight]]:
    matched: dict[str, tuple[str, ...]] = {}
    highlights: dict[str, Highlight] = {}
    for part in FIELDS:
        texts = _field_texts(record, part)
        surfaces: dict[str, Counter[str]] = {}
        by_lang: dict[str, list[str]] = {}
        found: dict[str, list[tuple[str, str]]] = {}
        spans: dict[str, list[tuple[int, int]] | None] = {}
        for lang, text in texts.items():
            found[lang], spans[lang] = _found(text, segmenter, wanted)
            for key, surface in found[lang]:
                surfaces.setdefault(key, Counter())[surface] += 1
                by_lang.setdefault(lang, []).append(surface)
        best = {key: forms.most_common(1)[0][0] for key, forms in surfaces.items()}
        score = {key: idf(key) if idf else _default_weight(best[key]) for key in surfaces}
        ranked = sorted(surfaces, key=lambda k: (-score[k], -surfaces[k].total(), best[k]))
        matched[part] = tuple(dict.fromkeys(best[key] for key in ranked))
        if texts:
            langs = _human_languages(record, part, texts)
            lang = max(langs, key=lambda la: (len(set(by_lang.get(la, ()))), -langs.index(la)))
            marked = _highlight_spans(lang, spans[lang], found[lang])
            if marked is None:
                html_text = highlight(texts[lang], by_lang.get(lang, ()), lang)
            else:
                html_text = _marked(texts[lang], marked)
            highlights[part] = Highlight(lang, html_text)
    return matched, highlights


def _highlight_spans(
    lang: str, spans: list[tuple[int, int]] | None, found: list[tuple[str, str]]
) -> list[tuple[int, int]] | None:
    """The spans :func:`highlight` would mark in a Latin text, from :func:`_found`'s.

    :func:`highlight` marks each word whose stem is the stem of a matched surface; these
    are the words :func:`_found` kept when the surfaces' stems are the matched keys (a
    surface is the word lower-cased, which the analyzer does first), as checked here.
    None: let :func:`highlight` scan the text itself.
    """
    if spans is None or lang in CJK_LANGUAGES:
        return None
    if {stem(surface) for _, surface in found} != {key for key, _ in found}:
        return None
    return spans


def match_terms(
    query_text: str,
    record: PatentRecord,
    *,
    segmenter: Segmenter | None = None,
    idf: Callable[[str], float] | None = None,
    terms: dict[str, str] | None = None,
) -> tuple[dict[str, tuple[str, ...]], dict[str, Highlight]]:
    """The query words ``record`` holds per field, and its title / abstract highlighted.

    The cheap part of :func:`explain` (no encoder): what a result list shows.
    ``terms`` is ``query_terms(query_text)`` where the caller has it (one page of
    results segments its query once).
    """
    seg = segmenter or _default_segmenter()
    wanted = terms if terms is not None else query_terms(query_text, seg)
    return _matches(record, wanted, seg, idf)


def _default_weight(key: str) -> float:
    return float(sum(2 if has_han(ch) else 1 for ch in key))


def contributions(hit: Hit | None) -> tuple[Contribution, ...]:
    """Each retriever's rank and share (%) of a hit's score, largest share first.

    A :class:`~ipnav.search.fusion.FusedHit` splits its score by its
    ``contributions``; shares are rounded to 0.1 by the largest-remainder method,
    so they add up to exactly 100. Where the parts are all zero (a CombSUM hit at
    the bottom of every list) the retrievers share equally. A plain hit owes all
    of its score to its retriever.
    """
    if hit is None:
        return ()
    parts = dict(hit.contributions) if isinstance(hit, FusedHit) else {}
    if not parts:
        return (Contribution(hit.retriever, hit.rank, 100.0),)
    ranks = hit.ranks if isinstance(hit, FusedHit) else {}
    values = {name: max(value, 0.0) for name, value in parts.items()}
    total = sum(values.values())
    exact = {n: (v / total if total > 0 else 1 / len(values)) * 1000 for n, v in values.items()}
    tenths = {n: int(v) for n, v in exact.items()}
    short = 1000 - sum(tenths.values())
    for name in sorted(exact, key=lambda n: (tenths[n] - exact[n], n))[:short]:
        tenths[name] += 1
    return tuple(
        Contribution(name, ranks.get(name), tenths[name] / 10)
        for name in sorted(tenths, key=lambda n: (-tenths[n], n))
    )


# -- entry points ------------------------------------------------------------------


def explain(
    query_text: str,
    record: PatentRecord,
    *,
    encoder: Encoder,
    query_vector: np.ndarray | None = None,
    hit: Hit | None = None,
    max_passages: int = 1,
    idf: Callable[[str], float] | None = None,
    segmenter: Segmenter | None = None,
) -> Explanation:
    """Why ``record`` matches ``query_text``, with the ``max_passages`` best passages.

    ``query_vector``, where the caller has it (``DenseIndex.encode_query``), must
    come from ``encoder``; ``segmenter`` should be the lexical index's (user words).
    """
    return explain_many(
        query_text,
        [record],
        [hit] if hit is not None else None,
        encoder,
        query_vector=query_vector,
        max_passages=max_passages,
        idf=idf,
        segmenter=segmenter,
    )[0]


def explain_many(
    query_text: str,
    records: Sequence[PatentRecord],
    hits: Iterable[Hit] | None,
    encoder: Encoder,
    *,
    query_vector: np.ndarray | None = None,
    max_passages: int = 1,
    idf: Callable[[str], float] | None = None,
    segmenter: Segmenter | None = None,
) -> list[Explanation]:
    """One explanation per record, in order; each gets the hit with its id, if any.

    The passages of all records (and the query, unless ``query_vector`` is
    given) are encoded in one ``encoder.encode`` call: a result page of 10–20
    hits costs one batch, not one per hit.
    """
    if query_vector is not None and np.shape(query_vector) != (encoder.dim,):
        raise ExplainError(
            f"the query vector has shape {np.shape(query_vector)}, the {encoder.name!r} encoder "
            f"makes ({encoder.dim},): pass the vector of the same encoder, or none"
        )
    seg = segmenter or _default_segmenter()
    by_id = {hit.id: hit for hit in hits or ()}
    wanted = query_terms(query_text, seg)
    candidates = [passages_of(record) for record in records]
    texts = [p.text for found in candidates for p in found]
    if query_vector is None:
        vectors = encoder.encode([query_text, *texts])
        query_vector, vectors = vectors[0], vectors[1:]
    else:
        vectors = encoder.encode(texts) if texts else np.zeros((0, encoder.dim), np.float32)
    query_vector = np.asarray(query_vector, dtype=np.float32)
    similarities = vectors @ query_vector if len(texts) else np.zeros(0, np.float32)
    explanations = []
    start = 0
    for record, found in zip(records, candidates, strict=True):
        scores = similarities[start : start + len(found)]
        start += len(found)
        best = np.argsort(-scores, kind="stable")[: max(max_passages, 0)]
        matched, highlights = _matches(record, wanted, seg, idf)
        explanations.append(
            Explanation(
                id=record.id,
                matched_terms=matched,
                passages=tuple(replace(found[i], similarity=float(scores[i])) for i in best),
                contributions=contributions(by_id.get(record.id)),
                highlights=highlights,
            )
        )
    return explanations
