"""Fusing ranked lists from several retrievers into one ranking.

Pure functions, chosen by :class:`FusionMethod`:

* **RRF** — reciprocal rank fusion (Cormack, Clarke & Büttcher, "Reciprocal
  Rank Fusion outperforms Condorcet and individual Rank Learning Methods",
  SIGIR 2009): ``score(d) = Σ_i w_i / (k + rank_i(d))`` with ``k = 60``; it
  needs no score calibration between BM25 and cosine similarity.
* **CombSUM** over min-max normalised scores (Fox & Shaw, 1994), for
  comparison in the benchmarks.

Each fused :class:`Hit` keeps the contributions of every retriever, so a
result can say how much of its rank came from words and how much from meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ipnav.search.base import Hit

RRF_K = 60


class FusionMethod(StrEnum):
    RRF = "rrf"
    COMBSUM = "combsum"


@dataclass(frozen=True)
class FusedHit(Hit):
    """A hit of the fused ranking, with each retriever's rank and share of the score."""

    ranks: Mapping[str, int] = field(default_factory=dict)
    contributions: Mapping[str, float] = field(default_factory=dict)


def fuse(
    rankings: Mapping[str, Sequence[Hit]],
    *,
    method: FusionMethod = FusionMethod.RRF,
    weights: Mapping[str, float] | None = None,
    k: int = RRF_K,
    limit: int | None = None,
) -> list[FusedHit]:
    """One ranking from several; ties broken by the id, so the result is deterministic."""
    weights = weights or {}
    parts: dict[str, dict[str, float]] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, hits in rankings.items():
        weight = weights.get(name, 1.0)
        if weight == 0 or not hits:
            continue
        if method is FusionMethod.RRF:
            values = {hit.id: weight / (k + hit.rank) for hit in hits}
        else:
            low = min(hit.score for hit in hits)
            high = max(hit.score for hit in hits)
            span = (high - low) or 1.0
            values = {hit.id: weight * (hit.score - low) / span for hit in hits}
        for hit in hits:
            parts.setdefault(hit.id, {})[name] = values[hit.id]
            ranks.setdefault(hit.id, {})[name] = hit.rank
    order = sorted(parts, key=lambda doc: (-sum(parts[doc].values()), doc))
    if limit is not None:
        order = order[:limit]
    return [
        FusedHit(
            id=doc,
            score=sum(parts[doc].values()),
            rank=position,
            retriever="hybrid",
            ranks=ranks[doc],
            contributions=parts[doc],
        )
        for position, doc in enumerate(order, start=1)
    ]
