"""Chinese provincial-level divisions and the places that identify them.

:func:`province_of` answers "which province is this Chinese applicant in?" from
its name alone, for regional statistics (CNIPA reports patents per province).
It reads only strong evidence and otherwise answers ``None``:

1. a place in parentheses, the spot where China's enterprise-naming rules put
   the registration place after the trade name: ``腾讯科技(深圳)有限公司`` →
   广东省, ``哈尔滨工业大学(威海)`` → 山东省;
2. a place right after the name of a parent organisation (a unit ending in
   院 / 大学 / 集团 / 公司 / 局, or the 国网 prefix of State Grid's provincial
   companies): ``中国科学院大连化学物理研究所`` → 辽宁省,
   ``国网浙江省电力有限公司`` → 浙江省, ``北京大学深圳研究生院`` → 广东省 (the
   branch's own place, not the parent's);
3. a place at the very start: ``浙江大学`` → 浙江省, ``余姚市…`` → 浙江省,
   ``OPPO广东移动通信有限公司`` → 广东省 (a Latin brand prefix is skipped);
   after an abbreviated national group (``中车株洲电力机车有限公司`` → 湖南省) or
   a bare ``中国`` (``中国西安卫星测控中心`` → 陕西省);
4. a place right before the legal form, where the naming rules also allow it:
   ``瑞美智能设备江苏有限公司`` → 江苏省.

A bare ``中国…`` / ``国家…`` prefix says nothing and gives ``None``; so does a
place name buried elsewhere in the name (``汶上海纬…`` is in 山东, not 上海).

The gazetteer below lists the 34 provincial-level divisions with every
prefecture-level division (2023 status; 莱芜 kept for older records) and a
short list of county-level cities and counties that often start applicant
names.  Names that are also ordinary words or brands (朝阳, 白银, 大理, 阿里
...) are only matched with their administrative suffix (``朝阳市``), so
``阿里巴巴`` and ``大理石…`` are not placed in 西藏 and 云南.
"""

from __future__ import annotations

import functools
import re

# province | short forms | prefecture-level places | county-level places;
# an indented line continues the row above.
# A trailing "*" marks a name matched only when followed by 市/州/地区/盟/县/…自治州.
_TABLE = """\
北京市|北京|-|亦庄 中关村
天津市|天津|-|滨海新区 塘沽
上海市|上海|-|浦东 张江
重庆市|重庆|-|两江新区 涪陵 万州 永川
河北省|河北|石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水|雄安 任丘 三河*
    辛集 定州 迁安
山西省|山西|太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁|孝义 介休
内蒙古自治区|内蒙古 内蒙|呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布
    兴安盟 锡林郭勒 阿拉善盟|满洲里 二连浩特
辽宁省|辽宁|沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳* 葫芦岛|瓦房店
    海城* 庄河
吉林省|吉林|长春 四平 辽源 通化 白山* 松原 白城 延边|延吉 珲春 梅河口
黑龙江省|黑龙江|哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化
    大兴安岭|绥芬河
江苏省|江苏|南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁|昆山 江阴
    宜兴 张家港 常熟 太仓 溧阳 丹阳 句容 扬中 靖江 泰兴 如皋 海门 启东 海安 东台 高邮 仪征
    兴化 邳州 新沂 沭阳 吴江 武进 江都 金坛 姜堰
浙江省|浙江|杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水|余姚 慈溪 宁海 象山 奉化
    瑞安 乐清 平阳 苍南 永嘉 海宁 桐乡 平湖 嘉善 海盐 长兴* 德清 安吉* 诸暨 上虞 嵊州 新昌
    义乌 东阳 永康 兰溪 武义 江山* 龙游 温岭 玉环 临海 三门* 天台* 仙居 龙泉* 青田 缙云 萧山
    余杭 富阳 临安 桐庐 建德 淳安
安徽省|安徽|合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山* 滁州 阜阳 宿州 六安 亳州 池州
    宣城|巢湖 桐城 天长* 明光* 界首 宁国* 含山 无为*
福建省|福建|福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德|晋江 石狮 南安 福清 长乐 福安 福鼎
    惠安 安溪 德化 永春 仙游 武夷山 邵武 漳浦
江西省|江西|南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶|瑞昌 共青城 丰城 樟树
    贵溪
山东省|山东|济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽
    莱芜|黄岛 即墨 胶州 平度 莱西 龙口 莱阳 莱州 招远 海阳 蓬莱 寿光 青州 诸城 高密 昌邑
    安丘 邹城 曲阜 汶上县 新泰 肥城 荣成 乳山 文登 滕州 邹平 章丘 临清 乐陵 禹城 桓台 博兴
河南省|河南|郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳
    周口 驻马店 济源|巩义 荥阳 新郑 新密 登封 偃师 禹州 长葛 林州 项城 永城 邓州 汝州 长垣
湖北省|湖北|武汉 黄石 十堰 宜昌 襄阳 襄樊 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施 仙桃 潜江
    天门 神农架|宜都 枝江 当阳 大冶 丹江口 汉川 应城 安陆 麻城 武穴 赤壁 枣阳 宜城 老河口
湖南省|湖南|长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 湘西*|浏阳
    宁乡 醴陵 韶山 湘乡 耒阳 常宁 汨罗 临湘 津市 沅江 资兴 洪江 冷水江 涟源 吉首
广东省|广东|广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远
    东莞 中山 潮州 揭阳 云浮|顺德 南海区 番禺 增城 从化 花都 台山 开平 鹤山 恩平 四会 高要
    普宁 英德 乐昌 阳春* 化州 信宜 高州 廉江 雷州 吴川 陆丰 兴宁 罗定 博罗 惠东
广西壮族自治区|广西|南宁 柳州 桂林 梧州 北海* 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾*
    崇左|马山县 凭祥 东兴 岑溪 北流 桂平
海南省|海南|海口 三亚 三沙 儋州|琼海 文昌* 万宁 五指山 东方*
四川省|四川|成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州
    雅安 巴中 资阳 阿坝* 甘孜* 凉山*|都江堰 彭州 邛崃 崇州 简阳 广汉 什邡 绵竹 江油 峨眉山
    阆中 华蓥 万源 西昌 双流 郫县 郫都
贵州省|贵州|贵阳 六盘水 遵义 安顺 毕节 铜仁 黔西南 黔东南 黔南|清镇 赤水* 仁怀 凯里 都匀
    兴义 福泉
云南省|云南|昆明 曲靖 玉溪 保山 昭通 丽江 普洱* 临沧 楚雄 红河* 文山* 西双版纳 大理* 德宏
    怒江* 迪庆|安宁* 宣威 个旧 开远 蒙自 弥勒* 景洪 瑞丽* 腾冲
西藏自治区|西藏|拉萨 日喀则 昌都 林芝 山南* 那曲 阿里*|-
陕西省|陕西|西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛|杨凌 韩城 华阴 兴平 彬州 神木*
    府谷
甘肃省|甘肃|兰州 嘉峪关 金昌 白银* 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 临夏* 甘南*|玉门
    敦煌* 合作*
青海省|青海|西宁 海东* 海北* 黄南* 海南州 果洛 玉树* 海西* 海南藏族自治州|格尔木 德令哈
宁夏回族自治区|宁夏|银川 石嘴山 吴忠 固原 中卫|灵武 青铜峡
新疆维吾尔自治区|新疆|乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉 博尔塔拉 巴音郭楞 阿克苏 克孜勒苏
    喀什 和田* 伊犁 塔城* 阿勒泰|石河子 库尔勒 奎屯 伊宁 阿拉尔 五家渠 北屯 图木舒克 铁门关
    可克达拉 昆玉* 胡杨河 双河* 博乐 阜康
台湾省|台湾 台湾地区|台北 新北* 桃园* 台中 台南 高雄 基隆 新竹 嘉义|彰化 屏东 宜兰 花莲 台东
    苗栗 南投 云林
香港特别行政区|香港|-|-
澳门特别行政区|澳门|-|-
"""

_SUFFIXES = ("特别行政区", "自治区", "自治州", "地区", "省", "市", "州", "盟", "县", "区")
_STRICT_SUFFIX = re.compile(r"(?:市|州|地区|盟|县|[\u4e00-\u9fff]{1,8}?自治州)")
# These continue a place name into an ordinary word or a foreign place.
_FALSE_CONTINUATIONS = {"北海": "道", "德州": "仪器", "大理": "石"}
# Parent-organisation endings after which a place name starts the branch's own name.
_PARENT = re.compile(
    r"(?:国网|国家电网|科学院|研究院|大学|学院|集团|公司|总局|局|(?<![东西南北中])部)"
    # abbreviated national groups whose subsidiaries add their place: 中车株洲…, 中国航发湖南…
    r"|^(?:中国航发|中国石化|中国石油|中石化|中石油|中海油|中电科|中建材|中车|中铁|中建|中交|"
    r"中冶|中核|中广核|中航|中船|华能|华润|大唐|国电|东风|中国)"
)
# Enterprise-naming rules also allow the place just before the legal form: …科技江苏有限公司.
_BEFORE_FORM = re.compile(r"(?:股份有限公司|有限责任公司|有限公司)$")
_LATIN_PREFIX = re.compile(r"^[A-Za-z0-9&·.\- ]{2,12}(?=[\u4e00-\u9fff])")


@functools.cache
def _gazetteer() -> tuple[dict[str, tuple[str, bool]], int]:
    """Map each place name to (province, strict); built on first use, not at import."""
    places: dict[str, tuple[str, bool]] = {}
    for line in _table_lines():
        province, shorts, prefectures, counties = line.split("|")
        for name in shorts.split():
            places[name] = (province, False)
        places[province] = (province, False)
        for group in (prefectures, counties):
            for raw in group.split():
                if raw == "-":
                    continue
                name = raw.rstrip("*")
                places.setdefault(name, (province, raw.endswith("*")))
    return places, max(len(name) for name in places)


def _table_lines() -> list[str]:
    """Rows of ``_TABLE``; an indented line continues the row above."""
    rows: list[str] = []
    for line in _TABLE.splitlines():
        if line.startswith(" "):
            rows[-1] += " " + line.strip()
        else:
            rows.append(line)
    return rows


def provinces() -> list[str]:
    """The 34 provincial-level divisions, in the official order."""
    return [line.split("|", 1)[0] for line in _table_lines()]


def _place_at(text: str, start: int) -> str | None:
    """The province of the place name that begins at ``text[start]``, if any."""
    places, longest = _gazetteer()
    for length in range(min(longest, len(text) - start), 1, -1):
        name = text[start : start + length]
        hit = places.get(name)
        if hit is None:
            continue
        province, strict = hit
        rest = text[start + length :]
        if strict and not _STRICT_SUFFIX.match(rest):
            continue
        blocked = _FALSE_CONTINUATIONS.get(name)
        if blocked and rest.startswith(blocked):
            continue
        return province
    return None


def _place_exact(text: str) -> str | None:
    """The province when ``text`` is exactly a place (optionally with its suffix)."""
    places, _ = _gazetteer()
    if text in places:
        return places[text][0]
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in places:
            return places[text[: -len(suffix)]][0]
    return None


@functools.lru_cache(maxsize=65536)
def province_of(name: str) -> str | None:
    """Provincial-level division of a Chinese organisation, from its name alone.

    Parameters
    ----------
    name
        Applicant name; simplified characters expected (pass it through
        :func:`ipnav.model.applicants.display_name` first for traditional input).

    Returns
    -------
    str or None
        Full name of the division (``"浙江省"``, ``"广西壮族自治区"``,
        ``"香港特别行政区"``), or ``None`` when the name gives no strong evidence.
    """
    text = name.strip().replace("（", "(").replace("）", ")")
    if not text:
        return None
    for inner in re.findall(r"\(([^()]{2,12})\)", text):
        found = _place_exact(inner) or (_place_at(inner, 0) if len(inner) <= 8 else None)
        if found:
            return found
    for match in _PARENT.finditer(text):
        if match.start() > 12:
            break
        found = _place_at(text, match.end())
        if found:
            return found
    brand = _LATIN_PREFIX.match(text)
    found = _place_at(text, brand.end() if brand else 0)
    if found:
        return found
    form = _BEFORE_FORM.search(text)
    if form:
        places, _ = _gazetteer()
        head = text[: form.start()]
        for length in (4, 3, 2):
            hit = places.get(head[-length:]) if len(head) > length + 1 else None
            if hit and not hit[1]:
                return hit[0]
    return None
