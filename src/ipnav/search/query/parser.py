"""Parse the examiners' query language into the syntax tree of :mod:`ipnav.search.query.ast`.

The language takes what users bring from Google Patents, Espacenet, CNIPA and PatSnap::

    TA=(membrane AND bioreactor) AND PD>=2005
    TI=锂电池 与 (热失控 或 预警) NOT 钠
    battery W/5 anode  IPC=(H01M OR "G06F 9/30")  PN=CN108022189A  before:priority:20150101

* **Fields** ``TI AB CL TA TAC DESC PA IN IPC CPC PN AN PD AD PRD`` (any case, ``=`` or ``:``),
  Google's ``assignee: inventor: ipc: cpc: before: after:`` and CNIPA's Chinese names
  (标题 名称 发明名称 摘要 权利要求 说明书 申请人 专利权人 发明人 分类号 公开号 公告号 申请号
  公开日 公告日 申请日 优先权日). A field applies to one word, phrase or proximity chain, or to a
  parenthesised group, and is pushed down into its leaves; a field inside the group wins.
* **Boolean**: ``OR`` < ``AND`` (also ``&&``, 与, 并且, or nothing) < ``NOT`` (also 非, 不含,
  ``-word``); ``OR`` also ``||``, 或, 或者. ``a NOT b`` is ``a AND NOT b``. Keywords must stand
  alone: ``锂电池与热失控`` is one word.
* **Proximity** binds tighter than fields: ``TI=a W/5 b`` is ``TI=(a W/5 b)``. ``W/n`` and
  ``NEAR/n`` are unordered, ``PRE/n`` and ``ADJ/n`` ordered, bare ``ADJ`` is ``ADJ/1``; a bare
  ``W``, ``NEAR`` or ``PRE`` is a word ("near field communication"). ``n`` is 1 to 1000. A
  chain of one operator is one node (``a W/5 b W/5 c``); mixed operators, phrases and
  wildcards in a chain are errors, since :class:`Proximity` holds one distance over words.
* **Dates**: ``2015``, ``2015-03`` / ``201503``, ``2015-03-01`` / ``20150301`` / ``2015/3/1`` /
  ``2015年3月1日``; a year or month is its whole span, so ``PD>2015`` starts 2016-01-01 and
  ``PD=2015:2016-06`` ends 2016-06-30. ``PD=[2015 TO *]`` is Lucene's form. Google's
  ``before:`` / ``after:`` are exclusive like ``<`` / ``>``.
* **Classifications** ``IPC=G06F9`` (a prefix, stored in compact form), ``IPC=G06F 9/30`` or
  ``"G06F 9/30"``; inside a group a symbol with a blank must be quoted. A trailing ``*`` after
  a subclass or ``/`` is dropped (``CPC=Y02E10/*``). **Numbers** ``PN=`` publication (its id,
  ``CN108022189A``), ``AN=`` application (without check digit, ``CN201610972212``).
* ``,`` and ``、`` separate like blanks. Text is NFKC-folded first; positions in errors are
  indexes into the text as the user wrote it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import importlib.resources
import re
import unicodedata
from collections.abc import Sequence
from typing import NoReturn, TypeVar

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ipnav.errors import IpnavError
from ipnav.model.classification import ClassificationError, parse_symbol
from ipnav.model.numbers import (
    ApplicationNumber,
    NumberError,
    PublicationNumber,
    parse_any,
    parse_application_number,
)
from ipnav.search.query.ast import (
    And,
    ClassPrefix,
    DateField,
    DateRange,
    MatchAll,
    Node,
    Not,
    NumberField,
    NumberMatch,
    Or,
    Phrase,
    Proximity,
    Scheme,
    Term,
    TextField,
    Wildcard,
)

MAX_LENGTH = 10_000
MAX_DEPTH = 100
MAX_DISTANCE = 1000


class QuerySyntaxError(IpnavError, ValueError):
    """A query that cannot be read; ``position`` indexes the text as the user typed it."""

    def __init__(self, reason: str, *, query: str, position: int, expected: Sequence[str] = ()):
        self.reason = reason
        self.query = query
        self.position = position
        self.expected = list(expected)
        super().__init__(f"query error at position {position}: {reason}")

    def pointer(self) -> str:
        """The query (a window of it, when long) with a caret under the error, for terminals."""
        start = max(0, self.position - 60)
        shown = self.query[start : self.position + 60]
        shown = "".join(" " if not c.isprintable() else c for c in shown)
        before = shown[: self.position - start]
        width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in before)
        lead = "..." if start else ""
        return f"{lead}{shown}\n{' ' * (width + len(lead))}^"


_TEXT = {"ti": TextField.TITLE, "ab": TextField.ABSTRACT, "cl": TextField.CLAIMS}
_TEXT |= {"ta": TextField.TITLE_ABSTRACT, "tac": TextField.TEXT, "desc": TextField.DESCRIPTION}
_TEXT |= dict.fromkeys(("pa", "assignee", "申请人", "专利权人"), TextField.APPLICANT)
_TEXT |= dict.fromkeys(("in", "inventor", "发明人"), TextField.INVENTOR)
_TEXT |= dict.fromkeys(("标题", "名称", "发明名称"), TextField.TITLE)
_TEXT |= {"摘要": TextField.ABSTRACT, "权利要求": TextField.CLAIMS, "说明书": TextField.DESCRIPTION}
_CODED: dict[str, Scheme | NumberField] = {"ipc": Scheme.IPC, "ipc分类号": Scheme.IPC}
_CODED |= {"分类号": Scheme.IPC, "cpc": Scheme.CPC, "cpc分类号": Scheme.CPC}
_CODED |= dict.fromkeys(("pn", "公开号", "公告号"), NumberField.PUBLICATION)
_CODED |= dict.fromkeys(("an", "申请号"), NumberField.APPLICATION)
_DATES = dict.fromkeys(("pd", "公开日", "公告日", "publication", ""), DateField.PUBLICATION)
_DATES |= dict.fromkeys(("ad", "申请日", "filing"), DateField.FILING)
_DATES |= dict.fromkeys(("prd", "优先权日", "priority"), DateField.PRIORITY)
_KNOWN = "TI AB CL TA TAC DESC PA IN IPC CPC PN AN PD AD PRD, assignee: inventor: before: after:"

_FOLD = {"“": '"', "”": '"', "„": '"', "≥": ">=", "≤": "<=", "、": ","}
_CODE_VALUE = re.compile(r"(.+?)[ \t]*(>=|<=|>|<|=|:)[ \t]*", re.S)
_GOOGLE = re.compile(r"(before|after)[ \t]*:(?:[ \t]*(\w+)[ \t]*:)?[ \t]*", re.I)
_PROX = re.compile(r"(w|near|pre|adj)(?:/([0-9]*))?", re.I)
_BRACKET = re.compile(r"\[[ \t]*(\S+)[ \t]+(?i:to)[ \t]+(\S+)[ \t]*\]")
_DATE_FORMS = (
    re.compile(r"(?P<y>[0-9]{4})(?:(?P<m>[0-9]{2})(?P<d>[0-9]{2})?)?"),
    re.compile(r"(?P<y>[0-9]{4})([-/.])(?P<m>[0-9]{1,2})(?:\2(?P<d>[0-9]{1,2}))?"),
    re.compile(r"(?P<y>[0-9]{4})年(?:(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})日)?)?"),
)
_DATE_HELP = "dates are 2015, 2015-03, 2015-03-01 or 20150301"
_START = ["a term", "a phrase", '"("']
_NAMES = {"WORD": "a term", "PHRASE": "a phrase", "LPAR": '"("', "RPAR": '")"', "PROX": "W/n"}
_NAMES |= {"$END": "end of query", "MINUS": '"-"'}
_VALUE = {"CLASS_FIELD": "a classification symbol", "NUMBER_FIELD": "a patent number"}


def parse_query(text: str) -> Node:
    """Read a query; empty or blank text is :class:`MatchAll`.

    Raises
    ------
    QuerySyntaxError
        For any text that is not a query, with the position of the problem in ``text``.
    """
    if len(text) > MAX_LENGTH:
        _fail(text, MAX_LENGTH, f"the query is longer than {MAX_LENGTH} characters; shorten it")
    folded, where = _fold(text)
    _check_brackets(text, folded, where)
    try:
        tree = _lark().parse(folded)
    except UnexpectedInput as error:
        raise _syntax_error(error, text, folded, where) from None
    if not tree.children:
        return MatchAll()
    return _Builder(text, where).build(tree.children[0], TextField.ALL, 0)


@functools.cache
def _lark() -> Lark:
    """LALR with lark's basic lexer: keywords are keywords everywhere (a contextual lexer would
    read ``a AND OR b`` as the word "OR"), and context lives in the clause terminals instead."""
    grammar = importlib.resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer="basic")


def _fold(text: str) -> tuple[str, list[int]]:
    """NFKC-fold each character with its combining marks; ``where[i]`` is the user's index."""
    parts: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        chunk = text[i:j]
        folded = _FOLD.get(chunk) or unicodedata.normalize("NFKC", chunk)
        parts.append(folded)
        where.extend([i] * len(folded))
        i = j
    where.append(len(text))
    return "".join(parts), where


def _check_brackets(text: str, folded: str, where: list[int]) -> None:
    """Unclosed quotes, unbalanced or too deeply nested parentheses, before lark sees them."""
    opened: list[int] = []
    quote = None
    for i, c in enumerate(folded):
        if quote is not None:
            quote = None if c == '"' else quote
        elif c == '"':
            quote = i
        elif c == "(":
            opened.append(i)
            if len(opened) > MAX_DEPTH:
                _fail(text, where[i], f"parentheses are nested deeper than {MAX_DEPTH} levels")
        elif c == ")":
            if not opened:
                _fail(text, where[i], 'this ")" closes nothing: remove it or add a "(" before')
            opened.pop()
    if quote is not None:
        _fail(text, where[quote], 'this quote is never closed: add the closing "', ['"'])
    if opened:
        _fail(text, where[opened[-1]], 'this "(" is never closed: add a ")"', ['")"'])


def _fail(query: str, position: int, reason: str, expected: Sequence[str] = ()) -> NoReturn:
    raise QuerySyntaxError(reason, query=query, position=position, expected=expected)


def _syntax_error(error: UnexpectedInput, text: str, folded: str, where: list[int]) -> Exception:
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream
        char = folded[pos]
        word = re.search(r"[^\s,()\"\[\]=:<>]+$", folded[:pos])
        if char in "=:<>" and word:
            reason = f"unknown field code {word.group()!r}; known codes: {_KNOWN}"
            return QuerySyntaxError(reason, query=text, position=where[word.start()])
        if char == "-":
            reason = '"-" must be glued to what it excludes, as in -battery or -(a OR b)'
            return QuerySyntaxError(reason, query=text, position=where[pos], expected=_START)
        if char in "[]":
            reason = f"{char!r} only belongs in a date range such as PD=[2015-01-01 TO 2016-12-31]"
            return QuerySyntaxError(reason, query=text, position=where[pos])
        return QuerySyntaxError(f"unexpected {char!r}", query=text, position=where[pos])
    if not isinstance(error, UnexpectedToken):
        return QuerySyntaxError(f"cannot read the query ({error})", query=text, position=0)
    token = error.token
    at_end = token.type == "$END"
    pos = len(folded) if at_end else token.start_pos
    previous = None
    for earlier in _lark().lex(folded):
        if earlier.start_pos >= pos:
            break
        previous = earlier
    expected = _describe(error.expected)
    if previous is not None and previous.type in _VALUE:
        expected = [_VALUE[previous.type], "a phrase", '"("']
    found = "end of query" if at_end else _show(token)
    after = f" after {_show(previous)}" if previous is not None else ""
    reason = f"expected {_or_list(expected)}{after}, found {found}"
    return QuerySyntaxError(reason, query=text, position=where[pos], expected=expected)


def _describe(names: set[str]) -> list[str]:
    """Readable expected-list: lark's terminal names in words, keywords by their English name."""
    if "WORD" in names:
        return _START if "LPAR" in names else _START[:2]
    return sorted({_NAMES.get(n) or n.strip("_").split("_")[0] for n in names})


def _show(token: Token) -> str:
    keyword = token.type.strip("_").split("_")[0]
    if keyword in ("AND", "OR", "NOT"):
        return keyword  # however written: &&, 与, ||, 或者, 非 ...
    return '"' + token.value.strip() + '"'


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


Field = TextField | Scheme | NumberField
_V = TypeVar("_V")


class _Builder:
    """Turns lark's tree into ast nodes, pushing fields down and validating values."""

    def __init__(self, text: str, where: list[int]):
        self.text = text
        self.where = where

    def fail(self, pos: int, reason: str) -> QuerySyntaxError:
        return QuerySyntaxError(reason, query=self.text, position=self.where[pos])

    def build(self, item: Tree | Token, field: Field, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(_start(item), f"the query is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, Token):
            return self.clause(item)
        kind, kids = item.data, item.children
        if kind in ("or_expr", "and_expr"):
            group = Or if kind == "or_expr" else And
            children: list[Node] = []
            for kid in kids:
                node = self.build(kid, field, depth + 1)
                children.extend(node.children if isinstance(node, group) else [node])
            return group(tuple(children))
        if kind == "negation":
            return Not(self.build(kids[1], field, depth + 1))
        if kind == "chain":
            return self.chain(kids, field)
        code = kids[0].value.rstrip("=: \t")
        inner = _lookup(_TEXT if kind == "text_field" else _CODED, code)
        if isinstance(kids[1], Token):
            return self.leaf(kids[1], inner)
        return self.build(kids[1], inner, depth + 1)

    def chain(self, kids: list[Token], field: Field) -> Node:
        if len(kids) == 1:
            return self.leaf(kids[0], field)
        if not isinstance(field, TextField):
            raise self.fail(kids[1].start_pos, "proximity operators only search text fields")
        distance, ordered = self.operator(kids[1])
        for op in kids[3::2]:
            if self.operator(op) != (distance, ordered):
                raise self.fail(op.start_pos, "use one proximity operator per chain")
        for word in kids[0::2]:
            if word.type != "WORD" or any(c in "*?" for c in word.value):
                raise self.fail(word.start_pos, "proximity joins single words, not phrases or *")
        return Proximity(tuple(w.value for w in kids[0::2]), distance, ordered, field)

    def operator(self, token: Token) -> tuple[int, bool]:
        name, digits = _PROX.fullmatch(token.value).groups()
        ordered = name.lower() in ("pre", "adj")
        if digits is None:
            return 1, True  # bare ADJ
        if not digits or len(digits) > 4 or not 1 <= int(digits) <= MAX_DISTANCE:
            why = f"{token.value} needs a distance from 1 to {MAX_DISTANCE}, as in {name}/5"
            raise self.fail(token.start_pos, why)
        return int(digits), ordered

    def leaf(self, token: Token, field: Field) -> Node:
        pos, value = token.start_pos, token.value
        if token.type == "PHRASE":
            pos, value = pos + 1, value[1:-1]
            if not value.split():
                raise self.fail(pos - 1, "empty phrase: put words between the quotes")
            if isinstance(field, TextField):
                return Phrase(tuple(value.split()), field)
            value = " ".join(value.split())
        elif isinstance(field, TextField):
            if not any(c in "*?" for c in value):
                return Term(value, field)
            if not value.strip("*?"):
                raise self.fail(pos, "a wildcard needs at least one letter, as in comput*")
            return Wildcard(value, field)
        if isinstance(field, Scheme):
            return self.symbol(pos, value, field)
        return self.number(pos, value, field)

    def symbol(self, pos: int, value: str, scheme: Scheme) -> ClassPrefix:
        if value.endswith("*") and re.fullmatch(r"[A-Za-z]([0-9]{2}[A-Za-z]?)?\*|.*/\*", value):
            value = value[:-1]  # H01M*, Y02E10/*: symbols are prefixes already
        if "*" in value or "?" in value:
            raise self.fail(
                pos,
                "a classification symbol is a prefix already: IPC=G06F9 "
                "finds G06F9/30; write it without * or ?",
            )
        try:
            return ClassPrefix(scheme, parse_symbol(value).compact)
        except ClassificationError as error:
            raise self.fail(pos, str(error)) from None

    def number(self, pos: int, value: str, field: NumberField) -> NumberMatch:
        try:
            read = parse_any(value)
            if field is NumberField.APPLICATION and isinstance(read, PublicationNumber):
                read = parse_application_number(value)
        except NumberError as error:
            raise self.fail(pos, str(error)) from None
        if field is NumberField.PUBLICATION and isinstance(read, ApplicationNumber):
            raise self.fail(pos, f"{value!r} is an application number: search it with AN=")
        if isinstance(read, ApplicationNumber):
            return NumberMatch(field, read.normalized)
        return NumberMatch(field, read.id)

    def clause(self, token: Token) -> Node:
        """A class, number or date clause that lark read as one token with its value."""
        if token.type == "GOOGLE_DATE":
            m = _GOOGLE.match(token.value)
            which, kind = m.group(1).lower(), m.group(2) or ""
            field = _lookup(_DATES, kind)
            if field is None:
                why = f"{which}: takes priority:, filing: or publication: before the date"
                raise self.fail(token.start_pos + m.start(2), why)
            op = "<" if which == "before" else ">"
        else:
            m = _CODE_VALUE.match(token.value)
            code, op = m.group(1), m.group(2)
            value = Token("WORD", token.value[m.end() :], token.start_pos + m.end())
            if (coded := _lookup(_CODED, code)) is not None:
                return self.leaf(value, coded)
            field = _lookup(_DATES, code)
        return self.dates(token.start_pos + m.end(), token.value[m.end() :], op, field)

    def dates(self, pos: int, value: str, op: str, field: DateField) -> DateRange:
        if not value:
            raise self.fail(pos, f"expected a date here; {_DATE_HELP}")
        ranged = value.startswith("[") or ":" in value
        if ranged and op not in "=:":
            raise self.fail(pos, f"a date range takes = not {op}, as in PD=2015:2020")
        if value.startswith("["):
            m = _BRACKET.fullmatch(value)
            if m is None:
                raise self.fail(pos, "write a bracketed range as [2015-01-01 TO 2016-12-31]")
            start = None if m[1] == "*" else self.period(pos + m.start(1), m[1])[0]
            end = None if m[2] == "*" else self.period(pos + m.start(2), m[2])[1]
            if start is None and end is None:
                raise self.fail(pos, "give at least one date in [... TO ...]")
        elif ranged:
            first, _, last = value.partition(":")
            start = self.period(pos, first)[0]
            end = self.period(pos + len(first) + 1, last)[1]
        else:
            first_day, last_day = self.period(pos, value)
            try:
                start, end = {
                    ">=": (first_day, None),
                    ">": (last_day + dt.timedelta(days=1), None),
                    "<=": (None, last_day),
                    "<": (None, first_day - dt.timedelta(days=1)),
                }.get(op, (first_day, last_day))
            except OverflowError:
                raise self.fail(pos, f"no date is {op} {value}") from None
        if start is not None and end is not None and start > end:
            raise self.fail(pos, f"the range ends ({end}) before it starts ({start})")
        return DateRange(field, start, end)

    def period(self, pos: int, text: str) -> tuple[dt.date, dt.date]:
        """First and last day of a year, month or day written in one of the date forms."""
        m = next((m for f in _DATE_FORMS if (m := f.fullmatch(text))), None)
        if m is None:
            hint = (
                "; for a range write PD=2015:2020"
                if re.fullmatch(r"[0-9]{4}-[0-9]{4}", text)
                else ""
            )
            raise self.fail(pos, f"{text!r} is not a date; {_DATE_HELP}{hint}")
        y, mo, d = (int(g) if g else None for g in m.group("y", "m", "d"))
        try:
            if mo is None:
                return dt.date(y, 1, 1), dt.date(y, 12, 31)
            if d is None:
                return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])
            return dt.date(y, mo, d), dt.date(y, mo, d)
        except (ValueError, calendar.IllegalMonthError) as error:
            raise self.fail(pos, f"{text!r} is not a date ({error}); {_DATE_HELP}") from None


def _lookup(table: dict[str, _V], code: str) -> _V | None:
    """The table entry for a field code as lark matched it: ignoring case, ``re`` also takes
    ``ı`` and ``İ`` for ``i`` (``ıN=``), which ``str.lower`` does not."""
    return next((v for k, v in table.items() if re.fullmatch(re.escape(k), code, re.I)), None)


def _start(item: Tree | Token) -> int:
    while isinstance(item, Tree):  # leftmost token (no rule here is empty)
        item = item.children[0]
    return item.start_pos
