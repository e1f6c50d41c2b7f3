"""The batch fast path of the address parser against the per-row parser, its oracle.

`parse_addresses` sends the common shape through polars (matchers/address_fast.py) and the rest through
`_parse_one`; every row of its frame must equal `_parse_one`'s row for the same canonical text and hint, computed
here one row at a time without the batch's walk memo.
"""

import ast
import json
import random
from pathlib import Path

import polars as pl
import pytest

from shellring.flows.demo.generate import generate_demo
from shellring.matchers.address import (
    COLUMNS,
    _parse_one,
    _resolve_hint,
    _unify,
    _unify_units,
    _WalkMemo,
    parse_addresses,
)
from shellring.matchers.address_fast import parse_fast
from shellring.matchers.divisions import gazetteer
from shellring.matchers.textnorm import canonical_batch

TESTS = Path(__file__).parent


def _oracle(values: list[str | None], hints: list[str | None]) -> pl.DataFrame:
    """`parse_addresses`'s frame as the per-row parser alone gives it."""
    g = gazetteer()
    rows = []
    for raw, text, hint in zip(values, _unify_units(canonical_batch(values)), hints, strict=True):
        row = _parse_one(g, text, _resolve_hint(g, hint)) if text else (None,) * 16 + ([],)
        rows.append(dict(zip(COLUMNS, (raw, *row), strict=True)))
    return pl.DataFrame(rows, schema={c: pl.List(pl.String) if c == "notes" else pl.String for c in COLUMNS})


def _fast_share(values: list[str | None], hints: list[str | None]) -> float:
    g = gazetteer()
    divisions = {h: _resolve_hint(g, h) for h in set(hints)}
    fast, _ = parse_fast(g, _unify_units(canonical_batch(values)), hints, divisions,
                         {h: _WalkMemo() for h in divisions})
    return fast.height / len(values)


def _assert_same(values: list[str | None], hints: list[str | None]) -> None:
    got, want = parse_addresses(values, hints), _oracle(values, hints)
    assert got.columns == want.columns
    for column in COLUMNS:
        pairs = zip(values, hints, got[column].to_list(), want[column].to_list(), strict=True)
        differ = [(v, h, a, b) for v, h, a, b in pairs if a != b]
        assert not differ, (column, differ[:5])


def _demo_addresses(tmp_path: Path, hard: bool, n: int) -> tuple[list[str], list[str | None]]:
    generate_demo(tmp_path, n_companies=n, seed=11, hard=hard)
    reg = pl.read_csv(tmp_path / "registrations.csv", encoding="gbk", infer_schema=False)
    acc = pl.read_csv(tmp_path / "accounts.csv", infer_schema=False)
    # headers vary between runs (住所/注册地址): the columns by position, address and USCC (its region is the hint)
    pairs = pl.concat([
        reg.select(pl.nth(4).alias("a"), pl.nth(0).str.slice(2, 6).alias("h")),
        acc.select(pl.nth(11).alias("a"), pl.nth(3).str.slice(2, 6).alias("h")),
    ]).unique(maintain_order=True)
    return pairs["a"].to_list(), pairs["h"].to_list()


@pytest.mark.parametrize("hard", [False, True])
def test_demo_addresses_equal_the_per_row_parser(tmp_path, hard):
    values, hints = _demo_addresses(tmp_path, hard, 1500)
    _assert_same(values, hints)
    # most demo addresses take the fast path (97 % of the 1M and hard 20k demos' pairs), so the equality above tests it
    assert _fast_share(values, hints) >= (0.9 if hard else 0.95)


def _test_file_strings() -> list[str]:
    """Every string literal with a CJK character in the test modules: the address cases written in tests."""
    found = set()
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 200 and any(
                    "\u4e00" <= ch <= "\u9fff" for ch in node.value):
                found.add(node.value)
    return sorted(found)


def test_address_cases_of_the_tests_equal_the_per_row_parser():
    values = _test_file_strings()
    for name in ("jionlp_parse_cases.jsonl", "cpca_parse_cases.jsonl"):
        for line in open(TESTS / "data" / "addresses" / name, encoding="utf-8"):
            case = json.loads(line)
            values.append(case.get("text") or case.get("input"))
    values = [v for v in values if isinstance(v, str)]
    assert len(values) > 500
    rng = random.Random(5)
    hints = [rng.choice([None, "330106", "330100", "110105", "440300"]) for _ in values]
    _assert_same(values, hints)


EDGE_CASES = [
    ("浙江省杭州市西湖区文三路90号1203室", None),
    ("浙江省杭州市西湖区文三路90号1203室", "330106"),
    ("杭州市文三路90号5栋1203室", "330106"),  # the hint gives the district
    ("文三路90号1203室", "330106"),
    ("文三路90号1203室", None),
    ("北京市朝阳区建国路88号1203室", "110105"),  # municipality
    ("北京朝阳建国路88号SOHO现代城5号楼1203", None),
    ("上海市浦东新区世纪大道100号上海环球金融中心75楼", None),
    ("重庆市渝中区解放碑民族路188号1203", None),
    ("浙江省杭州市余杭区五常街道文一西路998号5幢1203室(集群注册)", None),
    ("浙江省杭州市余杭区文一西路998号5幢1203室-A12工位", None),
    ("浙江省杭州市余杭区文一西路998号1203室(托管于杭州某某商务秘书有限公司)", None),
    ("浙江省杭州市余杭区文一西路998号1203室（入驻杭州某某孵化器有限公司）", None),
    ("浙江省杭州市西湖区文三路９０号１２０３室", None),  # full width
    ("浙江省杭州市西湖區文三路90號1203室", None),  # traditional
    ("臺灣省臺北市中正區重慶南路一段122號", None),
    ("浙江省杭州市西湖区 文三路 90 号 1203 室", None),
    ("浙江省杭州市西湖区文三路九十号十二层1203室", None),
    ("浙江省杭州市西湖区西溪街道文三路90号1203室", None),  # township
    ("浙江省杭州市西湖区文三路90号3,1105", None),  # separator
    ("浙江省杭州市西湖区文三路90号东部软件园科技大厦A1203", None),
    ("浙江省杭州市西湖区文三路90号科技大厦1403号", None),  # 号 as a room inside a building
    ("浙江省杭州市西湖区文三路90号1705-1708室", None),
    ("浙江省杭州市西湖区文三路90号5-2-1203", None),
    ("浙江省杭州市西湖区文三路90号5幢2单元12层1203室", None),
    ("浙江省杭州市西湖区文三路90号杭州某某托管服务中心1203室", None),  # notes outside brackets
    ("浙江省杭州市西湖区文三路90号1203室A12工位", None),
    ("浙江省杭州市西湖区文三路90号集中办公区1203室", None),
    ("浙江省杭州市西湖区文三路90号某某秘书有限公司1203室", None),
    ("浙江省杭州市西湖区某某里90号1203室", None),
    ("浙江省杭州市西湖区某某弄90号1203室", None),
    ("浙江省杭州市西湖区某某胡同90号1203室", None),
    ("浙江省杭州市西湖区西溪街道90号1203室", None),
    ("浙江省杭州市西湖区A区文三路90号1203室", None),
    ("浙江省杭州市西湖区文三路90号3一1105", None),
    ("浙江省杭州市西湖区文三路90号1203室。", None),
    ("浙江省杭州市西湖区文三路90号，大厦1203室", None),
    ("浙江省杭州市西湖区文三路90号0203室", None),
    ("浙江省杭州市西湖区文三路90号12345室", None),
    ("浙江省杭州市西湖区文三路90号", None),
    ("浙江省杭州市西湖区文三路90号大厦", None),
    ("浙江省杭州市西湖区文三路90号厦", None),
    ("浙江省杭州市西湖区文三路90号栋", None),
    ("浙江省杭州市西湖区文三路90号B座1203", None),
    ("浙江省杭州市西湖区文三路90-3号1203室", None),
    ("浙江省杭州市西湖区文三路甲90号1203室", None),
    ("浙江省杭州市西湖区文三路90弄5号1203室", None),
    ("浙江省杭州市西湖区人民大道90号1203室", None),
    ("浙江省杭州市西湖区杭长公路90号1203室", None),
    ("浙江省杭州市西湖区某某大街90号1203室", None),
    ("浙江省杭州市西湖区西湖科技园西园七路90号1203室", None),  # a road after a park
    ("浙江省杭州市西湖区开元北街思源路90号1203室", None),  # a road, then a lane of it
    ("浙江省杭州市钱塘区下沙学林街90号1203室", None),  # a township without its word
    ("浙江省杭州市西湖区一二三四五六七八九十一二三四五六路90号1203室", None),  # a long road name
    ("浙江省杭州市西湖区路90号1203室", None),
    ("浙江省杭州市西湖区七路90号1203室", None),
    ("诸暨市诸暨市永兴路90号1203室", None),  # a level written again
    ("浙江省嘉兴市嘉善县浙江省嘉兴市嘉善县姚庄镇某某路90号", None),
    ("市辖区西湖区文三路90号1203室", None),
    ("中国浙江省杭州市西湖区文三路90号1203室", None),
    ("中华人民共和国浙江省杭州市西湖区文三路90号1203室", None),
    ("浙江省杭州市西湖区文三路90号1梯2梯3", None),
    ("浙江省杭州市西湖区文三路90号9楼11街31390", None),
    ("浙江省杭州市西湖区文三路90号第5栋", None),
    ("浙江省杭州市西湖区文三路90号5-栋1203", None),
    ("浙江省杭州市西湖区文三路90号十二楼", None),
    ("九龙观塘区某某道90号1203室", None),
    ("澳门特别行政区氹仔某某街90号", None),
    ("浙江省杭州市", None),
    ("浙江", None),
    ("", None),
    ("90号1203室", None),
    ("文三路", None),
    (None, None),
]


def test_edge_cases_equal_the_per_row_parser():
    values = [v for v, _ in EDGE_CASES]
    hints = [h for _, h in EDGE_CASES]
    _assert_same(values, hints)


def test_edge_cases_in_one_batch_with_repeats_keep_order():
    values = [v for v, _ in EDGE_CASES] * 2
    hints = [h for _, h in EDGE_CASES] * 2
    frame = parse_addresses(values, hints)
    assert frame["input"].to_list() == values
    half = len(EDGE_CASES)
    assert frame.head(half).equals(frame.tail(half))


def test_unit_rules_as_expressions_equal_the_regex_rules():
    alphabet = list("0123456789AF#-第梯街排号楼馆幢座房室间户层单元栋路X") + ["号楼", "楼层", "层楼", "房间", "单元"]
    rng = random.Random(0)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(20000)]
    texts += ["1梯2梯3梯4梯5", "1街234街567街890", "1街2街345", "第第1", "1#A#", "1FF", "12楼层3"]
    assert _unify_units(texts) == [_unify(t) for t in texts]
