"""Reciprocal rank fusion and CombSUM, checked against hand-computed values."""

from __future__ import annotations

import pytest

from ipnav.search.base import Hit
from ipnav.search.fusion import FusionMethod, fuse


def ranking(name: str, ids: list[str], scores: list[float] | None = None) -> list[Hit]:
    scores = scores or [1.0 / (i + 1) for i in range(len(ids))]
    return [
        Hit(id=d, score=s, rank=i + 1, retriever=name)
        for i, (d, s) in enumerate(zip(ids, scores, strict=True))
    ]


def test_rrf_matches_the_formula():
    fused = fuse(
        {"lexical": ranking("lexical", ["a", "b", "c"]), "dense": ranking("dense", ["c", "a", "d"])}
    )
    scores = {hit.id: hit.score for hit in fused}
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)
    assert [hit.id for hit in fused] == ["a", "c", "b", "d"]
    assert [hit.rank for hit in fused] == [1, 2, 3, 4]
    assert fused[0].ranks == {"lexical": 1, "dense": 2}


def test_weights_and_limit():
    rankings = {"lexical": ranking("lexical", ["a", "b"]), "dense": ranking("dense", ["b", "a"])}
    assert [h.id for h in fuse(rankings, weights={"lexical": 2.0, "dense": 1.0})] == ["a", "b"]
    assert [h.id for h in fuse(rankings, weights={"lexical": 1.0, "dense": 2.0})] == ["b", "a"]
    assert [h.id for h in fuse(rankings, weights={"lexical": 0.0})] == ["b", "a"]
    assert len(fuse(rankings, limit=1)) == 1


def test_combsum_normalises_scores():
    fused = fuse(
        {
            "lexical": ranking("lexical", ["a", "b"], [30.0, 10.0]),
            "dense": ranking("dense", ["b", "c"], [0.9, 0.5]),
        },
        method=FusionMethod.COMBSUM,
    )
    scores = {hit.id: hit.score for hit in fused}
    assert scores == pytest.approx({"a": 1.0, "b": 1.0, "c": 0.0})
    assert [hit.id for hit in fused] == ["a", "b", "c"]  # ties broken by id


def test_empty_rankings():
    assert fuse({"lexical": [], "dense": []}) == []
