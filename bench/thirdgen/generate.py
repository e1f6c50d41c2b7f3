"""Third clean-room generator: Guangdong registrations + bank account openings with planted shell-company rings.

Written for issue 12 without reading the project's demo generator, the first clean-room generator, or any
detector code (only README "Using it" / "Input extracts", flows/results/evaluate.py and the bench run tools).
Its purpose is a second outside opinion: different province, formats, proportions and noise.

    python bench/thirdgen/generate.py DIR --companies 20000 --seed 1 [--accounts-format parquet|xlsx]

Writes DIR/registrations.csv (GB18030, title line above the header, a 合计 line at the end),
DIR/accounts.parquet (typed Date column for 开户日期; all identifiers as text) or DIR/accounts.xlsx
(a 说明 sheet, then one sheet per city with a title row, Excel dates), DIR/truth.csv
(uscc,kind,group_id,is_ring,sophistication,tags) and DIR/planted_defects.csv (rows the job should reject,
by file and reason, no values).

Choices and their basis (DOMAIN.md section numbers as §n; "issue" = issue 12 text; [K] = general knowledge
of Chinese registries and bank exports; [C] = an arbitrary choice of this author, deliberately not the demo's):

Region and places
- Guangdong: Shenzhen 35%, Guangzhou 30%, Dongguan 20%, Foshan 15% of companies [C, roughly the provincial
  shares of new registrations, K]. Dongguan has no districts (towns directly under the city) [K]; addresses there
  often sit in villages and 工业区 (e.g. `东莞市虎门镇白沙村委会新湾工业区2号`) [K].
- USCC positions 3-8 = the registering district's code (440305 南山 etc., 441900 for Dongguan) (§3).
- Address styles per row (§4 variants): with/without 广东省, with/without 街道/社区, 栋/座/幢, `12楼03室` for
  1203室, `1203房`, no room suffix, full-width digits, residential `3栋2单元501室` written `3-2-501`, 号院,
  villages, industrial zones, business parks with 工位 numbers and 集群注册 hosts (§2 flag 2).
- Banks: 建设银行, 工商银行, 招商银行, 平安银行, 农业银行, 中国银行, 广发银行, 东莞农商银行, 交通银行 with
  branch names as their exports write them (`招商银行深圳南山支行`, `中国建设银行股份有限公司东莞长安支行`,
  `工行广州天河支行营业部`) [K]; account numbers with each bank's own length (14-20 digits) [K, §3: opaque].

People and identifiers
- Resident IDs valid per GB 11643 (§3); ~45% of legitimate representatives were born outside Guangdong
  (Guangdong's large migrant workforce, [K]) so "non-local" is common among honest firms (§2 flag 5 "weak alone").
- Ages of legitimate reps: 23-65 mostly, 2% aged 18-22 (young founders exist), a few over 70 (§2 flag 4).
- Surnames skewed (top-5 ~30%, §5); 张伟/王伟/李娜-type common names reused across unrelated people (§5).
- Phones: mobiles `1[3-9]x` incl. a few MVNO 170/171 (§3); landlines 0755/020/0769/0757 + 8 digits written as
  `0755-26012345`, `(0755)26012345`, `+86-755-…`, `86-0755-…`, no area code, spaces, full-width digits,
  `转801`, `-801` extensions (issue, README formats); 8% of legitimate companies give no phone; 3% give two
  numbers in one field `landline/mobile` (README).
- Registered capital as `100万`, `100万元整`, `1,000,000.00元`, `1.5亿元`, `壹佰万元整`, `人民币伍拾万元` (README).
- Registration dates `2024年3月5日` (70%) and `20240305` (30%, a second registry system) [C]; open dates are typed
  Date in Parquet, Excel dates in XLSX [K: bank exports are typed].

Rings (~3% of companies; issue: "rings a few %") — kinds by ring count: address_farm 18%, nominee_rep 16%,
dealer_phone 18%, agent_opener 14%, weak_links 16%, student_batch 18% [C]. Levels: naive 30%, medium 35%,
sophisticated 35% [C]. Profile per level (issue: careful operators):
- naive: reps 18-24, capital 1-10万, accounts 0-7 days after registration, members registered within ~3 weeks,
  several accounts per company at different banks the same week (§2 flag 8), one branch.
- medium: reps 22-40, capital 10-200万, accounts 3-30 days after, registrations over ~2 months.
- sophisticated: reps 30-50, capital 100-3000万 (1-30M CNY), accounts 14-70 days (2-10 weeks) after,
  registrations over 3-6 months, unrelated names and trades, branches of several banks, members spread over two
  cities of the province, and (for farms, agents, students) inside busy business parks next to legitimate tenants,
  several rings per building (issue "density").
Kinds (what the members share, by the issue's descriptions and §0/§2):
- address_farm (6-25): one room. Naive one spelling; medium 2-4 spellings; sophisticated: a 商务秘书/集群注册 room
  in a busy park, each member its own 工位 number, spellings vary, reps/phones distinct.
- nominee_rep (5-18; issue "14 to 18 companies" for careful ones): one person's ID (name written in variants,
  lower-case x, Excel's leading '). Sophisticated: 10-18 companies across two cities, distinct addresses/phones.
- dealer_phone (5-8, issue): one number. Naive: a mobile; medium: a landline in many spellings in the
  registration; sophisticated: a landline in many spellings, for half the members only in the bank's contact field
  (tag contact_only), different reps/addresses/names, area code of one city used by companies of a neighbour city.
- agent_opener (6-20): one 经办人 ID at account opening. Naive: same name/ID/phone, one branch, days apart;
  sophisticated: ID same, phone missing or varying, several banks over months.
- weak_links (5-10): a chain; neighbours share one of phone / room / agent / rep; no value on more than 3 members.
- student_batch (12-25): reps 18-22 born in one out-of-province county (naive/medium) or prefecture
  (sophisticated), capital 1-10万, accounts 0-5 days after registration at one or two branches within days
  (issue). Only some share the dealer's phone, agent or address: naive 70%, medium 40%, sophisticated 20%;
  the rest share only profile and timing (tag profile_only on them).

Legitimate look-alikes (share of all companies) [C]: business_park 6% (parks of 40-400 tenants; ~25% list the
park management landline), incubator 2% (20-80 start-ups on 工位 in one room, incubator phone on half, its staff
as 经办人 on a third, young-ish founders, small capital, quick accounts, registrations over 3 years),
group_subsidiary 2% (4-12 companies, one trade name, head-office switchboard in many spellings, 2-3 executives
reused, registrations over 5-15 years, large capital), bookkeeping_client 4% (agencies with 20-150 clients: the
agency's phone on 40%, its 3 staff as 经办人 on 60%, over years), serial_owner 2% (one person, 3-7 companies over
3-10 years, one phone, similar names), common_name 1% (reps named 张伟/王伟/李娜/王芳/刘洋 with distinct IDs,
common trade names). The rest `ordinary` (also: 10% open within 5 days, ~15% have no account in the extract,
many small capitals — honest small firms look like that [K]).

Noise and defects (planted_defects.csv): 0.05% of registration rows repeated exactly (a re-export), 0.05% of
account rows repeated exactly, 3 registration rows with an empty USCC, 3 with an impossible date, 2 CSV lines
with an unquoted comma inside the address (ragged), one title line, one 合计 line; 2% of account names written
with full-width brackets or without 市; 0.3% of accounts for companies registered elsewhere (not in the
registrations extract; not in truth either).
"""
from __future__ import annotations

import argparse
import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

USCC_ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [pow(3, i, 31) for i in range(17)]
ORG_W = [3, 7, 9, 10, 5, 8, 4, 2]
ID_W = [pow(2, 17 - i, 11) for i in range(17)]
ID_CHECK = "10X98765432"
FULLWIDTH = str.maketrans("0123456789-()", "０１２３４５６７８９－（）")

# city: (name, code, area code, [(district, district code, [streets/towns])], share)
CITIES = {
    "shenzhen": ("深圳市", "440300", "0755", [
        ("南山区", "440305", ["粤海街道", "南头街道", "西丽街道", "蛇口街道"]),
        ("福田区", "440304", ["福田街道", "华强北街道", "沙头街道"]),
        ("宝安区", "440306", ["西乡街道", "新安街道", "福永街道", "沙井街道"]),
        ("龙岗区", "440307", ["坂田街道", "布吉街道", "横岗街道"]),
        ("龙华区", "440309", ["民治街道", "大浪街道", "观澜街道"])], 0.35),
    "guangzhou": ("广州市", "440100", "020", [
        ("天河区", "440106", ["天河南街道", "石牌街道", "冼村街道"]),
        ("白云区", "440111", ["太和镇", "人和镇", "三元里街道"]),
        ("番禺区", "440113", ["市桥街道", "大石街道", "南村镇"]),
        ("黄埔区", "440112", ["黄埔街道", "萝岗街道", "联和街道"])], 0.30),
    "dongguan": ("东莞市", "441900", "0769", [
        ("", "441900", ["长安镇", "虎门镇", "南城街道", "东城街道", "塘厦镇", "常平镇", "大朗镇"])], 0.20),
    "foshan": ("佛山市", "440600", "0757", [
        ("南海区", "440605", ["桂城街道", "大沥镇", "里水镇"]),
        ("顺德区", "440606", ["大良街道", "容桂街道", "北滘镇"])], 0.15),
}
CITY_KEYS = list(CITIES)
CITY_P = [CITIES[c][4] for c in CITY_KEYS]
NEIGHBOUR = {"shenzhen": "dongguan", "dongguan": "shenzhen", "guangzhou": "foshan", "foshan": "guangzhou"}
ROADS = ["科苑路", "深南大道", "宝安大道", "兴华路", "建设路", "工业大道", "人民路", "中山路", "环城路", "新湖路",
         "创业路", "滨海大道", "东环路", "西环路", "长安路", "建业路", "商业街", "环湖路", "体育西路", "天河北路",
         "黄埔大道", "广园路", "莞太路", "振兴路", "江南路", "华夏路", "天安路", "金沙路", "南海大道", "桂澜路",
         "佛山大道", "东莞大道", "鸿福路", "宏图路", "沿江路", "新城路", "园区路", "荔园路", "前进路", "友谊路"]
OFFICE = ["创业大厦", "国际商务中心", "金融大厦", "时代广场", "星河世纪", "数码城", "云城", "智慧港", "创新谷",
          "国际大厦", "商务中心", "财富广场", "科技大厦", "总部基地", "汇金中心"]
PARKS = ["科技园", "创意产业园", "电子商务产业园", "智造园", "创客空间", "软件园", "跨境电商产业园", "智谷"]
RESID = ["花园", "新村", "小区", "雅苑", "豪庭", "家园", "名苑", "公寓"]
VILLAGES = ["白沙村", "大岭村", "沙头村", "乌沙社区", "上沙村", "新塘村", "大源村", "水口村", "龙眼村", "石排村"]
ZONE = ["工业区", "工业园", "科技工业园", "第一工业区", "第二工业区"]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
                "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔")
SURNAME_P = np.array([7.1, 7.0, 6.7, 5.4, 4.5] + [2.0] * 10 + [0.8] * (len(SURNAMES) - 15))
SURNAME_P = SURNAME_P / SURNAME_P.sum()
SURNAME_CUM = list(np.cumsum(SURNAME_P))
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国文斌宇浩凯俊峰琳雪梅婷飞鑫波晨欣怡子涵梓轩"
             "嘉宏志海龙林颖思佳丹阳博文晓东红春燕金凤永健家豪锦荣德")
COMMON_NAMES = ["张伟", "王伟", "李娜", "王芳", "刘洋", "李伟", "王静", "张敏"]
TRAD = str.maketrans("国华东龙丽红兰凤荣锦丰发", "國華東龍麗紅蘭鳳榮錦豐發")

# out-of-province county codes (hukou places of Guangdong's migrant workforce [K])
OUT_COUNTIES = {
    "4305": ["430521", "430522", "430523", "430524"],  # 湖南邵阳
    "4511": ["451102", "451121", "451122", "451123"],  # 广西贺州
    "3607": ["360721", "360731", "360732", "360733"],  # 江西赣州
    "5224": ["522422", "522423", "522424", "522425"],  # 贵州毕节 (old codes, still valid on IDs, §3)
    "4115": ["411521", "411522", "411523", "411524"],  # 河南信阳
    "5113": ["511321", "511322", "511323", "511324"],  # 四川南充
    "4209": ["420921", "420922", "420923", "420981"],  # 湖北孝感
}
LOCAL_COUNTIES = ["440305", "440304", "440306", "440307", "440106", "440111", "440113", "441900", "440605",
                  "440606", "445102", "440882", "441502", "440507", "440923", "441302"]
ALL_OUT = [c for cs in OUT_COUNTIES.values() for c in cs]

TRADE = list("华信达盛宏源鑫鼎泰安瑞恒益丰创联众和兴隆通汇诚德利嘉骏昊晟铭智睿博远航卓越天宇启明鹏程锦程合晶润")
INDUSTRY = [("网络科技", "网络技术开发、技术咨询；软件开发；信息系统集成服务"),
            ("电子科技", "电子产品研发与销售；电子元器件批发"),
            ("商贸", "日用百货、五金交电、服装鞋帽销售"),
            ("贸易", "国内贸易；货物及技术进出口"),
            ("供应链管理", "供应链管理服务；国内货运代理；仓储服务（不含危险品）"),
            ("电子商务", "互联网销售（除销售需要许可的商品）；电子商务平台运营"),
            ("信息咨询", "企业管理咨询；商务信息咨询；市场调查"),
            ("文化传媒", "文化艺术交流活动策划；广告设计、制作、代理"),
            ("建材", "建筑材料、装饰材料销售"),
            ("餐饮管理", "餐饮管理；餐饮服务（凭许可证经营）"),
            ("五金制品", "五金制品、塑胶制品的生产与销售"),
            ("服装", "服装设计与销售；纺织品批发"),
            ("物流", "普通货运；道路货物运输代理"),
            ("投资咨询", "投资咨询（不含证券、期货）；企业管理"),
            ("装饰工程", "室内外装饰装修工程设计与施工")]
BANKS = [  # (short, full, branch style, account length, prefix, weight)
    ("建设银行", "中国建设银行股份有限公司", "{full}{city}{place}支行", 20, "44", 0.18),
    ("工商银行", "中国工商银行", "工行{city}{place}支行营业部", 19, "20", 0.16),
    ("招商银行", "招商银行", "招商银行{city}{place}支行", 15, "7", 0.15),
    ("平安银行", "平安银行", "平安银行{city}{place}支行", 14, "15", 0.10),
    ("农业银行", "中国农业银行", "中国农业银行{city}{place}支行", 19, "44", 0.12),
    ("中国银行", "中国银行", "中国银行{city}{place}支行", 12, "6", 0.09),
    ("广发银行", "广发银行股份有限公司", "{full}{city}{place}支行", 16, "95", 0.07),
    ("东莞农商银行", "东莞农村商业银行", "东莞农村商业银行{place}支行", 17, "30", 0.06),
    ("交通银行", "交通银行", "交通银行{city}{place}支行", 21, "44", 0.07),
]
MOBILE_PREFIX = ["138", "139", "135", "136", "137", "150", "151", "158", "159", "186", "188", "189", "133", "177",
                 "199", "180", "187", "176", "170", "171"]
MOBILE_P = np.array([1.0] * 18 + [0.15, 0.1])
MOBILE_P = MOBILE_P / MOBILE_P.sum()
MOBILE_CUM = list(np.cumsum(MOBILE_P))
KINDS = ["address_farm", "nominee_rep", "dealer_phone", "agent_opener", "weak_links", "student_batch"]
KIND_P = [0.18, 0.16, 0.18, 0.14, 0.16, 0.18]
LEVELS = ["naive", "medium", "sophisticated"]
LEVEL_P = [0.30, 0.35, 0.35]
TODAY = date(2026, 11, 30)


def _uscc_check(body17: str) -> str:
    s = sum(USCC_ALPHA.index(ch) * w for ch, w in zip(body17, USCC_W))
    return USCC_ALPHA[(31 - s % 31) % 31]


def _org_check(body8: str) -> str:
    s = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body8, ORG_W))
    c = 11 - s % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def id_check(body17: str) -> str:
    return ID_CHECK[sum(int(ch) * w for ch, w in zip(body17, ID_W)) % 11]


def uscc_valid(code: str) -> bool:
    return len(code) == 18 and _uscc_check(code[:17]) == code[17] and _org_check(code[8:16]) == code[16]


def id_valid(code: str) -> bool:
    return len(code) == 18 and id_check(code[:17]) == code[17].upper()


@dataclass
class Person:
    name: str
    pid: str


@dataclass
class Place:
    """One room (or 工位 host room) with everything needed to write it in several ways."""
    city: str
    district: str
    dcode: str
    street: str
    site: str          # road + number, or village + zone
    building: str      # e.g. 科兴科学园B栋 / 锦绣花园3栋 / ''
    bno: str           # building number as written in 3-2-501 ('' when none)
    unit: str
    floor: int
    room: int
    residential: bool = False
    village: bool = False


class Gen:
    def __init__(self, seed: int, n: int):
        self.r = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.n_target = n
        self.rows: list[dict] = []
        self.accounts: list[dict] = []
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.accts: set[str] = set()
        self.org_seq = 0
        self.uscc_seen: set[str] = set()
        self.branches = {c: self._branches(c) for c in CITY_KEYS}
        self.branch_cum = {c: list(np.cumsum([BANKS[b][5] for b, _ in bs])) for c, bs in self.branches.items()}
        self.parks: list[tuple[str, Place]] = []  # (city, a place template of a busy park)

    # ---------- identifiers
    def uscc(self, dcode: str, year: int) -> str:
        while True:
            self.org_seq += 1
            k = self.org_seq * 7919 + self.r.randrange(7919)
            body = ""
            for _ in range(6):
                k, d = divmod(k, 31)
                body += USCC_ALPHA[d]
            head = "MA" if year >= 2016 else self.r.choice(["30", "55", "68", "07", "19", "27"])
            org8 = head + body
            code17 = "91" + dcode + org8 + _org_check(org8)
            code = code17 + _uscc_check(code17)
            if code not in self.uscc_seen:
                self.uscc_seen.add(code)
                return code

    def person(self, age_lo: int, age_hi: int, region: str | None = None, at: date = TODAY,
               name: str | None = None) -> Person:
        r = self.r
        if region is None:
            region = r.choice(ALL_OUT) if r.random() < 0.45 else r.choice(LOCAL_COUNTIES)
        while True:
            age = r.uniform(age_lo, age_hi + 0.99)
            birth = at - timedelta(days=int(age * 365.25))
            body = f"{region}{birth:%Y%m%d}{r.randrange(1000):03d}"
            pid = body + id_check(body)
            if pid not in self.ids:
                self.ids.add(pid)
                break
        if name is None:
            sur = r.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]
            given = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.9 else "")
            name = sur + given
        return Person(name, pid)

    def mobile(self) -> str:
        while True:
            p = self.r.choices(MOBILE_PREFIX, cum_weights=MOBILE_CUM)[0] + f"{self.r.randrange(10**8):08d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def landline(self, city: str) -> str:
        area = CITIES[city][2]
        while True:
            p = area + self.r.choice("2368") + f"{self.r.randrange(10**7):07d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def account_no(self, bank: int) -> str:
        _, _, _, length, prefix, _ = BANKS[bank]
        while True:
            k = length - len(prefix)
            a = prefix + f"{self.r.randrange(10**k):0{k}d}"
            if a not in self.accts:
                self.accts.add(a)
                return a

    # ---------- places
    def _district(self, city: str):
        return self.r.choice(CITIES[city][3])

    def place(self, city: str, kind: str = "any") -> Place:
        r = self.r
        dist, dcode, streets = self._district(city)
        street = r.choice(streets)
        kind = kind if kind != "any" else r.choices(["office", "resid", "village", "zone"], [0.5, 0.25, 0.1, 0.15])[0]
        if kind == "village" and city in ("dongguan", "guangzhou", "foshan"):
            v = r.choice(VILLAGES)
            site = f"{v}{r.choice(['', '村委会'])}{r.choice(['', r.choice(ZONE)])}{r.randrange(1, 120)}号"
            return Place(city, dist, dcode, street, site, "", "", "", r.randrange(1, 6), r.randrange(1, 6),
                         village=True)
        road = r.choice(ROADS)
        site = f"{road}{r.randrange(1, 999)}号"
        if kind == "resid":
            b = r.randrange(1, 30)
            name = r.choice(TRADE) + r.choice(TRADE) + r.choice(RESID)
            return Place(city, dist, dcode, street, site, name, str(b), str(r.randrange(1, 5)),
                         r.randrange(1, 33), r.randrange(1, 5), residential=True)
        if kind == "zone":
            name = r.choice(TRADE) + r.choice(ZONE)
            return Place(city, dist, dcode, street, site, name, str(r.randrange(1, 12)), "", r.randrange(1, 6),
                         r.randrange(1, 12))
        name = r.choice(TRADE) + r.choice(TRADE) + r.choice(OFFICE + PARKS)
        return Place(city, dist, dcode, street, site, name, r.choice("ABCDE") if r.random() < 0.4 else "",
                     "", r.randrange(1, 40), r.randrange(1, 25))

    def room_in(self, p: Place, floor: int | None = None, room: int | None = None) -> Place:
        return Place(p.city, p.district, p.dcode, p.street, p.site, p.building, p.bno, p.unit,
                     floor if floor is not None else self.r.randrange(1, 30),
                     room if room is not None else self.r.randrange(1, 25), p.residential, p.village)

    def write_place(self, p: Place, style: int | None = None, seat: str = "") -> str:
        r = self.r
        c = CITIES[p.city]
        style = r.randrange(8) if style is None else style
        prov = "广东省" if style in (0, 2, 5) else ""
        city = c[0] if style != 6 else c[0].rstrip("市")
        street = p.street if style in (0, 3, 5) or p.city == "dongguan" else ""  # Dongguan: the town always
        head = f"{prov}{city}{p.district}{street}{p.site}"
        if p.village:
            tail = f"{p.room}{r.choice(['号', '栋', '号厂房'])}" if style % 2 else ""
            out = head + tail
        elif p.residential:
            if style in (1, 4):
                out = f"{head}{p.building}{p.bno}-{p.unit}-{p.floor}{p.room:02d}"
            else:
                out = f"{head}{p.building}{p.bno}栋{p.unit}单元{p.floor}{p.room:02d}{'室' if style != 7 else '房'}"
        else:
            b = p.building
            if p.bno:
                b += p.bno + (["栋", "座", "幢", "号楼"][style % 4] if p.bno.isalpha() else "栋")
            if style == 3:
                room = f"{p.floor}楼{p.room:02d}室"
            elif style == 4:
                room = f"{p.floor}{p.room:02d}"
            elif style == 7:
                room = f"{p.floor}{p.room:02d}房"
            else:
                room = f"{p.floor}{p.room:02d}室"
            out = head + b + room
        out += seat
        if style == 5 and r.random() < 0.5:
            out = out.translate(FULLWIDTH)
        return out

    # ---------- phones, dates, capital
    def write_phone(self, num: str, style: int | None = None) -> str:
        r = self.r
        if not num:
            return ""
        if num.startswith("1"):
            s = r.choices([0, 1, 2, 3], [0.8, 0.08, 0.07, 0.05])[0] if style is None else style % 4
            return [num, "+86 " + num, f"{num[:3]} {num[3:7]} {num[7:]}", "86-" + num][s]
        area, local = (num[:3], num[3:]) if num.startswith("02") else (num[:4], num[4:])
        s = r.randrange(9) if style is None else style % 9
        forms = [f"{area}-{local}", f"({area}){local}", f"+86-{area[1:]}-{local}", local,
                 f"{area} {local[:4]} {local[4:]}",
                 f"{area}-{local}".translate(FULLWIDTH), f"{area}-{local}转{r.randrange(800, 899)}",
                 f"86-{area}-{local}", f"{area}{local}-{r.randrange(1, 99)}"]
        return forms[s]

    def capital(self, wan: float) -> str:
        r = self.r
        s = r.random()
        if wan >= 10000 and s < 0.5:
            return f"{wan / 10000:g}亿元"
        if wan in (10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000) and s < 0.15:
            lead = "人民币" if r.random() < 0.4 else ""
            return lead + _daxie(int(wan)) + "万元" + ("整" if r.random() < 0.6 else "")
        if s < 0.55:
            return f"{wan:g}万"
        if s < 0.75:
            return f"{wan:g}万元整"
        return f"{wan * 10000:,.2f}元"

    def reg_date_str(self, d: date) -> str:
        return f"{d.year}年{d.month}月{d.day}日" if self.r.random() < 0.7 else f"{d:%Y%m%d}"

    # ---------- banks
    def _branches(self, city: str) -> list[tuple[int, str]]:
        c = CITIES[city]
        out = []
        for bi, (_, full, style, *_rest) in enumerate(BANKS):
            if BANKS[bi][0] == "东莞农商银行" and city != "dongguan":
                continue
            for dist, _, streets in c[3]:
                for place in ([dist.rstrip("区")] if dist else []) + [s[:2] for s in streets[:2]]:
                    out.append((bi, style.format(full=full, city=c[0].rstrip("市"), place=place)))
        return out

    def branch(self, city: str) -> tuple[int, str]:
        return self.r.choices(self.branches[city], cum_weights=self.branch_cum[city])[0]

    # ---------- rows
    def company(self, *, kind: str, group: str, is_ring: bool, level: str, tags: str, city: str, place: Place,
                rep: Person, reg: date, wan: float, phone: str, name: str | None = None, seat: str = "",
                addr_style: int | None = None, phone_style: int | None = None, industry: int | None = None,
                rep_name_written: str | None = None, rep_id_written: str | None = None) -> dict:
        r = self.r
        ind = INDUSTRY[industry if industry is not None else r.randrange(len(INDUSTRY))]
        if name is None:
            tr = r.choice(TRADE) + r.choice(TRADE)
            name = self.company_name(city, tr, ind[0])
        row = {
            "uscc": self.uscc(place.dcode, reg.year), "name": name,
            "rep_name": rep_name_written or rep.name, "rep_id": rep_id_written or rep.pid,
            "address": self.write_place(place, addr_style, seat), "phone": self.write_phone(phone, phone_style),
            "reg": reg, "capital": self.capital(wan), "scope": ind[1],
            "authority": f"{CITIES[city][0]}市场监督管理局"
                         + (f"{place.district.rstrip('区')}监管局" if place.district else ""),
            "status": r.choices(["存续", "在业", "开业"], [0.7, 0.2, 0.1])[0],
            "kind": kind, "group": group, "is_ring": is_ring, "level": level, "tags": tags,
            "_city": city, "_place": place, "_phone": phone, "_rep": rep,
        }
        self.rows.append(row)
        return row

    def company_name(self, city: str, trade: str, industry: str) -> str:
        r = self.r
        c = CITIES[city][0]
        if r.random() < 0.12:
            return f"{trade}{industry}({c.rstrip('市')})有限公司"
        return f"{c}{trade}{industry}有限公司"

    def account(self, row: dict, opened: date, city: str | None = None, agent: Person | None = None,
                agent_phone: str = "", contact_phone: str | None = None, contact_style: int | None = None,
                branch: tuple[int, str] | None = None, agent_name_written: str | None = None) -> None:
        r = self.r
        city = city or row["_city"]
        bi, bname = branch or self.branch(city)
        if contact_phone is None:
            contact_phone = row["_phone"] if r.random() < 0.7 else ""
        name = row["name"]
        if r.random() < 0.02:
            name = name.replace("(", "（").replace(")", "）").replace("市", "", 1)
        self.accounts.append({
            "account_no": self.account_no(bi), "uscc": row["uscc"], "acct_name": name, "branch": bname,
            "opened": opened, "agent_name": agent_name_written or (agent.name if agent else ""),
            "agent_id": agent.pid if agent else "", "agent_phone": self.write_phone(agent_phone) if agent_phone else "",
            "contact_phone": self.write_phone(contact_phone, contact_style) if contact_phone else "",
            "contact_address": self.write_place(row["_place"]) if r.random() < 0.6 else "",
            "acct_type": "基本存款账户",
        })

    def legit_account(self, row: dict, lag_days: float, agent: Person | None = None, agent_phone: str = "",
                      contact_phone: str | None = None) -> None:
        r = self.r
        opened = row["reg"] + timedelta(days=int(lag_days))
        if opened > TODAY:
            return
        if agent is None:
            u = r.random()
            if u < 0.5:
                agent = row["_rep"]
                agent_phone = self.mobile() if r.random() < 0.7 else ""
            elif u < 0.9:
                agent = self.person(22, 55)
                agent_phone = self.mobile()
        self.account(row, opened, agent=agent, agent_phone=agent_phone, contact_phone=contact_phone)
        if r.random() < 0.08:
            self.account(row, opened + timedelta(days=r.randrange(30, 700)), agent=agent, agent_phone=agent_phone,
                         contact_phone=contact_phone)
            self.accounts[-1]["acct_type"] = "一般存款账户"
            if self.accounts[-1]["opened"] > TODAY:
                self.accounts.pop()

    def legit_reg_date(self, lo_year: int = 2012) -> date:
        # more recent registrations are more numerous; the window under audit is the recent one
        span = (TODAY - date(lo_year, 1, 1)).days
        return TODAY - timedelta(days=int(span * self.r.random() ** 1.6))


def _daxie(n: int) -> str:
    digits = "零壹贰叁肆伍陆柒捌玖"
    units = [(1000, "仟"), (100, "佰"), (10, "拾"), (1, "")]
    out, zero = "", False
    for u, name in units:
        d, n = divmod(n, u)
        if d:
            if zero and out:
                out += "零"
            out += digits[d] + name
            zero = False
        elif out:
            zero = True
    return out


# ------------------------------------------------------------------------------------------- legit population
def legit_profile_company(g: Gen, kind: str, group: str, city: str, place: Place, *, rep: Person | None = None,
                          reg: date | None = None, phone: str | None = None, **kw) -> dict:
    r = g.r
    reg = reg or g.legit_reg_date()
    if rep is None:
        u = r.random()
        lo, hi = (18, 22) if u < 0.02 else (70, 78) if u < 0.03 else (23, 65)
        rep = g.person(lo, hi, at=reg)
    if phone is None:
        u = r.random()
        phone = "" if u < 0.08 else g.landline(city) if u < 0.33 else g.mobile()
    wan = r.choice([1, 3, 5, 10, 10, 30, 50, 50, 100, 100, 100, 200, 300, 500, 1000, 3000])
    wan *= 1 if r.random() < 0.9 else 1.5
    row = g.company(kind=kind, group=group, is_ring=False, level="", tags="", city=city, place=place, rep=rep,
                    reg=reg, wan=kw.pop("wan", wan), phone=phone, **kw)
    if phone and not phone.startswith("1") and r.random() < 0.1:
        row["phone"] += "/" + g.write_phone(g.mobile())
    return row


def ordinary(g: Gen, n: int) -> None:
    r = g.r
    towers: dict[str, list[Place]] = {c: [] for c in CITY_KEYS}
    for _ in range(n):
        city = r.choices(CITY_KEYS, CITY_P)[0]
        if towers[city] and r.random() < 0.35:  # ordinary office towers hold many unrelated firms
            place = g.room_in(r.choice(towers[city]))
        else:
            place = g.place(city)
            if not place.residential and not place.village and r.random() < 0.1:
                towers[city].append(place)
        row = legit_profile_company(g, "ordinary", "", city, place)
        if r.random() < 0.85:
            lag = r.uniform(0, 5) if r.random() < 0.1 else r.expovariate(1 / 45)
            g.legit_account(row, lag)


def business_parks(g: Gen, n: int) -> None:
    r, i = g.r, 0
    while n > 0:
        i += 1
        city = r.choices(CITY_KEYS, CITY_P)[0]
        park = g.place(city, "office")
        park.building = r.choice(TRADE) + r.choice(TRADE) + r.choice(PARKS)
        g.parks.append((city, park))
        size = min(n, r.randrange(40, 400))
        mgmt = g.landline(city)
        for _ in range(size):
            place = g.room_in(park)
            phone = mgmt if r.random() < 0.25 else None
            row = legit_profile_company(g, "business_park", f"park-{i}", city, place, phone=phone)
            if r.random() < 0.9:
                g.legit_account(row, r.expovariate(1 / 30))
        n -= size


def incubators(g: Gen, n: int) -> None:
    r, i = g.r, 0
    while n > 0:
        i += 1
        city, park = r.choice(g.parks) if g.parks and r.random() < 0.6 else (lambda c: (c, g.place(c, "office")))(
            r.choices(CITY_KEYS, CITY_P)[0])
        host = g.room_in(park)
        size = min(n, r.randrange(20, 80))
        phone = g.landline(city)
        staff = [g.person(24, 40) for _ in range(2)]
        staff_phone = g.mobile()
        for j in range(size):
            reg = TODAY - timedelta(days=r.randrange(0, 3 * 365))
            rep = g.person(22, 35, at=reg)
            seat = f"{r.choice('ABC')}区{j + 1:03d}工位" if r.random() < 0.7 else f"(集群注册){j + 1:03d}号"
            row = legit_profile_company(g, "incubator", f"incubator-{i}", city, host, rep=rep, reg=reg,
                                        phone=phone if r.random() < 0.5 else None, seat=seat,
                                        wan=r.choice([10, 30, 50, 100]))
            if r.random() < 0.33:
                g.legit_account(row, r.uniform(3, 30), agent=r.choice(staff), agent_phone=staff_phone)
            else:
                g.legit_account(row, r.uniform(3, 30))
        n -= size


def group_subsidiaries(g: Gen, n: int) -> None:
    r, i = g.r, 0
    while n > 0:
        i += 1
        size = min(n, r.randrange(4, 13))
        trade = r.choice(TRADE) + r.choice(TRADE) + r.choice(TRADE)
        hq_city = r.choices(CITY_KEYS, CITY_P)[0]
        hq = g.place(hq_city, "office")
        board = g.landline(hq_city)
        execs = [g.person(38, 60) for _ in range(r.randrange(2, 4))]
        start = date(r.randrange(2008, 2020), r.randrange(1, 13), 1)
        for j in range(size):
            city = hq_city if r.random() < 0.6 else r.choice(CITY_KEYS)
            place = g.room_in(hq) if city == hq_city and r.random() < 0.6 else g.place(city, "office")
            reg = min(TODAY, start + timedelta(days=int(r.uniform(0, (TODAY - start).days))))
            ind = r.randrange(len(INDUSTRY))
            name = (f"{CITIES[city][0]}{trade}{INDUSTRY[ind][0]}有限公司" if j else
                    f"广东{trade}集团有限公司")
            row = legit_profile_company(g, "group_subsidiary", f"group-{i}", city, place, rep=r.choice(execs),
                                        reg=reg, phone=board, name=name, industry=ind,
                                        wan=r.choice([500, 1000, 2000, 5000, 10000]))
            g.legit_account(row, r.expovariate(1 / 40), contact_phone=board)
        n -= size


def bookkeeping(g: Gen, n: int) -> None:
    r, i = g.r, 0
    while n > 0:
        i += 1
        city = r.choices(CITY_KEYS, CITY_P)[0]
        size = min(n, r.randrange(20, 150))
        phone = g.landline(city) if r.random() < 0.6 else g.mobile()
        staff = [(g.person(23, 45), g.mobile()) for _ in range(3)]
        for _ in range(size):
            place = g.place(city)
            row = legit_profile_company(g, "bookkeeping_client", f"agency-{i}", city, place,
                                        phone=phone if r.random() < 0.4 else None)
            if r.random() < 0.6:
                a, ap = r.choice(staff)
                g.legit_account(row, r.expovariate(1 / 30), agent=a, agent_phone=ap)
            else:
                g.legit_account(row, r.expovariate(1 / 30))
        n -= size


def serial_owners(g: Gen, n: int) -> None:
    r, i = g.r, 0
    while n > 0:
        i += 1
        size = min(n, r.randrange(3, 8))
        city = r.choices(CITY_KEYS, CITY_P)[0]
        owner = g.person(35, 60)
        phone = g.mobile()
        trade = r.choice(TRADE) + r.choice(TRADE)
        start = TODAY - timedelta(days=r.randrange(3 * 365, 10 * 365))
        for _ in range(size):
            reg = start + timedelta(days=r.randrange(0, (TODAY - start).days))
            ind = r.randrange(len(INDUSTRY))
            row = legit_profile_company(g, "serial_owner", f"serial-{i}", city, g.place(city), rep=owner, reg=reg,
                                        phone=phone, name=g.company_name(city, trade, INDUSTRY[ind][0]), industry=ind)
            g.legit_account(row, r.expovariate(1 / 40))
        n -= size


def common_names(g: Gen, n: int) -> None:
    r, i = g.r, 0
    while n > 0:
        i += 1
        size = min(n, r.randrange(5, 20))
        nm = r.choice(COMMON_NAMES)
        month = TODAY - timedelta(days=r.randrange(30, 900))
        for _ in range(size):
            city = r.choices(CITY_KEYS, CITY_P)[0]
            reg = month + timedelta(days=r.randrange(0, 30)) if r.random() < 0.5 else g.legit_reg_date()
            rep = g.person(23, 60, at=reg, name=nm)
            row = legit_profile_company(g, "common_name", f"common-{i}", city, g.place(city), rep=rep, reg=reg,
                                        name=g.company_name(city, r.choice(["华信", "鑫源", "恒达", "宏达"]),
                                                            r.choice(INDUSTRY)[0]))
            g.legit_account(row, r.expovariate(1 / 40))
        n -= size


# ------------------------------------------------------------------------------------------------------ rings
PROFILE = {  # rep ages, capital (万), open lag (days), registration spread (days)
    "naive": ((18, 24), [1, 3, 5, 10], (0, 7), 21),
    "medium": ((22, 40), [10, 30, 50, 100, 200], (3, 30), 60),
    "sophisticated": ((30, 50), [100, 200, 500, 800, 1000, 2000, 3000], (14, 70), 150),
}


def ring(g: Gen, rid: int, kind: str, level: str) -> int:
    r = g.r
    ages, caps, lags, spread = PROFILE[level]
    soph = level == "sophisticated"
    group = f"R{rid:05d}"
    city = r.choices(CITY_KEYS, CITY_P)[0]
    spreads = kind != "address_farm"  # a farm's members sit in one room by definition
    cities = [city, NEIGHBOUR[city]] if spreads and (soph or (level == "medium" and r.random() < 0.3)) else [city]
    start = TODAY - timedelta(days=r.randrange(spread + 70, 540))
    tags: list[str] = []
    dense = soph and kind in ("address_farm", "agent_opener", "student_batch") and g.parks or (
        g.parks and r.random() < 0.15)
    if dense:
        tags.append("dense")
    if len(cities) > 1:
        tags.append("cross_city")
    branch0 = g.branch(city)

    def where(j: int) -> tuple[str, Place]:
        c = cities[j % len(cities)]
        if dense:
            pc, park = r.choice([p for p in g.parks if p[0] in cities] or g.parks)
            return pc, g.room_in(park)
        return c, g.place(c)

    def member(j: int, *, place=None, c=None, rep=None, phone=None, seat="", addr_style=None, phone_style=None,
               rep_id_written=None, rep_name_written=None, extra_tags=()) -> dict:
        if place is None:
            c, place = where(j)
        reg = start + timedelta(days=r.randrange(0, spread))
        if rep is None:
            rep = g.person(*ages, at=reg)
        if phone is None:
            phone = g.mobile() if r.random() < 0.85 else ""
        ind = r.randrange(len(INDUSTRY)) if soph or r.random() < 0.5 else rid % len(INDUSTRY)
        t = "+".join(tags + list(extra_tags))
        return g.company(kind=kind, group=group, is_ring=True, level=level, tags=t, city=c, place=place, rep=rep,
                         reg=reg, wan=r.choice(caps), phone=phone, seat=seat, addr_style=addr_style,
                         phone_style=phone_style, industry=ind, rep_id_written=rep_id_written,
                         rep_name_written=rep_name_written)

    def open_(row: dict, *, agent=None, agent_phone="", contact_phone=None, contact_style=None, branch=None,
              agent_name_written=None) -> None:
        lag = r.uniform(*lags)
        opened = row["reg"] + timedelta(days=int(lag))
        if level == "naive":
            branch = branch or branch0
        if agent is None and r.random() < 0.6:
            agent, agent_phone = row["_rep"], g.mobile() if r.random() < 0.5 else ""
        g.account(row, min(opened, TODAY), agent=agent, agent_phone=agent_phone, contact_phone=contact_phone,
                  contact_style=contact_style, branch=branch, agent_name_written=agent_name_written)
        if level == "naive" and r.random() < 0.5:  # several accounts in one week at different banks (§2 flag 8)
            for _ in range(r.randrange(1, 3)):
                g.account(row, min(opened + timedelta(days=r.randrange(0, 7)), TODAY), agent=agent,
                          agent_phone=agent_phone, contact_phone=contact_phone)
                g.accounts[-1]["acct_type"] = "一般存款账户"

    made = 0
    if kind == "address_farm":
        size = r.randrange(6, 26)
        c, base = where(0)
        host = g.room_in(base)
        for j in range(size):
            if level == "naive":
                row = member(j, place=host, c=c, addr_style=0)
            elif level == "medium":
                row = member(j, place=host, c=c, addr_style=r.choice([0, 1, 3, 6]))
            else:
                seat = r.choice([f"-{j + 1:02d}号工位", f"({r.choice('ABCD')}{j + 1:03d})", f"之{j + 1}"])
                row = member(j, place=host, c=c, seat=seat)
            open_(row)
            made += 1
    elif kind == "nominee_rep":
        size = {"naive": r.randrange(5, 9), "medium": r.randrange(8, 15), "sophisticated": r.randrange(10, 19)}[level]
        rep = g.person(*ages, at=start)
        for j in range(size):
            name_w = rep.name if level == "naive" or r.random() < 0.6 else r.choice(
                [rep.name.translate(TRAD), " ".join(rep.name), rep.name + " "])
            id_w = rep.pid if level == "naive" or r.random() < 0.6 else r.choice(
                [rep.pid.lower(), "'" + rep.pid, rep.pid[:6] + " " + rep.pid[6:]])
            row = member(j, rep=rep, rep_name_written=name_w, rep_id_written=id_w)
            open_(row, agent=None if soph else rep)
            made += 1
    elif kind == "dealer_phone":
        size = r.randrange(5, 9) if level != "naive" else r.randrange(5, 11)
        num = g.mobile() if level == "naive" else g.landline(city)
        if level != "naive":
            tags.append("landline")
        for j in range(size):
            if soph and j % 2 == 1:
                row = member(j, phone=g.mobile() if r.random() < 0.6 else "", extra_tags=["contact_only"])
                open_(row, contact_phone=num)
            else:
                row = member(j, phone=num, phone_style=0 if level == "naive" else None)
                open_(row, contact_phone=num if r.random() < 0.5 else None)
            made += 1
    elif kind == "agent_opener":
        size = r.randrange(6, 21)
        agent = g.person(25, 45)
        aphone = g.mobile()
        aphone2 = g.mobile()
        for j in range(size):
            row = member(j)
            if level == "naive":
                open_(row, agent=agent, agent_phone=aphone)
            elif level == "medium":
                open_(row, agent=agent, agent_phone=r.choice([aphone, aphone2]))
            else:
                open_(row, agent=agent, agent_phone=r.choice([aphone, aphone2, ""]), branch=g.branch(r.choice(cities)),
                      agent_name_written=r.choice([agent.name, agent.name.translate(TRAD), agent.name + "(代)"]))
            made += 1
    elif kind == "weak_links":
        size = r.randrange(5, 11)
        links = []
        for _ in range(size - 1):  # no two agent or rep links in a row: one value on at most 3 members
            options = ["phone", "room", "agent", "rep"]
            if links and links[-1] in ("agent", "rep"):
                options.remove(links[-1])
            links.append(r.choice(options))
        prev_row, agents = None, {}
        for j in range(size):
            prev = links[j - 1] if j else None
            nxt = links[j] if j < size - 1 else None
            kw: dict = {}
            if prev == "phone":
                kw["phone"] = prev_row["_phone"]
            elif nxt == "phone":
                kw["phone"] = g.mobile()
            if prev == "room":
                kw["place"], kw["c"] = prev_row["_place"], prev_row["_city"]
            if prev == "rep":
                kw["rep"] = prev_row["_rep"]
            row = member(j, **kw)
            if prev == "agent":
                agent = agents[j - 1]
            elif nxt == "agent":
                agent = agents[j] = (g.person(25, 45), g.mobile())
            else:
                agent = None
            if prev == "agent" and nxt == "agent":
                agents[j] = agent
            open_(row, agent=agent[0] if agent else None, agent_phone=agent[1] if agent else "",
                  branch=branch0 if level == "naive" else None)
            prev_row = row
            made += 1
    elif kind == "student_batch":
        size = r.randrange(12, 26)
        prefecture = r.choice(list(OUT_COUNTIES))
        county = r.choice(OUT_COUNTIES[prefecture])
        dealer_phone = g.mobile()
        dealer_agent = (g.person(25, 45), g.mobile())
        c0, base = where(0)
        dealer_room = g.room_in(base)
        branches = [g.branch(city), g.branch(city)]
        share = {"naive": 0.7, "medium": 0.4, "sophisticated": 0.2}[level]
        bstart = TODAY - timedelta(days=r.randrange(40, 500))
        for j in range(size):
            region = county if level != "sophisticated" else r.choice(OUT_COUNTIES[prefecture])
            reg = bstart + timedelta(days=r.randrange(0, 14))
            rep = g.person(18, 22, region=region, at=reg)
            shares = r.random() < share
            how = r.choice(["phone", "agent", "room"]) if shares else ""
            kw: dict = {"rep": rep, "extra_tags": [] if shares else ["profile_only"]}
            if how == "phone":
                kw["phone"] = dealer_phone
            if how == "room":
                kw["place"], kw["c"] = dealer_room, c0
            row = member(j, **kw)
            row["reg"] = reg
            row["capital"] = g.capital(r.choice([1, 3, 5, 10]))
            opened = reg + timedelta(days=r.randrange(0, 6))
            a = dealer_agent if how == "agent" else (rep, "")
            g.account(row, min(opened, TODAY), agent=a[0], agent_phone=a[1], branch=r.choice(branches))
            made += 1
    return made


# ------------------------------------------------------------------------------------------------------ output
REG_HEADER = ["社会信用代码", "企业名称", "法人", "法人身份证号", "企业住所", "企业联系电话", "登记日期", "注册资本",
              "经营范围", "登记机关", "企业状态"]
ACC_HEADER = ["对公账号", "统一社会信用代码", "账户名称", "开户网点", "开户日期", "经办人姓名", "经办人身份证号码",
              "经办人手机号码", "单位联系电话", "通讯地址", "账户性质"]


def generate(out: Path, companies: int, seed: int, accounts_format: str = "parquet") -> dict:
    g = Gen(seed, companies)
    r = g.r
    n_ring_target = int(companies * 0.03)
    shares = {"business_park": 0.06, "incubator": 0.02, "group_subsidiary": 0.02, "bookkeeping_client": 0.04,
              "serial_owner": 0.02, "common_name": 0.01}
    business_parks(g, int(companies * shares["business_park"]))
    rid, made = 0, 0
    while made < n_ring_target or rid < len(KINDS) * len(LEVELS):  # every kind x level at least once
        rid += 1
        kind = KINDS[rid % len(KINDS)] if rid <= len(KINDS) * len(LEVELS) else r.choices(KINDS, KIND_P)[0]
        first = rid <= len(KINDS) * len(LEVELS)
        level = LEVELS[(rid - 1) // len(KINDS) % 3] if first else r.choices(LEVELS, LEVEL_P)[0]
        made += ring(g, rid, kind, level)
    incubators(g, int(companies * shares["incubator"]))
    group_subsidiaries(g, int(companies * shares["group_subsidiary"]))
    bookkeeping(g, int(companies * shares["bookkeeping_client"]))
    serial_owners(g, int(companies * shares["serial_owner"]))
    common_names(g, int(companies * shares["common_name"]))
    ordinary(g, max(0, companies - len(g.rows)))
    return write(g, out, accounts_format)


def write(g: Gen, out: Path, accounts_format: str) -> dict:
    r = g.r
    out.mkdir(parents=True, exist_ok=True)
    order = list(range(len(g.rows)))
    r.shuffle(order)
    defects: list[tuple[str, str, int]] = []

    buf = io.StringIO()
    buf.write("广东省市场监督管理局 企业登记信息导出（截至2026年11月30日）\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REG_HEADER)
    repeats = 0
    plain = [i for i in order[:2000] if g.rows[i]["kind"] == "ordinary"]
    ragged_at = set(r.sample(plain, 2)) if len(plain) > 10 else set()
    for i in order:
        row = g.rows[i]
        rec = [row["uscc"], row["name"], row["rep_name"], row["rep_id"], row["address"], row["phone"],
               g.reg_date_str(row["reg"]), row["capital"], row["scope"], row["authority"], row["status"]]
        if i in ragged_at:  # an unquoted comma inside the address, as a hand-rolled export writes it
            buf.write(",".join(rec[:4] + [rec[4][:8] + "," + rec[4][8:]] + rec[5:]).replace('"', "") + "\n")
            continue
        w.writerow(rec)
        if r.random() < 0.0005:
            w.writerow(rec)
            repeats += 1
    defects += [("registrations.csv", "ragged row (unquoted comma in the address; company kept in truth)",
                 len(ragged_at)), ("registrations.csv", "exact repeated row", repeats)]
    # extra rows that are not companies of the truth file
    for _ in range(3):
        w.writerow(["", "深圳市" + r.choice(TRADE) + r.choice(TRADE) + "贸易有限公司", "王某", "", "", "",
                    "2025年1月1日", "10万", "", "", "存续"])
    defects.append(("registrations.csv", "empty USCC (not in truth)", 3))
    bad_date = []
    for _ in range(3):
        place = g.place("shenzhen")
        code = g.uscc(place.dcode, 2025)
        bad_date.append(code)
        w.writerow([code, "深圳市" + r.choice(TRADE) + r.choice(TRADE) + "科技有限公司", "李某", "",
                    g.write_place(place), "", "2025年13月45日", "10万", "", "", "存续"])
    defects.append(("registrations.csv", "impossible registration date (in truth as ordinary)", 3))
    buf.write(f"合计：{len(order) + repeats + 6}户,,,,,,,,,,\n")
    (out / "registrations.csv").write_bytes(buf.getvalue().encode("gb18030"))

    accts = list(g.accounts)
    # accounts of companies registered elsewhere (not in this extract)
    n_foreign = max(1, len(accts) * 3 // 1000)
    for _ in range(n_foreign):
        place = g.place("guangzhou")
        row = {"uscc": "91" + r.choice(["430100", "450100", "360100"]) + "", "_place": place, "_city": "guangzhou",
               "_phone": g.mobile(), "_rep": g.person(25, 50),
               "name": "长沙" + r.choice(TRADE) + r.choice(TRADE) + "商贸有限公司"}
        org8 = "MA" + "".join(r.choice(USCC_ALPHA) for _ in range(6))
        body = row["uscc"] + org8 + _org_check(org8)
        row["uscc"] = body + _uscc_check(body)
        g.account(row, TODAY - timedelta(days=r.randrange(1, 200)), agent=row["_rep"])
    defects.append(("accounts", "account of a company registered outside the extract (not in truth)", n_foreign))
    accts = g.accounts
    r.shuffle(accts)
    dup = [a for a in accts if r.random() < 0.0005]
    accts = accts + dup
    defects.append(("accounts", "exact repeated account row", len(dup)))
    cols = {h: [] for h in ACC_HEADER}
    keys = ["account_no", "uscc", "acct_name", "branch", "opened", "agent_name", "agent_id", "agent_phone",
            "contact_phone", "contact_address", "acct_type"]
    for a in accts:
        for h, k in zip(ACC_HEADER, keys):
            cols[h].append(a[k])
    frame = pl.DataFrame(cols, schema={h: (pl.Date if h == "开户日期" else pl.String) for h in ACC_HEADER})
    if accounts_format == "xlsx":
        _write_xlsx(frame, out / "accounts.xlsx", accts)
    else:
        frame.write_parquet(out / "accounts.parquet")

    with open(out / "truth.csv", "w", newline="", encoding="utf-8") as fh:
        tw = csv.writer(fh)
        tw.writerow(["uscc", "kind", "group_id", "is_ring", "sophistication", "tags"])
        for row in g.rows:
            tw.writerow([row["uscc"], row["kind"], row["group"], "true" if row["is_ring"] else "false",
                         row["level"], row["tags"]])
        for code in bad_date:
            tw.writerow([code, "ordinary", "", "false", "", ""])
    with open(out / "planted_defects.csv", "w", newline="", encoding="utf-8") as fh:
        dw = csv.writer(fh)
        dw.writerow(["file", "defect", "rows"])
        dw.writerows(defects)
    rings = sum(1 for x in g.rows if x["is_ring"])
    return {"companies": len(g.rows) + 3, "ring_members": rings, "accounts": len(accts)}


def _write_xlsx(frame: pl.DataFrame, path: Path, accts: list[dict]) -> None:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path))
    note = wb.add_worksheet("说明")
    note.write(0, 0, "本表为对公账户开户明细，按城市分表；金额单位：元")
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for cname in ["深圳", "广州", "东莞", "佛山"]:
        ws = wb.add_worksheet(cname)
        ws.write(0, 0, f"{cname}地区对公账户开户明细表")
        for j, h in enumerate(ACC_HEADER):
            ws.write_string(1, j, h)
        rown = 2
        for a in accts:
            bc = next((c for c in ["深圳", "广州", "佛山"] if c in a["branch"]), "东莞")
            if bc != cname:
                continue
            for j, k in enumerate(["account_no", "uscc", "acct_name", "branch", "opened", "agent_name", "agent_id",
                                   "agent_phone", "contact_phone", "contact_address", "acct_type"]):
                if k == "opened":
                    ws.write_datetime(rown, j, a[k], datefmt)
                else:
                    ws.write_string(rown, j, a[k])
            rown += 1
    wb.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--companies", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--accounts-format", choices=["parquet", "xlsx"], default="parquet")
    args = ap.parse_args()
    print(generate(args.out, args.companies, args.seed, args.accounts_format))


if __name__ == "__main__":
    main()
