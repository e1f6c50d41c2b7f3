"""Clean-room generator: registration and account-opening extracts with planted shell-company rings.

Written for issue 12 WITHOUT reading the project's demo generator, SQL, rules, settings, pipeline or matchers:
only the issue text, ../shared/DOMAIN.md and the README's "Using it" / "Input extracts" sections. It is a
second, independent evaluation set, so every choice below is its own and says what it rests on.

    python bench/cleanroom/generate.py OUT_DIR --companies 20000 --seed 1

Writes OUT_DIR/registrations.csv (GBK, comma), OUT_DIR/accounts.csv (UTF-8 with BOM, tab, one title line
above the header, as bank exports carry) and OUT_DIR/truth.csv (uscc,kind,group_id,is_ring,sophistication,tags).

Choices and their basis
-----------------------
Region. Chengdu, Sichuan (adcodes 5101xx; area code 028, a 2-digit code with 8-digit numbers) rather than a
  Zhejiang city: DOMAIN §3 gives the landline grammar `0(10|2d|...)`; 028 exercises the 2-digit branch.
Identifiers. USCC `91` + the district's 6-digit adcode (registering authority, DOMAIN §3) + an `MA` org code
  with its GB 11714 check + the GB 32100 check. Resident IDs GB 11643 with check digit; `x` written lower-case
  for ~10% of the IDs ending in X (README: lower-case x is read). Persons' hukou codes: ~70% Sichuan
  (Chengdu and other Sichuan cities), ~30% other provinces (Chongqing, Guizhou, Yunnan, Gansu, Henan, ...).
Names. Surnames weighted so the top 5 cover ~30% (DOMAIN §5, [S40]); ~1.5% of people carry one of the very
  common full names (张伟, 王伟, 李娜, 王芳, 刘洋, 李静); ~90% 3-character names; a few compound surnames.
  Company names follow 行政区划+字号+行业+组织形式 (DOMAIN §5, [S41]) with the region also in parentheses
  after the trade name or as 四川 instead of 成都.
Addresses. District + road + 号 + building (栋/幢/号楼/座) + floor + room, in varied spellings (province and city
  omitted or run together, 楼/层, 室/号/单元 rooms, full-width digits ~5%). Business parks and incubators are
  named sites with many tenants; incubator seats use `NNN号工位` (DOMAIN §2 flag 2); bookkeeping agencies host
  clients at a 商务秘书 address with sub-numbers (住所托管, legal: DOMAIN §1, Hengqin 一址多照).
Phones. Mobiles from the Dec-2019 prefix list (DOMAIN §3) written as `138xxxxxxxx`, `138 xxxx xxxx`,
  `+86 138...`, `86-138...`; landlines 028 + 8 digits written `028-8xxxxxxx`, `(028)8xxxxxxx`, `028xxxxxxxx`,
  bare 8 digits, `+86-28-...`, `0086-28-...`, full-width, with `转NNN` / `（转NNN）` / `分机号NNN` extensions
  (README's accepted forms; issue 12 item 2). ~4% of ordinary phone fields hold two numbers `a/b`.
Dates and capital. Registrations `2024年3月5日`, `2024/3/5`, `20240305`; accounts `2024-03-05 10:20:30` or
  `2024/03/05`. Capital `100万元`, `100万元整`, `1,000,000.00元`, `1.5亿元`, `100万` (README's forms).
Banks. Chengdu Bank, Sichuan Tianfu Bank, Chengdu Rural Commercial Bank, ICBC, ABC, CCB, BOCOM, CMB, CIB,
  Minsheng, with district branches; account numbers opaque digit strings of bank-specific lengths (DOMAIN §3).
Headers (README's recognised spellings, chosen away from the most common ones):
  registrations 社会信用代码, 公司名称, 法人, 法人身份证号, 企业住所, 企业联系电话, 登记日期, 注册资本,
  经营范围, 登记机构, 企业状态; accounts 户名, 信用代码, 对公账号, 开户机构, 开户时间, 经办人,
  经办人身份证号码, 经办人手机号码, 单位联系电话, 通讯地址.
Proportions. Rings ~3.5% of companies; look-alikes ~8%; the rest ordinary (issue: rings a few %,
  ordinary ~90%). Ring sophistication naive 35% / medium 35% / sophisticated 30%.
Ring kinds (issue 12 and DOMAIN §0-2):
  address_farm   6-30 companies registered at one room (naive: the same string; medium: same room, other
                 spellings; sophisticated: 2-3 rooms of one floor, sub-numbered seats) inside a busy business
                 park building; ~40% of farms share their building with another farm (issue item 3, [S13]).
  nominee_rep    one person fronting 4-18 new companies (DOMAIN: 3-30 [S3][S5]; issue: 14-18 by careful
                 operators), scattered addresses, own phones per company (naive: half share one mobile).
  dealer_phone   5-8 companies sharing one number (issue item 2): naive a mobile written one way; medium a
                 landline in 2-3 spellings; sophisticated a landline in many spellings, for ~40% of members only
                 in the bank's contact field (单位联系电话). Different reps, addresses, names.
  agent_opener   6-16 companies whose accounts one 经办人 opened (DOMAIN flag 6, [S25]); naive at one branch in
                 bursts of days; sophisticated at 3-5 banks over weeks, the agent's phone varying.
  weak_links     5-12 companies chained by different weak ties (a phone here, a room there, an agent, a rep
                 reused once); naive members carry two ties, sophisticated a single chain.
  student_batch  8-24 companies with reps aged 18-22 from one out-of-province county (DOMAIN §1: 23.7% aged
                 18-22 [S1]), capital 1-10万, registered within ~10 days, accounts 0-5 days after registration
                 at one or two branches of one bank; only some members (naive 70%, medium 45%, sophisticated
                 25%) share the dealer's phone, agent or address; the others are profile-only (issue item 4).
  Sophistication (issue item 1): naive reps 18-25, capital 1-50万, accounts 0-7 days after registration,
  registrations within a month; medium reps 20-38, capital 10-500万, accounts 3-30 days, within 2.5 months;
  sophisticated reps 30-50, capital 100-3000万 (1-30M CNY), accounts 14-70 days, within 6 months.
Look-alikes (legitimate; issue 12 list):
  business_park      tenants of named parks (80-400 per park over years), own rooms, reps, phones.
  incubator          start-ups on 工位 seats of a 众创空间; founders 23-32; ~35% give the space's front-desk
                     landline; small capital; registered over three years.
  group_subsidiary   4-15 subsidiaries sharing a trade name, the head office switchboard (many spellings), 2-3
                     executives as reps reused over years, the group's finance staff as 经办人.
  bookkeeping_client clients of a 代理记账 agency (20-60): the agency landline as phone for ~60%, its staff as
                     经办人 for ~70%, ~30% hosted at its 商务秘书 address; registered over 3-4 years.
  serial_owner       one entrepreneur with 3-6 companies over ~6 years, own mobile on all.
  common_name        reps named 张伟/王伟/李娜... with different IDs, companies with the same 字号.
  ordinary           everything drawn independently; ~45% of office addresses fall in shared towers.
Accounts. One account per company; ~8% of ordinary companies a second one at another bank. Ordinary openings
  2-180 days after registration; the 经办人 is the rep (55%) or an employee.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

DISTRICTS = [  # (adcode, name)
    ("510104", "锦江区"), ("510105", "青羊区"), ("510106", "金牛区"), ("510107", "武侯区"), ("510108", "成华区"),
    ("510112", "龙泉驿区"), ("510113", "青白江区"), ("510114", "新都区"), ("510115", "温江区"),
    ("510116", "双流区"), ("510117", "郫都区"), ("510118", "新津区"),
]
ROADS = ["天府大道北段", "人民南路四段", "科华北路", "交子大道", "益州大道中段", "府城大道西段", "锦城大道", "蜀汉路",
         "二环路西一段", "沙湾路", "建设路", "双林路", "龙腾东路", "成龙大道二段", "星辉西路", "蜀都大道", "红星路三段",
         "东大街", "春熙路", "一环路南三段", "金履二路", "光华大道三段", "万家湾路", "驿都大道", "川大路", "航空港大道",
         "犀浦镇百草路", "团结镇学府路", "五津街道兴园路", "大丰街道蜀龙大道", "天府三街", "天府五街", "剑南大道中段",
         "盛和一路", "吉泰路", "府河路", "抚琴西路", "青龙街", "牛市口路", "双庆路"]
TOWERS = ["大厦", "中心", "广场", "国际", "商务楼", "写字楼"]
TOWER_STEMS = ["蓉城", "锦绣", "天府", "盛华", "金茂", "仁恒", "来福士", "环球", "银泰", "华润", "中洲", "新希望",
               "泰达", "富力", "时代", "鹏瑞", "世纪", "雄飞", "双楠", "西部"]
PARKS = ["天府软件园", "菁蓉国际广场", "成都高新孵化园", "蓉欧国际产业园", "西部智谷", "环球中心", "天府新谷",
         "金融城", "瞪羚谷产业园", "龙湖时代天街写字楼", "新川科技园", "电子科大科技园", "天府长岛数字文创园",
         "青羊总部基地", "金牛万达广场", "成华创智园"]
INCUBATORS = ["创客星", "蓉漂梦工场", "优客工场", "极客部落", "启梦空间", "蜂巢", "青创汇", "天使之翼"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
                "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建文红梅春林海波宇浩凯佳欣怡晨雪婷琳"
             "晓峰亮成东斌飞浩然子轩梓涵一诺雨萱俊豪思远嘉懿欣妍博文天宇志强振宇永胜德华国庆秀英淑珍")
COMMON_FULL = ["张伟", "王伟", "李娜", "王芳", "刘洋", "李静", "张敏", "王磊"]
STEMS = list("鑫源蓉创锦程瑞祥宏达兴盛博远智汇嘉禾恒泰天宇华信鼎盛优品聚合卓越星辰铭德川渝巴蜀峨眉青城安然永顺"
             "万通金诚和润亿佳腾飞九州")
TRADES = ["科技", "网络科技", "信息技术", "商贸", "贸易", "电子商务", "供应链管理", "文化传媒", "企业管理咨询",
          "建筑工程", "餐饮管理", "物流", "医疗器械", "环保科技", "广告", "劳务服务", "建材", "农业开发", "教育咨询",
          "软件开发", "机电设备", "装饰工程", "汽车服务", "食品"]
SCOPES = {
    "default": ("一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
                "信息咨询服务（不含许可类信息咨询服务）"),
    "商贸": "一般项目：日用百货销售；五金产品批发；电子产品销售；服装服饰批发；办公用品销售",
    "建筑工程": "许可项目：建设工程施工；一般项目：园林绿化工程施工；土石方工程施工",
    "餐饮管理": "许可项目：餐饮服务；一般项目：餐饮管理；食品销售（仅销售预包装食品）",
}
BANKS = [  # (branch prefix, account-number length, leading digits)
    ("成都银行股份有限公司", 16, "1001"), ("四川天府银行股份有限公司成都", 17, "8899"),
    ("成都农村商业银行股份有限公司", 19, "1300"), ("中国工商银行股份有限公司成都", 19, "4402"),
    ("中国农业银行股份有限公司成都", 17, "2281"), ("中国建设银行股份有限公司成都", 20, "5105"),
    ("交通银行股份有限公司四川省分行", 21, "5110"), ("招商银行股份有限公司成都", 15, "1289"),
    ("兴业银行股份有限公司成都", 18, "4310"), ("中国民生银行股份有限公司成都", 9, "6385"),
]
SICHUAN_REGIONS = ["510104", "510105", "510106", "510107", "510108", "510112", "510114", "510116", "510121",
                   "510124", "510129", "510182", "510184", "511302", "511381", "511702", "511721", "510703",
                   "510722", "511502", "511623", "510402", "513401", "511102", "512002"]
OTHER_REGIONS = ["500101", "500222", "500228", "520102", "520502", "520522", "520602", "530102", "530602",
                 "530621", "620502", "620522", "411602", "411628", "430524", "362101", "450802", "610302",
                 "612401", "360731", "421124", "342201"]
STUDENT_REGIONS = ["520502", "520524", "530602", "530621", "620522", "411628", "500228", "450881", "431126"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "166", "177", "178", "180", "181", "182", "183", "185",
                   "186", "187", "188", "189", "191", "198", "199"]
FULLWIDTH = str.maketrans("0123456789-()", "０１２３４５６７８９－（）")
LEVELS = ["naive", "medium", "sophisticated"]


def org_check(body8: str) -> str:
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check(body17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def ric_check(body17: str) -> str:
    return "10X98765432"[sum(int(ch) * w for ch, w in zip(body17, RIC_WEIGHTS, strict=True)) % 11]


def uscc_valid(code: str) -> bool:
    return len(code) == 18 and uscc_check(code[:17]) == code[17] and org_check(code[8:16]) == code[16]


def ric_valid(code: str) -> bool:
    code = code.upper()
    return len(code) == 18 and code[:17].isdigit() and ric_check(code[:17]) == code[17]


@dataclass
class Person:
    pid: str
    name: str


@dataclass
class Company:
    uscc: str
    name: str
    rep: Person
    address: str
    phone: str
    reg_date: dt.date
    capital_wan: float
    trade: str
    kind: str
    group_id: str = ""
    is_ring: bool = False
    level: str = ""
    tags: list[str] = field(default_factory=list)
    open_date: dt.date | None = None
    branch: str = ""
    agent: Person | None = None
    agent_phone: str = ""
    contact_phone: str = ""
    contact_address: str = ""
    extra_account: tuple[str, dt.date] | None = None


class World:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.usccs: set[str] = set()
        self.pids: set[str] = set()
        self.phones: set[str] = set()
        self.accounts: set[str] = set()
        self.issued_per_lead: dict[str, int] = {}
        self.companies: list[Company] = []
        self.branches = [(bank, f"{bank}{d[1][:2]}支行") for bank, _, _ in BANKS for d in DISTRICTS[:8]]
        weights = np.array([30, 20, 18, 16, 15] + [4] * (len(SURNAMES) - 5), dtype=float)
        self.surname_p = weights / weights.sum()

    # small helpers ------------------------------------------------------------------------------------------
    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def uniform_int(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.uniform_int(0, max(0, (end - start).days)))

    # identifiers ---------------------------------------------------------------------------------------------
    def new_uscc(self, district_code: str) -> str:
        while True:
            body = "MA" + "".join(self.pick(USCC_ALPHABET) for _ in range(6))
            body17 = "91" + district_code + body + org_check(body)
            code = body17 + uscc_check(body17)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def person(self, age_lo: int, age_hi: int, at: dt.date, region: str | None = None,
               name: str | None = None) -> Person:
        if region is None:
            region = self.pick(SICHUAN_REGIONS) if self.chance(0.7) else self.pick(OTHER_REGIONS)
        age = self.uniform_int(age_lo, age_hi)
        birth = at - dt.timedelta(days=365 * age + self.uniform_int(1, 360))
        while True:
            body = f"{region}{birth:%Y%m%d}{self.uniform_int(1, 999):03d}"
            pid = body + ric_check(body)
            if pid not in self.pids:
                self.pids.add(pid)
                break
        if pid.endswith("X") and self.chance(0.1):
            pid = pid[:-1] + "x"
        return Person(pid, name or self.person_name())

    def person_name(self) -> str:
        if self.chance(0.015):
            return self.pick(COMMON_FULL)
        if self.chance(0.005):
            surname = self.pick(["欧阳", "司马", "诸葛", "上官"])
        else:
            surname = SURNAMES[int(self.rng.choice(len(SURNAMES), p=self.surname_p))]
        given = self.pick(GIVEN) + (self.pick(GIVEN) if self.chance(0.9) else "")
        return surname + given

    def mobile(self) -> str:
        while True:
            number = self.pick(MOBILE_PREFIXES) + f"{self.uniform_int(0, 99_999_999):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def landline(self) -> str:
        while True:
            number = "028" + self.pick("868") + f"{self.uniform_int(0, 9_999_999):07d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def write_phone(self, number: str, many_ways: bool = True) -> str:
        """One spelling of a mobile (11 digits) or a 028 landline (11 digits starting 028)."""
        if not many_ways:
            return number if not number.startswith("028") else f"028-{number[3:]}"
        r = self.rng.random()
        if number.startswith("028"):
            local = number[3:]
            forms = [f"028-{local}", f"(028){local}", number, local, f"+86-28-{local}", f"0086-28-{local}",
                     f"028 {local[:4]} {local[4:]}", f"028-{local}".translate(FULLWIDTH),
                     f"028-{local}转{self.uniform_int(800, 899)}", f"(028){local}（转{self.uniform_int(100, 300)}）",
                     f"028-{local}分机号{self.uniform_int(8000, 8099)}", f"86-028-{local}"]
            return forms[int(r * len(forms))]
        forms = [number] * 6 + [f"{number[:3]} {number[3:7]} {number[7:]}", f"+86 {number}", f"86-{number}",
                                f"0086{number}", number.translate(FULLWIDTH)]
        return forms[int(r * len(forms))]

    # addresses -----------------------------------------------------------------------------------------------
    def site(self) -> tuple[int, str]:
        """A district index and a road + number."""
        d = self.uniform_int(0, len(DISTRICTS) - 1)
        return d, f"{self.pick(ROADS)}{self.uniform_int(1, 999)}号"

    def write_address(self, d: int, road: str, building: str, floor: int, room: str, place: str = "") -> str:
        dname = DISTRICTS[d][1]
        prefix = self.pick(["四川省成都市", "成都市", "四川成都", "", "四川省成都市"])
        bforms = [f"{building}栋", f"{building}幢", f"{building}号楼", f"{building}座"] if building else [""]
        b = self.pick(bforms)
        if room.isdigit():
            rforms = [f"{room}室", f"{room}号", f"{floor}楼{room}室", f"{floor}层{room}号", f"{room}单元"]
        else:
            rforms = [room]
        text = f"{prefix}{dname}{road}{place}{b}{self.pick(rforms)}"
        if self.chance(0.05):
            text = text.translate(FULLWIDTH)
        return text

    def room_no(self, floor: int) -> str:
        return f"{floor}{self.uniform_int(1, 30):02d}"

    # values ----------------------------------------------------------------------------------------------
    def company_name(self, stem: str | None = None, trade: str | None = None) -> tuple[str, str]:
        stem = stem or (self.pick(STEMS) + self.pick(STEMS))
        trade = trade or self.pick(TRADES)
        form = self.rng.random()
        if form < 0.55:
            name = f"成都{stem}{trade}有限公司"
        elif form < 0.75:
            name = f"四川{stem}{trade}有限公司"
        elif form < 0.85:
            name = f"{stem}（成都）{trade}有限公司"
        elif form < 0.95:
            name = f"成都市{stem}{trade}有限责任公司"
        else:
            name = f"成都{stem}{trade}合伙企业（有限合伙）"
        return name, trade

    def capital(self, level: str) -> float:
        if level == "naive":
            return float(self.pick([1, 3, 5, 10, 20, 30, 50]))
        if level == "medium":
            return float(self.pick([10, 50, 100, 200, 300, 500]))
        if level == "sophisticated":
            return float(self.pick([100, 200, 500, 800, 1000, 1500, 2000, 3000]))
        if level == "student":
            return float(self.pick([1, 2, 3, 5, 10]))
        return float(self.pick([3, 10, 30, 50, 100, 100, 200, 300, 500, 1000, 2000, 5000]))

    def add(self, d: int, name_trade: tuple[str, str], rep: Person, address: str, phone: str,
            reg_date: dt.date, capital: float, kind: str, **kw) -> Company:
        c = Company(self.new_uscc(DISTRICTS[d][0]), name_trade[0], rep, address, phone, reg_date, capital,
                    name_trade[1], kind, **kw)
        self.companies.append(c)
        return c

    def open_account(self, c: Company, delay_lo: int, delay_hi: int, branch: str | None = None,
                     agent: Person | None = None, agent_phone: str = "") -> None:
        c.open_date = c.reg_date + dt.timedelta(days=self.uniform_int(delay_lo, delay_hi))
        if c.open_date > EXTRACT_END:  # a late registration still opened within the extract's window
            c.open_date = max(c.reg_date, EXTRACT_END - dt.timedelta(days=self.uniform_int(0, 20)))
        c.branch = branch or self.pick(self.branches)[1]
        if agent is None:
            if self.chance(0.55):
                agent, agent_phone = c.rep, self.write_phone(self.mobile())
            else:
                agent, agent_phone = self.person(22, 45, c.open_date), self.write_phone(self.mobile())
        c.agent, c.agent_phone = agent, agent_phone
        if not c.contact_phone:
            c.contact_phone = c.phone if self.chance(0.6) else ""


# ---- populations ----------------------------------------------------------------------------------------------
FAR_START, FAR_END = dt.date(2015, 1, 1), dt.date(2026, 10, 31)
RING_START, RING_END = dt.date(2025, 1, 1), dt.date(2026, 8, 31)
EXTRACT_END = dt.date(2026, 11, 30)  # the day both extracts were taken: no account opens after it


def recent_date(w: World) -> dt.date:
    """Ordinary registration dates, weighted towards recent years (more new firms each year)."""
    span = (FAR_END - FAR_START).days
    return FAR_START + dt.timedelta(days=int(span * (1 - w.rng.random() ** 1.8)))


def ordinary(w: World, n: int, towers: list) -> None:
    for _ in range(n):
        reg = recent_date(w)
        rep = w.person(24, 62, reg)
        if w.chance(0.45):
            d, road, bname = w.pick(towers)
            floor = w.uniform_int(2, 35)
            address = w.write_address(d, road, "", floor, w.room_no(floor), place=bname)
        else:
            d, road = w.site()
            floor = w.uniform_int(1, 20)
            address = w.write_address(d, road, str(w.uniform_int(1, 12)), floor, w.room_no(floor))
        phone = w.write_phone(w.mobile() if w.chance(0.7) else w.landline())
        if w.chance(0.04):
            phone = f"{phone}/{w.mobile()}"
        c = w.add(d, w.company_name(), rep, address, phone, reg, w.capital(""), "ordinary")
        w.open_account(c, 2, 180)
        if w.chance(0.08):
            c.extra_account = (w.pick(w.branches)[1], c.open_date + dt.timedelta(days=w.uniform_int(30, 700)))


def business_parks(w: World, n: int, park_sites: list) -> None:
    for i in range(n):
        d, road, park, _ = park_sites[i % len(park_sites)]
        reg = recent_date(w)
        floor = w.uniform_int(2, 28)
        c = w.add(d, w.company_name(), w.person(24, 60, reg),
                  w.write_address(d, road, str(w.uniform_int(1, 9)), floor, w.room_no(floor), place=park),
                  w.write_phone(w.mobile() if w.chance(0.6) else w.landline()), reg, w.capital(""),
                  "business_park", group_id=f"P{park_sites.index(park_sites[i % len(park_sites)])}")
        w.open_account(c, 2, 150)


def incubators(w: World, n: int) -> None:
    made = 0
    for k in range(10_000):
        if made >= n:
            break
        d, road = w.site()
        name = w.pick(INCUBATORS) + "众创空间"
        desk = w.landline()
        building, floor = str(w.uniform_int(1, 6)), w.uniform_int(2, 12)
        size = min(n - made, w.uniform_int(25, 120))
        seats = w.rng.permutation(np.arange(1, 400))[:size]
        for seat in seats:
            reg = w.date_between(dt.date(2023, 6, 1), dt.date(2026, 9, 30))
            room = f"{floor}楼{name}{int(seat):03d}号工位"
            phone = w.write_phone(desk) if w.chance(0.35) else w.write_phone(w.mobile())
            c = w.add(d, w.company_name(trade=w.pick(["科技", "网络科技", "信息技术", "文化传媒", "软件开发"])),
                      w.person(23, 32, reg), w.write_address(d, road, building, floor, room), phone, reg,
                      float(w.pick([3, 5, 10, 20, 50, 100])), "incubator", group_id=f"I{k}")
            w.open_account(c, 5, 90)
        made += size


def group_sizes(w: World, n: int, lo: int, hi: int):
    """(number, size) of look-alike groups of lo-hi companies until n are made, each size drawn when its group is
    asked for (so after the previous group's own draws)."""
    made, k = 0, 0
    while made < n:
        size = min(n - made, w.uniform_int(lo, hi))
        yield k, size
        made += size
        k += 1


def group_subsidiaries(w: World, n: int) -> None:
    for k, size in group_sizes(w, n, 4, 15):
        stem = w.pick(STEMS) + w.pick(STEMS)
        switchboard = w.landline()
        execs = [w.person(38, 60, dt.date(2016, 1, 1)) for _ in range(w.uniform_int(2, 3))]
        finance = [w.person(28, 45, dt.date(2018, 1, 1)) for _ in range(2)]
        fin_phone = w.mobile()
        d, road = w.site()
        for _ in range(size):
            reg = w.date_between(dt.date(2015, 1, 1), dt.date(2026, 9, 1))
            floor = w.uniform_int(10, 30)
            c = w.add(d, w.company_name(stem=stem), w.pick(execs),
                      w.write_address(d, road, "", floor, w.room_no(floor), place=f"{stem}大厦"),
                      w.write_phone(switchboard) if w.chance(0.8) else w.write_phone(w.mobile()), reg,
                      w.capital("") * 2, "group_subsidiary", group_id=f"G{k}", tags=["landline"])
            w.open_account(c, 10, 120, agent=w.pick(finance), agent_phone=w.write_phone(fin_phone))
            c.contact_phone = w.write_phone(switchboard)


def bookkeeping_clients(w: World, n: int) -> None:
    for k, size in group_sizes(w, n, 20, 60):
        agency_phone = w.landline()
        staff = [w.person(24, 45, dt.date(2022, 1, 1)) for _ in range(w.uniform_int(2, 3))]
        staff_phones = [w.mobile() for _ in staff]
        hd, hroad = w.site()
        host = f"{w.pick(STEMS)}{w.pick(STEMS)}商务秘书有限公司"
        seats = iter(w.rng.permutation(np.arange(1, 999)))
        for _ in range(size):
            reg = w.date_between(dt.date(2022, 6, 1), dt.date(2026, 9, 30))
            if w.chance(0.3):
                d = hd
                address = w.write_address(d, hroad, "", 5, f"5楼A区{int(next(seats)):03d}号（托管地址：{host}）")
            else:
                d, road = w.site()
                floor = w.uniform_int(1, 25)
                address = w.write_address(d, road, str(w.uniform_int(1, 9)), floor, w.room_no(floor))
            phone = w.write_phone(agency_phone) if w.chance(0.6) else w.write_phone(w.mobile())
            c = w.add(d, w.company_name(), w.person(26, 60, reg), address, phone, reg, w.capital(""),
                      "bookkeeping_client", group_id=f"B{k}")
            if w.chance(0.7):
                s = w.uniform_int(0, len(staff) - 1)
                w.open_account(c, 7, 120, agent=staff[s], agent_phone=w.write_phone(staff_phones[s]))
            else:
                w.open_account(c, 7, 120)


def serial_owners(w: World, n: int) -> None:
    for k, size in group_sizes(w, n, 3, 6):
        first = w.date_between(dt.date(2015, 1, 1), dt.date(2020, 12, 31))
        owner = w.person(35, 55, first)
        mobile = w.mobile()
        for _ in range(size):
            reg = w.date_between(first, dt.date(2026, 9, 30))
            d, road = w.site()
            floor = w.uniform_int(1, 25)
            c = w.add(d, w.company_name(), owner,
                      w.write_address(d, road, str(w.uniform_int(1, 9)), floor, w.room_no(floor)),
                      w.write_phone(mobile), reg, w.capital(""), "serial_owner", group_id=f"S{k}")
            w.open_account(c, 5, 120, agent=owner, agent_phone=w.write_phone(mobile))


def common_names(w: World, n: int) -> None:
    for k, size in group_sizes(w, n, 3, 6):
        stem = w.pick(STEMS) + w.pick(STEMS)
        name = w.pick(COMMON_FULL)
        for _ in range(size):
            reg = recent_date(w)
            d, road = w.site()
            floor = w.uniform_int(1, 25)
            c = w.add(d, w.company_name(stem=stem), w.person(25, 60, reg, name=name),
                      w.write_address(d, road, str(w.uniform_int(1, 9)), floor, w.room_no(floor)),
                      w.write_phone(w.mobile()), reg, w.capital(""), "common_name", group_id=f"N{k}")
            w.open_account(c, 3, 150)


# ---- rings ----------------------------------------------------------------------------------------------------
def ring_profile(w: World, level: str) -> dict:
    """Rep ages, registration-to-opening delay and registration span of a ring; it starts early enough to
    have opened every account before the extract date."""
    if level == "naive":
        p = {"age": (18, 25), "delay": (0, 7), "span": 30}
    elif level == "medium":
        p = {"age": (20, 38), "delay": (3, 30), "span": 75}
    else:
        p = {"age": (30, 50), "delay": (14, 70), "span": 180}
    p["reg"] = w.date_between(RING_START, EXTRACT_END - dt.timedelta(days=p["span"] + p["delay"][1]))
    return p


def ring_rep(w: World, p: dict, reg: dt.date, region: str | None = None) -> Person:
    if region is None and w.chance(0.5):
        region = w.pick(OTHER_REGIONS)
    return w.person(*p["age"], reg, region=region)


def scattered_address(w: World) -> tuple[int, str]:
    d, road = w.site()
    floor = w.uniform_int(1, 25)
    return d, w.write_address(d, road, str(w.uniform_int(1, 12)), floor, w.room_no(floor))


def address_farm(w: World, gid: str, level: str, size: int, building: tuple) -> None:
    d, road, park, bno = building
    p = ring_profile(w, level)
    floor = w.uniform_int(3, 30)
    rooms = [w.room_no(floor) for _ in range(1 if level != "sophisticated" else w.uniform_int(2, 3))]
    fixed = w.write_address(d, road, bno, floor, rooms[0], place=park)
    shared_phones = [w.mobile() for _ in range(w.uniform_int(2, 3))]
    for i in range(size):
        reg = p["reg"] + dt.timedelta(days=w.uniform_int(0, p["span"]))
        room = rooms[i % len(rooms)]
        if level == "naive":
            address = fixed
            phone = w.write_phone(w.pick(shared_phones), many_ways=False) if w.chance(0.5) else w.mobile()
        elif level == "medium":
            address = w.write_address(d, road, bno, floor, room, place=park)
            phone = w.write_phone(w.mobile())
        else:
            seat = f"{room}室-{w.uniform_int(1, 99):02d}号" if w.chance(0.6) else room
            address = w.write_address(d, road, bno, floor, seat, place=park)
            phone = w.write_phone(w.mobile())
        c = w.add(d, w.company_name(), ring_rep(w, p, reg), address, phone, reg, w.capital(level),
                  "address_farm", group_id=gid, is_ring=True, level=level, tags=["dense"])
        w.open_account(c, *p["delay"])


def nominee_rep(w: World, gid: str, level: str, size: int) -> None:
    p = ring_profile(w, level)
    rep = ring_rep(w, p, p["reg"])
    shared = w.mobile()
    for _ in range(size):
        reg = p["reg"] + dt.timedelta(days=w.uniform_int(0, p["span"]))
        d, address = scattered_address(w)
        phone = w.write_phone(shared) if level == "naive" and w.chance(0.5) else w.write_phone(w.mobile())
        c = w.add(d, w.company_name(), rep, address, phone, reg, w.capital(level), "nominee_rep",
                  group_id=gid, is_ring=True, level=level)
        w.open_account(c, *p["delay"])


def dealer_phone(w: World, gid: str, level: str, size: int) -> None:
    p = ring_profile(w, level)
    number = w.mobile() if level == "naive" else w.landline()
    spellings = [w.write_phone(number) for _ in range(3)]
    for _ in range(size):
        reg = p["reg"] + dt.timedelta(days=w.uniform_int(0, p["span"]))
        d, address = scattered_address(w)
        tags = ["landline"] if level != "naive" else []
        if level == "naive":
            phone, contact = w.write_phone(number, many_ways=False), ""
        elif level == "medium":
            phone, contact = w.pick(spellings), ""
        elif w.chance(0.4):
            phone, contact = w.write_phone(w.mobile()), w.write_phone(number)
            tags.append("bank_contact")
        else:
            phone, contact = w.write_phone(number), ""
        c = w.add(d, w.company_name(), ring_rep(w, p, reg), address, phone, reg, w.capital(level),
                  "dealer_phone", group_id=gid, is_ring=True, level=level, tags=tags, contact_phone=contact)
        w.open_account(c, *p["delay"])


def agent_opener(w: World, gid: str, level: str, size: int) -> None:
    p = ring_profile(w, level)
    agent = w.person(25, 45, p["reg"])
    agent_phones = [w.mobile() for _ in range(1 if level == "naive" else 3)]
    branches = [w.pick(w.branches)[1] for _ in range(1 if level == "naive" else w.uniform_int(3, 5))]
    for _ in range(size):
        reg = p["reg"] + dt.timedelta(days=w.uniform_int(0, p["span"]))
        d, address = scattered_address(w)
        c = w.add(d, w.company_name(), ring_rep(w, p, reg), address, w.write_phone(w.mobile()), reg,
                  w.capital(level), "agent_opener", group_id=gid, is_ring=True, level=level)
        w.open_account(c, *p["delay"], branch=w.pick(branches), agent=agent,
                       agent_phone=w.write_phone(w.pick(agent_phones)))


def weak_links(w: World, gid: str, level: str, size: int) -> None:
    p = ring_profile(w, level)
    members = []
    for _ in range(size):
        reg = p["reg"] + dt.timedelta(days=w.uniform_int(0, p["span"]))
        d, road = w.site()
        floor = w.uniform_int(1, 25)
        members.append({"d": d, "road": road, "floor": floor, "room": w.room_no(floor), "phone": w.mobile(),
                        "rep": ring_rep(w, p, reg), "agent": None, "agent_phone": "", "reg": reg})
    ties = ["phone", "room", "agent", "rep"]
    edges = [(i, i + 1) for i in range(size - 1)]
    if level == "naive":
        edges += [(i, i + 2) for i in range(size - 2)]
    elif level == "medium":
        edges += [(i, i + 2) for i in range(0, size - 2, 3)]
    shared: list[set[str]] = [set() for _ in members]  # ties a member already takes part in
    for a, b in edges:
        tie = w.pick(ties)
        if tie in shared[b] or tie in shared[a]:
            # overwriting a value already shared would cut an earlier tie (and could split the chain): take
            # the first tie neither end uses yet, or none when both use them all (no extra random draw)
            tie = next((t for t in ties if t not in shared[a] | shared[b]), "")
        shared[a].add(tie)
        shared[b].add(tie)
        if not tie:
            continue
        if tie == "phone":
            members[b]["phone"] = members[a]["phone"]
        elif tie == "room":
            for key in ("d", "road", "floor", "room"):
                members[b][key] = members[a][key]
        elif tie == "rep":
            members[b]["rep"] = members[a]["rep"]
        else:
            if members[a]["agent"] is None:
                members[a]["agent"] = w.person(22, 45, members[a]["reg"])
                members[a]["agent_phone"] = w.mobile()
            members[b]["agent"], members[b]["agent_phone"] = members[a]["agent"], members[a]["agent_phone"]
    for m in members:
        address = w.write_address(m["d"], m["road"], "3", m["floor"], m["room"])
        c = w.add(m["d"], w.company_name(), m["rep"], address, w.write_phone(m["phone"]), m["reg"],
                  w.capital(level), "weak_links", group_id=gid, is_ring=True, level=level)
        if m["agent"] is not None:
            w.open_account(c, *p["delay"], agent=m["agent"], agent_phone=w.write_phone(m["agent_phone"]))
        else:
            w.open_account(c, *p["delay"])


def student_batch(w: World, gid: str, level: str, size: int) -> None:
    start = w.date_between(RING_START, RING_END)
    region = w.pick(STUDENT_REGIONS)
    dealer_phone_no = w.mobile()
    dealer_agent = w.person(24, 40, start)
    dd, droad = w.site()
    dfloor = w.uniform_int(2, 20)
    droom = w.room_no(dfloor)
    bank = w.pick(w.branches)[0]
    branches = [b for bk, b in w.branches if bk == bank]
    chosen = [w.pick(branches) for _ in range(1 if level == "naive" else 2)]
    share = {"naive": 0.7, "medium": 0.45, "sophisticated": 0.25}[level]
    span = {"naive": 4, "medium": 7, "sophisticated": 10}[level]
    for _ in range(size):
        reg = start + dt.timedelta(days=w.uniform_int(0, span))
        rep = w.person(18, 22, reg, region=region)
        linked = w.chance(share)
        tie = w.pick(["phone", "agent", "address"]) if linked else ""
        if tie == "address":
            d, address = dd, w.write_address(dd, droad, "2", dfloor, droom)
        else:
            d, address = scattered_address(w)
        phone = w.write_phone(dealer_phone_no) if tie == "phone" else w.write_phone(w.mobile())
        c = w.add(d, w.company_name(), rep, address, phone, reg, w.capital("student"), "student_batch",
                  group_id=gid, is_ring=True, level=level, tags=[] if linked else ["profile_only"])
        if tie == "agent":
            w.open_account(c, 0, 5, branch=w.pick(chosen), agent=dealer_agent,
                           agent_phone=w.write_phone(dealer_phone_no))
        else:
            w.open_account(c, 0, 5, branch=w.pick(chosen), agent=rep, agent_phone=w.write_phone(w.mobile()))


RING_KINDS = {  # kind: (share of rings, size range)
    "address_farm": (0.20, (6, 30)), "nominee_rep": (0.20, (4, 18)), "dealer_phone": (0.20, (5, 8)),
    "agent_opener": (0.15, (6, 16)), "weak_links": (0.10, (5, 12)), "student_batch": (0.15, (8, 24)),
}


def generate(out: Path, companies: int, seed: int) -> dict[str, int]:
    w = World(seed)
    towers = []
    for _ in range(max(20, companies // 60)):
        d, road = w.site()
        towers.append((d, road, w.pick(TOWER_STEMS) + w.pick(TOWERS)))
    park_sites = []
    for i in range(max(4, companies // 2500)):
        d, road = w.site()
        park_sites.append((d, road, PARKS[i % len(PARKS)] + ("" if i < len(PARKS) else f"{i // len(PARKS) + 1}期"),
                           str(w.uniform_int(1, 9))))
    ring_budget = int(companies * 0.035)
    made = 0
    rings: list[tuple[str, str, int]] = []
    while made < ring_budget:
        kinds = list(RING_KINDS)
        kind = kinds[int(w.rng.choice(len(kinds), p=[RING_KINDS[k][0] for k in kinds]))]
        level = LEVELS[int(w.rng.choice(3, p=[0.35, 0.35, 0.30]))]
        size = w.uniform_int(*RING_KINDS[kind][1])
        rings.append((kind, level, size))
        made += size
    farm_buildings: list[tuple] = []
    for n, (kind, level, size) in enumerate(rings):
        gid = f"R{n:05d}"
        if kind == "address_farm":
            if farm_buildings and w.chance(0.4):
                building = w.pick(farm_buildings)
            else:
                building = w.pick(park_sites)
                farm_buildings.append(building)
            address_farm(w, gid, level, size, building)
        else:
            globals()[kind](w, gid, level, size)
    business_parks(w, int(companies * 0.025), park_sites)
    incubators(w, int(companies * 0.012))
    group_subsidiaries(w, int(companies * 0.010))
    bookkeeping_clients(w, int(companies * 0.015))
    serial_owners(w, int(companies * 0.008))
    common_names(w, int(companies * 0.006))
    ordinary(w, companies - len(w.companies), towers)
    order = w.rng.permutation(len(w.companies))
    write(out, [w.companies[i] for i in order], w)
    counts: dict[str, int] = {}
    for c in w.companies:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    return counts


def write_date(w: World, day: dt.date) -> str:
    r = w.rng.random()
    if r < 0.4:
        return f"{day.year}年{day.month}月{day.day}日"
    if r < 0.75:
        return f"{day.year}/{day.month}/{day.day}"
    return f"{day:%Y%m%d}"


def write_capital(w: World, wan: float) -> str:
    r = w.rng.random()
    if wan >= 10_000 and r < 0.5:
        return f"{wan / 10_000:g}亿元"
    if r < 0.35:
        return f"{wan:g}万元"
    if r < 0.55:
        return f"{wan:g}万元整"
    if r < 0.8:
        return f"{wan * 10_000:,.2f}元"
    return f"{wan:g}万"


def account_number(w: World, branch: str) -> str:
    for bank, length, lead in BANKS:
        if branch.startswith(bank):
            # a bank with short numbers (民生, 9 digits: 100,000 under its lead) runs out of them at a million
            # companies, and the draw never ended; past half its numbers it issues two digits more (a region that
            # size has a longer series). Under that, every number is drawn as before: 200,000 is byte-identical
            issued = w.issued_per_lead.get(lead, 0)
            if issued > 10 ** (length - len(lead)) // 2:
                length += 2
            w.issued_per_lead[lead] = issued + 1
            while True:
                number = lead + "".join(str(x) for x in w.rng.integers(0, 10, length - len(lead)))
                if number not in w.accounts:
                    w.accounts.add(number)
                    return number
    raise ValueError(branch)


def write(out: Path, companies: list[Company], w: World) -> None:
    out.mkdir(parents=True, exist_ok=True)
    reg_header = ["社会信用代码", "公司名称", "法人", "法人身份证号", "企业住所", "企业联系电话", "登记日期",
                  "注册资本", "经营范围", "登记机构", "企业状态"]
    with open(out / "registrations.csv", "w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(reg_header)
        for c in companies:
            district = next(name for code, name in DISTRICTS if code == c.uscc[2:8])
            writer.writerow([c.uscc, c.name, c.rep.name, c.rep.pid, c.address, c.phone, write_date(w, c.reg_date),
                             write_capital(w, c.capital_wan), SCOPES.get(c.trade, SCOPES["default"]),
                             f"成都市{district}市场监督管理局", w.pick(["存续", "存续（在营、开业、在册）", "在业"])])
    acc_header = ["户名", "信用代码", "对公账号", "开户机构", "开户时间", "经办人", "经办人身份证号码",
                  "经办人手机号码", "单位联系电话", "通讯地址"]
    with open(out / "accounts.csv", "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("对公账户开户登记簿（成都地区）\r\n")  # CRLF like the csv rows below
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(acc_header)
        for c in companies:
            rows = [(c.branch, c.open_date)]
            if c.extra_account:
                rows.append(c.extra_account)
            for branch, day in rows:
                opened = (f"{day:%Y-%m-%d} {w.uniform_int(9, 16):02d}:{w.uniform_int(0, 59):02d}:"
                          f"{w.uniform_int(0, 59):02d}" if w.chance(0.5) else f"{day:%Y/%m/%d}")
                writer.writerow([c.name, c.uscc, account_number(w, branch), branch, opened, c.agent.name,
                                 c.agent.pid, c.agent_phone, c.contact_phone, c.contact_address])
    with open(out / "truth.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["uscc", "kind", "group_id", "is_ring", "sophistication", "tags"])
        for c in companies:
            writer.writerow([c.uscc, c.kind, c.group_id, "true" if c.is_ring else "false", c.level,
                             "+".join(sorted(set(c.tags)))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = generate(args.out, args.companies, args.seed)
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
