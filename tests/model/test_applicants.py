"""Applicant names: grouping key, type, province, splitting, on real names from the data."""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from pathlib import Path

import pytest

from ipnav.model.applicants import (
    classify_applicant,
    display_name,
    make_party,
    normalize_name,
    province_of,
    split_applicants,
)
from ipnav.model.record import ApplicantType
from ipnav.model.regions import provinces

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "applicant_types.csv"


def _names(sample_data: Path, rel: str, field: str) -> set[str]:
    names: set[str] = set()
    with gzip.open(sample_data / rel, "rt", encoding="utf-8") as handle:
        for line in handle:
            value = json.loads(line).get(field)
            names.update([value] if isinstance(value, str) else value or [])
    return names


@pytest.fixture(scope="module")
def real_names(sample_data: Path) -> set[str]:
    return (
        _names(sample_data, "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz", "assignee")
        | _names(sample_data, "patsnap_cs3245_citation_corpus/documents.jsonl.gz", "assignees")
        | _names(
            sample_data, "us_nvidia_portfolio_patentsview/nvidia_patents.jsonl.gz", "assignees"
        )
    )


# --- normalize_name -------------------------------------------------------------------


@pytest.mark.parametrize(
    "group",
    [
        # real variant groups, every spelling below occurs in the sample data
        {
            "DAEWOO ELECTRONICS CO. LTD.",
            "DAEWOO ELECTRONICS CO., LTD",
            "DAEWOO ELECTRONICS CORPORATION",
        },
        {"KONINKLIJKE PHILIPS ELECTRONICS N. V.", "KONINKLIJKE PHILIPS ELECTRONICS, N.V."},
        {"RICOH CO., LTD", "RICOH COMPANY, LTD."},
        {"QUALCOMM INC.", "QUALCOMM INCORPORATED", "QUALCOMM, INCORPORATED"},
        {"联想(北京)有限公司", "联想（北京）有限公司"},
        {"LG化学株式会社", "株式会社LG化学"},
        {"LG 电子株式会社", "LG电子株式会社"},
        {"国家电网公司", "国家电网有限公司"},
        {"THE UNIVERSITY OF SOUTHERN CALIFORNIA", "UNIVERSITY OF SOUTHERN CALIFORNIA"},
        {
            "THE TRUSTEES OF STEVENS INSTITUTE OF TECHNOLOGY",
            "THE TRUSTEES OF THE STEVENS INSTITUTE OF TECHNOLOGY",
        },
        {"MEMBRANE TECHNOLOGY & RESEARCH", "MEMBRANE TECHNOLOGY & RESEARCH, INC."},
        {"PERSONALIZED USER MODEL", "PERSONALIZED USER MODEL (PUM)"},
    ],
)
def test_real_variants_share_one_key(group: set[str], real_names: set[str]) -> None:
    assert group <= real_names, "the variants must be real names from the sample data"
    assert len({normalize_name(name) for name in group}) == 1


def test_nvidia_spellings_group_and_subsidiaries_stay_apart(real_names: set[str]) -> None:
    nvidia = {name for name in real_names if name.upper().startswith("NVIDIA")}
    assert "NVIDIA CORPORATION" in nvidia and "Nvidia Technology UK Limited" in nvidia
    for variant in ("NVIDIA CORPORATION", "Nvidia Corporation", "NVIDIA Corp.", "nVidia corp"):
        assert normalize_name(variant) == "NVIDIA"
    keys = {normalize_name(name) for name in nvidia}
    assert len(keys) == len(nvidia)  # six legal entities, six keys
    assert normalize_name("NVIDIA U.S. Investment Company") == "NVIDIA US INVESTMENT"


def test_traditional_full_width_and_derwent_forms() -> None:
    assert normalize_name("騰訊科技（深圳）有限公司") == normalize_name("腾讯科技(深圳)有限公司")
    assert normalize_name("臺灣積體電路製造股份有限公司") == "台湾积体电路制造"
    assert normalize_name("ＳＯＮＹ　ＣＯＲＰ") == "SONY"
    assert normalize_name("UNIV ZHEJIANG TECHNOL") == "UNIVERSITY ZHEJIANG TECHNOLOGY"
    assert normalize_name("KABUSHIKI KAISHA TOSHIBA") == normalize_name("TOSHIBA CORP")
    assert normalize_name("SIEMENS AKTIENGESELLSCHAFT") == normalize_name("Siemens AG")
    assert normalize_name("ACME GMBH & CO. KG") == "ACME"
    assert normalize_name("CALIFORNIA INSTITUTE OF TECHNOLOGY (PASADENA, CA)") == (
        "CALIFORNIA INSTITUTE OF TECHNOLOGY"
    )
    assert normalize_name("UNIVERSIDAD DE CHILE (CL)") == "UNIVERSIDAD DE CHILE"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("浙江大学", "浙江工业大学"),
        ("中国科学院", "中国科学院大学"),
        ("腾讯科技(深圳)有限公司", "腾讯科技(北京)有限公司"),
        ("NVIDIA CORPORATION", "NVIDIA International, Inc."),
        ("FIH (HONG KONG) LIMITED", "FIH CO., LTD."),
        ("SAMSUNG ELECTRONICS CO., LTD.", "SAMSUNG SDI CO., LTD."),
        (
            "KOREA INSTITUTE OF SCIENCE & TECHNOLOGY",
            "KOREA ADVANCED INSTITUTE OF SCIENCE & TECHNOLOGY",
        ),
    ],
)
def test_distinct_organisations_keep_distinct_keys(one: str, other: str) -> None:
    assert normalize_name(one) != normalize_name(other)


def test_keys_keep_what_is_not_a_note() -> None:
    assert normalize_name("中国科学院") == "中国科学院"
    assert normalize_name("阿里巴巴(中国)有限公司") == "阿里巴巴中国"
    assert normalize_name("THE COMPANY") == "COMPANY"  # never stripped to nothing
    assert normalize_name("GMBH") == "GMBH"


def test_display_name() -> None:
    assert display_name("  腾訊科技（深圳）有限公司 ") == "腾讯科技(深圳)有限公司"
    assert display_name("Nvidia   Corp.") == "Nvidia Corp."
    assert display_name("新日本製鐵株式会社") == "新日本制铁株式会社"
    assert display_name("コニカミノルタエムジー株式会社") == "コニカミノルタエムジー株式会社"
    assert display_name("上村　賢一") == "上村 贤一"  # no kana: simplified, but the space stays


# --- classify_applicant ----------------------------------------------------------------

UNI, INST, COMP, PERSON, GOV, OTHER = (
    ApplicantType.UNIVERSITY,
    ApplicantType.INSTITUTE,
    ApplicantType.COMPANY,
    ApplicantType.INDIVIDUAL,
    ApplicantType.GOVERNMENT,
    ApplicantType.OTHER,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("浙江大学", UNI),
        ("深圳职业技术学院", UNI),
        ("漯河医学高等专科学校", UNI),
        ("清华大学深圳研究生院", UNI),  # a university's graduate school
        ("北京大学深圳研究院", UNI),  # research unit owned by a university
        ("中国科学院大学", UNI),
        ("中国人民解放军第四军医大学", UNI),
        ("中国科学院大连化学物理研究所", INST),
        ("中国科学院", INST),
        ("江西省农业科学院蔬菜花卉研究所", INST),
        ("中国电子科技集团公司第三十八研究所", INST),
        ("中国科学院、水利部成都山地灾害与环境研究所", INST),
        ("华为技术有限公司", COMP),
        ("国家电网有限公司", COMP),
        ("中国石油化工股份有限公司北京化工研究院", COMP),  # branch of a company
        ("平阳县标牌厂", COMP),
        ("赛峰集团", COMP),
        ("三星电子株式会社", COMP),
        ("惠安县风宸广告设计部", COMP),
        ("王洪奎", PERSON),
        ("欧阳明", PERSON),
        ("菲利普·普朗斯", PERSON),
        ("上村　賢一", PERSON),
        ("中国人民解放军32039部队", GOV),
        ("潍坊市烟草专卖局", GOV),
        ("国家粮食和物资储备局山东局八三二处", GOV),
        ("成都市国土资源信息中心", GOV),
        ("北京大学人民医院", OTHER),  # hospitals are "other", even a university's
        ("中国人民解放军总医院", OTHER),
        ("马山县山城壮鼓协会", OTHER),
        ("私立胶州紫薇艺术培训学校", OTHER),
    ],
)
def test_chinese_types(name: str, expected: ApplicantType) -> None:
    assert classify_applicant(name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("THE REGENTS OF THE UNIVERSITY OF CALIFORNIA", UNI),
        ("MASSACHUSETTS INSTITUTE OF TECHNOLOGY", UNI),
        ("UNIVERSITÄT STUTTGART", UNI),
        ("UNIVERSITE DE LIMOGES", UNI),
        ("CLEMSON UNIVERSITY RESEARCH FOUNDATION", UNI),
        ("KOREA ADVANCED INSTITUTE OF SCIENCE AND TECHNOLOGY", UNI),
        ("FRAUNHOFER-GESELLSCHAFT ZUR FOERDERUNG DER ANGEWANDTEN FORSCHUNG E.V.", INST),
        ("CENTRE NATIONAL DE LA RECHERCHE SCIENTIFIQUE (C.N.R.S.)", INST),
        ("COMMISSARIAT A L'ENERGIE ATOMIQUE", INST),
        ("KOREA INSTITUTE OF SCIENCE & TECHNOLOGY", INST),
        ("ELECTRONICS & TELECOMMUNICATIONS RESEARCH INSTITUTE", INST),
        ("SAMSUNG ELECTRONICS CO., LTD.", COMP),
        ("NVIDIA CORPORATION", COMP),
        ("Nvidia Denmark ApS", COMP),
        ("BSH BOSCH UND SIEMENS HAUSGERÄTE GMBH", COMP),
        ("NOMURA RESEARCH INSTITUTE, LTD.", COMP),  # legal form beats "institute"
        ("DEGREMONT", COMP),  # no marker at all: companies are the common case
        ("ENGEL, THOMAS PAUL", PERSON),
        ("ANDERSON, BRENT, E.", PERSON),
        ("Jerry L. McKinney", PERSON),
        ("THE UNITED STATES OF AMERICA AS REPRESENTED BY THE SECRETARY OF THE NAVY", GOV),
        ("U.S. ENVIRONMENTAL PROTECTION AGENCY", GOV),
        ("FUKUOKA PREFECTURAL GOVERNMENT", GOV),
        ("THE GENERAL HOSPITAL CORPORATION", OTHER),
        ("MAYO FOUNDATION FOR MEDICAL EDUCATION & RESEARCH", OTHER),
    ],
)
def test_english_types(name: str, expected: ApplicantType) -> None:
    assert classify_applicant(name) is expected


def test_several_applicants_are_typed_by_the_first() -> None:
    assert classify_applicant("浙江大学;杭州某某有限公司") is UNI
    assert classify_applicant("BIOREP TECHNOLOGIES, INC. (MIAMI, FL), UNIVERSITY OF MIAMI") is COMP


def _per_type_precision(rows: list[dict[str, str]]) -> dict[str, tuple[float, int]]:
    predicted: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        kind = classify_applicant(row["name"]).value
        predicted[kind].append(kind == row["label"])
    return {kind: (sum(hits) / len(hits), len(hits)) for kind, hits in predicted.items()}


def test_fixture_precision_per_type() -> None:
    """Precision per type on the 420 hand-labelled names must stay at or above 0.9.

    0.9 is the bar for using the types in navigation counts (one wrong applicant in
    ten). The classifier is at 0.95-1.0 per type; types predicted fewer than 5
    times per language are too small to estimate and only count towards overall
    accuracy, which must stay at or above 0.95. Checked to fail: treating every
    unmarked Latin name as a person drops English "individual" precision to 0.80.
    """
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 300
    assert {row["label"] for row in rows} <= {kind.value for kind in ApplicantType}
    for lang in ("zh", "en"):
        subset = [row for row in rows if row["lang"] == lang]
        for kind, (precision, n) in _per_type_precision(subset).items():
            if n >= 5:
                assert precision >= 0.9, f"{lang} {kind}: precision {precision:.3f} over {n}"
    correct = sum(classify_applicant(row["name"]).value == row["label"] for row in rows)
    assert correct / len(rows) >= 0.95


# --- province_of -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "province"),
    [
        ("浙江大学", "浙江省"),
        ("杭州海康威视数字技术股份有限公司", "浙江省"),
        ("腾讯科技(深圳)有限公司", "广东省"),
        ("哈尔滨工业大学(深圳)", "广东省"),
        ("北京大学深圳研究生院", "广东省"),
        ("中国科学院大连化学物理研究所", "辽宁省"),
        ("国网浙江省电力有限公司", "浙江省"),
        ("中车株洲电力机车有限公司", "湖南省"),
        ("OPPO广东移动通信有限公司", "广东省"),
        ("广西壮族自治区农业科学院微生物研究所", "广西壮族自治区"),
        ("内蒙古美方煤焦化有限公司", "内蒙古自治区"),
        ("石河子大学", "新疆维吾尔自治区"),
        ("玉环市星光眼镜厂", "浙江省"),
        ("香港生产力促进局", "香港特别行政区"),
        ("台湾积体电路制造股份有限公司", "台湾省"),
        ("瑞美智能设备江苏有限公司", "江苏省"),
        # no strong evidence: None, never a guess
        ("中国科学院", None),
        ("华为技术有限公司", None),
        ("阿里巴巴(中国)有限公司", None),
        ("京东方科技集团股份有限公司", None),
        ("北海道大学", None),
        ("德州仪器公司", None),
        ("大理石加工厂", None),
        ("汶上海纬机车配件有限公司", None),  # 上海 inside a name says nothing
        ("赵长春", None),
    ],
)
def test_province_of(name: str, province: str | None) -> None:
    assert province_of(name) == province


def test_gazetteer_has_the_34_divisions() -> None:
    assert len(provinces()) == 34 == len(set(provinces()))
    assert provinces()[0] == "北京市" and provinces()[-1] == "澳门特别行政区"


# --- split_applicants and make_party ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("浙江大学;杭州某某有限公司", ["浙江大学", "杭州某某有限公司"]),
        ("浙江大学；中国科学院", ["浙江大学", "中国科学院"]),
        ("王明、李华", ["王明", "李华"]),
        ("ACME INC | BETA LLC", ["ACME INC", "BETA LLC"]),
        (
            "航天资源循环科技有限公司;中国科学院过程工程研究所",
            ["航天资源循环科技有限公司", "中国科学院过程工程研究所"],
        ),
        (
            "中国科学院、水利部成都山地灾害与环境研究所",
            ["中国科学院、水利部成都山地灾害与环境研究所"],
        ),
        (
            "中山大学肿瘤防治中心(中山大学附属肿瘤医院、中山大学肿瘤研究所)",
            ["中山大学肿瘤防治中心(中山大学附属肿瘤医院、中山大学肿瘤研究所)"],
        ),
        ("SAMSUNG ELECTRONICS CO., LTD.", ["SAMSUNG ELECTRONICS CO., LTD."]),
        ("ENGEL, THOMAS PAUL", ["ENGEL, THOMAS PAUL"]),
        ("FIH (HONG KONG) LIMITED", ["FIH (HONG KONG) LIMITED"]),
        ("ABC (UK) LIMITED", ["ABC (UK) LIMITED"]),
        (
            "CALIFORNIA INSTITUTE OF TECHNOLOGY (PASADENA, CA), UNIVERSITY OF SOUTHERN CALIFORNIA",
            [
                "CALIFORNIA INSTITUTE OF TECHNOLOGY (PASADENA, CA)",
                "UNIVERSITY OF SOUTHERN CALIFORNIA",
            ],
        ),
        (
            "UNIVERSIDAD DE CHILE (CL), BIOTECHNOLOGIES DEL AQUA LTDA.",
            ["UNIVERSIDAD DE CHILE (CL)", "BIOTECHNOLOGIES DEL AQUA LTDA."],
        ),
        ("", []),
    ],
)
def test_split_applicants(text: str, names: list[str]) -> None:
    assert split_applicants(text) == names


def test_make_party() -> None:
    party = make_party("騰訊科技（深圳）有限公司")
    assert party.name == "騰訊科技（深圳）有限公司"  # kept exactly as the source gives it
    assert party.normalized_name == "腾讯科技深圳"
    assert party.type is COMP and party.province == "广东省"
    foreign = make_party("浙江大学", country="US", city="Hangzhou")
    assert foreign.province is None and foreign.city == "Hangzhou" and foreign.country == "US"
    assert make_party("NVIDIA CORPORATION").province is None
    assert make_party("x").model_dump()["type"] is not None
    # the cached fields are shared, the Party objects are not
    assert make_party("浙江大学") is not make_party("浙江大学")


def test_no_work_at_import_time() -> None:
    import subprocess
    import sys

    code = (
        "import ipnav.model.applicants as a, ipnav.model.regions as r;"
        "assert a._t2s.cache_info().currsize == 0;"
        "assert r._gazetteer.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
