"""Company names: region prefix / bracketed region, legal form and industry words split off the trade name (字号)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import polars as pl

from .divisions import gazetteer
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
_BRACKETED = re.compile(r"\(([^()]{2,12})\)")


def _by_length(words: list[str]) -> list[tuple[int, frozenset[str]]]:
    """Suffix sets, longest first: a name's tail is looked up once per length instead of tried per word."""
    sizes = sorted({len(w) for w in words}, reverse=True)
    return [(n, frozenset(w for w in words if len(w) == n)) for n in sizes]


_LEGAL_FORMS_BY_LENGTH = _by_length(LEGAL_FORMS)
_INDUSTRY_BY_LENGTH = _by_length(INDUSTRY_WORDS)


def _suffix(text: str, table: list[tuple[int, frozenset[str]]], keep: int) -> str | None:
    """Longest word of the table that ends text and leaves at least `keep` characters before it."""
    for size, words in table:
        if len(text) - size >= keep and text[-size:] in words:
            return text[-size:]
    return None


@lru_cache(maxsize=1)
def _region_names() -> tuple[frozenset[str], frozenset[str], dict[str, tuple[int, ...]]]:
    """(full names, names allowed as a leading short region, name lengths by first two characters, longest first)."""
    g = gazetteer()
    full = frozenset(n for n in g.full if len(n) >= 2) | {"中国", "中华"}
    short = frozenset(n for n, ds in g.short.items() if any(d.level < 3 for d in ds) and len(n) >= 2)
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
            break
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
    while changed:
        changed = False
        word = _suffix(rest, _INDUSTRY_BY_LENGTH, keep=2)
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
    """One row per input, in input order; never raises on string input. See COLUMNS."""
    raw = to_text_list(values)
    texts = canonical_batch(raw, upper=True, numerals=False)
    rows = []
    cache: dict[str, tuple] = {}
    for text in texts:
        row = cache.get(text)
        if row is None:
            row = (text or None, *_split(text)) if text else (None, None, None, None, None)
            cache[text] = row
        rows.append(row)
    cols = list(zip(*rows, strict=True)) if rows else [()] * 5
    data = {"input": pl.Series(raw, dtype=pl.String)}
    for name, col in zip(COLUMNS[1:], cols, strict=True):
        data[name] = pl.Series(list(col), dtype=pl.String)
    return pl.DataFrame(data)
