"""White-space rules on a constructed matrix and map, and on the real matrix."""

from __future__ import annotations

import statistics

import numpy as np

from ipnav.analytics.effects import Effect, Matrix, effect_matrix
from ipnav.analytics.whitespace import (
    WhiteSpaceRule,
    map_white_spaces,
    matrix_white_spaces,
    white_spaces,
)


def constructed() -> Matrix:
    effects = [Effect(k, k, k) for k in ("cost", "efficiency", "life", "noise")]
    counts = {
        "A": {"cost": 20, "efficiency": 15, "life": 1, "noise": 0},  # life: 1 <= 2, a gap
        "B": {"cost": 10, "efficiency": 12, "life": 30, "noise": 0},  # noise total 0 < median
        "C": {"cost": 1, "efficiency": 0, "life": 0, "noise": 0},  # row below median
    }
    cells = {
        (r, e): [f"{r}{e}{i}" for i in range(n)]
        for r, row in counts.items()
        for e, n in row.items()
    }
    return Matrix("branches", [(r, r) for r in counts], effects, cells)


def test_matrix_rule_on_a_constructed_matrix():
    found = matrix_white_spaces(constructed())
    assert [(w["row"], w["effect"], w["patents"], w["dense"]) for w in found] == [
        ("A", "life", 1, 20)
    ]
    assert "1 <= 10% of 20" in found[0]["reason"]["en"]
    # totals: rows A 36, B 52, C 1 (median 36); effects 31, 27, 31, 0 (median 29).
    # At 70 %, B's cost (10 <= 21, total 31) joins; B's efficiency (total 27) does not.
    laxer = matrix_white_spaces(constructed(), WhiteSpaceRule(sparse_share=0.7))
    assert {(w["row"], w["effect"]) for w in laxer} == {("A", "life"), ("B", "cost")}


def test_map_rule_on_constructed_points():
    rng = np.random.default_rng(0)
    # a dense blob around (0.5, 0.5) in a 10 x 10 grid over [0, 1]², a ring of sparse points
    # around it, and the cell (4, 4) ... inside the ring left empty
    dense = rng.uniform(0.50, 0.60, size=(40, 2))
    ring = [(x, y) for x in (0.35, 0.45, 0.55, 0.65) for y in (0.35, 0.45, 0.55, 0.65)]
    ring = [p for p in ring if not (0.4 <= p[0] < 0.5 and 0.4 <= p[1] < 0.5)]
    corners = [(0.0, 0.0), (0.999, 0.999)]
    xy = np.vstack([dense, np.array(ring), np.array(corners)])
    clusters = [1] * len(dense) + [2] * len(ring) + [3, 3]
    found = map_white_spaces(xy, clusters, {1: "blob", 2: "ring", 3: "edge"})
    cells = {(round(w["x"], 2), round(w["y"], 2)) for w in found}
    assert (0.45, 0.45) in cells  # the empty cell next to the blob
    assert all(w["patents"] <= 0.1 * w["dense"] for w in found)
    assert (0.05, 0.05) not in cells  # an empty cell far from everything is not a gap


def test_real_white_spaces_follow_the_rule(engine, tables, options):
    matrix = effect_matrix(engine, tables.sources(), options)
    table = white_spaces(engine, tables.sources(), options)
    rows = [w for w in table.rows if w["kind"] == "matrix"]
    assert rows, "the real matrix has white spaces"
    row_totals = {r: sum(matrix.count(r, e.key) for e in matrix.effects) for r, _ in matrix.rows}
    effect_totals = {
        e.key: sum(matrix.count(r, e.key) for r, _ in matrix.rows) for e in matrix.effects
    }
    for w in rows:
        row_max = max(matrix.count(w["row"], e.key) for e in matrix.effects)
        assert w["patents"] == matrix.count(w["row"], w["effect"]) <= 0.1 * row_max
        assert w["dense"] == row_max >= 3
        assert row_totals[w["row"]] >= statistics.median(row_totals.values())
        assert effect_totals[w["effect"]] >= statistics.median(effect_totals.values())
        assert w["reason"]
    assert table.summary["matrix"] == len(rows)
    assert len(rows) == len(matrix_white_spaces(matrix))
