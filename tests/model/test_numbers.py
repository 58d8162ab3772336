"""Patent numbers: the written forms people use, every number of the real sample data, properties.

The tables hold real numbers copied from the shared data (the dataset is named in each row, and
``test_table_numbers_occur_in_their_dataset`` checks they are really there); the corpus tests read
every number of the PatSnap citation corpus and of the CN titles set, and list the few that do
not parse together with the reason.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ipnav.model.numbers import (
    ApplicationNumber,
    NumberError,
    PublicationNumber,
    cn_check_digit,
    match_key,
    number_forms,
    parse_any,
    parse_application_number,
    parse_publication_number,
)

PATSNAP = "patsnap_cs3245_citation_corpus"
CN_TITLES = "cn_patent_titles_ipc"
NVIDIA = "us_nvidia_portfolio_patentsview"
RANDOM10K = "us_uspto_random10k_abstracts"
PEDS = "us_uspto_prosecution_events_sample"
FULLTEXT = "uspto_fulltext_format_samples"
CNKI = "cn_cnki_sample_with_claims"


# -- written forms -------------------------------------------------------------------------------

PUBLICATION_FORMS = [  # text, expected id
    ("CN108022189A", "CN108022189A"),
    ("CN 108022189 A", "CN108022189A"),
    ("cn108022189a", "CN108022189A"),
    ("ＣＮ１０８０２２１８９Ａ", "CN108022189A"),
    ("CN108022189 (A)", "CN108022189A"),
    ("US 7,654,321 B2", "US7654321B2"),
    ("US7654321", "US7654321"),
    ("US06859910", "US6859910"),
    ("US20080250823A1", "US20080250823A1"),
    ("US 2008/0250823 A1", "US20080250823A1"),
    ("US2008250823A1", "US20080250823A1"),  # EPODOC/docdb: no zero after the year
    ("USD435854S1", "USD435854S1"),
    ("USRE34586E", "USRE34586E"),
    ("USR34586", "USRE34586"),
    ("USPP12345", "USPP12345"),
    ("EP_0227762_B1_19900411", "EP0227762B1"),
    ("EP0495168A1", "EP0495168A1"),
    ("EP 495168 A1", "EP0495168A1"),
    ("EP0047956A", "EP0047956A"),
    ("WO2000/028129", "WO2000028129"),
    ("WO2000028129A1", "WO2000028129A1"),
    ("WO 00/28129", "WO2000028129"),
    ("WO 84/00705 A1", "WO1984000705A1"),
    ("JP2001268594A", "JP2001268594A"),
    ("JPH06168317A", "JPH06168317A"),
    ("DE3176257D1", "DE3176257D1"),
    ("AU7576481A", "AU7576481A"),
    ("CA1172780A1", "CA1172780A1"),
    ("DK429081A", "DK429081A"),
    ("KR 10-2000-0010032 A", "KR1020000010032A"),
    ("GB2280389A", "GB2280389A"),
]


@pytest.mark.parametrize(("text", "expected"), PUBLICATION_FORMS)
def test_publication_forms(text: str, expected: str) -> None:
    pub = parse_publication_number(text)
    assert pub.id == expected
    assert parse_any(text) == pub
    assert parse_publication_number(pub.id) == pub  # the canonical form is a fixed point


def test_number_and_kind_are_split_by_the_kind_rule() -> None:
    assert parse_publication_number("USD435854S1") == PublicationNumber("US", "D435854", "S1")
    assert parse_publication_number("USRE34586E") == PublicationNumber("US", "RE34586", "E")
    assert parse_publication_number("US6836996").kind is None  # never guessed
    assert parse_publication_number("EP0047956A").kind == "A"


def test_date_written_into_the_number_is_kept_but_not_part_of_identity() -> None:
    pub = parse_publication_number("EP_0227762_B1_19900411")
    assert pub.date == dt.date(1990, 4, 11)
    assert pub == parse_publication_number("EP0227762B1")


def test_default_country_for_bare_numbers() -> None:
    assert parse_publication_number("108022189A", default_country="CN").id == "CN108022189A"
    assert parse_publication_number("D. 271298", default_country="US").id == "USD271298"


APPLICATION_FORMS = [  # text, default_country, normalized, display
    ("ZL201610972212.5", None, "CN201610972212", "CN201610972212.5"),
    ("CN201610972212.5", None, "CN201610972212", "CN201610972212.5"),
    ("201610972212.5", None, "CN201610972212", "CN201610972212.5"),
    ("201610972212.5", "CN", "CN201610972212", "CN201610972212.5"),
    ("ZL 2016 1 0972212.5", None, "CN201610972212", "CN201610972212.5"),
    ("ZL２０１６１０９７２２１２．５", None, "CN201610972212", "CN201610972212.5"),
    ("CN201610972212", None, "CN201610972212", "CN201610972212.5"),  # check digit computed
    ("ZL98123456.9", None, "CN98123456", "CN98123456.9"),
    ("09/832,323", None, "US09832323", "US09/832,323"),
    ("US09832323", None, "US09832323", "US09/832,323"),
    ("16100000", "US", "US16100000", "US16/100,000"),
    ("EP1981304493", None, "EP1981304493", "EP1981304493"),
    ("PCT/CN2020/123456", None, "WOCN2020123456", "PCT/CN2020/123456"),
    ("PCT/JP00/02182", None, "WOJP2000002182", "PCT/JP2000/002182"),
    ("WOCN2020123456", None, "WOCN2020123456", "PCT/CN2020/123456"),
]


@pytest.mark.parametrize(("text", "country", "normalized", "display"), APPLICATION_FORMS)
def test_application_forms(text: str, country: str | None, normalized: str, display: str) -> None:
    app = parse_application_number(text, default_country=country)
    assert (app.normalized, app.display) == (normalized, display)
    assert parse_application_number(app.display) == app
    assert parse_application_number(app.normalized) == app


def test_cn_check_digit() -> None:
    assert cn_check_digit("201610972212") == "5"
    assert cn_check_digit("200910108341") == "X"  # PatSnap priority CN200910108341X
    assert cn_check_digit("02225529") == "X"  # PatSnap priority CN02225529.X, old 8-digit form
    with pytest.raises(NumberError, match="12 digits"):
        cn_check_digit("2016109722")


@pytest.mark.parametrize("text", ["CN201610972212.3", "ZL 2016 1 0972212.3", "201610972212.3"])
def test_wrong_cn_check_digit_says_which_was_expected(text: str) -> None:
    with pytest.raises(NumberError, match=r"should be 5, not 3 \(CN201610972212\.5\)"):
        parse_application_number(text)
    with pytest.raises(NumberError, match="should be 5"):
        parse_any(text)


PARSE_ANY = [  # what a "find patent" box gets: text, type, id or normalized
    ("CN108022189A", PublicationNumber, "CN108022189A"),
    ("US 2008/0250823 A1", PublicationNumber, "US20080250823A1"),
    ("US09832323", PublicationNumber, "US9832323"),  # documented: a bare US number is a grant
    ("EP0495168", PublicationNumber, "EP0495168"),
    ("201610972212.5", ApplicationNumber, "CN201610972212"),
    ("ZL201610972212.5", ApplicationNumber, "CN201610972212"),
    ("CN201610972212", ApplicationNumber, "CN201610972212"),
    ("09/832,323", ApplicationNumber, "US09832323"),
    ("PCT/CN2020/123456", ApplicationNumber, "WOCN2020123456"),
    ("EP1981304493", ApplicationNumber, "EP1981304493"),
    ("EP11188477", ApplicationNumber, "EP11188477"),  # PatSnap cited an EP application
]


@pytest.mark.parametrize(("text", "kind", "key"), PARSE_ANY)
def test_parse_any_decides(text: str, kind: type, key: str) -> None:
    number = parse_any(text)
    assert isinstance(number, kind)
    assert (number.id if isinstance(number, PublicationNumber) else number.normalized) == key


BAD = [
    "",
    "   ",
    "hello",
    "CN12A",
    "XY1234567",
    "UK638185",
    "US 7,654,321 B2 C3",
    "US12/34",
    "WO1950123456",
    "CN201610972212.3",
    "EP_0227762_B1_19901341",
    "JP168317H06",
    "PCT/CN1234/123456",
    "1964NL",
    "EP0000000A1",
    "C" * 500,
    "CN108022189A\nUS7654321",
]


@pytest.mark.parametrize("text", BAD)
def test_bad_input_gets_one_line_message_quoting_it(text: str) -> None:
    for parse in (parse_publication_number, parse_any):
        with pytest.raises(NumberError) as caught:
            parse(text)
        message = str(caught.value)
        assert "\n" not in message
        assert message.startswith(repr(text[:57]).rstrip("'\""))
        assert "e.g." in message or "expected" in message or "should be" in message


def test_message_says_what_form_is_expected() -> None:
    with pytest.raises(NumberError) as caught:
        parse_publication_number("CN12A")
    assert str(caught.value) == (
        "'CN12A' is not a patent publication number: CN publication numbers have 7 to 9 digits; "
        "expected country code + digits + optional kind code, e.g. CN108022189A or "
        "US 7,654,321 B2"
    )


def test_match_key() -> None:
    assert match_key("EP0495168A1") == match_key("EP0495168B1") == "EP495168"
    assert match_key("USR34586") == match_key("USRE34586E") == "USRE34586"
    assert match_key("US06859910") == match_key("US6859910B2") == "US6859910"
    assert match_key("US2003230122A1") == match_key("US20030230122A1")


def test_number_forms() -> None:
    assert number_forms(parse_publication_number("CN108022189A")) == {
        "id": "CN108022189A",
        "docdb": "CN 108022189 A",
        "epodoc": "CN108022189",
    }
    assert number_forms(parse_publication_number("US20080250823A1")) == {
        "id": "US20080250823A1",
        "docdb": "US 2008250823 A1",
        "epodoc": "US2008250823",
        "original": "US 2008/0250823 A1",
    }
    assert number_forms(parse_publication_number("USD435854S1"))["original"] == "US D435,854 S1"
    assert number_forms(parse_publication_number("US7654321B2"))["original"] == "US 7,654,321 B2"
    assert number_forms(parse_publication_number("WO2000028129A1"))["original"] == (
        "WO 2000/028129 A1"
    )
    assert "original" not in number_forms(parse_publication_number("EP0495168A1"))


# -- real numbers, named by dataset --------------------------------------------------------------

REAL_PUBLICATIONS = [  # dataset, text as written there, default country, expected id
    (PATSNAP, "EP0049154B2", None, "EP0049154B2"),
    (PATSNAP, "US20010031072A1", None, "US20010031072A1"),
    (PATSNAP, "WO1984000705A1", None, "WO1984000705A1"),
    (PATSNAP, "GB2280389A", None, "GB2280389A"),
    (PATSNAP, "USR34586", None, "USRE34586"),
    (PATSNAP, "USR43350E1", None, "USRE43350E1"),
    (PATSNAP, "USH1045", None, "USH1045"),
    (PATSNAP, "USD255772", None, "USD255772"),
    (PATSNAP, "US2002030239A1", None, "US20020030239A1"),
    (PATSNAP, "EP00939469", None, "EP0939469"),
    (PATSNAP, "WO0075726A1", None, "WO2000075726A1"),
    (PATSNAP, "WO199930264", None, "WO1999030264"),
    (PATSNAP, "WO19848400905", None, "WO1984000905"),
    (PATSNAP, "WO200907059117A3", None, "WO2007059117A3"),
    (PATSNAP, "WO20072007149837", None, "WO2007149837"),
    (PATSNAP, "AU20032002302117", None, "AU2002302117"),
    (PATSNAP, "AU2003256726A1", None, "AU2003256726A1"),
    (PATSNAP, "AUPO826597D0", None, "AUPO826597D0"),
    (PATSNAP, "BRPI0415137A", None, "BRPI0415137A"),
    (PATSNAP, "MXPA00010601A", None, "MXPA00010601A"),
    (PATSNAP, "TWM248624U", None, "TWM248624U"),
    (PATSNAP, "TWI332791B", None, "TWI332791B"),
    (PATSNAP, "ITRM20050381A1", None, "ITRM20050381A1"),
    (PATSNAP, "HUT054324", None, "HUT054324"),
    (PATSNAP, "JP1985156536A", None, "JP1985156536A"),
    (PATSNAP, "JP3746071B2", None, "JP3746071B2"),
    (PATSNAP, "KR1020000010032A", None, "KR1020000010032A"),
    (PATSNAP, "DE502004006539D1", None, "DE502004006539D1"),
    (PATSNAP, "CN100389945C", None, "CN100389945C"),
    (PATSNAP, "CN1136104A", None, "CN1136104A"),
    (PATSNAP, "GB9019188D0", None, "GB9019188D0"),
    (PATSNAP, "SE9700411L", None, "SE9700411L"),
    (PATSNAP, "ID865B", None, "ID865B"),
    (CN_TITLES, "CN114081026A", None, "CN114081026A"),
    (CN_TITLES, "CN111504366B", None, "CN111504366B"),
    (CN_TITLES, "CN215792497U", None, "CN215792497U"),
    (CNKI, "CN108982325A", None, "CN108982325A"),
    (NVIDIA, "US10001996", None, "US10001996"),
    (NVIDIA, "USD515086", None, "USD515086"),
    (NVIDIA, "USRE39501", None, "USRE39501"),
    (NVIDIA, "USD1078812", None, "USD1078812"),
    (RANDOM10K, "US6836996", None, "US6836996"),
    (RANDOM10K, "USPP016002", None, "USPP16002"),
    (PEDS, "10992470", "US", "US10992470"),
    (FULLTEXT, "06859910", "US", "US6859910"),
    (FULLTEXT, "D0435854", "US", "USD435854"),
    (FULLTEXT, "20010000044", "US", "US20010000044"),
]

REAL_APPLICATIONS = [  # dataset, text as written there, default country, normalized, display
    (PATSNAP, "CN200510035546.1", None, "CN200510035546", "CN200510035546.1"),
    (PATSNAP, "CN200910108341X", None, "CN200910108341", "CN200910108341.X"),
    (PATSNAP, "CN02225529.X", None, "CN02225529", "CN02225529.X"),
    (PATSNAP, "CN200510063245", None, "CN200510063245", "CN200510063245.X"),
    (PATSNAP, "EP1981304493", None, "EP1981304493", "EP1981304493"),
    (PATSNAP, "EP05013818.9", None, "EP05013818", "EP05013818.9"),
    (PATSNAP, "GB9002462.1", None, "GB9002462", "GB9002462.1"),
    (PATSNAP, "PCT/US1983/001085", None, "WOUS1983001085", "PCT/US1983/001085"),
    (PATSNAP, "WOPCT/NL03/00427", None, "WONL2003000427", "PCT/NL2003/000427"),
    (PATSNAP, "WO1995JP02482", None, "WOJP1995002482", "PCT/JP1995/002482"),
    (PATSNAP, "US12/050816", None, "US12050816", "US12/050,816"),
    (PATSNAP, "US8/032,600", None, "US08032600", "US08/032,600"),
    (PATSNAP, "US09814012", None, "US09814012", "US09/814,012"),
    (PATSNAP, "KR10-2007-0035779", None, "KR1020070035779", "KR1020070035779"),
    (PATSNAP, "JPJP2002287892", None, "JP2002287892", "JP2002287892"),
    (PATSNAP, "ITTO2002A0080", None, "ITTO2002A0080", "ITTO2002A0080"),
    (PATSNAP, "IN734/DEL/2006", None, "IN734DEL2006", "IN734DEL2006"),
    (PEDS, "16100000", "US", "US16100000", "US16/100,000"),
    (FULLTEXT, "09832323", "US", "US09832323", "US09/832,323"),
    (FULLTEXT, "29116510", "US", "US29116510", "US29/116,510"),
    (FULLTEXT, "PCT/JP00/02182", None, "WOJP2000002182", "PCT/JP2000/002182"),
    (FULLTEXT, "PCT/CH02/00573", None, "WOCH2002000573", "PCT/CH2002/000573"),
]


@pytest.mark.parametrize(("dataset", "text", "country", "expected"), REAL_PUBLICATIONS)
def test_real_publication_numbers(
    dataset: str, text: str, country: str | None, expected: str
) -> None:
    assert parse_publication_number(text, default_country=country).id == expected


@pytest.mark.parametrize(("dataset", "text", "country", "normalized", "display"), REAL_APPLICATIONS)
def test_real_application_numbers(
    dataset: str, text: str, country: str | None, normalized: str, display: str
) -> None:
    app = parse_application_number(text, default_country=country)
    assert (app.normalized, app.display) == (normalized, display)


def _gunzip(path: Path) -> str:
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


def test_table_numbers_occur_in_their_dataset(sample_data: Path) -> None:
    raw: dict[str, str] = {}
    for dataset, text, *_ in REAL_PUBLICATIONS + REAL_APPLICATIONS:
        if dataset not in raw:
            raw[dataset] = "".join(map(_gunzip, sorted((sample_data / dataset).rglob("*.gz"))))
        assert text in raw[dataset], f"{text} not found in {dataset}"


# -- every number of the PatSnap corpus and of the CN titles set ---------------------------------

# Cited numbers PatSnap writes number-first with an era year (H06 = Heisei 6, S63 = Showa 63) or
# a year after a kind-like letter (A2001, P2000): JP168317H06 is JP H06-168317. Reading them would
# mean guessing the era of A11/A02 and what P is, so they are refused (parse_any too).
_JP_NUMBER_FIRST = """
JP000256A09 JP019493A11 JP020420H10 JP020649S55 JP024985A2003 JP028668H04 JP032817H06 JP033888A08
JP039092H08 JP062298H09 JP070395A11 JP074082S57 JP099038H06 JP102896S62 JP109441H6 JP110706A62
JP112600H08 JP115027A02 JP115704A59 JP117925A2005 JP129580P2001 JP130587H4 JP138165H11
JP142233A2001 JP155654H01 JP155654H1 JP162137H10 JP168317H06 JP169689A11 JP173979S08
JP178017A2001 JP178320H07 JP180208A01 JP185268HP7 JP19493A11 JP199086P2000 JP204089A61
JP216478A11 JP225682H10 JP229685P2000 JP232192H07 JP233556H8 JP238260H06 JP239370A09 JP242240H03
JP243198A2004 JP246283P2000 JP24985A2003 JP255269A2004 JP256185H4 JP259271H09 JP259388A2001
JP260481A2003 JP26886H04 JP275667H07 JP276095S62 JP277111S62 JP279979P2000 JP289614H06
JP302064H10 JP314787A10 JP33799A2003 JP37328H05 JP37467A2001 JP38884S63 JP53385A2003 JP53547H11
JP59474A2002 JP59475A2002 JP60495A2002 JP62429A2002 JP73540H9 JP73663H5 JP81926P2004 JP9072B264
JP96137H8
"""
JP_NUMBER_FIRST = _JP_NUMBER_FIRST.split()

# Application numbers in PatSnap's citation lists: not publications, but parse_any reads them as
# the applications they are (CN with valid check digits, DE "Aktenzeichen" P/G, EP, IT, PCT).
_CITED_APPLICATIONS = """
CN2004200816897 CN200610011584 CN200610011585 CN2006100874491 DEG9403081 DEP4026833 DEP4026834
EP11188477 ITPN2004A000053 PCTUS1994003689 PCTUS1998016870 PCTUS1999013591 PCTUS2000013839
PCTUS2005006079
"""
CITED_APPLICATIONS = _CITED_APPLICATIONS.split()

CITED_UNREADABLE = {
    "1907GB": "a year and a country, no number (also 1915FR, 1934GB, 1964NL)",
    "1915FR": "a year and a country, no number",
    "1934GB": "a year and a country, no number",
    "1964NL": "a year and a country, no number",
    "DEA3128439": "kind letter in front of the number; DE numbers have no series letter",
    "NLA9201631": "kind letter in front of the number; NL numbers have no series letter",
    "DEGB608543": "a second country code inside the number: the British GB608543 or German?",
    "DEWO9831633": "a second country code inside the number: WO 98/31633 or German?",
    "RUSU1637850": "a second country code inside the number: the Soviet SU1637850",
    "DT526622": "DT is not a WIPO ST.3 code (German documents are DE)",
    "UK638185": "UK is not a WIPO ST.3 code (British documents are GB)",
    "EP075110981694": "12 digits; EP publication numbers have 7",
    "KR19982019980033187": "17 digits: a year glued to a 13-digit KR number, ambiguous split",
    "KR20021020020068804": "17 digits: a year glued to a 13-digit KR number, ambiguous split",
    "KR20041020040010998": "17 digits: a year glued to a 13-digit KR number, ambiguous split",
    "PCTIN192005000444": "PCT number with a stray 19 before the year",
    "PCTUS192004011248": "PCT number with a stray 19 before the year",
    "PCTUS192007076145": "PCT number with a stray 19 before the year",
    "WO19781530509": "year 1978 before 1530509, which is no WO number of 1976-1980",
    "WO2001081654A13": "kind A13: three characters, kind codes have at most two",
}

PRIORITY_UNREADABLE = {
    "AU1997PO08265": "a year before an AU provisional number (PO08265 of 1997?)",
    "CA0092543MID02CAP": "not an application number (an agent's file reference)",
    "CN200420021636U": "CN number followed by a kind U instead of a check digit",
    "ILBZ2003A0024": "an Italian (Bolzano) number under country IL",
    "SW17,133/67": "SW is not a WIPO ST.3 code (Swedish applications are SE)",
}


@pytest.fixture(scope="module")
def patsnap(sample_data: Path) -> list[dict]:
    path = sample_data / PATSNAP / "documents.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _failures(texts: list[str], parse) -> set[str]:
    failed = set()
    for text in texts:
        try:
            parse(text)
        except NumberError:
            failed.add(text)
    return failed


def test_every_patsnap_id_parses_and_keeps_its_form(patsnap: list[dict]) -> None:
    ids = [doc["id"] for doc in patsnap]
    assert len(ids) == 2244
    changed = {
        i: parse_publication_number(i).id for i in ids if parse_publication_number(i).id != i
    }
    assert changed == {i: "USRE" + i[3:] for i in ids if i.startswith("USR")}  # 11 reissues
    for doc in patsnap:
        pub = parse_publication_number(doc["id"])
        if pub.kind is None:  # PatSnap writes US grants without their kind and gives it apart
            assert doc["country"] == "US"
            pub = parse_publication_number(doc["id"] + (doc["kind"] or ""))
        assert (pub.country, pub.kind) == (doc["country"], doc["kind"])


@pytest.mark.parametrize("field", ["family_members", "cited_by"])
def test_every_patsnap_family_member_and_forward_citation_parses(
    patsnap: list[dict], field: str
) -> None:
    texts = [text for doc in patsnap for text in doc[field]]
    assert len(texts) > 2000
    assert _failures(texts, parse_publication_number) == set()


def test_every_patsnap_cited_number_parses_but_the_listed_ones(patsnap: list[dict]) -> None:
    texts = [text for doc in patsnap for text in doc["cited_patents"]]
    assert len(texts) == 52645
    failed = _failures(texts, parse_publication_number)
    assert failed == set(JP_NUMBER_FIRST) | set(CITED_APPLICATIONS) | set(CITED_UNREADABLE)
    assert sum(text in failed for text in texts) == 136  # 0.26 % of the cited numbers
    assert _failures(JP_NUMBER_FIRST, parse_any) == set(JP_NUMBER_FIRST)
    assert all(isinstance(parse_any(t), ApplicationNumber) for t in CITED_APPLICATIONS)


def test_every_patsnap_priority_and_application_number_parses(patsnap: list[dict]) -> None:
    priorities = [text for doc in patsnap for text in doc["priority_numbers"]]
    assert len(priorities) == 2612
    assert _failures(priorities, parse_application_number) == set(PRIORITY_UNREADABLE)
    applications = [doc["application_number"] for doc in patsnap if doc["application_number"]]
    assert _failures(applications, parse_application_number) == set()


def test_every_cn_title_number_parses_and_keeps_its_form(sample_data: Path) -> None:
    path = sample_data / CN_TITLES / "cn_titles_ipc_subclasses.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    texts = [text for doc in docs for text in [doc["id"], *doc["publication_numbers"]]]
    assert len(docs) == 9740
    for text in texts:
        pub = parse_publication_number(text)
        assert (pub.id, pub.country, pub.kind) == (text, "CN", text[-1])


def test_match_key_reproduces_the_direct_citation_qrels(
    sample_data: Path, patsnap: list[dict]
) -> None:
    """Matching cited numbers to corpus ids by match_key gives every ``match=direct`` pair.

    As the README builds them: pairs from a document's "Cites" and (reversed) "Cited By" lists,
    minus the query itself and members of its own family. match_key reads two more pairs than
    the README's plain reduction: EP1546447A1 and EP1918441A1 cite US20030230122A1 in the
    EPODOC form ``US2003230122A1``, which the README's reduction leaves a digit short.
    """

    def key(text: str) -> str | None:
        try:
            return match_key(text)
        except NumberError:
            return None

    corpus: dict[str | None, list[str]] = defaultdict(list)
    for doc in patsnap:
        corpus[key(doc["id"])].append(doc["id"])
    pairs = set()
    for doc in patsnap:
        pairs |= {(doc["id"], hit) for cited in doc["cited_patents"] for hit in corpus[key(cited)]}
        pairs |= {(hit, doc["id"]) for citing in doc["cited_by"] for hit in corpus[key(citing)]}
    family = {d["id"]: {key(m) for m in [d["id"], *d["family_members"]]} for d in patsnap}
    pairs = {(query, hit) for query, hit in pairs if key(hit) not in family[query]}

    with (sample_data / PATSNAP / "qrels_citations.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    direct = {(r["query_id"], r["doc_id"]) for r in rows if r["match"] == "direct"}
    assert len(direct) == 330
    assert pairs - direct == {
        ("EP1546447A1", "US20030230122A1"),
        ("EP1918441A1", "US20030230122A1"),
    }
    assert direct <= pairs


# -- properties ----------------------------------------------------------------------------------

KINDS = st.sampled_from([None, "A", "A1", "A2", "B", "B1", "B2", "C", "U", "S", "E"])


def _pub(country: str, number: st.SearchStrategy[str]) -> st.SearchStrategy[PublicationNumber]:
    return st.builds(PublicationNumber, st.just(country), number, KINDS)


PUBLICATIONS = st.one_of(
    _pub("CN", st.from_regex(r"[12][0-9]{6,8}", fullmatch=True)),
    _pub("US", st.integers(100, 12_999_999).map(str)),
    _pub("US", st.from_regex(r"20[0-4][0-9]{8}", fullmatch=True)),
    _pub(
        "US",
        st.tuples(st.sampled_from(["D", "RE", "PP", "H"]), st.integers(1, 999_999)).map(
            lambda t: f"{t[0]}{t[1]}"
        ),
    ),
    _pub("EP", st.integers(1, 4_999_999).map(lambda n: f"{n:07d}")),
    _pub(
        "WO",
        st.tuples(st.integers(1978, 2040), st.integers(1, 999_999)).map(
            lambda t: f"{t[0]}{t[1]:06d}"
        ),
    ),
    _pub(
        "JP",
        st.from_regex(r"(19[7-9][0-9]|20[0-3][0-9])[0-9]{6}|[HS][0-9]{7}[1-9]", fullmatch=True),
    ),
    st.builds(
        PublicationNumber,
        st.sampled_from(["DE", "GB", "FR", "KR", "AU", "CA", "RU", "TW", "ES", "SU"]),
        st.from_regex(r"[1-9][0-9]{2,11}", fullmatch=True),
        KINDS,
    ),
)


@given(PUBLICATIONS)
@example(PublicationNumber("CN", "10000101"))  # "CN 10000101" once read as a trailing date
@example(PublicationNumber("US", "20001000000"))  # no zero after the year to drop
@example(PublicationNumber("US", "RE34586", "E"))
def test_every_form_parses_back_to_the_same_number(pub: PublicationNumber) -> None:
    assert parse_publication_number(pub.id) == pub
    for name, form in number_forms(pub).items():
        expected = replace(pub, kind=None) if name == "epodoc" else pub  # EPODOC has no kind
        assert parse_publication_number(form) == expected, name
        assert parse_any(form) == expected, name
        assert match_key(form) == pub.match_key


APPLICATIONS = st.one_of(
    st.from_regex(
        r"(19[89][0-9]|20[0-3][0-9])[12389][0-9]{7}|[0-9]{2}[12389][0-9]{5}", fullmatch=True
    ).map(lambda d: ApplicationNumber("CN", d, cn_check_digit(d))),
    st.from_regex(r"(0[0-9]|1[0-7]|29)[0-9]{6}", fullmatch=True).map(
        lambda d: ApplicationNumber("US", d)
    ),
    st.tuples(
        st.sampled_from(["CN", "US", "JP", "EP", "IB", "KR"]),
        st.integers(1978, 2040),
        st.integers(0, 999_999),
    ).map(lambda t: ApplicationNumber("WO", f"{t[0]}{t[1]}{t[2]:06d}")),
)


@given(APPLICATIONS)
def test_application_display_and_normalized_parse_back(app: ApplicationNumber) -> None:
    assert parse_application_number(app.display) == app
    assert parse_application_number(app.normalized) == app
    assert parse_any(app.display) == app


@given(st.from_regex(r"20[0-9]{2}[128][0-9]{7}", fullmatch=True), st.sampled_from("0123456789X"))
def test_any_wrong_cn_check_digit_is_refused(digits: str, check: str) -> None:
    expected = cn_check_digit(digits)
    if check == expected:
        assert parse_application_number(f"CN{digits}.{check}").check_digit == check
    else:
        with pytest.raises(NumberError, match=f"should be {expected}"):
            parse_application_number(f"CN{digits}.{check}")


NUMBERISH = st.text(
    alphabet=st.sampled_from(list("CNUSEPWOJKRDZLTXAB0123456789 ./,-_()ＣＮ１٣\n")), max_size=24
)
COUNTRIES = st.sampled_from([None, "CN", "US", "EP", "WO", "xx", "", " ", "ZZZ", "\x00"])


@given(st.one_of(st.text(max_size=100), NUMBERISH), COUNTRIES)
def test_arbitrary_text_raises_only_number_error(text: str, country: str | None) -> None:
    for parse in (parse_any, parse_publication_number, parse_application_number):
        try:
            number = parse(text, default_country=country)
        except NumberError as error:
            assert "\n" not in str(error)
        else:
            assert isinstance(number, (PublicationNumber, ApplicationNumber))
            if isinstance(number, PublicationNumber):
                assert parse_publication_number(number.id) == number
    with contextlib.suppress(NumberError):
        match_key(text)
