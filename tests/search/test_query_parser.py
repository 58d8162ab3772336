"""The examiners' query language: realistic queries, positioned errors, and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipnav.model.classification import normalize_symbol
from ipnav.model.numbers import parse_any, parse_application_number
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
    to_text,
)
from ipnav.search.query.parser import QuerySyntaxError, parse_query

ALL, TI, AB, CL = TextField.ALL, TextField.TITLE, TextField.ABSTRACT, TextField.CLAIMS
TA, DESC, PA, IN = (
    TextField.TITLE_ABSTRACT,
    TextField.DESCRIPTION,
    TextField.APPLICANT,
    TextField.INVENTOR,
)
PD, AD, PRD = DateField.PUBLICATION, DateField.FILING, DateField.PRIORITY
D = dt.date


def t(text: str, field: TextField = ALL) -> Term:
    return Term(text, field)


def ipc(prefix: str, scheme: Scheme = Scheme.IPC) -> ClassPrefix:
    return ClassPrefix(scheme, prefix)


QUERIES: list[tuple[str, Node]] = [
    # fields, pushed down into groups; an inner field wins
    (
        "TA=(membrane AND bioreactor) AND PD>=2005",
        And((t("membrane", TA), t("bioreactor", TA), DateRange(PD, D(2005, 1, 1)))),
    ),
    ("TI=battery", t("battery", TI)),
    ("TAC=battery", t("battery", TextField.TEXT)),
    ("tac : battery", t("battery", TextField.TEXT)),
    ("ti:battery", t("battery", TI)),
    ("TI = battery", t("battery", TI)),
    ("AB=anode CL=cathode", And((t("anode", AB), t("cathode", CL)))),
    ('DESC="solid electrolyte"', Phrase(("solid", "electrolyte"), DESC)),
    ("TA=(membrane AND TI=bioreactor)", And((t("membrane", TA), t("bioreactor", TI)))),
    ("TI=(a OR b) c", And((Or((t("a", TI), t("b", TI))), t("c")))),
    ("TI=(a NOT b)", And((t("a", TI), Not(t("b", TI))))),
    ('assignee:Huawei inventor:"Zhang San"', And((t("Huawei", PA), Phrase(("Zhang", "San"), IN)))),
    ("PA=华为 IN=张三", And((t("华为", PA), t("张三", IN)))),
    ("in:Zhang", t("Zhang", IN)),
    ("ıN=x", t("x", IN)),  # re's ignore-case takes dotless ı for i: the table lookup must too
    # Chinese field names, operators and full-width punctuation
    (
        "TI=锂电池 与 (热失控 或 预警)",
        And((t("锂电池", TI), Or((t("热失控"), t("预警"))))),
    ),
    (
        "申请人=华为 AND 公开日>=2018",
        And((t("华为", PA), DateRange(PD, D(2018, 1, 1)))),
    ),
    ("标题=电池 摘要=隔膜", And((t("电池", TI), t("隔膜", AB)))),
    ("发明人：张三", t("张三", IN)),
    ("ＴＩ＝（锂电池 或者 钠电池）", Or((t("锂电池", TI), t("钠电池", TI)))),
    ("锂电池 非 钠 不含 铅", And((t("锂电池"), Not(t("钠")), Not(t("铅"))))),
    ("a 并且 b 或者 c", Or((And((t("a"), t("b"))), t("c")))),
    ("锂电池与热失控", t("锂电池与热失控")),
    ("5G通讯电缆", t("5G通讯电缆")),
    ("“膜 生物反应器”", Phrase(("膜", "生物反应器"))),
    ("分类号=H01M", ipc("H01M")),
    ("申请号=CN201610972212.5", NumberMatch(NumberField.APPLICATION, "CN201610972212")),
    # Boolean
    ("battery anode", And((t("battery"), t("anode")))),
    ("battery and anode or cathode", Or((And((t("battery"), t("anode"))), t("cathode")))),
    ("battery && anode || cathode", Or((And((t("battery"), t("anode"))), t("cathode")))),
    ("a OR b AND c", Or((t("a"), And((t("b"), t("c")))))),
    ("(a OR b) c", And((Or((t("a"), t("b"))), t("c")))),
    ("a NOT b", And((t("a"), Not(t("b"))))),
    ("NOT a OR b", Or((Not(t("a")), t("b")))),
    ("-battery", Not(t("battery"))),
    ("lithium -(cobalt OR nickel)", And((t("lithium"), Not(Or((t("cobalt"), t("nickel"))))))),
    ("NOT NOT a", Not(Not(t("a")))),
    ("((a))", t("a")),
    ("a, b、c", And((t("a"), t("b"), t("c")))),
    ("android ORange nothing", And((t("android"), t("ORange"), t("nothing")))),
    ("lithium-ion", t("lithium-ion")),
    ("near field communication", And((t("near"), t("field"), t("communication")))),
    # phrases, wildcards, proximity
    ('"membrane bioreactor"', Phrase(("membrane", "bioreactor"))),
    ('"AND (or)"', Phrase(("AND", "(or)"))),
    ("comput* wom?n", And((Wildcard("comput*"), Wildcard("wom?n")))),
    ("TI=comput*", Wildcard("comput*", TI)),
    ("battery W/5 anode", Proximity(("battery", "anode"), 5)),
    ("battery NEAR/3 anode", Proximity(("battery", "anode"), 3)),
    ("battery PRE/2 anode", Proximity(("battery", "anode"), 2, ordered=True)),
    ("battery adj/4 anode", Proximity(("battery", "anode"), 4, ordered=True)),
    ("battery ADJ anode", Proximity(("battery", "anode"), 1, ordered=True)),
    ("a W/5 b NEAR/5 c", Proximity(("a", "b", "c"), 5)),
    ("TI=battery W/5 anode", Proximity(("battery", "anode"), 5, field=TI)),
    ("TI=(x W/2 y OR z)", Or((Proximity(("x", "y"), 2, field=TI), t("z", TI)))),
    # dates
    ("PD>2015", DateRange(PD, D(2016, 1, 1))),
    ("PD>=2015-01-01", DateRange(PD, D(2015, 1, 1))),
    ("PD<=20201231", DateRange(PD, None, D(2020, 12, 31))),
    ("AD<2015", DateRange(AD, None, D(2014, 12, 31))),
    ("AD<2016-03", DateRange(AD, None, D(2016, 2, 29))),
    ("PRD>2015-02", DateRange(PRD, D(2015, 3, 1))),
    ("PD=2015", DateRange(PD, D(2015, 1, 1), D(2015, 12, 31))),
    ("PD=2015:2020", DateRange(PD, D(2015, 1, 1), D(2020, 12, 31))),
    ("PD=2015-03:2016-06", DateRange(PD, D(2015, 3, 1), D(2016, 6, 30))),
    ("PD=[2015-01-01 TO 2016-12-31]", DateRange(PD, D(2015, 1, 1), D(2016, 12, 31))),
    ("PD=[2015 to *]", DateRange(PD, D(2015, 1, 1))),
    ("PD：201502", DateRange(PD, D(2015, 2, 1), D(2015, 2, 28))),
    ("公开日=2015年3月", DateRange(PD, D(2015, 3, 1), D(2015, 3, 31))),
    ("PD≥2015/3/1", DateRange(PD, D(2015, 3, 1))),
    ("before:2015-01-01", DateRange(PD, None, D(2014, 12, 31))),
    ("before:priority:20150101", DateRange(PRD, None, D(2014, 12, 31))),
    ("after:filing:2015-01-01", DateRange(AD, D(2015, 1, 2))),
    # classifications and numbers
    ("IPC=G06F9", ipc("G06F9")),
    ("IPC=G06F9/30", ipc("G06F9/30")),
    ('IPC="G06F 9/30"', ipc("G06F9/30")),
    ("IPC=G06F 9/30 AND battery", And((ipc("G06F9/30"), t("battery")))),
    ("CPC=Y02E10", ipc("Y02E10", Scheme.CPC)),
    ("cpc:Y02E10/*", ipc("Y02E10", Scheme.CPC)),
    ("IPC=(H01M OR G06F9/30)", Or((ipc("H01M"), ipc("G06F9/30")))),
    ("IPC=H01M OR CPC=Y02E", Or((ipc("H01M"), ipc("Y02E", Scheme.CPC)))),
    ("PN=CN108022189A", NumberMatch(NumberField.PUBLICATION, "CN108022189A")),
    ('PN="US 7,654,321 B2"', NumberMatch(NumberField.PUBLICATION, "US7654321B2")),
    ("AN=ZL201610972212.5", NumberMatch(NumberField.APPLICATION, "CN201610972212")),
    (
        "PN=(CN108022189A OR US7654321B2)",
        Or(
            (
                NumberMatch(NumberField.PUBLICATION, "CN108022189A"),
                NumberMatch(NumberField.PUBLICATION, "US7654321B2"),
            )
        ),
    ),
    # everything, and nothing
    (
        "TA=(membrane W/3 bioreactor) AND IPC=C02F3 AND PD=2010:2020 -TI=anaerobic",
        And(
            (
                Proximity(("membrane", "bioreactor"), 3, field=TA),
                ipc("C02F3"),
                DateRange(PD, D(2010, 1, 1), D(2020, 12, 31)),
                Not(t("anaerobic", TI)),
            )
        ),
    ),
    ("", MatchAll()),
    ("   \t ", MatchAll()),
]


@pytest.mark.parametrize(("query", "tree"), QUERIES, ids=[q for q, _ in QUERIES])
def test_queries(query: str, tree: Node) -> None:
    assert parse_query(query) == tree


ERRORS: list[tuple[str, int, str]] = [
    ("TI=battery AND", 14, 'expected a term, a phrase or "(" after AND, found end of query'),
    ("a OR OR b", 5, "found OR"),
    ("OR b", 0, "found OR"),
    ("(a OR b", 0, '"(" is never closed'),
    ("a OR b)", 6, '")" closes nothing'),
    ("((a) OR (b)", 0, "never closed"),
    ('"abc', 0, "quote is never closed"),
    ("a AND ()", 7, 'found ")"'),
    ("XX=foo", 0, "unknown field code 'XX'"),
    ("battery XX=foo", 8, "unknown field code 'XX'"),
    ("PD>=notadate", 4, "'notadate' is not a date"),
    ("PD=2015-02-30", 3, "not a date"),
    ("PD=2015-13", 3, "not a date"),
    ("PD=2015-2020", 3, "PD=2015:2020"),
    ("PD=2020:2015", 3, "ends (2015-12-31) before it starts"),
    ("PD>=2015:2020", 4, "a date range takes ="),
    ("PD=[* TO *]", 3, "at least one date"),
    ("PD=[2015 TO 2016", 3, "bracketed range"),
    ("PD=", 3, "expected a date"),
    ("PD>9999", 3, "no date"),
    ("before:priorty:2015", 7, "priority:"),
    ("a W/0 b", 2, "W/0 needs a distance"),
    ("a W/ b", 2, "W/ needs a distance"),
    ("a W/5000 b", 2, "from 1 to 1000"),
    ("a W/5", 5, "found end of query"),
    ('a W/5 "b c"', 6, "single words"),
    ("a W/5 b PRE/5 c", 8, "one proximity operator"),
    ("IPC=(G06F9 W/5 H01M)", 11, "only search text fields"),
    ("a - b", 2, '"-" must be glued'),
    ("-", 0, '"-" must be glued'),
    ("NOT", 3, "after NOT, found end of query"),
    ("TI=", 3, 'after "TI=", found end of query'),
    ("TI=-a", 3, 'found "-"'),
    ("IPC=", 4, "expected a classification symbol"),
    ("IPC=Z99", 4, "not an IPC/CPC classification symbol"),
    ("IPC=(H01M OR 9/30)", 13, "not an IPC/CPC classification symbol"),
    ("IPC=G06F9*", 4, "prefix already"),
    ("PN=XX123", 3, "not a patent"),
    ("PN=ZL201610972212.5", 3, "search it with AN="),
    ("AN=ZL201610972212.4", 3, "check digit should be 5"),
    ('""', 0, "empty phrase"),
    ("*", 0, "at least one letter"),
    ("[2015 TO 2016]", 0, "date range"),
    ("x:y", 0, "unknown field code 'x'"),
    # positions count the user's characters, not the NFKC-folded ones
    ("ＴＩ＝电池 ＡＮＤ", 9, "after AND, found end of query"),
    ("a ＡＮＤ ＯＲ b", 6, "found OR"),
    ("（锂电池 或 钠", 0, "never closed"),
    ("㈱ OR", 4, "end of query"),
]


@pytest.mark.parametrize(("query", "position", "message"), ERRORS, ids=[q for q, *_ in ERRORS])
def test_errors(query: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    error = caught.value
    assert error.position == position
    assert message in str(error)
    assert str(error).startswith(f"query error at position {position}: ")
    assert "\n" not in str(error)


def test_error_details() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("TI=battery AND")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.expected == ["a term", "a phrase", '"("']
    assert error.pointer() == "TI=battery AND\n              ^"


def test_pointer_counts_wide_characters_twice() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("锂电池 AND")
    assert caught.value.pointer() == "锂电池 AND\n" + " " * 10 + "^"


def test_hostile_sizes() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("a " * 5001)
    assert caught.value.position == 10_000
    with pytest.raises(QuerySyntaxError, match="deeper than 100") as caught:
        parse_query("(" * 101 + "a" + ")" * 101)
    assert caught.value.position == 100
    with pytest.raises(QuerySyntaxError, match="deeper than 100") as caught:
        parse_query("NOT " * 150 + "a")
    assert caught.value.position == 4 * 101  # the NOT one level too deep
    assert caught.value.pointer().splitlines()[1].endswith(" ^")
    assert parse_query("(" * 100 + "a" + ")" * 100) == t("a")
    assert parse_query("NOT " * 50 + "a") is not None


TEXT_CODES = [
    "TI", "AB", "CL", "TA", "DESC", "PA", "IN", "assignee", "inventor",
    "标题", "名称", "发明名称", "摘要", "权利要求", "说明书", "申请人", "专利权人", "发明人",
]  # fmt: skip


@pytest.mark.parametrize("code", TEXT_CODES)
def test_every_text_field_code(code: str) -> None:
    assert isinstance(parse_query(f"{code}=x"), Term)
    assert parse_query(f"{code.lower()}:x") == parse_query(f"{code}=x")


@pytest.mark.parametrize("code", ["PD", "AD", "PRD", "公开日", "公告日", "申请日", "优先权日"])
def test_every_date_field_code(code: str) -> None:
    assert isinstance(parse_query(f"{code}>=2015"), DateRange)


# --- properties -----------------------------------------------------------------------------

TOKENS = [
    "a", "电池", "TI=", "ti:", "IPC=", "PN=", "PD>=", "PD=", "AND", "or", "NOT", "-", "(", ")",
    '"', "W/5", "W/", "NEAR/0", "ADJ", "*", "?", "2015", "2015-02-30", ":", "[", "]", " TO ",
    "G06F9/30", "CN108022189A", "与", "或", "非", "＝", "（", "）", "“", "”", "before:", ",",
    "&&", "||", "XX=", "after:filing:", "\t", "\n", "é", "\u0301", "㈱", "≥",
]  # fmt: skip


def _parses_or_raises(text: str) -> None:
    try:
        node = parse_query(text)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(text)
        assert str(error).startswith("query error at position")
    else:
        assert isinstance(node, Node)


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_raises(text: str) -> None:
    _parses_or_raises(text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=12), st.sampled_from(["", " "]))
def test_query_like_text_parses_or_raises(tokens: list[str], glue: str) -> None:
    _parses_or_raises(glue.join(tokens))


KEYWORDS = {"and", "or", "not", "adj", "与", "并且", "或", "或者", "非", "不含"}
fields = st.sampled_from(list(TextField))
words = st.text("abcxyzABC019é电池与", min_size=1, max_size=6).filter(
    lambda w: w.lower() not in KEYWORDS
)
phrase_words = st.text("abAB1(),:=-电", min_size=1, max_size=5)
dates = st.dates(D(1900, 1, 1), D(2100, 12, 31))
SYMBOLS = ["G06F9", "G06F9/30", "H01M", "H01M10/0525", "Y02E10/50", "A61K", "G", "H01", "B01D61"]
PUBLICATIONS = ["CN108022189A", "US7654321B2", "EP0495168A1", "USRE34586E", "WO2000028129A1"]
APPLICATIONS = ["ZL201610972212.5", "US09/832,323", "PCT/CN2020/123456", "EP1981304493"]


def _flat(kind: type[And] | type[Or], children: list[Node]) -> Node:
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, kind) else [child])
    return kind(tuple(flat))


PN, AN = NumberField.PUBLICATION, NumberField.APPLICATION
_symbol = normalize_symbol


def _application(text: str) -> str:
    return parse_application_number(text).normalized


def _date_range(field: DateField, a: dt.date, b: dt.date, shape: int) -> DateRange:
    start, end = sorted((a, b))
    return DateRange(field, *[(start, end), (start, None), (None, end)][shape])


leaves = st.one_of(
    st.builds(Term, words, fields),
    st.builds(Phrase, st.lists(phrase_words, min_size=1, max_size=3).map(tuple), fields),
    st.builds(Wildcard, st.tuples(words, st.sampled_from("*?"), words).map("".join), fields),
    st.builds(
        Proximity,
        st.lists(words, min_size=2, max_size=3).map(tuple),
        st.integers(1, 1000),
        st.booleans(),
        fields,
    ),
    st.builds(_date_range, st.sampled_from(list(DateField)), dates, dates, st.integers(0, 2)),
    st.builds(ClassPrefix, st.sampled_from(list(Scheme)), st.sampled_from(SYMBOLS).map(_symbol)),
    st.sampled_from(PUBLICATIONS).map(lambda n: NumberMatch(PN, parse_any(n).id)),
    st.sampled_from(APPLICATIONS).map(lambda n: NumberMatch(AN, _application(n))),
)  # fmt: skip
trees = st.recursive(
    leaves,
    lambda kids: st.one_of(
        st.lists(kids, min_size=2, max_size=4).map(lambda cs: _flat(And, cs)),
        st.lists(kids, min_size=2, max_size=4).map(lambda cs: _flat(Or, cs)),
        st.builds(Not, kids),
    ),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(trees, st.just(MatchAll())))
def test_round_trip(tree: Node) -> None:
    assert parse_query(to_text(tree)) == tree


def test_to_text_refuses_what_no_query_can_say() -> None:
    with pytest.raises(ValueError):
        to_text(And((MatchAll(), t("a"))))
    with pytest.raises(ValueError):
        to_text(t("two words"))
    with pytest.raises(ValueError):
        to_text(Phrase(()))
