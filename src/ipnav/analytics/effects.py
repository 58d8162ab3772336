"""Technology–effect matrix (技术功效矩阵): technical branches or clusters × effects.

Effects are read from each patent's abstract as "verb + object" phrases:

* Chinese: one of 提高 提升 增加 增强 改善 改进 延长 降低 减少 减小 减轻 节约 节省 缩短
  避免 防止 消除 简化, an optional 了, then the object up to the next punctuation mark
  or conjunction (和 及 并 同时 从而 进而 …), at most 24 characters, of which the
  part after the last 的 is kept (``有效降低了设备的运行成本，`` -> 降低 + 运行成本);
* English: improve(s) increase(s) enhance(s) raise(s) boost(s) maximise(s) extend(s)
  prolong(s) reduce(s) lower(s) decrease(s) minimise(s) save(s) shorten(s) prevent(s)
  avoid(s) eliminate(s) simplify(ies), in any tense, then an optional determiner and at
  most four words up to a preposition, conjunction or punctuation mark
  (``reduces the operating cost of the plant`` -> reduce + operating cost).
  Unmatched phrases are kept only for the verbs of :data:`_EN_KEPT` and not from
  past participles (see there).

A phrase is normalised to a canonical effect of the curated bilingual lexicon shipped
as ``analytics/data/effects.toml`` (降低成本 / reduces cost, 提高效率 / improves
efficiency …): the first effect whose verb group (up, down, avoid, simplify) holds the
phrase's verb and one of whose object words occurs in the object. **Unmatched phrases
are kept as they are**, verb + object (``降低检测难度``, ``reduces the number of
steps``); they become matrix columns only when at least :data:`MIN_RAW` patents share
one, since a phrase of one patent is not a trend.

Rows: technical branches when the caller passes their memberships as the optional
source :data:`BRANCHES` (:func:`branch_table`; a patent may be in several branches),
otherwise the technology clusters (:mod:`~ipnav.analytics.clusters`). A cell counts
the patents of the row that state the effect (a patent counts once per cell), with up
to three example ids. The 有益效果 section of a description is not in the analysis
tables; abstracts of Chinese patents usually restate it.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ipnav.analytics.engine import Engine
from ipnav.analytics.options import AnalysisOptions, Sources, counted, unit_label
from ipnav.analytics.result import AnalysisTable, col, coverage_note, pick, text

#: Optional source name: an Arrow table (``branch``, ``id``) of branch memberships.
BRANCHES = "branches"
MIN_RAW = 2  # patents sharing an unmatched phrase before it becomes a matrix column
MAX_EFFECTS = 30  # matrix columns, the most frequent effects
EXAMPLES = 3

ZH_VERBS = {
    **dict.fromkeys(["提高", "提升", "增加", "增强", "改善", "改进", "延长"], "up"),
    **dict.fromkeys(["降低", "减少", "减小", "减轻", "节约", "节省", "缩短"], "down"),
    **dict.fromkeys(["避免", "防止", "消除"], "avoid"),
    "简化": "simplify",
}
_ZH_PHRASE = re.compile(
    "(" + "|".join(sorted(ZH_VERBS, key=len, reverse=True)) + ")了?"
    r"([^，。；、,;.!！?？()（）\[\]【】\s:：“”\"]{1,24})"
)
_ZH_CUT = re.compile(r"(的同时|同时|从而|进而|以及|并且|而且|和|及|并|且|达到|实现|使得)")
_ZH_LEAD = re.compile(r"^(了|其|该|所述|对|了其|本|整个|有效|大大)+")

#: English verb stems -> (group, the verb as written in a kept phrase).
EN_VERBS = {
    "improv": ("up", "improves"),
    "increas": ("up", "increases"),
    "enhanc": ("up", "enhances"),
    "rais": ("up", "raises"),
    "boost": ("up", "boosts"),
    "maximi": ("up", "maximizes"),
    "extend": ("up", "extends"),
    "prolong": ("up", "prolongs"),
    "reduc": ("down", "reduces"),
    "lower": ("down", "lowers"),
    "decreas": ("down", "decreases"),
    "minimi": ("down", "minimizes"),
    "sav": ("down", "saves"),
    "shorten": ("down", "shortens"),
    "prevent": ("avoid", "prevents"),
    "avoid": ("avoid", "avoids"),
    "eliminat": ("avoid", "eliminates"),
    "simplif": ("simplify", "simplifies"),
}
_EN_PHRASE = re.compile(
    r"\b(improv(?:e|es|ed|ing)|increas(?:e|es|ed|ing)|enhanc(?:e|es|ed|ing)"
    r"|rais(?:es|ed|ing)|boost(?:s|ed|ing)?|maximi[sz](?:e|es|ed|ing)|extend(?:s|ed|ing)?"
    r"|prolong(?:s|ed|ing)?|reduc(?:e|es|ed|ing)|lower(?:s|ed|ing)|decreas(?:e|es|ed|ing)"
    r"|minimi[sz](?:e|es|ed|ing)|sav(?:es|ed|ing)|shorten(?:s|ed|ing)?"
    r"|prevent(?:s|ed|ing)?|avoid(?:s|ed|ing)?|eliminat(?:e|es|ed|ing)"
    r"|simplif(?:y|ies|ied|ying))"
    r"\s+(?:(?:the|a|an|its|their|this|such|any|overall|greatly|significantly)\s+)*"
    r"((?:[a-z][a-z-]*)(?:\s+[a-z][a-z-]*){0,3})",
    re.IGNORECASE,
)
_EN_STOP_TEXT = """of and or in by for to with which that while when so thereby from on at as is are
    be being been during through without than into within via per it its whereby
    wherein thus such can may will comprising comprises having including between along
    among over under across against due because if where there therethrough"""
_EN_STOP = frozenset(_EN_STOP_TEXT.split())
#: Verbs whose unmatched phrases are kept; the others (extend, raise, lower, boost …)
#: describe structure as often as effects ("channels extend therethrough") and count
#: only when the lexicon recognises their object. Past participles ("an improved
#: battery") are adjectives as often as verbs and likewise count only when recognised.
_EN_KEPT_TEXT = "improv increas enhanc reduc decreas minimi prevent avoid eliminat simplif sav"
_EN_KEPT = frozenset(_EN_KEPT_TEXT.split())


@dataclass(frozen=True)
class Effect:
    """A canonical effect of the lexicon, or a kept phrase (``canonical`` false)."""

    key: str
    zh: str
    en: str
    canonical: bool = True
    verbs: tuple[str, ...] = ()
    zh_objects: tuple[str, ...] = ()
    en_objects: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return pick({"zh": self.zh, "en": self.en}, lang)


@functools.lru_cache(maxsize=1)
def lexicon() -> tuple[Effect, ...]:
    """The canonical effects of ``analytics/data/effects.toml``, in matching order."""
    raw = tomllib.loads(
        resources.files("ipnav.analytics").joinpath("data/effects.toml").read_text("utf-8")
    )
    return tuple(
        Effect(
            key=e["key"],
            zh=e["zh"],
            en=e["en"],
            verbs=tuple(e["verbs"]),
            zh_objects=tuple(e["zh_objects"]),
            en_objects=tuple(e["en_objects"]),
        )
        for e in raw["effect"]
    )


def _canonical(group: str, obj: str, lang: str) -> Effect | None:
    for effect in lexicon():
        if group not in effect.verbs:
            continue
        if lang == "zh" and any(word in obj for word in effect.zh_objects):
            return effect
        if lang == "en" and any(
            re.search(rf"\b{re.escape(word)}\b", obj) for word in effect.en_objects
        ):
            return effect
    return None


def _kept(phrase: str) -> Effect:
    return Effect(key=f"phrase:{phrase}", zh=phrase, en=phrase, canonical=False)


def extract_effects(abstract: str) -> list[Effect]:
    """The effects an abstract states, in order of first mention, each once."""
    found: dict[str, Effect] = {}
    for match in _ZH_PHRASE.finditer(abstract or ""):
        verb, obj = match.group(1), match.group(2)
        obj = _ZH_LEAD.sub("", _ZH_CUT.split(obj, maxsplit=1)[0])
        head = obj.rsplit("的", 1)[-1]  # 设备的运行成本 -> 运行成本
        head = head if len(head) >= 2 else obj
        if len(head) < 2:
            continue
        group = ZH_VERBS[verb]
        effect = (
            _canonical(group, head, "zh")
            or _canonical(group, obj.split("的", 1)[0], "zh")  # 可靠性的单位 -> 可靠性
            or _kept(verb + head[:8])
        )
        found.setdefault(effect.key, effect)
    for match in _EN_PHRASE.finditer(abstract or ""):
        stem = next(s for s in EN_VERBS if match.group(1).lower().startswith(s))
        group, verb = EN_VERBS[stem]
        words = []
        for word in match.group(2).lower().split():
            if word in _EN_STOP:
                break
            words.append(word)
        if not words:
            continue
        obj = " ".join(words)
        effect = _canonical(group, obj, "en")
        if effect is None and stem in _EN_KEPT and not match.group(1).lower().endswith("ed"):
            effect = _kept(f"{verb} {obj}")
        if effect is not None:
            found.setdefault(effect.key, effect)
    return list(found.values())


def branch_table(memberships: Mapping[str, Iterable[str]]) -> pa.Table:
    """The :data:`BRANCHES` source from branch name -> patent ids (branch order kept)."""
    branches, ids = [], []
    for branch, members in memberships.items():
        for patent_id in dict.fromkeys(members):
            branches.append(branch)
            ids.append(patent_id)
    return pa.table({"branch": pa.array(branches, pa.string()), "id": pa.array(ids, pa.string())})


# -- the matrix ----------------------------------------------------------------------------


@dataclass
class Matrix:
    """Rows × effects with the patents of each cell (what the tables and white spaces read)."""

    row_kind: str  # "branches" or "clusters"
    rows: list[tuple[Any, str]]  # (row key, label)
    effects: list[Effect]
    cells: dict[tuple[Any, str], list[str]] = field(default_factory=dict)  # ids, sorted
    patents: int = 0
    with_effects: int = 0

    def count(self, row: Any, effect: str) -> int:
        return len(self.cells.get((row, effect), ()))


def effect_matrix(engine: Engine, tables: Sources, options: AnalysisOptions) -> Matrix:
    """The matrix of the set (rows: branches when given, else clusters)."""
    sql = f"WITH {counted(options)} SELECT id, abstract FROM pat ORDER BY id"
    docs = engine.query(sql, tables).to_pylist()
    counted_ids = {d["id"] for d in docs}
    effects_of = {d["id"]: extract_effects(d["abstract"] or "") for d in docs}
    rows, members = _rows(engine, tables, options, counted_ids)
    totals: Counter[str] = Counter()
    known: dict[str, Effect] = {}
    for found in effects_of.values():
        for effect in found:
            totals[effect.key] += 1
            known[effect.key] = effect
    chosen = [
        known[key]
        for key, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        if known[key].canonical or n >= MIN_RAW
    ][:MAX_EFFECTS]
    keys = {e.key for e in chosen}
    cells: dict[tuple[Any, str], list[str]] = {}
    for row, ids in members.items():
        for patent_id in ids:
            for effect in effects_of.get(patent_id, ()):
                if effect.key in keys:
                    cells.setdefault((row, effect.key), []).append(patent_id)
    for value in cells.values():
        value.sort()
    return Matrix(
        row_kind="branches" if BRANCHES in tables else "clusters",
        rows=rows,
        effects=chosen,
        cells=cells,
        patents=len(docs),
        with_effects=sum(1 for found in effects_of.values() if found),
    )


def _rows(
    engine: Engine, tables: Sources, options: AnalysisOptions, counted_ids: set[str]
) -> tuple[list[tuple[Any, str]], dict[Any, list[str]]]:
    if BRANCHES in tables:
        source = tables[BRANCHES]
        table = source if isinstance(source, pa.Table) else pq.read_table(Path(source))
        members: dict[Any, list[str]] = {}
        for branch, patent_id in zip(
            table.column("branch").to_pylist(), table.column("id").to_pylist(), strict=True
        ):
            members.setdefault(branch, [])
            if patent_id in counted_ids:
                members[branch].append(patent_id)
        return [(b, b) for b in members], members
    from ipnav.analytics.clusters import cluster_model, cluster_rows

    model = cluster_model(engine, tables, options)
    grouped = dict(cluster_rows(model))
    return [(c, f"{c}. {model.label(c, options.language)}") for c in grouped], grouped


def technology_effects(
    engine: Engine, tables: Sources, options: AnalysisOptions
) -> list[AnalysisTable]:
    """``effects`` (each effect's patents) and ``effect_matrix`` (one row per cell)."""
    matrix = effect_matrix(engine, tables, options)
    lang = options.language
    per_effect: dict[str, set[str]] = {}
    for (_, key), ids in matrix.cells.items():
        per_effect.setdefault(key, set()).update(ids)
    effect_rows = [
        {
            "effect": e.key,
            "label": e.label(lang),
            "effect_zh": e.zh,
            "effect_en": e.en,
            "canonical": e.canonical,
            "patents": len(per_effect.get(e.key, ())),
            "examples": ", ".join(sorted(per_effect.get(e.key, ()))[:EXAMPLES]),
        }
        for e in matrix.effects
    ]
    effect_rows.sort(key=lambda r: (-r["patents"], r["effect"]))
    cells = [
        {
            "row": row,
            "row_label": row_label,
            "effect": e.key,
            "effect_label": e.label(lang),
            "patents": matrix.count(row, e.key),
            "examples": ", ".join(matrix.cells.get((row, e.key), [])[:EXAMPLES]),
        }
        for row, row_label in matrix.rows
        for e in matrix.effects
    ]
    rows_zh, rows_en = (
        ("技术分支", "technical branches")
        if matrix.row_kind == "branches"
        else ("技术聚类", "technology clusters")
    )
    unit = unit_label(options)
    notes = [
        coverage_note(
            "摘要中提取到功效的专利",
            "Patents whose abstract states an effect",
            matrix.with_effects,
            matrix.patents,
        ),
        text(
            f"行为{rows_zh}，列为功效（规范功效词表 + 至少 {MIN_RAW} 件专利共有的原始短语，"
            f"最多 {MAX_EFFECTS} 列）；单元格为{unit['zh']}数。",
            f"Rows are {rows_en}, columns effects (the canonical lexicon, plus verbatim phrases "
            f"shared by at least {MIN_RAW} patents; at most {MAX_EFFECTS}); cells count "
            f"{unit['en']}.",
        ),
    ]
    summary = {
        "row_kind": matrix.row_kind,
        "rows": [label for _, label in matrix.rows],
        "effects": [e.label(lang) for e in matrix.effects],
        "patents": matrix.patents,
        "with_effects": matrix.with_effects,
    }
    return [
        AnalysisTable(
            key="effects",
            title=text("技术功效", "Technical effects"),
            columns=[
                col("label", "功效", "Effect"),
                col("effect_zh", "功效（中文）", "Effect (Chinese)"),
                col("effect_en", "功效（英文）", "Effect (English)"),
                col("canonical", "规范功效", "Canonical"),
                col("patents", "专利数", "Patents", "patents"),
                col("examples", "示例", "Examples"),
            ],
            rows=effect_rows,
            notes=notes,
            summary=summary,
        ),
        AnalysisTable(
            key="effect_matrix",
            title=text("技术功效矩阵", "Technology–effect matrix"),
            columns=[
                col("row_label", rows_zh, rows_en.capitalize()),
                col("effect_label", "功效", "Effect"),
                col("patents", "专利数", "Patents", "patents"),
                col("examples", "示例", "Examples"),
                col("row", "行", "Row"),
                col("effect", "功效键", "Effect key"),
            ],
            rows=cells,
            notes=notes,
            summary=summary,
        ),
    ]
