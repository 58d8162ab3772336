"""The technology breakdown (技术分解表): a tree of technical branches, each with a query.

Analysts draw it up as an indented list; ipnav reads the same, one branch a line::

    # 中文名 | English name | query   (name_en and query are optional)
    膜材料 | Membrane materials | TA=(膜 OR membrane)
      有机膜 | Organic membranes | TA=(聚偏氟乙烯 OR PVDF OR polyvinylidene)
      无机膜 | Inorganic membranes | TA=(陶瓷膜 OR ceramic)
    膜组件 | Membrane modules

Indentation (spaces; a tab counts as four) makes a line the child of the line above
it; a line indented less returns to the level it matches, and must match one. Lines
starting with ``#`` and empty lines are ignored. The same tree may be given as nested
dicts (the API's JSON): ``{"name_zh", "name_en", "query", "children": [...]}`` (or
``"name": {"zh": …, "en": …}``).

Membership (computed at each snapshot, :mod:`ipnav.collections.snapshots`): a branch
with a query holds the snapshot members that match it *and* belong to its parent
branch (the whole snapshot at the top); a branch without a query is a heading that
holds what its children hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ipnav.collections.errors import BreakdownError
from ipnav.errors import IpnavError

MAX_BRANCHES = 500
MAX_DEPTH = 6
MAX_NAME_CHARS = 200
MAX_QUERY_CHARS = 2_000
TAB = 4


@dataclass(frozen=True)
class Branch:
    """One branch of the tree; ``id`` is set once stored (and frozen into snapshots)."""

    name_zh: str
    name_en: str = ""
    query: str | None = None
    children: tuple[Branch, ...] = ()
    id: int | None = None
    members: int | None = None  # in a snapshot's frozen tree: how many members it holds

    def name(self, lang: str) -> str:
        """The name in ``lang``, falling back to the other language."""
        if lang == "en":
            return self.name_en or self.name_zh
        return self.name_zh or self.name_en

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Branch]]:
        """``(depth, branch)`` of this branch and its descendants, parents first."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name_zh": self.name_zh, "name_en": self.name_en}
        if self.id is not None:
            out["id"] = self.id
        if self.query:
            out["query"] = self.query
        if self.members is not None:
            out["members"] = self.members
        if self.children:
            out["children"] = [child.to_dict() for child in self.children]
        return out


@dataclass(frozen=True)
class Breakdown:
    """The whole tree: its top-level branches, in order."""

    branches: tuple[Branch, ...] = field(default_factory=tuple)

    def walk(self) -> Iterator[tuple[int, Branch]]:
        for branch in self.branches:
            yield from branch.walk()

    def __len__(self) -> int:
        return sum(1 for _ in self.walk())

    def to_list(self) -> list[dict[str, Any]]:
        return [branch.to_dict() for branch in self.branches]

    def to_text(self) -> str:
        """The indented-text form (what :func:`parse_text` reads)."""
        lines = []
        for depth, branch in self.walk():
            parts = [branch.name_zh, branch.name_en]
            if branch.query:
                parts.append(branch.query)
            lines.append("  " * depth + " | ".join(parts).rstrip(" |"))
        return "\n".join(lines) + ("\n" if lines else "")


def _check_query(text: str, where: str) -> str | None:
    from ipnav.search.query.parser import parse_query

    text = " ".join(text.split())
    if not text:
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise BreakdownError(f"{where}: the query is longer than {MAX_QUERY_CHARS:,} characters")
    try:
        parse_query(text)
    except IpnavError as exc:
        raise BreakdownError(f"{where}: the query {text[:60]!r} is not valid: {exc}") from None
    return text


def _name(value: Any, where: str, *, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise BreakdownError(
            f"{where}: the branch has no name; write 中文名 | English name | query"
        )
    if len(text) > MAX_NAME_CHARS:
        raise BreakdownError(f"{where}: a name is longer than {MAX_NAME_CHARS} characters")
    return text


def _branch(name_zh: str, name_en: str, query: str, where: str) -> Branch:
    zh = _name(name_zh, where, required=False)
    en = _name(name_en, where, required=False)
    if not zh and not en:
        _name("", where, required=True)
    return Branch(name_zh=zh or en, name_en=en, query=_check_query(query or "", where))


def _limits(tree: Breakdown) -> Breakdown:
    count = 0
    for depth, _branch in tree.walk():
        count += 1
        if depth >= MAX_DEPTH:
            raise BreakdownError(f"the breakdown is deeper than {MAX_DEPTH} levels")
    if count > MAX_BRANCHES:
        raise BreakdownError(f"the breakdown has {count} branches; at most {MAX_BRANCHES}")
    return tree


def parse_text(text: str) -> Breakdown:
    """The tree of the indented text described in the module docstring."""
    top = _Open(indent=-1)  # the tree's root: holds the top-level branches
    stack = [top]
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        expanded = raw.replace("\t", " " * TAB)
        indent = len(expanded) - len(expanded.lstrip(" "))
        parts = [part.strip() for part in stripped.split("|", 2)]
        parts += [""] * (3 - len(parts))
        branch = _branch(parts[0], parts[1], parts[2], f"line {number}")
        while stack[-1].indent >= indent:
            stack.pop()
        parent = stack[-1]
        if parent.child_indent is None:
            parent.child_indent = indent
        elif parent.child_indent != indent:
            raise BreakdownError(
                f"line {number}: the indentation matches no level above it; indent a "
                "branch like its siblings, and its children further"
            )
        node = _Open(indent=indent, branch=branch)
        parent.children.append(node)
        stack.append(node)
    return _limits(Breakdown(tuple(child.freeze() for child in top.children)))


@dataclass
class _Open:
    """A branch being read by :func:`parse_text`, with the indent of its lines."""

    indent: int
    branch: Branch | None = None
    child_indent: int | None = None
    children: list[_Open] = field(default_factory=list)

    def freeze(self) -> Branch:
        assert self.branch is not None
        return Branch(
            name_zh=self.branch.name_zh,
            name_en=self.branch.name_en,
            query=self.branch.query,
            children=tuple(child.freeze() for child in self.children),
        )


def parse_nested(items: Sequence[Mapping[str, Any]]) -> Breakdown:
    """The tree of nested dicts (the API's JSON form, see the module docstring)."""

    def one(item: Any, where: str) -> Branch:
        if not isinstance(item, Mapping):
            raise BreakdownError(f"{where}: a branch must be an object with name_zh and query")
        names = item.get("name")
        zh, en = item.get("name_zh", ""), item.get("name_en", "")
        if isinstance(names, Mapping):
            zh, en = names.get("zh", zh), names.get("en", en)
        elif isinstance(names, str):
            zh = zh or names
        query = item.get("query") or ""
        if not isinstance(query, str):
            raise BreakdownError(f"{where}: the query must be text")
        children = item.get("children") or []
        if not isinstance(children, Sequence) or isinstance(children, str):
            raise BreakdownError(f"{where}: children must be a list of branches")
        made = _branch(zh, en, query, where)
        return Branch(
            name_zh=made.name_zh,
            name_en=made.name_en,
            query=made.query,
            children=tuple(one(child, f"{where}.{i}") for i, child in enumerate(children, start=1)),
        )

    if not isinstance(items, Sequence) or isinstance(items, str):
        raise BreakdownError("the breakdown must be a list of branches (or indented text)")
    return _limits(
        Breakdown(tuple(one(item, f"branch {i}") for i, item in enumerate(items, start=1)))
    )


def parse_breakdown(value: str | Sequence[Mapping[str, Any]] | Breakdown | None) -> Breakdown:
    """A tree from indented text, nested dicts, or a tree already made (None: empty)."""
    if value is None:
        return Breakdown()
    if isinstance(value, Breakdown):
        return _limits(value)
    if isinstance(value, str):
        return parse_text(value)
    return parse_nested(value)


def from_rows(rows: Sequence[Mapping[str, Any]]) -> Breakdown:
    """The tree of stored ``collection_branch`` rows (ordered by position)."""
    children: dict[int | None, list[Mapping[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["position"]):
        children.setdefault(row["parent_id"], []).append(row)

    def build(row: Mapping[str, Any]) -> Branch:
        return Branch(
            id=row["id"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            query=row["query"],
            children=tuple(build(child) for child in children.get(row["id"], [])),
        )

    return Breakdown(tuple(build(row) for row in children.get(None, [])))


def from_frozen(items: Sequence[Mapping[str, Any]] | None) -> Breakdown:
    """The tree a snapshot froze (:meth:`Breakdown.to_list` with ids and counts)."""

    def build(item: Mapping[str, Any]) -> Branch:
        return Branch(
            id=item.get("id"),
            name_zh=item.get("name_zh", ""),
            name_en=item.get("name_en", ""),
            query=item.get("query"),
            members=item.get("members"),
            children=tuple(build(child) for child in item.get("children", ())),
        )

    return Breakdown(tuple(build(item) for item in items or ()))
