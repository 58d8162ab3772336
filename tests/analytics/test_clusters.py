"""Technology clusters on the real records: sizes, labels in the documents' languages,
c-TF-IDF against a hand computation, vectors read from a real dense index."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest

from ipnav.analytics.clusters import (
    VECTORS,
    cluster_model,
    k_candidates,
    technology_clusters,
    vector_source,
)
from ipnav.analytics.ctfidf import class_tfidf, tokens
from ipnav.search.dense import DenseIndex
from ipnav.search.encoders import HashingEncoder, record_parts

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def clustered(engine, tables, options):
    return {t.key: t for t in technology_clusters(engine, tables.sources(), options)}


def test_ctfidf_against_a_hand_computation():
    docs = [["a", "a", "b"], ["a", "c"], ["b", "b", "d"], ["d"]]
    found = class_tfidf(docs, [0, 0, 1, 1], top=10)
    # class 0: a 3, b 1, c 1 (5 tokens); class 1: b 2, d 2 (4 tokens); A = 9 / 2
    # f: a 3, b 3, c 1, d 2
    expected0 = {
        "a": 3 / 5 * math.log(1 + 4.5 / 3),
        "b": 1 / 5 * math.log(1 + 4.5 / 3),
        "c": 1 / 5 * math.log(1 + 4.5 / 1),
    }
    assert dict(found[0]) == pytest.approx(expected0)
    assert [t for t, _ in found[0]] == ["a", "c", "b"]  # 0.550, 0.341, 0.183
    assert dict(found[1]) == pytest.approx(
        {"b": 2 / 4 * math.log(1 + 4.5 / 3), "d": 2 / 4 * math.log(1 + 4.5 / 2)}
    )
    # min_df=2 drops c (one document): class 0 has a 3, b 1; class 1 b 2, d 2; A = 4
    assert class_tfidf(docs, [0, 0, 1, 1], min_df=2)[0] == [
        ("a", pytest.approx(3 / 4 * math.log(1 + 4 / 3))),
        ("b", pytest.approx(1 / 4 * math.log(1 + 4 / 3))),
    ]


def test_tokens_per_language():
    assert tokens("本发明公开了一种膜生物反应器污水处理方法，提高了处理效率。", "zh") == [
        "生物",
        "反应器",
        "污水处理",
        "提高",
        "处理",
        "效率",
    ]
    assert tokens("A membrane bioreactor for treating the waste-water, wherein", "en") == [
        "membrane",
        "bioreactor",
        "treating",
        "waste-water",
    ]


def test_k_candidates_rule():
    assert list(k_candidates(9)) == []
    assert list(k_candidates(20)) == [2, 3]
    assert list(k_candidates(100)) == [4, 5, 6, 7]
    assert list(k_candidates(900)) == list(range(4, 13))


def test_clusters_cover_every_patent_once(clustered, records):
    clusters, points, periods = (
        clustered["clusters"],
        clustered["cluster_map"],
        clustered["cluster_periods"],
    )
    with_text = [r for r in records if any(record_parts(r))]
    assert len(points.rows) == len(with_text) == 900
    assert sorted(p["id"] for p in points.rows) == sorted(r.id for r in with_text)
    sizes = Counter(p["cluster"] for p in points.rows)
    assert [c["cluster"] for c in clusters.rows] == list(range(1, len(sizes) + 1))
    assert [c["size"] for c in clusters.rows] == [sizes[c] for c in sorted(sizes)]
    assert sum(c["size"] for c in clusters.rows) == 900
    assert [c["size"] for c in clusters.rows] == sorted(sizes.values(), reverse=True)
    assert clusters.summary["clusters"] == len(sizes) in range(4, 13)
    assert clusters.summary["silhouettes"][str(len(sizes))] == max(
        clusters.summary["silhouettes"].values()
    )
    dated = Counter(p["cluster"] for p in points.rows if p["year"])
    per_cluster = Counter()
    for row in periods.rows:
        per_cluster[row["cluster"]] += row["patents"]
    assert per_cluster == dated and sum(dated.values()) == 533


def test_labels_in_the_documents_languages(clustered, engine, tables, options):
    model = cluster_model(engine, tables.sources(), options)
    langs = {}
    for doc, c in zip(model.docs, model.cluster.tolist(), strict=True):
        langs.setdefault(c, set()).add(doc["lang"])
    for row in clustered["clusters"].rows:
        has = langs[row["cluster"]]
        if "zh" in has:
            assert HAN.search(row["label_zh"]) and not re.search("[A-Za-z]", row["label_zh"])
        else:
            assert row["label_zh"] is None
        if "en" in has:
            assert re.fullmatch(r"[a-z, -]+", row["label_en"])
        else:
            assert row["label_en"] is None
    assert any(r["label_zh"] for r in clustered["clusters"].rows)
    assert any(r["label_en"] for r in clustered["clusters"].rows)


def test_model_is_computed_once_per_set(engine, tables, options):
    sources = tables.sources()
    assert cluster_model(engine, sources, options) is cluster_model(engine, sources, options)


def test_stored_vectors_are_read_from_the_dense_index(tmp_path, records, engine, options):
    from ipnav.analytics import build_tables

    chosen = records[:60] + records[-60:]
    index = DenseIndex(tmp_path / "dense", HashingEncoder(dim=128))
    index.build(chosen[:100])  # the last 20 are not indexed
    parts = {r.id: record_parts(r) for r in chosen}
    calls = []
    source = vector_source(parts, index=index, progress=lambda d, t: calls.append((d, t)))
    assert source.num_rows == 120 and calls[-1] == (20, 20)
    first = np.asarray(source.column("vector")[0].as_py(), dtype=np.float32)
    assert np.allclose(first, index.vector(chosen[0].id))
    assert source.schema.metadata[b"encoder"] == b"hashing"
    subset = build_tables(chosen)
    sources = subset.sources() | {VECTORS: source}
    clusters = technology_clusters(engine, sources, options)[0]
    model = cluster_model(engine, sources, options)
    assert model.encoded_here == 0 and len(model.docs) == 120
    assert sum(c["size"] for c in clusters.rows) == 120
    assert clusters.summary["encoder"] == "hashing"
