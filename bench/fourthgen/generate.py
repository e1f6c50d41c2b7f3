"""Fourth outside generator (clean-room, Jiangsu): registrations as XLSX, accounts as a GBK CSV, truth and defects.

    python bench/fourthgen/generate.py DIR --companies N --seed S

Written in session 17 without reading the demo generator, the two earlier outside generators, the detector's SQL,
rules, settings, clustering code, matchers, tests or results. Sources: the issue-12 text (quoted in the brief),
/work/shared/DOMAIN.md, README's "Using it" / "Input extracts" (which formats the job says it reads) and
flows/results/evaluate.py (the truth format). Nobody tunes the detector on this data: it is a hold-out.

Writes, in DIR:
- `registrations.xlsx`: a provincial market-regulation export, one sheet per city (苏州市, 南京市, 无锡市,
  常州市) after a `说明` cover sheet, a title row and a unit row above the header, a `合计` row under each
  sheet. Headers:
  统一社会信用代码, 企业名称, 法定代表人, 法定代表人证件号码, 住所, 联系电话, 成立日期, 注册资本, 经营范围,
  登记机关, 登记状态.
- `accounts.csv`: GBK, comma separated, a PBoC account-system style extract across banks (title line, unit line,
  header, footer with total and signature). Headers: 账户名称, 统一社会信用代码, 银行账号, 开户银行, 开户日期, 账户性质,
  经办人姓名, 经办人身份证号码, 经办人手机号码, 单位联系电话, 通讯地址.
- `truth.csv`: uscc,kind,group_id,is_ring,sophistication,tags (one row per company, as evaluate.py reads it).
- `planted_defects.csv`: rows the job should reject or skip, and values it should warn about, with file/sheet/line.

Choices and their basis (proportions are this author's; [D] = DOMAIN.md, [I] = issue text, [K] = general knowledge
of Chinese registries and bank exports):
- Province: Jiangsu, four cities with their real districts, authority codes (USCC digits 3-8) and area codes
  025/0510/0519/0512 [K]. Legitimate reps are 60% Jiangsu-born, the rest from neighbouring provinces (Anhui, Henan,
  Shandong, Jiangxi...) [K]. Student-batch reps come from one out-of-province county each, drawn from Fuyang and
  Bozhou (Anhui), Zhoukou and Shangqiu (Henan), Bijie (Guizhou), Tianshui and Dingxi (Gansu) [I: "one
  out-of-province ID region"; these are labour-exporting regions, K].
- USCC and resident-ID check digits computed exactly (GB 32100, GB 11714, GB 11643) [D §3]. A few USCCs carry a
  wrong check digit on purpose (the job must warn and keep them) [D 0.4].
- Population: 62% of companies are newly registered (2025-06 to 2026-11), 38% older (2002-2025). New companies
  open a basic account (基本存款账户) 1-120 days after registration (log-normal, median ~16 days) at one branch;
  28% open a general account (一般存款账户) at another bank later; 30% of old companies open a general account in
  the audit window (2026-01-01 to 2026-11-30). Accounts outside the window are not in the extract [K, D §1 41号].
- Ordinary companies that look a little odd, tagged on an `ordinary` row: 4% young founders (20-24), 12% capital
  <= 10万, 10% accounts opened 0-3 days after registration [I: "real ones exist"; D S1 age profile].
- Rings: about one ring per 330 companies. Kinds (share of rings): address_farm 20%, nominee 16%, dealer_phone 18%,
  agent 14%, mixed 14%, student_batch 18%. Levels: naive 30%, medium 38%, sophisticated 32% (the issue names all
  three; this author weighs the careful end more heavily since the set is meant to be hard) [I].
  Sizes (this author's): farm 6-12 / 8-16 / 10-22 by level, nominee 4-8 / 6-12 / 14-18 [I: "14 to 18 companies
  registered within months"], dealer phone 5-10 / 5-8 (landline, [I] "5-8") / 10-19 [I: "one phone on 19"],
  agent 6-12 / 8-14 / 10-18, mixed 5-10, student batch 8-15 / 10-20 / 12-25.
  Pace: naive rings register within 1-3 weeks and open 1-14 days after; medium within 1-2 months, 3-30 days;
  sophisticated within 2-5 months, 14-70 days after (2-10 weeks), reps 30-50, capital 100-3000万 [I: careful
  operators]. Naive/medium reps are mostly young (19-29) [D S1: 64.8% under 30].
  Banks: naive rings open at one branch, medium at 2-3, sophisticated at 3-6 different banks incl. rural
  commercial and city banks [D flag 8].
- What each kind shares (the by-spec signal), per member:
  address_farm: one room (naive), one or two rooms written in several forms (medium), 3-6 rooms on one floor of one
  building or 工位 numbers at one cluster-registration host (sophisticated) [D flag 1-2, S13].
  nominee: 1 person (naive), 2 (medium), 2-3 (sophisticated) reps fronting all members; ID written with lower-case
  x or full width now and then [D flag 3].
  dealer_phone: one mobile (naive); one landline written in many ways - with/without area code, (0512), +86-512-,
  full-width, 转/分机 extensions - in the registration or only in the bank's contact field (medium); two numbers,
  a mobile and a landline, each member carrying one or both (sophisticated) [I].
  agent: one 经办人 (ID and phone) on every opening at 1-2 branches (naive), 2-3 banks (medium); two agents
  alternating, the agent's ID left blank on a quarter of openings, phones in varied formats (sophisticated) [D 6].
  mixed: no value on every member; each member copies one of phone / room / agent / contact address from an earlier
  member (a chain of weak links), all within weeks at 2-3 branches [I "mixed weak links"].
  student_batch: reps 18-22 from one out-of-province county, capital 1-10万, accounts opened 0-5 days after
  registration at one or two branches within days of each other; only 70% / 40% / 20% of members (by level)
  share the dealer's phone, agent or address, the rest share only the profile and the timing [I].
  Rings also mix mechanisms: with probability 0.35 / 0.2 / 0.1 (by level) a member also carries a second
  channel (the dealer's phone or agent) [I "rings mixing mechanisms"]. 12% of non-student rings span two cities
  (tag two_city); 25% of farm, phone and mixed rings sit in a busy legitimate building (tag dense), several rings
  per building [I "dense districts"].
- Look-alikes (shares of all companies): business_park 3.0% (parks of 20-200 tenants, own rooms, a few shared;
  some 集群登记 hosts with 工位 numbers), incubator 1.2% (20-80 young founders at 工位 numbers of one 众创空间,
  small capital, over 1-3 years, the space's service phone on 35%), group_subsidiary 1.4% (4-15 subsidiaries,
  one trade name, a head-office switchboard with extensions on 70%, 2-4 executives reused, registrations over
  years, one main bank), bookkeeping_agency 2.0% (15-120 clients over 1-6 years, the agency's phone on 55% of
  registrations, its staff as 经办人 on half the openings, its address on 15%), serial_owner 0.8% (one person,
  3-8 companies over 3-12 years), common_name 0.8% (reps named 张伟, 王芳... with different IDs) [I, D 0.2].
- Noise: phone empty 6%, rep ID empty 1.5%, capital empty 1%, address empty 0.4%; addresses with or without
  province/city, 幢/栋/号楼, `15楼08室`, `C-1201室`, full-width digits, Chinese numerals before 号; phones as
  +86/86-/(0512)/full-width/转801/two numbers; IDs lower-case x, full width, Excel `'`; dates as Excel date cells,
  `2026-03-05`, `2026年3月5日`, `20260305` (registrations) and `2026/3/5`, `20260305`, `2026-03-05 10:20:30`
  (accounts); capital as `100万元`, `100万元人民币`, `1,000,000.00元`, `100万`, `人民币壹佰万元整`-style numerals; some
  phone cells stored as Excel numbers. All formats are ones README says the job reads, except `100万元人民币`
  (very common in the national publicity system [K]) whose handling is part of what is measured.
- Defects (listed in planted_defects.csv): registrations with an empty USCC or an unparseable 成立日期, a blank
  spacer row; account lines with an empty 银行账号, an impossible date, an unquoted comma (ragged), an account
  number in Excel's `6.2E+18` form, exact duplicate lines; wrong USCC check digits (warn, keep).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from bisect import bisect
from itertools import accumulate
from pathlib import Path

import numpy as np
import xlsxwriter

USCC_ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VAL = {c: i for i, c in enumerate(USCC_ALPHA)}
USCC_W = [pow(3, i, 31) for i in range(17)]
ORG_W = [3, 7, 9, 10, 5, 8, 4, 2]
ID_W = [pow(2, 17 - i, 11) for i in range(17)]
ID_CHECK = "10X98765432"
FULL = str.maketrans("0123456789-()", "０１２３４５６７８９－（）")
CN_NUM = "零一二三四五六七八九"

WINDOW_START = dt.date(2026, 1, 1)
WINDOW_END = dt.date(2026, 11, 30)
EXCEL_EPOCH = dt.date(1899, 12, 30)

# city: (short, sheet, area code, name-prefix, districts [(name, authority code, roads)], branch places)
CITIES = [
    ("苏州", "苏州市", "0512", [
        ("姑苏区", "320508", ["干将西路", "人民路", "十全街", "三香路", "东环路", "平江路", "养育巷"]),
        ("苏州工业园区", "320594", ["星湖街", "金鸡湖大道", "苏州大道东", "现代大道", "星海街", "旺墩路", "若水路"]),
        ("虎丘区", "320505", ["狮山路", "长江路", "塔园路", "珠江路", "金山路", "竹园路"]),
        ("吴中区", "320506", ["吴中大道", "东吴北路", "宝带西路", "越溪路", "旺山路"]),
        ("相城区", "320507", ["相城大道", "阳澄湖西路", "华元路", "澄阳路"]),
        ("吴江区", "320509", ["中山南路", "鲈乡南路", "开平路", "长安路"]),
        ("昆山市", "320583", ["前进东路", "柏庐南路", "祖冲之路", "马鞍山东路"]),
        ("常熟市", "320581", ["海虞北路", "黄河路", "青墩塘路", "衡山路"]),
    ], ["园区", "姑苏", "高新区", "吴中", "相城", "吴江", "昆山", "常熟", "独墅湖", "狮山", "湖西", "月亮湾"]),
    ("南京", "南京市", "025", [
        ("玄武区", "320102", ["中山路", "珠江路", "龙蟠路", "北京东路", "太平北路"]),
        ("秦淮区", "320104", ["中华路", "汉中路", "中山南路", "龙蟠中路", "户部街"]),
        ("建邺区", "320105", ["江东中路", "应天大街", "庐山路", "河西大街", "嘉陵江东街"]),
        ("鼓楼区", "320106", ["中山北路", "湖南路", "草场门大街", "虎踞路", "广州路"]),
        ("栖霞区", "320113", ["仙林大道", "迈皋桥路", "学海路", "文澜路"]),
        ("江宁区", "320115", ["双龙大道", "胜太路", "天元西路", "秣周东路", "诚信大道"]),
        ("浦口区", "320111", ["浦珠北路", "江浦街道文德路", "浦滨路"]),
    ], ["城南", "城北", "河西", "江宁", "新街口", "鼓楼", "仙林", "浦口", "玄武", "秦淮"]),
    ("无锡", "无锡市", "0510", [
        ("梁溪区", "320213", ["人民中路", "中山路", "解放北路", "学前街", "清扬路"]),
        ("滨湖区", "320211", ["太湖大道", "蠡湖大道", "梁溪路", "隐秀路"]),
        ("新吴区", "320214", ["长江路", "行创四路", "金城东路", "菱湖大道", "震泽路"]),
        ("惠山区", "320206", ["政和大道", "惠山大道", "堰桥路"]),
        ("江阴市", "320281", ["澄江中路", "长江路", "虹桥北路"]),
    ], ["梁溪", "滨湖", "新区", "惠山", "江阴", "太湖", "崇安"]),
    ("常州", "常州市", "0519", [
        ("天宁区", "320402", ["延陵西路", "和平北路", "晋陵中路", "青洋北路"]),
        ("钟楼区", "320404", ["南大街", "广化街", "玉龙南路", "西新桥路"]),
        ("新北区", "320411", ["通江中路", "太湖东路", "龙锦路", "高新技术开发区汉江路"]),
        ("武进区", "320412", ["常武中路", "延政中路", "花园街", "人民东路"]),
    ], ["天宁", "钟楼", "新北", "武进", "湖塘", "金坛"]),
]
CITY_WEIGHT = [0.42, 0.28, 0.18, 0.12]

# (bank legal name, short name, account number prefix and length, market weight)
BANKS = [
    ("中国工商银行股份有限公司", "工商银行", "1102", 19, 1.2),
    ("中国农业银行股份有限公司", "农业银行", "10", 17, 1.0),
    ("中国银行股份有限公司", "中国银行", "", 12, 0.8),
    ("中国建设银行股份有限公司", "建设银行", "3205", 20, 1.1),
    ("交通银行股份有限公司", "交通银行", "3250", 21, 0.6),
    ("招商银行股份有限公司", "招商银行", "5129", 15, 0.7),
    ("兴业银行股份有限公司", "兴业银行", "4060", 18, 0.4),
    ("江苏银行股份有限公司", "江苏银行", "3010", 16, 1.0),
    ("南京银行股份有限公司", "南京银行", "0101", 16, 0.6),
    ("苏州银行股份有限公司", "苏州银行", "5120", 16, 0.6),
]
RURAL = {  # city index: rural commercial banks of that city
    0: ["江苏苏州农村商业银行股份有限公司", "江苏常熟农村商业银行股份有限公司", "江苏昆山农村商业银行股份有限公司"],
    1: ["江苏紫金农村商业银行股份有限公司", "江苏南京江北新区农村商业银行"],
    2: ["无锡农村商业银行股份有限公司", "江苏江阴农村商业银行股份有限公司"],
    3: ["江苏江南农村商业银行股份有限公司"],
}

SURNAMES = list("王张陈李刘徐朱杨周吴孙黄赵胡沈顾陆钱高马许姚蒋吕丁邵汤唐曹冯程郭潘袁戴宋薛叶金严蔡范葛任韩")
SURNAME_W = np.array([40, 38, 36, 35, 30, 22, 20, 20, 18, 18, 16, 15, 14, 13, 12, 11, 11, 10, 10, 9, 9, 8, 8, 7, 7, 6,
                      6, 6, 6, 6, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4], dtype=float)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国文辉玲红林鑫浩宇婷雪晨欣怡佳俊凯亮斌峰"
             "琳颖萍云飞鹏健波志海"
             "燕兰梅丹蕾倩瑶轩睿博彤涵子梓诗雨思嘉一晓小新天成家东春")
COMMON_NAMES = ["张伟", "王伟", "王芳", "李伟", "李娜", "张敏", "李静", "王静", "刘伟", "王秀英", "张丽", "王磊"]
TRADE = list("恒瑞华信达通安鑫源泰盛德创宏嘉博锦汇兴隆誉航凯启明和润丰益捷远卓越易智帆诚升辰海逸峰晟昊"
             "睿宸璟珑沁舜禾朗迈拓")
INDUSTRIES = [
    ("科技", "技术开发、技术咨询、技术服务；软件开发；计算机系统服务"),
    ("网络科技", "网络技术开发；互联网信息服务；软件开发；广告设计、代理"),
    ("信息技术", "信息技术咨询服务；信息系统集成服务；数据处理服务"),
    ("电子商务", "互联网销售（除销售需要许可的商品）；日用百货销售；电子产品销售"),
    ("商贸", "日用百货、五金交电、建筑材料、办公用品销售"),
    ("贸易", "货物进出口；技术进出口；金属材料销售；化工产品销售（不含许可类化工产品）"),
    ("供应链管理", "供应链管理服务；国内货物运输代理；普通货物仓储服务"),
    ("文化传媒", "组织文化艺术交流活动；广告制作；广告发布；会议及展览服务"),
    ("企业管理咨询", "企业管理咨询；信息咨询服务；市场营销策划"),
    ("建筑工程", "建设工程施工；住宅室内装饰装修；园林绿化工程施工"),
    ("装饰工程", "住宅室内装饰装修；建筑装饰材料销售"),
    ("餐饮管理", "餐饮管理；食品销售（仅销售预包装食品）"),
    ("物流", "道路货物运输（不含危险货物）；装卸搬运；国内货物运输代理"),
    ("机械设备", "机械设备销售；通用设备制造（不含特种设备制造）"),
    ("新材料科技", "新材料技术研发；塑料制品销售；合成材料销售"),
    ("环保科技", "环保咨询服务；污水处理及其再生利用；技术服务"),
    ("电子科技", "电子元器件制造；电子产品销售；技术服务"),
    ("智能科技", "人工智能应用软件开发；智能控制系统集成"),
    ("人力资源", "人力资源服务（不含职业中介活动、劳务派遣服务）；劳务服务（不含劳务派遣）"),
    ("服饰", "服装服饰批发；服装服饰零售；针纺织品销售"),
    ("食品", "食品销售；食用农产品零售"),
    ("汽车服务", "汽车零配件零售；机动车修理和维护；汽车租赁"),
]
TOWERS = ["国际", "金融", "时代", "科创", "财富", "环球", "万达", "恒隆"]
JIANGSU_BIRTH = ["320102", "320104", "320106", "320115", "320205", "320211", "320281", "320402", "320412", "320505",
                 "320506", "320581", "320583", "320682", "320721", "320830", "320923", "321002", "321183", "321302"]
OTHER_BIRTH = ["340104", "341203", "341221", "341602", "342401", "410102", "411503", "411627", "370102", "371302",
               "360102", "361102", "420106", "430104", "510107", "500101", "130102", "230102", "330106", "350102"]
STUDENT_REGIONS = ["341221", "341222", "341225", "341623", "341621", "411627", "411628", "411621", "411426",
                   "411424", "520524", "520526", "520527", "620521", "620523", "621121", "621124"]
MOBILE_PREFIX = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
                 "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "186", "187",
                 "188", "189", "191", "198", "199"]
KINDS = ["address_farm", "nominee", "dealer_phone", "agent", "mixed", "student_batch"]
KIND_W = [0.20, 0.16, 0.18, 0.14, 0.14, 0.18]
LEVELS = ["naive", "medium", "sophisticated"]
LEVEL_W = [0.30, 0.38, 0.32]


# ---------------------------------------------------------------- identifiers
def uscc_from(authority: str, org_body: str) -> str:
    org_check = 11 - sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(org_body, ORG_W)) % 11
    body = "91" + authority + org_body + ("X" if org_check == 10 else "0" if org_check == 11 else str(org_check))
    check = (31 - sum(USCC_VAL[c] * w for c, w in zip(body, USCC_W)) % 31) % 31
    return body + USCC_ALPHA[check]


def resident_id(region: str, birth: dt.date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_W)) % 11]


class Gen:
    def __init__(self, n: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)  # bulk draws (permutations)
        self.py = random.Random(seed)  # scalar draws: far cheaper per call than numpy's
        self.n = n
        self.usccs: set[str] = set()
        self.names: set[str] = set()
        self.ids: set[str] = set()
        self.accounts_used: set[str] = set()
        self.companies: list[dict] = []
        self.accounts: list[dict] = []
        self.truth: list[tuple] = []
        self.branches = self._branches()
        self.busy_buildings: list[list[dict]] = [[] for _ in CITIES]

    # ------------------------------------------------------------ small draws
    def r(self) -> float:
        return self.py.random()

    def ri(self, lo: int, hi: int) -> int:  # inclusive
        return lo + int(self.py.random() * (hi - lo + 1))

    def pick(self, seq, p=None):
        if p is None:
            return seq[int(self.py.random() * len(seq))]
        cum = list(accumulate(p))
        return seq[min(len(seq) - 1, bisect(cum, self.py.random() * cum[-1]))]

    def day(self, lo: dt.date, hi: dt.date) -> dt.date:
        return lo + dt.timedelta(days=self.ri(0, max(0, (hi - lo).days)))

    # ------------------------------------------------------------ people
    def person(self, age_lo: int, age_hi: int, at: dt.date, region: str | None = None, name: str | None = None):
        if region is None:
            region = self.pick(JIANGSU_BIRTH) if self.r() < 0.6 else self.pick(OTHER_BIRTH)
        while True:
            birth = at - dt.timedelta(days=int(365.25 * self.ri(age_lo, age_hi)) + self.ri(0, 364))
            pid = resident_id(region, birth, self.ri(1, 999))
            if pid not in self.ids:
                self.ids.add(pid)
                break
        if name is None:
            given = "".join(self.pick(GIVEN) for _ in range(1 if self.r() < 0.12 else 2))
            name = self.pick(SURNAMES, SURNAME_W) + given
        return {"name": name, "id": pid, "mobile": self.mobile()}

    def mobile(self) -> str:
        return self.pick(MOBILE_PREFIX) + f"{self.ri(0, 99_999_999):08d}"

    def landline(self, city: int) -> str:
        return CITIES[city][2] + str(self.ri(5, 8)) + f"{self.ri(0, 9_999_999):07d}"

    # ------------------------------------------------------------ formats
    def fmt_id(self, pid: str) -> str:
        x = self.r()
        if pid.endswith("X") and x < 0.3:
            return pid[:-1] + "x"
        if x < 0.02:
            return pid.translate(FULL).replace("X", "Ｘ")
        if x < 0.04:
            return "'" + pid
        if x < 0.05:
            return pid[:6] + " " + pid[6:14] + " " + pid[14:]
        return pid

    def fmt_mobile(self, m: str, style: float | None = None) -> str:
        x = self.r() if style is None else style
        if x < 0.72:
            return m
        if x < 0.80:
            return f"{m[:3]}-{m[3:7]}-{m[7:]}"
        if x < 0.87:
            return "+86" + m
        if x < 0.91:
            return "+86 " + m
        if x < 0.94:
            return "0086" + m
        if x < 0.97:
            return f"{m[:3]} {m[3:7]} {m[7:]}"
        return m.translate(FULL)

    def fmt_landline(self, t: str, varied: bool = False, ext: str = "") -> str:
        area, local = (t[:3], t[3:]) if t.startswith("025") else (t[:4], t[4:])
        forms = [f"{area}-{local}", f"{area}{local}", f"({area}){local}", f"（{area}）{local}", local,
                 f"+86-{area[1:]}-{local}", f"86-{area}-{local}", f"{area}-{local}".translate(FULL), f"{area} {local}"]
        weights = [0.55, 0.12, 0.08, 0.04, 0.08, 0.04, 0.03, 0.02, 0.04] if not varied else [1] * len(forms)
        out = self.pick(forms, weights)
        if ext:
            out += self.pick([f"转{ext}", f"（转{ext}）", f"分机号{ext}", f"转{ext}"])
        return out

    def fmt_phone(self, p: str, varied: bool = False, ext: str = "") -> str:
        return self.fmt_landline(p, varied, ext) if p.startswith("0") else self.fmt_mobile(p)

    def fmt_capital(self, wan: float | None) -> str:
        if wan is None:
            return ""
        x = self.r()
        if x < 0.38:
            return f"{wan:g}万元"
        if x < 0.55:
            return f"{wan:g}万元人民币"
        if x < 0.70:
            return f"{wan * 10000:,.2f}元"
        if x < 0.84:
            return f"{wan:g}万"
        if x < 0.93:
            return f"{wan:g}万元整"
        if wan == int(wan) and 0 < wan < 10000:
            return "人民币" + _cn_amount(int(wan)) + "万元整"
        return f"{wan:g}万元"

    # ------------------------------------------------------------ places
    def site(self, city: int, district: int | None = None) -> dict:
        dists = CITIES[city][3]
        d = self.ri(0, len(dists) - 1) if district is None else district
        road = self.pick(dists[d][2])
        s = {"city": city, "district": d, "road": road, "no": self.ri(1, 999), "bldg": "", "tower": "", "floor": 0,
             "room": 0, "desk": "", "host": ""}
        x = self.r()
        if x < 0.35:
            s["bldg"] = str(self.ri(1, 24))
        elif x < 0.55:
            s["tower"] = self.pick(TRADE) + self.pick(TRADE) + self.pick(TOWERS) + self.pick(["大厦", "广场", "中心"])
        return s

    def room_at(self, s: dict, floor: int | None = None, room: int | None = None) -> dict:
        t = dict(s)
        t["floor"] = floor if floor is not None else self.ri(1, 28)
        t["room"] = room if room is not None else self.ri(1, 30)
        return t

    def fmt_address(self, s: dict, varied: bool = False) -> str:
        city, dist = CITIES[s["city"]], CITIES[s["city"]][3][s["district"]][0]
        x = self.r()
        if x < (0.25 if varied else 0.5):
            head = f"江苏省{city[1]}{dist}"
        elif x < (0.6 if varied else 0.85):
            head = f"{city[1]}{dist}"
        elif x < (0.8 if varied else 0.95):
            head = dist
        else:
            head = f"江苏{city[0]}{dist}"
        no = str(s["no"])
        if self.r() < (0.1 if varied else 0.02) and s["no"] < 100:
            no = _cn_small(s["no"])
        out = f"{head}{s['road']}{no}号"
        if s["tower"]:  # a named building or park comes before its block number: 峰珑产业园8幢
            out += s["tower"]
        if s["bldg"]:
            out += s["bldg"] + self.pick(["幢", "栋", "号楼", "幢"] if varied else ["幢", "幢", "栋", "号楼"])
        if s["floor"] and not s["room"]:
            out += self.pick([f"{s['floor']}楼", f"{s['floor']}层"])
        elif s["floor"]:
            f, r = s["floor"], s["room"]
            if s["tower"] and self.r() < 0.3:
                letter = "ABCD"[(s["no"] + s["floor"]) % 4]
                out += self.pick([f"{letter}座{f}{r:02d}室", f"{letter}-{f}{r:02d}室"])
            else:
                out += self.pick([f"{f}{r:02d}室", f"{f}{r:02d}室", f"{f}楼{r:02d}室", f"{f}{r:02d}",
                                  f"{f}{r:02d}单元"], [4, 4, 1, 1, 1] if not varied else None)
        if s["desk"]:
            out += s["desk"]
        if s["host"]:  # a cluster-registration (住所托管) address names its host in brackets [D flag 2]
            out += self.pick([f"（入驻{s['host']}）", f"(集群登记,{s['host']}托管)", f"（{s['host']}托管）"])
        if self.r() < (0.08 if varied else 0.02):
            out = out.translate(FULL)
        return out

    # ------------------------------------------------------------ names and banks
    def company_name(self, city: int, trade: str | None = None, industry: int | None = None) -> tuple[str, int]:
        ind = self.ri(0, len(INDUSTRIES) - 1) if industry is None else industry
        short = CITIES[city][0]
        for attempt in range(50):
            t = trade or "".join(self.pick(TRADE) for _ in range(2 if self.r() < 0.6 else 3))
            if attempt > 3:
                t += self.pick(TRADE)
            x = self.r()
            if x < 0.55:
                name = f"{short}{t}{INDUSTRIES[ind][0]}有限公司"
            elif x < 0.70:
                name = f"江苏{t}{INDUSTRIES[ind][0]}有限公司"
            elif x < 0.80:
                name = f"{short}市{t}{INDUSTRIES[ind][0]}有限公司"
            elif x < 0.92:
                name = f"{t}{INDUSTRIES[ind][0]}（{short}）有限公司"
            else:
                name = f"{t}（{short}）{INDUSTRIES[ind][0]}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name, ind
        raise RuntimeError("no free company name")

    def _branches(self) -> list[list[tuple[str, str, int]]]:
        out = []
        for ci, city in enumerate(CITIES):
            rows = []
            for legal, short, prefix, length, weight in BANKS:
                if short == "苏州银行" and ci in (1, 3):
                    weight = 0.15
                if short == "南京银行" and ci == 0:
                    weight = 0.4
                for place in city[4][: 4 + int(weight * 3)]:
                    label = legal if short not in ("招商银行", "苏州银行") else short
                    suffix = "分行营业部" if place == city[4][0] and short == "江苏银行" else "支行"
                    rows.append((f"{label}{city[0] if label == legal else ''}{place}{suffix}", prefix, length,
                                 weight))
            for rural in RURAL[ci]:
                for place in city[4][:5]:
                    rows.append((f"{rural}{place}支行", "07" + str(ci), 18 + ci % 3, 0.9))
            out.append(rows)
        return out

    def branch(self, city: int, exclude: str | None = None) -> tuple[str, str, int]:
        rows = self.branches[city]
        while True:
            b = self.pick(rows, [w for *_, w in rows])
            if b[0] != exclude:
                return b[:3]

    def account_no(self, branch: tuple[str, str, int]) -> str:
        _, prefix, length = branch
        while True:
            no = prefix + str(self.ri(1, 9)) + "".join(self.py.choices("0123456789", k=length - len(prefix) - 1))
            if no not in self.accounts_used:
                self.accounts_used.add(no)
                return no

    # ------------------------------------------------------------ records
    def add_company(self, *, city: int, district: int, reg: dt.date, rep: dict | None, address: str, phone: str,
                    capital: float | None, kind: str, group: str, is_ring: bool, level: str, tags: list[str],
                    name: str | None = None, industry: int | None = None, status: str = "存续") -> int:
        authority = CITIES[city][3][district][1]
        while True:
            body = "MA" + "".join(self.py.choices(USCC_ALPHA, k=6))
            if reg.year < 2015:  # an old organisation code converted to a USCC: 8 digits
                body = str(self.ri(1, 9)) + f"{self.ri(0, 9_999_999):07d}"
            uscc = uscc_from(authority, body)
            if uscc not in self.usccs:
                self.usccs.add(uscc)
                break
        if name is None:
            name, industry = self.company_name(city, industry=industry)
        scope = INDUSTRIES[industry if industry is not None else self.ri(0, len(INDUSTRIES) - 1)][1]
        dist_name = CITIES[city][3][district][0]
        self.companies.append({
            "uscc": uscc, "name": name, "rep_name": rep["name"] if rep else "",
            "rep_id": self.fmt_id(rep["id"]) if rep and self.r() > 0.015 else "",
            "address": address if self.r() > 0.004 else "", "phone": phone, "reg": reg,
            "capital": self.fmt_capital(capital) if self.r() > 0.01 else "", "scope": scope,
            "authority": f"{CITIES[city][1]}{dist_name}市场监督管理局" if not dist_name.endswith("市")
            else f"{dist_name}市场监督管理局", "status": status, "city": city,
        })
        self.truth.append((uscc, kind, group, is_ring, level, "+".join(sorted(set(tags)))))
        return len(self.companies) - 1

    def add_account(self, ci: int, branch: tuple[str, str, int], opened: dt.date, kind: str, agent: dict | None,
                    contact_phone: str, contact_address: str, agent_id_blank: bool = False) -> None:
        if not WINDOW_START <= opened <= WINDOW_END:
            return
        c = self.companies[ci]
        self.accounts.append({
            "name": c["name"], "uscc": c["uscc"], "account_no": self.account_no(branch), "branch": branch[0],
            "open": opened, "kind": kind, "agent_name": agent["name"] if agent else "",
            "agent_id": "" if (agent is None or agent_id_blank) else self.fmt_id(agent["id"]),
            "agent_phone": self.fmt_mobile(agent["mobile"]) if agent else "", "contact_phone": contact_phone,
            "contact_address": contact_address,
        })


def _cn_small(n: int) -> str:
    if n < 10:
        return CN_NUM[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_NUM[tens]) + "十" + (CN_NUM[ones] if ones else "")


def _cn_amount(n: int) -> str:
    digits, units, out, zero = "零壹贰叁肆伍陆柒捌玖", ["仟", "佰", "拾", ""], "", False
    s = f"{n:04d}"
    for d, u in zip(s, units):
        if d == "0":
            zero = bool(out)
        else:
            out += ("零" if zero else "") + digits[int(d)] + u
            zero = False
    return out


# ---------------------------------------------------------------- populations
def ordinary(g: Gen, count: int) -> None:
    for _ in range(count):
        city = g.pick(range(4), CITY_WEIGHT)
        new = g.r() < 0.62
        reg = g.day(dt.date(2025, 6, 1), dt.date(2026, 11, 25)) if new else g.day(dt.date(2002, 1, 1),
                                                                                   dt.date(2025, 5, 31))
        tags = []
        young = g.r() < 0.04
        if young:
            tags.append("young_founder")
        rep = g.person(20, 24, reg) if young else g.person(25, 62, reg)
        s = g.site(city)
        if g.r() < 0.75:
            s = g.room_at(s)
        phone = ""
        x = g.r()
        if x < 0.55:
            phone = g.fmt_mobile(rep["mobile"])
        elif x < 0.90:
            phone = g.fmt_landline(g.landline(city))
        elif x < 0.94:
            phone = g.fmt_landline(g.landline(city)) + "/" + rep["mobile"]
        small = g.r() < 0.12
        if small:
            tags.append("small_capital")
        capital = float(g.pick([1, 3, 5, 10])) if small else float(g.pick([10, 20, 30, 50, 100, 100, 200, 300, 500,
                                                                           1000, 2000, 5000, 88, 120, 150]))
        ci = g.add_company(city=city, district=s["district"], reg=reg, rep=rep, address=g.fmt_address(s),
                           phone=phone, capital=capital, kind="ordinary", group="", is_ring=False, level="",
                           tags=tags, status="存续" if g.r() < 0.96 else g.pick(["在业", "开业"]))
        quick = g.r() < 0.10
        if quick:
            g.truth[-1] = g.truth[-1][:5] + ("+".join(sorted(set(tags + ["quick_opening"]))),)
        open_legit(g, ci, city, reg, new, quick, rep, phone, s)


def open_legit(g: Gen, ci: int, city: int, reg: dt.date, new: bool, quick: bool, rep: dict, phone: str, s: dict,
               agent: dict | None = None, branch: tuple | None = None) -> None:
    own = agent or (rep if g.r() < 0.6 else g.person(22, 55, reg))
    contact = phone if (phone and g.r() < 0.7) else g.fmt_mobile(own["mobile"])
    if new:
        delay = g.ri(0, 3) if quick else min(180, int(g.py.lognormvariate(2.8, 0.8)) + 1)
        b = branch or g.branch(city)
        g.add_account(ci, b, reg + dt.timedelta(days=delay), "基本存款账户", own, contact,
                      g.fmt_address(s) if g.r() < 0.5 else "")
        if g.r() < 0.28:
            g.add_account(ci, g.branch(city, exclude=b[0]), reg + dt.timedelta(days=delay + g.ri(10, 300)),
                          "一般存款账户", own, contact, "")
    elif g.r() < 0.30:
        g.add_account(ci, branch or g.branch(city), g.day(WINDOW_START, WINDOW_END), "一般存款账户", own, contact,
                      "")


def business_parks(g: Gen, count: int) -> None:
    made, k = 0, 0
    while made < count:
        k += 1
        city = g.pick(range(4), CITY_WEIGHT)
        base = g.site(city)
        base["bldg"] = ""
        base["tower"] = g.pick(TRADE) + g.pick(TRADE) + g.pick(["科技园", "产业园", "创业园", "软件园"])
        host = g.r() < 0.3  # a cluster-registration host (集群登记) with 工位 numbers
        if host:
            base["host"] = f"{CITIES[city][0]}{g.pick(TRADE)}{g.pick(TRADE)}商务秘书有限公司"
        size = min(count - made, g.ri(20, 200))
        group = f"L-park-{k:04d}"
        park_phone = g.landline(city)
        building = []
        for i in range(size):
            reg = g.day(dt.date(2015, 1, 1), dt.date(2026, 11, 20))
            rep = g.person(24, 60, reg)
            if host:
                s = dict(base, desk=f"{g.pick(['', 'A-', 'B'])}{i + 1:03d}号工位")
            else:
                s = g.room_at(base, floor=g.ri(1, 12), room=g.ri(1, 20))
                s["bldg"] = str(g.ri(1, 9))
            building.append(s)
            phone = g.fmt_phone(park_phone) if (host and g.r() < 0.3) else g.fmt_mobile(rep["mobile"])
            ci = g.add_company(city=city, district=base["district"], reg=reg, rep=rep, address=g.fmt_address(s),
                               phone=phone, capital=float(g.pick([10, 50, 100, 200, 500, 1000])),
                               kind="business_park", group=group, is_ring=False, level="", tags=[])
            open_legit(g, ci, city, reg, reg >= dt.date(2025, 6, 1), False, rep, phone, s)
        made += size
        g.busy_buildings[city].append({"base": base, "host": host, "city": city})


def incubators(g: Gen, count: int) -> None:
    made, k = 0, 0
    while made < count:
        k += 1
        city = g.pick(range(4), CITY_WEIGHT)
        base = g.site(city)
        base["tower"] = ""
        base["bldg"] = str(g.ri(1, 6))
        base["floor"], base["room"] = g.ri(2, 9), 0
        space = g.pick(TRADE) + g.pick(TRADE) + "众创空间"
        size = min(count - made, g.ri(20, 80))
        phone_line = g.landline(city)
        start = g.day(dt.date(2022, 1, 1), dt.date(2025, 6, 1))
        group = f"L-inc-{k:04d}"
        for i in range(size):
            reg = g.day(start, min(start + dt.timedelta(days=g.ri(365, 1100)), dt.date(2026, 11, 20)))
            rep = g.person(22, 32, reg)
            s = dict(base, desk=f"{space}{i + 1:03d}号工位")
            phone = g.fmt_phone(phone_line) if g.r() < 0.35 else g.fmt_mobile(rep["mobile"])
            ci = g.add_company(city=city, district=base["district"], reg=reg, rep=rep,
                               address=g.fmt_address(s), phone=phone,
                               capital=float(g.pick([3, 5, 10, 20, 50, 100])), kind="incubator", group=group,
                               is_ring=False, level="", tags=[], industry=g.pick([0, 1, 2, 7, 17]))
            open_legit(g, ci, city, reg, reg >= dt.date(2025, 6, 1), g.r() < 0.2, rep, phone, s)
        made += size
        g.busy_buildings[city].append({"base": dict(base, desk=""), "host": False, "city": city})


def groups(g: Gen, count: int) -> None:
    made, k = 0, 0
    while made < count:
        k += 1
        hq_city = g.pick(range(4), CITY_WEIGHT)
        trade = g.pick(TRADE) + g.pick(TRADE)
        size = min(count - made, g.ri(4, 15))
        switchboard = g.landline(hq_city)
        first = g.day(dt.date(2005, 1, 1), dt.date(2018, 1, 1))
        execs = [g.person(38, 60, first) for _ in range(g.ri(2, 4))]
        hq = g.room_at(g.site(hq_city))
        bank = g.branch(hq_city)
        group = f"L-grp-{k:04d}"
        for _ in range(size):
            city = hq_city if g.r() < 0.6 else g.pick(range(4))
            reg = g.day(first, dt.date(2026, 11, 10))
            s = hq if (city == hq_city and g.r() < 0.4) else g.room_at(g.site(city))
            if s is hq:
                s = dict(hq)
            phone = (g.fmt_landline(switchboard, ext=str(g.ri(801, 899)) if g.r() < 0.4 else "")
                     if g.r() < 0.7 else g.fmt_landline(g.landline(city)))
            name = None
            for _ in range(20):
                ind = g.ri(0, len(INDUSTRIES) - 1)
                short = CITIES[city][0]
                cand = g.pick([f"{short}{trade}{INDUSTRIES[ind][0]}有限公司",
                               f"{trade}{INDUSTRIES[ind][0]}（{short}）有限公司",
                               f"江苏{trade}{INDUSTRIES[ind][0]}有限公司"])
                if cand not in g.names:
                    g.names.add(cand)
                    name = cand
                    break
            rep = g.pick(execs)
            ci = g.add_company(city=city, district=s["district"], reg=reg, rep=rep, address=g.fmt_address(s),
                               phone=phone, capital=float(g.pick([500, 1000, 2000, 5000, 10000])),
                               kind="group_subsidiary", group=group, is_ring=False, level="", tags=[], name=name,
                               industry=ind if name else None)
            open_legit(g, ci, city, reg, reg >= dt.date(2025, 6, 1), False, rep, phone, s,
                       branch=bank if g.r() < 0.7 else None)
        made += size


def agencies(g: Gen, count: int) -> None:
    made, k = 0, 0
    while made < count:
        k += 1
        city = g.pick(range(4), CITY_WEIGHT)
        size = min(count - made, g.ri(15, 120))
        office = g.room_at(g.site(city))
        line = g.landline(city)
        start = g.day(dt.date(2016, 1, 1), dt.date(2024, 6, 1))
        staff = [g.person(23, 45, start) for _ in range(g.ri(2, 5))]
        group = f"L-acct-{k:04d}"
        for _ in range(size):
            reg = g.day(start, dt.date(2026, 11, 20))
            rep = g.person(24, 60, reg)
            s = dict(office) if g.r() < 0.15 else g.room_at(g.site(city))
            phone = g.fmt_landline(line) if g.r() < 0.55 else g.fmt_mobile(rep["mobile"])
            ci = g.add_company(city=city, district=s["district"], reg=reg, rep=rep, address=g.fmt_address(s),
                               phone=phone, capital=float(g.pick([10, 30, 50, 100, 200, 500])),
                               kind="bookkeeping_agency", group=group, is_ring=False, level="", tags=[])
            open_legit(g, ci, city, reg, reg >= dt.date(2025, 6, 1), False, rep, phone, s,
                       agent=g.pick(staff) if g.r() < 0.5 else None)
        made += size


def serial_owners(g: Gen, count: int) -> None:
    made, k = 0, 0
    while made < count:
        k += 1
        city = g.pick(range(4), CITY_WEIGHT)
        size = min(count - made, g.ri(3, 8))
        first = g.day(dt.date(2012, 1, 1), dt.date(2022, 1, 1))
        owner = g.person(35, 55, first)
        group = f"L-ser-{k:04d}"
        for _ in range(size):
            reg = g.day(first, dt.date(2026, 11, 20))
            s = g.room_at(g.site(city if g.r() < 0.8 else g.pick(range(4))))
            phone = g.fmt_mobile(owner["mobile"]) if g.r() < 0.5 else g.fmt_landline(g.landline(s["city"]))
            ci = g.add_company(city=s["city"], district=s["district"], reg=reg, rep=owner, address=g.fmt_address(s),
                               phone=phone, capital=float(g.pick([50, 100, 200, 500, 1000])), kind="serial_owner",
                               group=group, is_ring=False, level="", tags=[])
            open_legit(g, ci, s["city"], reg, reg >= dt.date(2025, 6, 1), False, owner, phone, s)
        made += size


def common_names(g: Gen, count: int) -> None:
    made, k = 0, 0
    while made < count:
        k += 1
        name = g.pick(COMMON_NAMES)
        size = min(count - made, g.ri(2, 6))
        city = g.pick(range(4), CITY_WEIGHT)
        group = f"L-name-{k:04d}"
        for _ in range(size):
            reg = g.day(dt.date(2024, 1, 1), dt.date(2026, 11, 20))
            rep = g.person(25, 60, reg, name=name)
            s = g.room_at(g.site(city))
            phone = g.fmt_mobile(rep["mobile"])
            ci = g.add_company(city=city, district=s["district"], reg=reg, rep=rep, address=g.fmt_address(s),
                               phone=phone, capital=float(g.pick([10, 50, 100, 300])), kind="common_name",
                               group=group, is_ring=False, level="", tags=[])
            open_legit(g, ci, city, reg, reg >= dt.date(2025, 6, 1), False, rep, phone, s)
        made += size


# ---------------------------------------------------------------- rings
RING_SIZE = {
    ("address_farm", "naive"): (6, 12), ("address_farm", "medium"): (8, 16),
    ("address_farm", "sophisticated"): (10, 22),
    ("nominee", "naive"): (4, 8), ("nominee", "medium"): (6, 12), ("nominee", "sophisticated"): (14, 18),
    ("dealer_phone", "naive"): (5, 10), ("dealer_phone", "medium"): (5, 8), ("dealer_phone", "sophisticated"): (10, 19),
    ("agent", "naive"): (6, 12), ("agent", "medium"): (8, 14), ("agent", "sophisticated"): (10, 18),
    ("mixed", "naive"): (5, 10), ("mixed", "medium"): (5, 10), ("mixed", "sophisticated"): (5, 10),
    ("student_batch", "naive"): (8, 15), ("student_batch", "medium"): (10, 20),
    ("student_batch", "sophisticated"): (12, 25),
}


def ring(g: Gen, k: int, kind: str, level: str) -> int:
    lo, hi = RING_SIZE[(kind, level)]
    size = g.ri(lo, hi)
    group = f"R{k:05d}"
    city = g.pick(range(4), CITY_WEIGHT)
    cities = [city]
    tags: list[str] = []
    if kind != "student_batch" and g.r() < 0.12:
        cities.append(g.pick([c for c in range(4) if c != city]))
        tags.append("two_city")
    span = {"naive": g.ri(5, 21), "medium": g.ri(25, 60), "sophisticated": g.ri(60, 150)}[level]
    delay = {"naive": (1, 14), "medium": (3, 30), "sophisticated": (14, 70)}[level]
    # the ring forms inside the extract: its last registration before the export date, most openings in the window
    start = g.day(dt.date(2026, 1, 5), WINDOW_END - dt.timedelta(days=span + (delay[0] + delay[1]) // 2))
    careful = level == "sophisticated"
    if careful:
        tags.append("careful")
    mix = {"naive": 0.35, "medium": 0.2, "sophisticated": 0.1}[level]
    dealer = g.person(28, 45, start)
    dealer_line = g.landline(city)
    second_phone = dealer["mobile"]
    agents = [g.person(22, 40, start) for _ in range(2 if careful else 1)]
    n_branches = {"naive": 1, "medium": g.ri(2, 3), "sophisticated": g.ri(3, 6)}[level]
    branches = []
    for i in range(n_branches):
        b = g.branch(cities[i % len(cities)])
        if i == 0 and g.r() < 0.4:  # rings like rural commercial banks' light checks
            rural = [r for r in g.branches[cities[0]] if "农村商业" in r[0]]
            b = g.pick(rural)[:3]
        branches.append(b)
    # farm rooms
    dense = kind in ("address_farm", "dealer_phone", "mixed") and g.r() < 0.25 and g.busy_buildings[city]
    if dense:
        tags.append("dense")
        busy = g.pick(g.busy_buildings[city])
        base = dict(busy["base"])
    else:
        base = g.site(city)
        if not base["bldg"] and not base["tower"]:
            base["tower"] = g.pick(TRADE) + g.pick(TRADE) + g.pick(["大厦", "商务楼", "广场"])
        busy = None
    floor = g.ri(3, 25)
    if busy and busy["host"]:
        rooms = [dict(base, desk=f"{g.pick(['', 'A-', 'B'])}{g.ri(300, 900):03d}号工位") for _ in range(8)]
    elif level == "naive":
        rooms = [g.room_at(base, floor, g.ri(1, 30))]
    elif level == "medium":
        rooms = [g.room_at(base, floor, g.ri(1, 30)) for _ in range(g.ri(1, 2))]
    else:
        first_room = g.ri(1, 20)
        rooms = [g.room_at(base, floor, first_room + i) for i in range(g.ri(3, 6))]
    if kind == "address_farm" and careful and g.r() < 0.4 and not dense:
        host = f"{CITIES[city][0]}{g.pick(TRADE)}{g.pick(TRADE)}商务秘书有限公司"
        rooms = [dict(base, floor=floor, room=0, host=host, desk=f"-{g.ri(100, 999)}号工位") for _ in range(size)]
        tags.append("secretary_host")
    nominees = [g.person(30, 50, start) if careful else g.person(19, 29, start)
                for _ in range({"naive": 1, "medium": 2, "sophisticated": g.ri(2, 3)}[level])]
    if kind == "nominee" and careful:
        nominees = nominees[:1] if g.r() < 0.5 else nominees  # "one person fronting 14 to 18 companies"
    region = g.pick(STUDENT_REGIONS)
    share_student = {"naive": 0.7, "medium": 0.4, "sophisticated": 0.2}[level]
    if kind == "dealer_phone" and level == "medium":
        tags.append("landline")
    if kind == "dealer_phone" and careful:
        tags.append("two_phones")
    ind_pool = [g.ri(0, len(INDUSTRIES) - 1) for _ in range(1 if level == "naive" else 4)]
    trade_stem = g.pick(TRADE)
    members: list[dict] = []
    open_day = start + dt.timedelta(days=g.ri(0, 10))
    for i in range(size):
        m_tags: list[str] = []
        mcity = cities[i % len(cities)] if len(cities) > 1 and i % 3 == 2 else city
        if kind == "student_batch":
            opened = open_day + dt.timedelta(days=g.ri(0, {"naive": 3, "medium": 7, "sophisticated": 12}[level]))
            reg = opened - dt.timedelta(days=g.ri(0, 5))
        else:
            reg = start + dt.timedelta(days=g.ri(0, span))
            opened = reg + dt.timedelta(days=g.ri(*delay))
        # representative
        if kind == "nominee":
            rep = nominees[i % len(nominees)]
        elif kind == "student_batch":
            rep = g.person(18, 22, reg, region=region)
        elif careful:
            rep = g.person(30, 50, reg)
        else:
            rep = g.person(19, 29, reg) if g.r() < 0.8 else g.person(30, 45, reg)
        # address
        own_site = g.room_at(g.site(mcity))
        site = own_site
        if kind == "address_farm" or (kind != "student_batch" and g.r() < mix * 0.5):
            site = g.pick(rooms) if mcity == city else own_site
        # phone
        phone = rep["mobile"]
        bank_contact = None
        if kind == "dealer_phone":
            if level == "naive":
                phone = dealer["mobile"]
            elif level == "medium":
                if g.r() < 0.35:
                    bank_contact, phone = dealer_line, rep["mobile"]
                    m_tags.append("bank_contact")
                else:
                    phone = dealer_line
            else:
                x = g.r()
                phone = dealer_line if x < 0.45 else second_phone if x < 0.85 else dealer_line + "/" + second_phone
        elif kind != "student_batch" and (g.r() < mix or (kind == "address_farm" and mcity != city)):
            phone = dealer["mobile"]  # a farm member registered in the other city is tied by the dealer's phone
            m_tags.append("mixed_mech")
        # agent
        agent = rep if g.r() < 0.5 else g.person(22, 50, reg)
        agent_blank = False
        if kind == "agent":
            agent = agents[i % len(agents)]
            agent_blank = careful and g.r() < 0.25
        elif kind not in ("student_batch",) and g.r() < mix * 0.6:
            agent = agents[0]
            m_tags.append("mixed_mech")
        # student batch: only some members share a contact with the dealer
        if kind == "student_batch":
            if g.r() < share_student:
                ch = g.pick(["phone", "agent", "address"])
                if ch == "phone":
                    phone = dealer["mobile"]
                elif ch == "agent":
                    agent = agents[0]
                else:
                    site = rooms[0]
            else:
                m_tags.append("profile_only")
        # mixed weak links: copy one channel from an earlier member
        if kind == "mixed" and members:
            src = g.pick(members)
            ch = g.pick(["phone", "address", "agent", "contact"], [0.3, 0.25, 0.25, 0.2])
            if ch == "phone":
                phone = src["phone"]
            elif ch == "address":
                site = src["site"]
            elif ch == "agent":
                agent = src["agent"]
            else:
                bank_contact = src["phone"]
        if kind == "student_batch":
            capital = float(g.pick([1, 2, 3, 5, 10]))
        elif careful:
            capital = float(g.pick([100, 200, 300, 500, 800, 1000, 1500, 2000, 3000]))
        else:
            capital = float(g.pick([10, 50, 100, 100, 200, 500, 1000]))
        shown = ""
        if phone:
            if "/" in phone:
                a, b = phone.split("/")
                shown = g.fmt_phone(a, varied=True) + "/" + g.fmt_phone(b)
            else:
                shown = g.fmt_phone(phone, varied=level != "naive", ext=str(g.ri(1, 30)) if (
                    phone == dealer_line and level != "naive" and g.r() < 0.3) else "")
        if level == "naive" and g.r() < 0.4:
            name, ind = g.company_name(mcity, trade=trade_stem + g.pick(TRADE) + g.pick(TRADE),
                                       industry=g.pick(ind_pool))
        else:
            name, ind = g.company_name(mcity, industry=g.pick(ind_pool))
        site_city = site["city"]
        ci = g.add_company(city=site_city, district=site["district"], reg=reg, rep=rep,
                           address=g.fmt_address(site, varied=level != "naive"), phone=shown, capital=capital,
                           kind=kind, group=group, is_ring=True, level=level, tags=tags + m_tags, name=name,
                           industry=ind)
        b = branches[i % len(branches)] if kind != "student_batch" else branches[g.ri(0, min(1, len(branches) - 1))]
        contact = g.fmt_phone(bank_contact, varied=True) if bank_contact else (
            shown if g.r() < 0.6 else g.fmt_mobile(agent["mobile"]))
        g.add_account(ci, b, opened, "基本存款账户", agent, contact, "", agent_id_blank=agent_blank)
        if g.r() < (0.4 if careful else 0.15):
            g.add_account(ci, g.branch(mcity, exclude=b[0]), opened + dt.timedelta(days=g.ri(7, 60)), "一般存款账户",
                          agent, contact, "", agent_id_blank=agent_blank)
        members.append({"phone": phone, "site": site, "agent": agent})
    return size


def build(n: int, seed: int) -> Gen:
    g = Gen(n, seed)
    look = {"park": 0.030, "inc": 0.012, "grp": 0.014, "acct": 0.020, "ser": 0.008, "name": 0.008}
    business_parks(g, round(n * look["park"]))
    incubators(g, round(n * look["inc"]))
    groups(g, round(n * look["grp"]))
    agencies(g, round(n * look["acct"]))
    serial_owners(g, round(n * look["ser"]))
    common_names(g, round(n * look["name"]))
    n_rings = max(len(KINDS) * len(LEVELS), round(n / 330))
    ring_members = 0
    for k in range(n_rings):
        if k < len(KINDS) * len(LEVELS):  # every kind at every level at least once, also at 20k
            kind, level = KINDS[k // 3], LEVELS[k % 3]
        else:
            kind, level = g.pick(KINDS, KIND_W), g.pick(LEVELS, LEVEL_W)
        ring_members += ring(g, k + 1, kind, level)
    ordinary(g, max(0, n - len(g.companies)))
    return g


# ---------------------------------------------------------------- writing
def write(g: Gen, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    defects: list[tuple] = []
    rng = g.rng
    order = rng.permutation(len(g.companies))
    # defects touch ordinary companies only, so that no planted ring loses a member to a planted defect
    plain = [i for i, t in enumerate(g.truth) if t[1] == "ordinary" and not t[5]]
    picks = [plain[int(j)] for j in rng.choice(len(plain), 10 + max(2, len(plain) // 2000), replace=False)]
    wrong_check = picks[:3]
    for i in wrong_check:  # the same wrong code in the registry and at the bank, as a mistyped code would be
        old = g.companies[i]["uscc"]
        new = old[:-1] + USCC_ALPHA[(USCC_VAL[old[-1]] + 7) % 31]
        g.companies[i]["uscc"] = new
        g.truth[i] = (new, *g.truth[i][1:5], "defect_check_digit")
        for a in g.accounts:
            if a["uscc"] == old:
                a["uscc"] = new
    reg_defect = {picks[3]: "empty", picks[4]: "empty", picks[5]: "empty", picks[6]: "date", picks[7]: "date"}
    reg_defect.update({i: "check" for i in wrong_check})
    reg_dup = set(picks[10:])
    blank_at = len(order) // 2
    # -- registrations.xlsx
    header = ["统一社会信用代码", "企业名称", "法定代表人", "法定代表人证件号码", "住所", "联系电话", "成立日期",
              "注册资本",
              "经营范围", "登记机关", "登记状态"]
    wb = xlsxwriter.Workbook(str(out / "registrations.xlsx"), {"constant_memory": True, "strings_to_numbers": False,
                                                                "strings_to_formulas": False, "strings_to_urls": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    cover = wb.add_worksheet("说明")
    cover.write(0, 0, "本表为江苏省市场主体登记信息导出，按设区市分表。")
    cover.write(1, 0, "注册资本单位以各记录为准；联系电话为企业登记时填报。")
    sheets = {ci: wb.add_worksheet(CITIES[ci][1]) for ci in range(4)}
    rows = dict.fromkeys(range(4), 0)
    for ci, ws in sheets.items():
        ws.write(0, 0, f"江苏省市场监督管理局 {CITIES[ci][1]}企业登记信息（截至2026年11月30日）")
        ws.write(1, 0, "单位：户")
        ws.write_row(2, 0, header)
        rows[ci] = 3
    for pos, idx in enumerate(order):
        c = g.companies[idx]
        ci = c["city"]
        ws = sheets[ci]
        uscc = c["uscc"]
        reg_cell = c["reg"]
        note = None
        defect = reg_defect.get(int(idx))
        if defect == "empty":
            uscc, note = "", ("empty USCC", "rejected")
        elif defect == "date":
            reg_cell, note = "不详", ("unparseable 成立日期", "rejected")
        elif defect == "check":
            note = ("wrong USCC check digit", "loaded, warned (uscc_valid)")
        x = g.r()
        if uscc and x < 0.02:
            uscc = "'" + uscc
        elif uscc and x < 0.03:
            uscc = uscc.lower()
        r = rows[ci]
        ws.write_row(r, 0, [uscc, c["name"], c["rep_name"], c["rep_id"], c["address"]])
        ph = c["phone"]
        if ph.isdigit() and ph.startswith("1") and len(ph) == 11 and g.r() < 0.1:
            ws.write_number(r, 5, int(ph))
        else:
            ws.write_string(r, 5, ph)
        if isinstance(reg_cell, dt.date):
            y = g.r()
            if y < 0.70:
                ws.write_datetime(r, 6, dt.datetime.combine(reg_cell, dt.time()), date_fmt)
            elif y < 0.85:
                ws.write_string(r, 6, reg_cell.isoformat())
            elif y < 0.95:
                ws.write_string(r, 6, f"{reg_cell.year}年{reg_cell.month}月{reg_cell.day}日")
            else:
                ws.write_string(r, 6, f"{reg_cell:%Y%m%d}")
        else:
            ws.write_string(r, 6, reg_cell)
        ws.write_row(r, 7, [c["capital"], c["scope"], c["authority"], c["status"]])
        if note:
            defects.append(("registrations.xlsx", CITIES[ci][1], r + 1, note[0], note[1], _mask(c["uscc"])))
        rows[ci] += 1
        if int(idx) in reg_dup:  # the same record exported twice (a join in the registry's export)
            ws.write_row(rows[ci], 0, [uscc, c["name"], c["rep_name"], c["rep_id"], c["address"], ph,
                                       c["reg"].isoformat(), c["capital"], c["scope"], c["authority"], c["status"]])
            defects.append(("registrations.xlsx", CITIES[ci][1], rows[ci] + 1, "duplicate registration row",
                            "loaded once", _mask(c["uscc"])))
            rows[ci] += 1
        if pos == blank_at:
            defects.append(("registrations.xlsx", CITIES[ci][1], rows[ci] + 1, "blank spacer row", "skipped", ""))
            rows[ci] += 1
    for ci, ws in sheets.items():
        ws.write_row(rows[ci], 0, [f"合计：{rows[ci] - 3}户"])
        defects.append(("registrations.xlsx", CITIES[ci][1], rows[ci] + 1, "total row", "skipped", ""))
    wb.close()

    # -- accounts.csv (GBK)
    acc_header = ["账户名称", "统一社会信用代码", "银行账号", "开户银行", "开户日期", "账户性质", "经办人姓名",
                  "经办人身份证号码",
                  "经办人手机号码", "单位联系电话", "通讯地址"]
    acc_order = rng.permutation(len(g.accounts))
    lines: list[list[str]] = []
    line_no = 3  # title and unit lines above the header (header = line 3)
    plain_uscc = {g.truth[i][0] for i in plain}
    plain_acc = [i for i, a in enumerate(g.accounts) if a["uscc"] in plain_uscc and len(a["account_no"]) >= 16]
    chosen = [plain_acc[int(j)] for j in rng.choice(len(plain_acc), 9 + max(2, len(plain_acc) // 1500), replace=False)]
    acc_defect = dict.fromkeys(chosen[:3], "empty") | dict.fromkeys(chosen[3:5], "date")
    acc_defect |= dict.fromkeys(chosen[5:7], "ragged") | dict.fromkeys(chosen[7:9], "sci")
    acc_dup = set(chosen[9:])
    ragged: set[int] = set()
    for idx in acc_order:
        a = g.accounts[idx]
        x = g.r()
        o = a["open"]
        opened = (f"{o.year}/{o.month}/{o.day}" if x < 0.5 else f"{o:%Y%m%d}" if x < 0.8
                  else f"{o.isoformat()} {g.ri(8, 17):02d}:{g.ri(0, 59):02d}:{g.ri(0, 59):02d}")
        row = [a["name"], a["uscc"], a["account_no"], a["branch"], opened, a["kind"], a["agent_name"], a["agent_id"],
               a["agent_phone"], a["contact_phone"], a["contact_address"]]
        note = None
        defect = acc_defect.get(int(idx))
        if defect == "empty":
            row[2], note = "", ("empty 银行账号", "rejected")
        elif defect == "date":
            row[4], note = "2026-02-30", ("impossible 开户日期", "rejected")
        elif defect == "ragged":
            row[0], note = row[0].replace("有限公司", ",有限公司"), ("unquoted comma in 账户名称 (ragged)", "rejected")
            row[10] = ""
            ragged.add(len(lines))
        elif defect == "sci":
            row[2], note = f"{int(row[2][:16]) / 10 ** 15:.14f}".rstrip("0") + f"E+{len(row[2]) - 1}", (
                "account number in Excel E+ form", "rejected (excel_precision_lost)")
        line_no += 1
        lines.append(row)
        if note:
            defects.append(("accounts.csv", "", line_no, note[0], note[1], _mask(a["uscc"])))
        if int(idx) in acc_dup:
            lines.append(list(row))
            line_no += 1
            defects.append(("accounts.csv", "", line_no, "exact duplicate account line", "rejected (duplicate)",
                            _mask(a["uscc"])))
    with (out / "accounts.csv").open("w", encoding="gbk", errors="strict", newline="") as handle:
        handle.write("江苏辖内单位银行结算账户开立明细（2026年1月1日至2026年11月30日）\r\n")
        handle.write("单位：户\r\n")
        w = csv.writer(handle, lineterminator="\r\n")
        w.writerow(acc_header)
        for k, row in enumerate(lines):
            if k in ragged:
                handle.write(",".join(row) + "\r\n")  # the exporter forgot to quote: one field too many
            else:
                w.writerow(row)
        handle.write(f"合计：{len(lines)}户\r\n")
        handle.write("制表人：王*  审核：李*\r\n")
    defects.append(("accounts.csv", "", line_no + 1, "total line", "skipped", ""))
    defects.append(("accounts.csv", "", line_no + 2, "signature line", "skipped", ""))

    with (out / "truth.csv").open("w", encoding="utf-8", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["uscc", "kind", "group_id", "is_ring", "sophistication", "tags"])
        seen = set()
        for uscc, kind, group, is_ring, level, tags in g.truth:
            if uscc in seen:
                continue
            seen.add(uscc)
            w.writerow([uscc, kind, group, "true" if is_ring else "false", level, tags])
    with (out / "planted_defects.csv").open("w", encoding="utf-8", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["file", "sheet", "line_or_row", "defect", "expected", "uscc_masked"])
        w.writerows(defects)


def _mask(uscc: str) -> str:
    return uscc[:8] + "******" + uscc[-4:] if uscc else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    g = build(args.companies, args.seed)
    write(g, args.out)
    rings = sum(1 for t in g.truth if t[3])
    print(f"{args.out}: {len(g.companies):,} companies ({rings:,} in rings), {len(g.accounts):,} accounts")


if __name__ == "__main__":
    main()
