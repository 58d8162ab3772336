"""White spaces (技术空白点): sparse cells of the technology–effect matrix and sparse
regions of the cluster map, next to dense ones.

Matrix rule (:func:`matrix_white_spaces`)
    A cell (row r, effect e) is a white space when

    1. its count is at most ``sparse_share`` (10 %) of the largest cell of row r,
    2. that largest cell holds at least ``min_dense`` (3) patents (so a dense cell
       lies in the same row), and
    3. the total of row r and the total of effect e are each at least the median of
       the row totals and of the effect totals (the branch is active and the effect
       is sought after: the gap is not just a small row or a rare effect).

    Activity around a gap is what separates a white space worth a look from a cell
    nobody works on because nothing around it matters (the reading of 技术功效矩阵
    in Chinese navigation practice: "空白点" next to "热点").

Map rule (:func:`map_white_spaces`)
    The map's bounding box is cut into ``grid`` × ``grid`` (10 × 10) cells. A dense
    cell holds at least ``min_dense`` patents and at least the 75th percentile of the
    non-empty cells. A cell is a white space when its count is at most
    ``sparse_share`` of its densest neighbour (of the 8 around it), that neighbour is
    dense, and at least three of its neighbours are non-empty (it lies inside the
    occupied region, not at its rim).

Both return rows with the reason spelled out in both languages.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from ipnav.analytics.clusters import cluster_model
from ipnav.analytics.effects import Matrix, effect_matrix
from ipnav.analytics.engine import Engine
from ipnav.analytics.options import AnalysisOptions, Sources
from ipnav.analytics.result import AnalysisTable, col, pick, text


@dataclass(frozen=True)
class WhiteSpaceRule:
    """The thresholds of the rules in the module doc."""

    sparse_share: float = 0.10
    min_dense: int = 3
    grid: int = 10
    dense_quantile: float = 0.75
    min_neighbours: int = 3


def matrix_white_spaces(matrix: Matrix, rule: WhiteSpaceRule = WhiteSpaceRule()) -> list[dict]:
    """Sparse cells next to dense ones (see the module doc), biggest contrast first."""
    if not matrix.rows or not matrix.effects:
        return []
    row_totals = {r: sum(matrix.count(r, e.key) for e in matrix.effects) for r, _ in matrix.rows}
    effect_totals = {
        e.key: sum(matrix.count(r, e.key) for r, _ in matrix.rows) for e in matrix.effects
    }
    row_median = statistics.median(row_totals.values())
    effect_median = statistics.median(effect_totals.values())
    found = []
    for r, row_label in matrix.rows:
        counts = {e.key: matrix.count(r, e.key) for e in matrix.effects}
        top_key = max(counts, key=lambda k: (counts[k], k))
        row_max = counts[top_key]
        if row_max < rule.min_dense or row_totals[r] < row_median:
            continue
        top = next(e for e in matrix.effects if e.key == top_key)
        for e in matrix.effects:
            n = counts[e.key]
            if n > rule.sparse_share * row_max or effect_totals[e.key] < effect_median:
                continue
            column = {rr: matrix.count(rr, e.key) for rr, _ in matrix.rows}
            col_top = max(column, key=lambda k: (column[k], str(k)))
            col_label = dict(matrix.rows)[col_top]
            found.append(
                {
                    "kind": "matrix",
                    "row": r,
                    "row_label": row_label,
                    "effect": e.key,
                    "effect_zh": e.zh,
                    "effect_en": e.en,
                    "patents": n,
                    "dense": row_max,
                    "contrast": row_max - n,
                    "reason": text(
                        f"“{row_label}”在“{e.zh}”上仅 {n} 件，而该行最多的“{top.zh}”有 "
                        f"{row_max} 件（{n} ≤ {rule.sparse_share:.0%} × {row_max}）；"
                        f"行合计 {row_totals[r]}、列合计 {effect_totals[e.key]} 均不低于中位数"
                        f"（{row_median:g} / {effect_median:g}）；该功效最多见于“{col_label}”"
                        f"（{column[col_top]} 件）。",
                        f"'{row_label}' has {n} patents for '{e.en}' while its densest cell, "
                        f"'{top.en}', has {row_max} ({n} <= {rule.sparse_share:.0%} of "
                        f"{row_max}); row total {row_totals[r]} and effect total "
                        f"{effect_totals[e.key]} are at least the medians ({row_median:g} / "
                        f"{effect_median:g}); the effect is densest in '{col_label}' "
                        f"({column[col_top]}).",
                    ),
                }
            )
    found.sort(key=lambda w: (-w["contrast"], str(w["row"]), w["effect"]))
    return found


def map_white_spaces(
    xy: np.ndarray,
    clusters: list[int],
    labels: dict[int, str],
    rule: WhiteSpaceRule = WhiteSpaceRule(),
) -> list[dict]:
    """Sparse grid cells of the map beside dense ones (see the module doc)."""
    if len(xy) < rule.min_dense * 2:
        return []
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    g = rule.grid
    cell = np.minimum(((xy - low) / span * g).astype(int), g - 1)
    counts: Counter[tuple[int, int]] = Counter(map(tuple, cell.tolist()))
    members: dict[tuple[int, int], Counter[int]] = {}
    for (i, j), c in zip(map(tuple, cell.tolist()), clusters, strict=True):
        members.setdefault((i, j), Counter())[c] += 1
    occupied = sorted(counts.values())
    threshold = max(rule.min_dense, float(np.quantile(occupied, rule.dense_quantile)))
    found = []
    for i in range(g):
        for j in range(g):
            n = counts.get((i, j), 0)
            around = [
                (i + di, j + dj)
                for di in (-1, 0, 1)
                for dj in (-1, 0, 1)
                if (di or dj) and 0 <= i + di < g and 0 <= j + dj < g
            ]
            busy = [a for a in around if counts.get(a, 0) > 0]
            if len(busy) < rule.min_neighbours:
                continue
            best = max(around, key=lambda a: (counts.get(a, 0), a))
            dense = counts.get(best, 0)
            if dense < threshold or n > rule.sparse_share * dense:
                continue
            near = Counter()
            for a in around:
                near.update(members.get(a, Counter()))
            main = [c for c, _ in sorted(near.items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
            x0 = float(low[0] + span[0] * i / g)
            y0 = float(low[1] + span[1] * j / g)
            found.append(
                {
                    "kind": "map",
                    "row_label": "; ".join(labels.get(c, f"#{c}") for c in main),
                    "clusters": ", ".join(str(c) for c in main),
                    "patents": n,
                    "dense": dense,
                    "contrast": dense - n,
                    "x": round(x0 + span[0] / g / 2, 4),
                    "y": round(y0 + span[1] / g / 2, 4),
                    "reason": text(
                        f"地图格 ({i},{j}) 仅 {n} 件，相邻格有 {dense} 件（密集格阈值 "
                        f"{threshold:g}）；周边主要为聚类 {', '.join(map(str, main))}。",
                        f"Map cell ({i},{j}) holds {n} patents next to a cell with {dense} "
                        f"(dense from {threshold:g}); the clusters around it are "
                        f"{', '.join(map(str, main))}.",
                    ),
                }
            )
    found.sort(key=lambda w: (-w["contrast"], w["x"], w["y"]))
    return found


def white_spaces(engine: Engine, tables: Sources, options: AnalysisOptions) -> AnalysisTable:
    """The ``white_spaces`` table: matrix gaps first, then map gaps."""
    rule = WhiteSpaceRule()
    lang = options.language
    matrix = effect_matrix(engine, tables, options)
    model = cluster_model(engine, tables, options)
    labels = {c: model.label(c, lang) for c in set(model.cluster.tolist())}
    rows: list[dict[str, Any]] = []
    for w in matrix_white_spaces(matrix, rule):
        rows.append({**w, "effect_label": pick({"zh": w["effect_zh"], "en": w["effect_en"]}, lang)})
    rows.extend(map_white_spaces(model.xy, model.cluster.tolist(), labels, rule))
    for w in rows:
        w["reason"] = pick(w["reason"], lang)
    kinds = Counter(w["kind"] for w in rows)
    table = AnalysisTable(
        key="white_spaces",
        title=text("技术空白点", "White spaces"),
        columns=[
            col("kind", "类型", "Kind"),
            col("row_label", "技术分支/聚类", "Branch / cluster"),
            col("effect_label", "功效", "Effect"),
            col("patents", "专利数", "Patents", "patents"),
            col("dense", "相邻密集处专利数", "Patents in the dense neighbour", "patents"),
            col("x", "地图 x", "Map x", "index"),
            col("y", "地图 y", "Map y", "index"),
            col("reason", "判定理由", "Reason"),
        ],
        rows=rows,
        notes=[
            text(
                f"矩阵空白点：单元格 ≤ 该行最大格的 {rule.sparse_share:.0%}，该最大格 ≥ "
                f"{rule.min_dense} 件，且行、列合计均不低于中位数。地图空白点：{rule.grid}×"
                f"{rule.grid} 网格中 ≤ 最密相邻格 {rule.sparse_share:.0%} 的格，该相邻格为密集格"
                f"（≥ {rule.min_dense} 件且不低于非空格的 {rule.dense_quantile:.0%} 分位数），"
                f"且至少 {rule.min_neighbours} 个相邻格非空。",
                f"Matrix white spaces: a cell at most {rule.sparse_share:.0%} of its row's "
                f"largest cell, which holds at least {rule.min_dense}, with row and effect "
                f"totals at least the medians. Map white spaces: cells of a {rule.grid}×"
                f"{rule.grid} grid at most {rule.sparse_share:.0%} of their densest neighbour, "
                f"which is dense (at least {rule.min_dense} and the "
                f"{rule.dense_quantile:.0%} quantile of non-empty cells), with at least "
                f"{rule.min_neighbours} non-empty neighbours.",
            )
        ],
        summary={"matrix": kinds.get("matrix", 0), "map": kinds.get("map", 0)},
    )
    for row in rows:  # matrix gaps have no map position, map gaps no branch or effect
        for column in table.columns:
            row.setdefault(column.key, None)
    return table
