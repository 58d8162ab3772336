"""Rules that tell what kind of applicant a name belongs to.

:func:`classify` is the rule engine behind
:func:`ipnav.model.applicants.classify_applicant`. Its decisions, most
important first:

Chinese (and Japanese / Korean) names are head-final: the last organisational
word says what the unit is, the words before it say whom it belongs to.

1. The *head* is the keyword that ends last in the name (ties: the longer one,
   so 科学院 beats 学院 and 研究会 beats 研究): ``中国科学院大连化学物理研究所``
   → 研究所 → institute; ``中国科学院大学`` → 大学 → university.
2. A head after a company's legal form is a branch of that company:
   ``中国石油化工股份有限公司北京化工研究院`` → company. (A 集团公司's numbered
   研究所, e.g. 中国电子科技集团公司第三十八研究所, is a public research institute
   with its own legal personality and stays an institute.)
3. A research unit, centre or graduate school after a university name belongs
   to that university: ``清华大学深圳研究生院`` and ``北京大学深圳研究院`` →
   university.
4. Hospitals are ``other`` wherever they sit, ``北京大学人民医院`` and
   ``中国人民解放军总医院`` included: they are medical institutions, filed
   under 机关团体/医疗机构 rather than 大专院校 in CNIPA's applicant statistics, and
   mixing them into a university's portfolio would blur tech-transfer counts.
   A generic 中心 is ``other`` too unless a government body owns it.
5. With no organisational word: two to four Han characters starting with a
   common surname, a transliterated name with a middle dot (菲利普·普朗斯), or
   a Japanese name with a space (上村 賢一) is an individual; anything else is
   ``other``.

Latin-script names are checked in this order: hospital (→ other), university
(tech-transfer foundations of a university included), strong government
wording ("AS REPRESENTED BY", "SECRETARY OF", "MINISTRY" ...), well-known
public research organisations (Fraunhofer, CNRS, TNO ...), company legal
forms, generic institute words, weak government words (AGENCY, AUTHORITY,
MUNICIPAL ...), associations and foundations (→ other), personal-name
patterns ("LAST, FIRST", "First M. Last"), and finally company: most Latin
applicants without any marker are companies (DEGREMONT, UOP).
"""

from __future__ import annotations

import re
import unicodedata

from ipnav.model.record import ApplicantType

UNI, INST, COMP, PERSON, GOV, OTHER = (
    ApplicantType.UNIVERSITY,
    ApplicantType.INSTITUTE,
    ApplicantType.COMPANY,
    ApplicantType.INDIVIDUAL,
    ApplicantType.GOVERNMENT,
    ApplicantType.OTHER,
)

# --- Chinese keywords: word -> type of a unit whose name ends with it -------------
_ZH_TABLE = """
company: 公司 有限公司 株式会社 会社 企业 合伙企业 厂 工厂 集团 合作社 商行 商店 店 经营部
  服务部 销售部 门市部 设计部 加工部 营业部 工作室 事务所 银行 农场 养殖场 出版社 杂志社
  报社 商号 有限合伙 电站
university: 大学 学院 研究生院 高等专科学校 专科学校 学校 分校 校区 大学城 书院
institute: 研究院 研究所 科学院 工程院 研究中心 研发中心 工程中心 技术中心 创新中心 测试中心
  检测中心 分析测试中心 研究室 实验室 设计院 试验站 实验站 试验场 植物园 天文台 研究组织
  联合研发中心
government: 人民政府 政府 委员会 管委会 局 厅 部 部队 总队 支队 大队 处 署 办公室 办事处
  海关 法院 检察院 公安 派出所 监测站 气象台 气象局 疾病预防控制中心 站 测控中心
other: 医院 卫生院 保健院 疗养院 诊所 卫生服务中心 医疗中心 急救中心 血液中心 协会 学会
  研究会 基金会 联合会 商会 促进会 联盟 中学 小学 幼儿园 培训学校 技工学校 驾驶学校 党校
  图书馆 博物馆 中心
"""


def _parse_heads(table: str) -> dict[str, ApplicantType]:
    heads: dict[str, ApplicantType] = {}
    kind = OTHER
    for line in table.strip().splitlines():
        if not line.startswith(" "):
            label, line = line.split(":", 1)
            kind = ApplicantType(label)
        heads.update(dict.fromkeys(line.split(), kind))
    return heads


_ZH_HEADS = _parse_heads(_ZH_TABLE)
# 部 is a ministry, but …经营部 / …服务部 is a small business (listed above).
_ZH_HEAD_RE = re.compile("|".join(sorted(map(re.escape, _ZH_HEADS), key=len, reverse=True)))
_ZH_COMPANY_FORM = re.compile(r"有限公司|有限责任公司|股份公司|会社")
_ZH_UNIVERSITY = re.compile(r"大学|(?<![科究程])学院")
_ZH_GOVERNMENT_OWNER = re.compile(r"人民政府|政府|委员会|局|厅|(?<![经服售市计])部|解放军|武警")
# A generic 中心 named after a city / county / development zone is a public body.
_ZH_PUBLIC_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,12}?(?:省|市|县|自治区|开发区|新区)")
_ZH_BUSINESS_FALLBACK = re.compile(r"科技|技术|电子|实业|电器|机械|制造|制药|贸易|控股|网络")
_HAN = r"\u3400-\u9fff"
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")

# Common single and compound surnames (百家姓 and the most frequent modern ones).
_SURNAMES_1 = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章"
    "鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉"
    "骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄"
    "丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼"
    "盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云"
    "容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉"
    "银亢嵇公哈湛宾戎勾茅利於呼居揣干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
    "赖傅萧阎招台蹇竺荀言贝凤扶雒滑揭鄂谯"
)
_SURNAMES_2 = frozenset(
    re.findall(
        "..",
        "欧阳司马上官诸葛东方皇甫尉迟公孙慕容长孙宇文司徒夏侯令狐端木西门"
        "南宫独孤轩辕钟离闻人赫连澹台公冶太史申屠呼延万俟百里东郭拓跋",
    )
)


# --- Latin-script rules ----------------------------------------------------------
def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


_EN_HOSPITAL = _words(
    r"HOSPITALS?|CLINIC|CLINICS|KLINIK|KLINIKUM|MEDICAL CENT(?:ER|RE)|CANCER CENT(?:ER|RE)|"
    r"HEALTH SYSTEM|HOPITAL|HOPITAUX|OSPEDALE|HOSPITALIER"
)
_EN_UNIVERSITY = _words(
    r"UNIVERSITY|UNIVERSITIES|UNIVERSITE|UNIVERSITAT|UNIVERSITAET|UNIVERSITEIT|UNIVERSIDAD|"
    r"UNIVERSIDADE|UNIVERSITA|UNIVERSITET|UNIVERSITETET|UNIWERSYTET|UNIVERZITA|UNIVERISTY|"
    r"HOCHSCHULE|FACHHOCHSCHULE|COLLEGE|POLYTECHNIC|POLITECNICO|POLITECNICA|POLYTECHNIQUE|"
    r"ECOLE (?:NORMALE|CENTRALE|NATIONALE|SUPERIEURE)|INSTITUTE OF TECHNOLOGY|TECHNION|"
    r"(?:ADVANCED|GWANGJU|DAEGU GYEONGBUK|ULSAN NATIONAL) INSTITUTE OF SCIENCE AND TECHNOLOGY|"
    r"REGENTS|CURATORS OF|HIGHER EDUCATION|"
    r"PRESIDENT AND FELLOWS|ALUMNI RESEARCH FOUNDATION|"
    r"(?:INDUSTRY|ACADEMY)[ -](?:ACADEMIC|UNIVERSITY|INDUSTRY)[ -]?(?:COOPERATION )?FOUNDATION|"
    r"KU LEUVEN|K U LEUVEN|KATHOLIEKE|ETH ZURICH|EPFL|KAIST|POSTECH|SNU R AND DB|NTNU|CALTECH|"
    r"SCHOOL OF MEDICINE|MEDICAL SCHOOL|GRADUATE SCHOOL"
)
_EN_GOVERNMENT_STRONG = _words(
    r"AS REPRESENTED BY|UNITED STATES OF AMERICA|UNITED STATES GOVERNMENT|GOVERNMENT|"
    r"SECRETARY OF|MINISTRY|MINISTER OF|MINISTERE|MINISTERIUM|DEPARTMENT OF|NAVY|ARMY|"
    r"AIR FORCE|HER MAJESTY|HIS MAJESTY|STATE OF|CITY OF|COUNTY OF|COMMONWEALTH OF|"
    r"REPUBLIC OF|KINGDOM OF|PREFECTURAL|BUNDESREPUBLIK|BUNDESAMT|ENVIRONMENTAL PROTECTION AGENCY"
)
_EN_INSTITUTE_STRONG = _words(
    r"FRAUNHOFER|MAX PLANCK|HELMHOLTZ|CENTRE NATIONAL DE LA RECHER[CG]HE SCIENTIFIQUE|CNRS|"
    r"CONSEJO SUPERIOR DE INVESTIGACIONES|CSIC|CONSIGLIO NAZIONALE DELLE RICERCHE|"
    r"COMMISSARIAT|ONDERZOEK|TNO|NATIONAL LABORATORY|NATIONAL LABORATORIES|ACADEMY OF SCIENCES?|"
    r"RESEARCH ORGANI[SZ]ATION|SCIENCE AND TECHNOLOGY ORGANI[SZ]ATION|"
    r"COUNCIL OF SCIENTIFIC|NATIONAL RESEARCH COUNCIL|FORSCHUNGSZENTRUM|RIKEN|BATTELLE"
)
_LEGAL_ANYWHERE = _words(
    r"INC|INCORPORATED|CORP|CORPORATION|COMPANY|LTD|LIMITED|LTDA|LLC|LLP|PLC|GMBH|"
    r"AKTIENGESELLSCHAFT|AKTIEBOLAG|AKTIEBOLAGET|TELEFONAKTIEBOLAGET|AKTIESELSKAB|"
    r"KABUSHIKI KAISHA|KABUHSIKI KAISHA|SOCIETE ANONYME|SARL|SRL|SPA|S P A|S R L|S A R L|"
    r"PTY|PTE|BHD|LTEE|KFT|ZRT|OYJ|KGAA|GBR|OHG|SAS|SAU|SLU|CO LTD|SOCIETE|COMPAGNIE|OBSCHESTVO|"
    r"MIT BESCHRANKTER HAFTUNG"
)
# Short legal forms that are also ordinary words: only as the last word.
_LEGAL_AT_END = re.compile(r"\b(?:CO|AG|SA|SE|AB|AS|ASA|APS|A S|KK|NV|N V|BV|B V|OY|KG|SL|LP|S A)$")
# ... and as the first word ("S.A LHOIST RECHERCHE", "PT ...", "OOO ...").
_LEGAL_AT_START = re.compile(r"^(?:SA|S A|PT|OOO|ZAO|OAO|AO|KK) ")
_EN_INSTITUTE = _words(
    r"INSTITUTE|INSTITUTES|INSTITUT|INSTITUTO|ISTITUTO|INSTYTUT|INSTITUUT|RESEARCH CENT(?:ER|RE)|"
    r"LABORATORY|LABORATORIES|ACADEMY|OBSERVATORY|RECHERCHE|FORSCHUNG|RICERCHE|INVESTIGACION"
)
_EN_GOVERNMENT_WEAK = _words(
    r"AGENCY|AUTHORITY|MUNICIPAL|MUNICIPALITY|PREFECTURE|ADMINISTRATION|COMMISSION|"
    r"UTILITY DISTRICT|WATER DISTRICT|SANITATION DISTRICT"
)
_EN_OTHER = _words(
    r"FOUNDATION|STICHTING|STIFTUNG|FONDAZIONE|FUNDACION|FONDATION|ASSOCIATION|SOCIETY|"
    r"VEREIN|TRUST|CHARITY|MUSEUM|HIGH SCHOOL|E V"
)
_EN_COMPANY_WORDS = _words(
    r"INDUSTRIES|INDUSTRY|INDUSTRIAL|TECHNOLOGIES|SYSTEMS|INTERNATIONAL|GROUP|HOLDINGS?|"
    r"ENTERPRISES?|LICENSING|OPERATIONS|SOLUTIONS|PRODUCTS|SERVICES|PARTNERSHIP|"
    r"MANUFACTURING|ELECTRONICS|PHARMACEUTICALS?|THERAPEUTICS|DESIGNS?|TECHNOLOGY|"
    r"ENGINEERING|CHEMICALS?|MOTORS?|WORKS|LABS|CONSULTING|NETWORKS?|ENERGY|PROPERTIES"
)
_EN_PERSON_COMMA = re.compile(
    r"^[A-Z][A-Z'\-]*(?: [A-Z][A-Z'\-]*){0,2}, [A-Z][A-Z'.\-]*(?: [A-Z][A-Z'.\-]*){0,3}"
    r"(?:, (?:[A-Z]{1,3}\.?|JR\.?|SR\.?|DR\.?|PHD|II|III))*$"
)
_EN_PERSON_MIXED = re.compile(r"^[A-Z][a-zA-Z'\-]*[a-z](?: [A-Z]\.?| [A-Z][a-zA-Z'\-]*[a-z]){1,3}$")
_EN_PERSON_INITIAL = re.compile(r"^[A-Z][A-Z'\-]+ [A-Z]\. [A-Z][A-Z'\-]+$")


def _latin_form(name: str) -> str:
    """Upper case, accents off, '&' spelled out, punctuation to spaces, dots dropped."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = text.replace("&", " AND ").replace(".", "")
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def _strip_trailing_notes(text: str) -> str:
    """Drop parenthesised notes at the end (aliases, places) that do not name the head."""
    while True:
        stripped = re.sub(r"\s*[(（][^()（）]*[)）]\s*$", "", text)
        if stripped == text or not stripped:
            return text
        text = stripped


def _classify_cjk(name: str) -> ApplicantType | None:
    text = _strip_trailing_notes(name.strip())
    compact = re.sub(r"\s+", "", text)
    if _HANGUL.search(compact):
        if re.search(r"주식회사|\(주\)|㈜|유한회사", compact):
            return COMP
        if "대학" in compact:
            return UNI
        if re.search(r"연구원|연구소", compact):
            return INST
        if "병원" in compact:
            return OTHER
        return PERSON if re.fullmatch(r"[\uac00-\ud7af]{2,4}", compact) else None
    # Try every start position (overlapping matches) so that a longer keyword
    # ending at the same place wins (科学院 over 学院).
    heads = []
    for start in range(len(compact)):
        m = _ZH_HEAD_RE.match(compact, start)
        if m:
            heads.append((m.end(), len(m.group()), m))
    if not heads:
        return _classify_zh_without_keyword(text, compact)
    _, _, head = max(heads, key=lambda item: (item[0], item[1]))
    kind = _ZH_HEADS[head.group()]
    before = compact[: head.start()]
    if kind is not COMP and _ZH_COMPANY_FORM.search(before):
        return COMP
    if head.group() == "中心":
        return _generic_centre(name, text, before)
    if (kind is INST or head.group() == "办公室") and _ZH_UNIVERSITY.search(before):
        return UNI
    if head.group() == "部" and before.endswith(("技术", "开发", "工程")):
        return COMP
    return kind


def _generic_centre(name: str, core: str, before: str) -> ApplicantType:
    """A name whose head is a bare 中心: decided by its owner, aliases and words."""
    alias = name[len(core) :].strip(" ()（）")
    if alias:
        first = re.split("[、;；]", alias)[0]
        kind = _classify_cjk(first)
        if kind not in (None, OTHER) or (kind is OTHER and "医院" in first):
            return kind
    if _ZH_UNIVERSITY.search(before):
        return UNI
    if re.search(r"科学院|研究院|研究|研发", before):
        return INST
    if _ZH_GOVERNMENT_OWNER.search(before):
        return GOV
    if _ZH_PUBLIC_PLACE.search(before) and not re.search(r"服务|经营|贸易|商贸|咨询", before):
        return GOV
    return OTHER


def _classify_zh_without_keyword(text: str, compact: str) -> ApplicantType | None:
    han_only = re.fullmatch(rf"[{_HAN}]+", compact)
    surname = compact[:2] in _SURNAMES_2 or compact[:1] in _SURNAMES_1
    if han_only and 2 <= len(compact) <= 4 and surname:
        return PERSON
    if re.fullmatch(rf"[{_HAN}A-Za-z]+(?:[·•・．.][{_HAN}A-Za-z]+)+", compact):
        return PERSON
    if re.fullmatch(rf"[{_HAN}]{{1,3}}\s+[{_HAN}]{{1,3}}", text.strip()):
        return PERSON  # Japanese family name + given name
    if "研究" in compact:
        return INST
    if _ZH_BUSINESS_FALLBACK.search(compact) or _KANA.search(compact):
        return COMP
    return None


def _classify_latin(name: str) -> ApplicantType:
    # Address notes "(CALGARY, CA)" and cut-off "(ALCOBENDAS" would hide a final legal form.
    text = _latin_form(re.sub(r"\s*\([^()]*,\s*[A-Z]{2}\)\s*$|\s*\([^()]*$", "", name) or name)
    if _EN_HOSPITAL.search(text):
        return OTHER
    if _EN_UNIVERSITY.search(text):
        return UNI
    if _EN_GOVERNMENT_STRONG.search(text):
        return GOV
    if _EN_INSTITUTE_STRONG.search(text):
        return INST
    if _LEGAL_ANYWHERE.search(text) or _LEGAL_AT_END.search(text) or _LEGAL_AT_START.match(text):
        return COMP
    if _EN_INSTITUTE.search(text):
        return INST
    if _EN_GOVERNMENT_WEAK.search(text):
        return GOV
    if _EN_OTHER.search(text):
        return OTHER
    if _is_latin_person(name.strip()):
        return PERSON
    return COMP


def _is_latin_person(name: str) -> bool:
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    # Export residue: "(CITY, ST)" notes, a cut-off "(CITY", a street address.
    plain = re.sub(r"\s*\([^)]*\)?|,\s*\d.*$", "", plain).strip()
    if _EN_COMPANY_WORDS.search(plain.upper()) or re.search(r"\d", plain):
        return False
    return bool(
        _EN_PERSON_COMMA.match(plain.upper())
        or _EN_PERSON_MIXED.match(plain)
        or _EN_PERSON_INITIAL.match(plain.upper())
    )


def classify(name: str) -> ApplicantType:
    """Type of one applicant name (see the module docstring for the rules)."""
    if re.search(rf"[{_HAN}\u3040-\u30ff\uac00-\ud7af]", name):
        kind = _classify_cjk(name)
        if kind is not None:
            return kind
        latin = re.sub(r"[^\x00-\x7f]+", " ", name).strip()
        if re.search(r"[A-Za-z]{2}", latin):
            found = _classify_latin(latin)
            return found if found is not PERSON else OTHER
        return OTHER
    return _classify_latin(name)
