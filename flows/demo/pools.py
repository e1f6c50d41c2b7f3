"""Vocabulary and gazetteer pools for the demo generator (loaded once, GBK-safe).

Weights marked "guess" are plausible orders of magnitude, not measured statistics.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl

# Top-100 surnames with approximate 2020 shares in percent (MPS report; tail values rounded, partly guessed).
# The residual (~14 %) goes to OTHER_SURNAMES so the top five cover ~30 % of people.
TOP_SURNAMES = (
    "王7.12 李7.00 张6.74 刘5.10 陈4.61 杨3.22 黄2.45 赵2.19 吴2.08 周1.96 徐1.45 孙1.38 马1.29 朱1.28 胡1.16 "
    "郭1.13 何1.06 林1.02 高1.00 罗0.95 郑0.86 梁0.83 谢0.72 宋0.70 唐0.69 许0.66 韩0.64 冯0.63 邓0.62 曹0.61 "
    "彭0.60 曾0.58 肖0.57 田0.55 董0.54 袁0.53 潘0.52 于0.51 蒋0.50 蔡0.49 余0.48 杜0.47 叶0.46 程0.45 苏0.44 "
    "魏0.43 吕0.42 丁0.41 任0.40 沈0.39 姚0.38 卢0.37 姜0.36 崔0.35 钟0.34 谭0.33 陆0.32 汪0.31 范0.30 金0.30 "
    "石0.29 廖0.28 贾0.28 夏0.27 韦0.27 付0.26 方0.26 白0.25 邹0.25 孟0.24 熊0.24 秦0.23 邱0.23 江0.22 尹0.22 "
    "薛0.21 闫0.21 段0.20 雷0.20 侯0.19 龙0.19 史0.18 陶0.18 黎0.17 贺0.17 顾0.16 毛0.16 郝0.15 龚0.15 邵0.15 "
    "万0.14 钱0.14 严0.13 覃0.13 武0.13 戴0.12 莫0.12 孔0.12 向0.11 汤0.11"
)
OTHER_SURNAMES = list(
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍"
    "涂成苗谷盛曲翁冉骆蓝路游辛"
)

GIVEN_OLD = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红建国志文斌林海波辉鹏飞燕琴兰梅凤云春峰亮成荣新宏庆金"
    "德永忠良俊卫东"
)
GIVEN_YOUNG = list(
    "子梓涵轩浩宇晨欣怡博一诺思雨佳琪俊杰睿泽嘉豪铭昊宸瑶萱彤妍悦可心婷雪晓阳磊鑫伟凯帅洋丹倩璐旭然航毅鹏诗语"
    "奕辰煜"
)

COMMON_NAMES = ["张伟", "王伟", "王芳", "李伟", "王秀英", "李秀英", "李娜", "张秀英", "刘伟", "张敏", "李静", "张丽",
                "王静", "王丽", "李强", "张静", "李敏", "王敏", "王磊", "刘洋", "王艳", "王勇", "李军", "张勇", "李杰",
                "张杰", "张磊", "王强", "李娟", "王军", "张艳", "张涛", "王涛", "李艳", "王超", "李明", "李勇", "王娟",
                "刘杰", "刘敏"]

TRADE_CHARS = list(
    "嘉昌华鑫泰盛恒达源利通顺宏辉瑞祥博智创优锐联合众诚信德润丰隆兴旺佳美新康健乐安宁和融汇聚力远航启明星辰"
    "云海天宇宙光耀晟睿熙禾穗谷峰岭川澜沐森林木青蓝翠银金铭铂钧鼎璟琪瑜璞珑玖久雅致尚品格易简真善思维谊邦"
    "迅捷驰骏腾跃飞鸿鹏翔凯旋卓越精艺匠工坊巧慧灵捷速稳固坚韧拓展宏图志远景明朗清澄澈溪泉湖江河浙杭甬瓯越"
)

# (industry word, weight) — generic stems dominate, as in real registrations (weights are a guess).
INDUSTRIES = [
    ("科技", 14), ("网络科技", 10), ("信息技术", 6), ("电子商务", 9), ("商贸", 9), ("贸易", 6), ("供应链管理", 4),
    ("文化传媒", 5), ("企业管理咨询", 5), ("建筑工程", 4), ("装饰工程", 4), ("餐饮管理", 3), ("服饰", 3), ("食品", 2),
    ("机械设备", 3), ("新材料", 2), ("生物科技", 2), ("物流", 3), ("教育科技", 2), ("广告", 2), ("家居用品", 2),
    ("汽车服务", 2), ("环保科技", 2), ("人力资源", 1), ("健康管理", 2), ("智能科技", 3), ("实业", 3),
]

SCOPE_ITEMS = [
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "软件开发", "信息系统集成服务", "网络技术服务",
    "互联网销售（除销售需要许可的商品）", "日用百货销售", "电子产品销售", "服装服饰零售", "五金产品批发",
    "办公用品销售", "企业管理咨询", "市场营销策划", "会议及展览服务", "广告设计、代理",
    "信息咨询服务（不含许可类信息咨询服务）", "货物进出口", "技术进出口", "供应链管理服务", "国内贸易代理",
    "家用电器销售", "化妆品零售", "食品销售（仅销售预包装食品）", "建筑材料销售", "机械设备销售",
    "数据处理和存储支持服务", "人工智能应用软件开发", "组织文化艺术交流活动", "物业管理", "住房租赁", "餐饮管理",
    "专业保洁、清洗、消毒服务", "普通货物仓储服务（不含危险化学品等需许可审批的项目）", "装卸搬运", "园林绿化工程施工",
    "计算机软硬件及辅助设备零售", "通讯设备销售", "礼品花卉销售", "平面设计", "摄影扩印服务",
    "健康咨询服务（不含诊疗服务）", "教育咨询服务（不含涉许可审批的教育培训活动）", "汽车零配件零售", "新材料技术研发",
    "环保咨询服务", "人力资源服务（不含职业中介活动、劳务派遣服务）", "家具销售", "针纺织品销售", "金属材料销售",
    "塑料制品销售", "电子元器件批发", "票务代理服务", "数字内容制作服务（不含出版发行）",
]
SCOPE_PERMITS = ["建设工程施工", "住宅室内装饰装修", "食品经营", "道路货物运输（不含危险货物）", "第二类增值电信业务",
                 "出版物零售"]
SCOPE_TAIL = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）。"

STATUSES = [("存续", 86.0), ("在业", 7.0), ("开业", 3.0), ("注销", 2.0), ("吊销，未注销", 1.5), ("迁出", 0.5)]

# Well-known place names per district used for bank branch names (guess: a realistic, not exhaustive, set).
BRANCH_PLACES = {
    "330102": "清泰 湖滨 钱江新城 望江 四季青 笕桥 九堡 凯旋 解放路",
    "330105": "湖墅 大关 半山 武林 朝晖 德胜 石桥 文晖 和睦",
    "330106": "文三路 古荡 西溪 翠苑 黄龙 转塘 留下 文新 蒋村 紫金港",
    "330108": "滨江 长河 西兴 浦沿 高新 江南大道",
    "330109": "萧山 城厢 北干 瓜沥 钱江世纪城 宁围 新塘",
    "330110": "余杭 未来科技城 良渚 仓前 闲林 五常",
    "330113": "临平 乔司 星桥 东湖",
    "330114": "下沙 白杨 义蓬 临江",
    "330111": "富阳 银湖 富春",
    "330112": "临安 锦城 青山湖",
    "330203": "海曙 鼓楼 月湖 南门",
    "330205": "江北 慈城 孔浦",
    "330206": "北仑 新碶 大碶",
    "330212": "鄞州 东部新城 姜山 钟公庙",
    "330282": "慈溪 浒山",
    "330302": "鹿城 五马 南浦 车站大道",
    "330304": "瓯海 梧田 娄桥",
    "330381": "瑞安 安阳",
    "330382": "乐清 柳市",
    "330602": "越城 城南",
    "330402": "南湖 东栅",
    "330782": "义乌 稠城 福田 佛堂",
    "331002": "椒江 白云",
}

# (bank, account prefix, account length) — prefixes and lengths are plausible guesses, not bank specifications.
BANKS = [
    ("中国工商银行", "1202", 19), ("中国农业银行", "1903", 19), ("中国银行", "36", 12), ("中国建设银行", "3305", 19),
    ("交通银行", "3310", 18), ("招商银行", "571", 15), ("杭州银行", "3301", 16), ("浙商银行", "3310", 19),
    ("兴业银行", "3560", 18), ("宁波银行", "7101", 15), ("中信银行", "8110", 19), ("浙江农商银行", "2010", 19),
]

OTHER_PROVINCES = {"34": 5, "36": 4, "41": 4, "51": 3, "52": 3, "43": 3, "42": 2, "32": 2, "35": 2, "37": 2, "45": 1,
                   "53": 1, "50": 1, "62": 1}

CITY_WEIGHT = {"3301": 60, "3302": 15, "3303": 8, "3304": 3, "3305": 2, "3306": 4, "3307": 5, "3310": 3}
LANDLINE_AREA = {"3301": "571", "3302": "574", "3303": "577", "3304": "573", "3305": "572", "3306": "575",
                 "3307": "579", "3308": "570", "3309": "580", "3310": "576", "3311": "578"}

# cities whose local numbers have 7 digits (the rest of Zhejiang has 8)
SEVEN_DIGIT_AREAS = ("570", "578", "580")

TRADITIONAL = {"号": "號", "楼": "樓", "区": "區", "门": "門", "广": "廣", "场": "場", "园": "園", "东": "東",
               "业": "業", "务": "務", "厦": "廈", "层": "層", "华": "華", "国": "國", "龙": "龍", "发": "發",
               "电": "電", "兴": "興", "宁": "寧", "温": "溫", "萧": "蕭", "湾": "灣", "桥": "橋", "庆": "慶",
               "阳": "陽", "达": "達", "汇": "匯"}
TYPO_CHARS = list("东西南北中新华兴海江城山川金文明光和平安宁长云天龙凤")


@dataclass(frozen=True)
class Districts:
    code: np.ndarray        # adcode strings
    name: np.ndarray
    city_code: np.ndarray
    city_name: np.ndarray
    weight: np.ndarray      # sampling weight of registrations


def _read_divisions(name: str) -> pl.DataFrame:
    path = resources.files("shellring.matchers") / "data" / "divisions" / name
    return pl.read_csv(path.read_bytes(), infer_schema_length=0)


@cache
def region_districts() -> Districts:
    areas = _read_divisions("areas.csv").filter(pl.col("provinceCode") == "33")
    cities = _read_divisions("cities.csv").rename({"code": "cityCode", "name": "city_name"}).drop("provinceCode")
    areas = areas.join(cities, on="cityCode", how="left", maintain_order="left")
    city_w = areas["cityCode"].replace_strict(CITY_WEIGHT, default="1", return_dtype=pl.Float64).to_numpy()
    kind_w = np.where(areas["name"].str.ends_with("区").to_numpy(), 3.0,
                      np.where(areas["name"].str.ends_with("市").to_numpy(), 2.0, 1.0))
    per_city = areas.with_columns(w=pl.Series(kind_w)).group_by("cityCode", maintain_order=True).agg(pl.col("w").sum())
    city_total = areas.join(per_city, on="cityCode", how="left", maintain_order="left")["w"].to_numpy()
    weight = city_w * kind_w / city_total
    return Districts(areas["code"].to_numpy(), areas["name"].to_numpy(), areas["cityCode"].to_numpy(),
                     areas["city_name"].to_numpy(), weight / weight.sum())


@cache
def county_codes() -> tuple[np.ndarray, np.ndarray]:
    """All 2023 county-level codes (excluding 市辖区-style placeholders) and their province codes."""
    areas = _read_divisions("areas.csv")
    return areas["code"].to_numpy(), areas["provinceCode"].to_numpy()


@cache
def streets_by_district() -> dict[str, list[str]]:
    streets = _read_divisions("streets.csv").filter(pl.col("provinceCode") == "33")
    grouped = streets.group_by("areaCode", maintain_order=True).agg(pl.col("name"))
    return {code: names for code, names in zip(grouped["areaCode"], grouped["name"].to_list())}


_ADMIN = re.compile(r"[省市区县镇乡村号楼层室]|街道|开发|工业|经济|园区")


@cache
def address_fragments() -> tuple[list[str], list[str]]:
    """Road names and building/POI names cut from the 18k real company addresses."""
    raw = (resources.files("shellring.flows.demo") / "data" / "company_addresses.csv").read_text(encoding="utf-8")
    text = "\n".join(line.split(",")[0] for line in raw.splitlines()[1:])
    roads = set(re.findall(r"(?<=[省市区县镇号道\d])([\u4e00-\u9fa5]{2,4}(?:路|街|大道))", text))
    pois = set(re.findall(r"(?<=号)([\u4e00-\u9fa5]{2,7}(?:大厦|广场|中心|大楼|科技园|产业园|国际|商务楼))", text))
    keep = lambda s: not _ADMIN.search(s[:-1]) and _gbk_ok(s)  # noqa: E731
    return sorted(r for r in roads if keep(r)), sorted(p for p in pois if keep(p) and not re.search(r"\d", p))


def _gbk_ok(text: str) -> bool:
    try:
        text.encode("gbk")
        return True
    except UnicodeEncodeError:
        return False


def surname_table() -> tuple[list[str], np.ndarray]:
    pairs = [(tok[0], float(tok[1:])) for tok in TOP_SURNAMES.split()]
    names = [p[0] for p in pairs] + OTHER_SURNAMES
    top = np.array([p[1] for p in pairs])
    rest = np.full(len(OTHER_SURNAMES), max(100.0 - top.sum(), 1.0) / len(OTHER_SURNAMES))
    weights = np.concatenate([top, rest])
    return names, weights / weights.sum()
