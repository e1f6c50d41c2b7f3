"""Company names: region prefix / bracketed region, legal form and industry words split off the trade name (字号)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import polars as pl

from .divisions import gazetteer, townships
from .textnorm import canonical_batch, to_text_list

COLUMNS = ["input", "normalized", "trade_name", "region", "legal_form", "industry"]

# Longest first so that 股份有限公司 wins over 有限公司.
LEGAL_FORMS = sorted(
    [
        "股份有限公司", "有限责任公司", "集团有限公司", "集团股份有限公司", "有限公司", "(有限合伙)", "(普通合伙)",
        "有限合伙", "普通合伙", "合伙企业", "个人独资企业", "分公司", "经营部", "工作室", "商行", "门市部", "服务部",
        "事务所", "合作社", "专业合作社", "个体工商户", "总公司", "公司", "厂", "店", "中心",
    ],
    key=len,
    reverse=True,
)
INDUSTRY_WORDS = sorted(
    [
        "网络科技", "信息技术", "信息科技", "科技", "技术", "电子商务", "商贸", "贸易", "国际贸易", "供应链管理",
        "供应链", "文化传媒", "文化传播", "传媒", "广告", "咨询", "企业管理咨询", "企业管理", "管理咨询", "商务咨询",
        "实业", "投资", "投资管理", "资产管理", "建筑工程", "建设工程", "工程", "建材", "物流", "餐饮管理", "餐饮",
        "服饰", "电子", "软件", "网络", "数据", "智能科技", "生物科技", "医药", "新能源", "环保科技", "装饰工程",
        "装饰", "劳务派遣", "人力资源", "教育科技", "健康管理", "物业管理", "房地产开发", "房地产", "汽车服务", "农业",
        "商务服务", "电子科技", "品牌管理", "影视", "文化", "发展", "控股", "集团",
    ],
    key=len,
    reverse=True,
)
# Business-scope words written here (activity names that the vendored vocabulary lacks).
SCOPE_WORDS = [
    "房地产开发", "地基处理", "重工", "美容", "开发", "发展", "工贸", "经贸", "科贸", "实业发展", "互联网科技",
    "信息咨询", "教育咨询", "健康咨询", "营销策划", "企业营销策划", "制药", "资源管理", "商业管理", "工程建设",
    "投资发展",
]
_DATA = Path(__file__).parent / "data" / "company"
_BRACKETED = re.compile(r"\(([^()]{2,12})\)")
# A branch after its company: 常州途畅科技有限公司合肥分公司 is named by the company before it.
_BRANCH = re.compile(r"^(.{4,}?(?:有限责任公司|股份有限公司|有限公司))(.{0,12}?)"
                     r"(?:分公司|分店|分厂|营业部|办事处|分部|分行|支公司)$")
# Zones written after a region (郑州经济开发区, 张家港保税区, 南京市江北新区): part of the place, not of the name.
_ZONE = re.compile(r"^(?:经济技术开发区|经济开发区|高新技术产业开发区|高新技术开发区|高新区|开发区|保税区|"
                   r"工业园区|工业园|自贸区|[\u4e00-\u9fff]{2}(?:新区|保税区|开发区|高新区|工业园区))")


def _by_length(words: list[str]) -> dict[str, tuple[tuple[int, frozenset[str]], ...]]:
    """Suffix sets by last character, longest first: a name's tail is looked up once per length of the words that
    can end it (not once per length of every word, nor once per word)."""
    table: dict[str, dict[int, set[str]]] = {}
    for w in words:
        table.setdefault(w[-1], {}).setdefault(len(w), set()).add(w)
    return {last: tuple((n, frozenset(sizes[n])) for n in sorted(sizes, reverse=True))
            for last, sizes in table.items()}


_LEGAL_FORMS_BY_LENGTH = _by_length(LEGAL_FORMS)


def _words(name: str) -> list[str]:
    return [w.strip() for w in (_DATA / name).read_text(encoding="utf-8").splitlines() if w.strip()]


@lru_cache(maxsize=1)
def _industry_by_length() -> dict[str, tuple[tuple[int, frozenset[str]], ...]]:
    """Industry words: the vendored vocabulary (companynameparser, Apache-2.0), its business-type suffixes that are
    not legal forms (美容院, 旅行社), the scope words above and the project's own list; two characters or more."""
    words = set(INDUSTRY_WORDS) | set(SCOPE_WORDS) | set(_words("industry_words.txt"))
    words |= {w for w in _words("legal_form_suffixes.txt") if w not in LEGAL_FORMS}
    return _by_length(sorted(w for w in words if len(w) >= 2))


def _suffix(text: str, table: dict[str, tuple[tuple[int, frozenset[str]], ...]], keep: int) -> str | None:
    """Longest word of the table that ends text and leaves at least `keep` characters before it."""
    for size, words in table.get(text[-1:], ()):
        if len(text) - size >= keep and text[-size:] in words:
            return text[-size:]
    return None


@lru_cache(maxsize=1)
def _region_names() -> tuple[frozenset[str], frozenset[str], dict[str, tuple[int, ...]]]:
    """(full names, names allowed as a leading short region, name lengths by first two characters, longest first)."""
    g = gazetteer()
    full = frozenset(n for n in g.full if len(n) >= 2) | {"中国", "中华"}
    # a short name: a province or city, or a county that is the only one so called (昆山, 张家港)
    short = frozenset(n for n, ds in g.short.items()
                      if len(n) >= 2 and (any(d.level < 3 for d in ds) or len(ds) == 1))
    # after a region, its townships: 玉田县鸦鸿桥镇, 昆山千灯镇
    towns = frozenset(n for n in townships().names if n.endswith(("镇", "乡", "街道")) and len(n) >= 3)
    full = full | towns
    lengths: dict[str, set[int]] = {}
    for n in full | short:
        lengths.setdefault(n[:2], set()).add(len(n))
    return full, short, {head: tuple(sorted(sizes, reverse=True)) for head, sizes in lengths.items()}


def _strip_region(name: str) -> tuple[str, list[str]]:
    """Leading region chain (first part may be a short name, later ones must be full names) and (region) groups."""
    regions: list[str] = []
    full, short, lengths = _region_names()
    while name:
        allowed_short = not regions
        hit = None
        for size in lengths.get(name[:2], ()):
            if size > len(name) - 2:
                continue
            head = name[:size]
            if head in full or (allowed_short and head in short):
                hit = head
                break
        if hit is None:
            zone = _ZONE.match(name) if regions or len(name) > 8 else None
            if zone is None or len(name) - zone.end() < 2:
                break
            hit = zone.group(0)
        regions.append(hit)
        name = name[len(hit):]
    for m in list(_BRACKETED.finditer(name)) if "(" in name else ():
        inner = m.group(1)
        if inner in full or inner in short:
            regions.append(inner)
            name = name.replace(m.group(0), "", 1)
    return name, regions


def _split(name: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(trade_name, region, legal_form, industry)."""
    branch = _BRANCH.match(name)
    if branch:
        name = branch.group(1)
    rest, regions = _strip_region(name)
    legal = None
    for _ in range(2):  # 合伙企业(有限合伙): two stacked forms
        form = _suffix(rest, _LEGAL_FORMS_BY_LENGTH, keep=2)
        if form:
            legal, rest = (form if legal is None else form + legal), rest[: -len(form)]
    rest, more = _strip_region(rest) if rest.endswith(")") else (rest, [])
    regions += more
    industry_parts: list[str] = []
    changed = True
    industry = _industry_by_length()
    full, short, _ = _region_names()
    while changed:
        changed = False
        for size in (3, 2):  # 李尔汽车系统扬州: a place written after the name
            if not industry_parts and len(rest) - size >= 2 and (rest[-size:] in full or rest[-size:] in short):
                regions.append(rest[-size:])
                rest = rest[:-size]
                changed = True
                break
        word = _suffix(rest, industry, keep=2)
        if word:
            industry_parts.insert(0, word)
            rest = rest[: -len(word)]
            changed = True
        if rest.endswith(")"):
            rest, more = _strip_region(rest)
            regions += more
            changed = changed or bool(more)
    return rest or None, ("|".join(regions) or None), legal, ("".join(industry_parts) or None)


def parse_company_names(values: Sequence[str | None] | pl.Series) -> pl.DataFrame:
    """One row per input, in input order; never raises on string input. See COLUMNS.

    Names of the common shape take the batch fast path (company_fast.py); `_split` does the rest."""
    from .company_fast import split_fast  # it builds on this module's helpers

    raw = to_text_list(values)
    texts = canonical_batch(raw, upper=True, numerals=False)
    fast = split_fast(pl.Series(texts, dtype=pl.String))
    done = set(fast["_row"].to_list())
    rows = []
    slow_rows = []
    cache: dict[str, tuple] = {}
    for index, text in enumerate(texts):
        if index in done:
            continue
        row = cache.get(text)
        if row is None:
            row = (text or None, *_split(text)) if text else (None, None, None, None, None)
            cache[text] = row
        rows.append(row)
        slow_rows.append(index)
    cols = list(zip(*rows, strict=True)) if rows else [()] * 5
    slow = pl.DataFrame({name: pl.Series(list(col), dtype=pl.String)
                         for name, col in zip(COLUMNS[1:], cols, strict=True)}
                        ).with_columns(_row=pl.Series(slow_rows, dtype=pl.UInt32))
    fast = fast.with_columns(normalized=pl.Series(texts, dtype=pl.String).gather(fast["_row"]))
    merged = pl.concat([slow, fast.select(slow.columns)]).sort("_row")
    return pl.DataFrame({"input": pl.Series(raw, dtype=pl.String)}).hstack(merged.select(COLUMNS[1:]))
