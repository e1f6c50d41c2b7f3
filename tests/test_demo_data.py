"""Behaviour of the seeded demo generator: formats, validity, planted truth and realistic overlaps."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from itertools import combinations

import polars as pl
import pytest

from shellring.flows.demo.generate import ACCOUNT_COLUMNS, REGISTRATION_COLUMNS, TRUTH_COLUMNS, generate_demo

RING_KINDS = {"address_farm", "nominee_rep", "dealer_phone", "agent_opener", "weak_links", "student_batch"}
LEGIT_KINDS = {"business_park", "incubator", "group_subsidiary", "bookkeeping_client", "serial_owner", "common_name"}


# ---------- independent checkers (not the generator's code) ----------
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def resident_id_ok(rid: str) -> bool:
    rid = rid.upper()
    if not re.fullmatch(r"\d{17}[\dX]", rid):
        return False
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(rid[:17]))
    return "10X98765432"[total % 11] == rid[17]


def parse_date(text: str) -> dt.date:
    m = re.fullmatch(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    assert m, text
    return dt.date(*map(int, m.groups()))


def age_at(rid: str, day: dt.date) -> int:
    born = dt.date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def cn_to_int(text: str) -> int:
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


def address_digits(address: str) -> tuple[str, ...]:
    """Numbers in an address after NFKC, Chinese numerals before units, and without 工位 notes."""
    text = unicodedata.normalize("NFKC", address)
    text = re.sub(r"-?[A-Z]?\d+工位", "", text)
    text = re.sub(r"[零一二三四五六七八九十百千两]+(?=号|號|幢|栋|座|楼|樓|层|室)",
                  lambda m: str(cn_to_int(m.group())), text)
    return tuple(re.findall(r"\d+", text))


def phone_digits(text: str) -> str:
    digits = re.sub(r"\D", "", re.sub(r"转\d+$", "", text or ""))  # drop an extension
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 12:
        digits = digits[2:]
    return digits


# ---------- fixtures ----------
def _load(files):
    reg = (pl.read_csv(files.registrations, encoding="gbk", infer_schema_length=0)
           if files.registrations.suffix == ".csv" else pl.read_parquet(files.registrations))
    acc = pl.read_csv(files.accounts, infer_schema_length=0) if files.accounts.suffix == ".csv" \
        else pl.read_parquet(files.accounts)
    truth = pl.read_csv(files.truth, infer_schema_length=0)
    return reg, acc, truth


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    files = generate_demo(tmp_path_factory.mktemp("noisy"), n_companies=5000, seed=11)
    reg, acc, truth = _load(files)
    return files, reg.join(truth, left_on="统一社会信用代码", right_on="uscc"), acc, truth


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    files = generate_demo(tmp_path_factory.mktemp("clean"), n_companies=3000, seed=5, noise=0.0)
    reg, acc, truth = _load(files)
    return reg.join(truth, left_on="统一社会信用代码", right_on="uscc"), acc


def groups(reg: pl.DataFrame, kind: str):
    sub = reg.filter(pl.col("kind") == kind)
    return sub.partition_by("group_id", as_dict=False, maintain_order=True)


# ---------- files and formats ----------
def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path):
    a = generate_demo(tmp_path / "a", n_companies=2000, seed=3)
    b = generate_demo(tmp_path / "b", n_companies=2000, seed=3)
    c = generate_demo(tmp_path / "c", n_companies=2000, seed=4)
    for name in ("registrations", "accounts", "truth"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes()
        assert getattr(a, name).read_bytes() != getattr(c, name).read_bytes()


def test_generator_runs_from_any_working_directory(tmp_path):
    """Its bundled data is found through the installed package, not the repository root on sys.path."""
    import subprocess
    import sys

    script = ("import sys; from pathlib import Path; from shellring.flows.demo.generate import generate_demo; "
              "generate_demo(Path(sys.argv[1]), n_companies=200, seed=1)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "out" / "registrations.csv").stat().st_size > 0


def test_encodings_and_headers(noisy):
    files, *_ = noisy
    raw = files.registrations.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").splitlines()[0].split(",") == REGISTRATION_COLUMNS
    acc_raw = files.accounts.read_bytes()
    assert acc_raw.startswith(b"\xef\xbb\xbf")
    assert acc_raw.decode("utf-8-sig").splitlines()[0].split(",") == ACCOUNT_COLUMNS
    assert files.truth.read_text("utf-8").splitlines()[0].split(",") == TRUTH_COLUMNS


def test_parquet_has_same_headers(tmp_path):
    files = generate_demo(tmp_path, n_companies=2000, seed=1, fmt="parquet")
    reg, acc, truth = _load(files)
    assert reg.columns == REGISTRATION_COLUMNS and acc.columns == ACCOUNT_COLUMNS
    assert reg.height == truth.height == 2000


def test_value_formats_are_mixed_but_parseable(noisy):
    _, reg, acc, _ = noisy
    dates = reg["成立日期"].to_list() + acc["开户日期"].to_list()
    for d in dates:
        parse_date(d)
    styles = {("年" in d, "/" in d, "-" in d) for d in dates}
    assert len(styles) == 4
    caps = reg["注册资本(万元)"]
    assert caps.str.ends_with("万").any() and caps.str.contains(r"\.\d\d$").any() and caps.str.contains(r"^\d+$").any()
    phones = pl.concat([reg["联系电话"], acc["联系电话"]]).drop_nulls()
    for pattern in (r"^\+86", r"^0086", r"^1\d{2} \d{4} \d{4}$", r"^1\d{2}-\d{4}-\d{4}$", r"^0\d{2,3}-\d{7,8}",
                    r"转\d+$"):
        assert phones.str.contains(pattern).any(), pattern
    ids = reg["法定代表人证件号码"]
    assert ids.str.ends_with("x").any() and ids.str.ends_with("X").any()
    addresses = reg["住所"]
    assert addresses.str.contains("[０-９]").any() and addresses.str.contains("號|樓|區").any()
    assert addresses.str.contains("[一二三四五六七八九十百]+号").any()
    assert (~addresses.str.starts_with("浙江省")).mean() > 0.05
    for column in REGISTRATION_COLUMNS + ["kind"]:
        assert reg[column].str.contains("\ufffd").not_().all()


def test_check_digits_valid_for_at_least_99_percent(noisy):
    _, reg, acc, _ = noisy
    usccs = reg["统一社会信用代码"].to_list()
    assert all(len(u) == 18 and u.startswith("9133") for u in usccs)
    share = sum(map(uscc_ok, usccs)) / len(usccs)
    assert 0.99 <= share < 1.0  # a few deliberately wrong check characters
    rids = reg["法定代表人证件号码"].to_list() + acc["经办人证件号码"].drop_nulls().to_list()
    assert sum(map(resident_id_ok, rids)) / len(rids) >= 0.99
    assert len(set(usccs)) == len(usccs)
    assert acc["账号"].n_unique() == acc.height
    assert acc["账号"].str.len_chars().is_between(12, 19).all() and acc["账号"].str.contains(r"^\d+$").all()


def test_every_kind_present_with_configured_shares(noisy):
    _, reg, _, truth = noisy
    kinds = Counter(truth["kind"].to_list())
    assert RING_KINDS | LEGIT_KINDS | {"ordinary"} == set(kinds)
    n = truth.height
    ring_share = sum(kinds[k] for k in RING_KINDS) / n
    legit_share = sum(kinds[k] for k in LEGIT_KINDS) / n
    assert 0.055 <= ring_share <= 0.09
    assert 0.08 <= legit_share <= 0.14
    for kind in RING_KINDS:
        assert truth.filter(pl.col("kind") == kind)["group_id"].n_unique() >= 2, kind
    rings = truth.filter(pl.col("is_ring") == "true")
    assert set(rings["kind"]) == RING_KINDS and rings["group_id"].str.contains(r"^R\d{4}$").all()
    legit = truth.filter(pl.col("kind").is_in(list(LEGIT_KINDS)))
    assert legit["group_id"].str.contains(r"^L\d{4}$").all() and (legit["is_ring"] == "false").all()
    assert truth.filter(pl.col("kind") == "ordinary")["group_id"].is_null().all()


def test_accounts_point_to_known_companies(noisy):
    _, reg, acc, truth = noisy
    known = set(reg["统一社会信用代码"])
    assert set(acc["统一社会信用代码"]) <= known and known == set(truth["uscc"])
    ring = set(truth.filter(pl.col("is_ring") == "true")["uscc"])
    assert ring <= set(acc["统一社会信用代码"])  # every ring company opened an account
    per_company = acc.group_by("统一社会信用代码").len()["len"]
    assert per_company.max() >= 2 and (per_company == 1).mean() > 0.85


# ---------- planted rings share what their kind says ----------
def test_address_farm_members_share_one_room(noisy):
    _, reg, _, _ = noisy
    for g in groups(reg, "address_farm"):
        keys = {address_digits(a) for a in g["住所"]}
        assert len(keys) == 1, (g["group_id"][0], keys)
        assert g["法定代表人证件号码"].str.to_uppercase().n_unique() == g.height


def test_nominee_rep_rings_have_one_or_two_nominees(noisy):
    _, reg, _, _ = noisy
    for g in groups(reg, "nominee_rep"):
        counts = Counter(g["法定代表人证件号码"].str.to_uppercase().to_list())
        top = [rid for rid, _ in counts.most_common(2)]
        assert sum(counts[r] for r in top) >= g.height - 1
        for rid in counts:  # any other ID is a one-digit typo of a nominee's
            assert rid in top or min(sum(a != b for a, b in zip(rid, t)) for t in top) == 1
        assert len(g["住所"].unique()) >= g.height - 1


def test_dealer_phone_rings_share_one_mobile(noisy):
    _, reg, acc, _ = noisy
    for g in groups(reg, "dealer_phone"):
        phones_by_company = {}
        for uscc, phone in zip(g["统一社会信用代码"], g["联系电话"]):
            phones_by_company[uscc] = {phone_digits(phone)}
        for uscc, phone in acc.filter(pl.col("统一社会信用代码").is_in(g["统一社会信用代码"].to_list()))[
                ["统一社会信用代码", "联系电话"]].iter_rows():
            phones_by_company[uscc].add(phone_digits(phone))
        common = set.intersection(*phones_by_company.values()) - {""}
        assert len(common) == 1 and re.fullmatch(r"1\d{10}", common.pop())
        assert g["法定代表人证件号码"].str.to_uppercase().n_unique() == g.height


def test_agent_opener_rings_share_one_agent(noisy):
    _, reg, acc, _ = noisy
    for g in groups(reg, "agent_opener"):
        sub = acc.filter(pl.col("统一社会信用代码").is_in(g["统一社会信用代码"].to_list()))
        counts = Counter(sub["经办人证件号码"].str.to_uppercase().to_list())
        agent, hits = counts.most_common(1)[0]
        assert hits >= max(3, 0.5 * sub.height)
        assert agent not in set(g["法定代表人证件号码"].str.to_uppercase())
        days = [parse_date(d) for d in sub.filter(pl.col("经办人证件号码").str.to_uppercase() == agent)["开户日期"]]
        assert (max(days) - min(days)).days <= 60


def test_student_batches_are_young_fast_and_use_few_branches(noisy):
    _, reg, acc, _ = noisy
    for g in groups(reg, "student_batch"):
        days = [parse_date(d) for d in g["成立日期"]]
        ages = [age_at(rid, day) for rid, day in zip(g["法定代表人证件号码"], days)]
        assert all(18 <= a <= 22 for a in ages), ages
        assert (max(days) - min(days)).days <= 14
        sub = acc.filter(pl.col("统一社会信用代码").is_in(g["统一社会信用代码"].to_list()))
        first = {}
        for uscc, branch, day in sub[["统一社会信用代码", "开户网点", "开户日期"]].iter_rows():
            first[uscc] = min(first.get(uscc, (parse_date(day), branch)), (parse_date(day), branch))
        assert len({branch for _, branch in first.values()}) <= 2
        assert g["法定代表人证件号码"].str.to_uppercase().n_unique() == g.height


def test_weak_link_members_share_two_weak_signals_but_no_strong_one(clean):
    reg, acc = clean
    for g in groups(reg, "weak_links"):
        ids = g["统一社会信用代码"].to_list()
        assert g["法定代表人证件号码"].n_unique() == g.height
        assert g["联系电话"].n_unique() == g.height
        assert len({address_digits(a) for a in g["住所"]}) == g.height  # no shared room
        sub = acc.filter(pl.col("统一社会信用代码").is_in(ids))
        building = {u: address_digits(a)[:-1] for u, a in zip(ids, g["住所"])}
        scope = dict(zip(ids, g["经营范围"]))
        phones = dict(zip(ids, g["联系电话"]))
        opened = {}
        for u, branch, day, cphone, caddr in sub[
            ["统一社会信用代码", "开户网点", "开户日期", "联系电话", "联系地址"]
        ].iter_rows():
            opened.setdefault(u, []).append((branch, parse_date(day), cphone, caddr))

        def shared(a: str, b: str) -> int:
            count = int(bool(building[a]) and building[a] == building[b]) + int(scope[a] == scope[b])
            count += any(x[0] == y[0] and abs((x[1] - y[1]).days) <= 3 for x in opened[a] for y in opened[b])
            count += any(x[3] == y[3] for x in opened[a] for y in opened[b])
            pa = {phone_digits(phones[a])} | {phone_digits(x[2]) for x in opened[a]}
            pb = {phone_digits(phones[b])} | {phone_digits(y[2]) for y in opened[b]}
            count += any(len(p) == 11 and len(q) == 11 and p != q and p[:9] == q[:9] for p in pa for q in pb)
            return count

        links = Counter()
        for a, b in combinations(ids, 2):
            s = shared(a, b)
            links[a] = max(links[a], s)
            links[b] = max(links[b], s)
        signals = {u: sum(1 for v in ids if v != u and shared(u, v) > 0) for u in ids}
        assert all(signals[u] >= 1 for u in ids)
        assert sum(links[u] >= 2 for u in ids) >= 0.75 * len(ids), dict(links)


# ---------- legitimate look-alikes ----------
def test_look_alikes_share_their_legitimate_attribute(noisy):
    _, reg, acc, _ = noisy
    for g in groups(reg, "business_park"):
        keys = [address_digits(a) for a in g["住所"]]
        assert len({k[:-1] for k in keys}) == 1 and len(set(keys)) == g.height
    for g in groups(reg, "incubator"):
        assert len({address_digits(a) for a in g["住所"]}) == 1
        days = sorted(parse_date(d) for d in g["成立日期"])
        assert (days[-1] - days[0]).days >= 180
    for g in groups(reg, "group_subsidiary"):
        bigrams = [{n[i:i + 2] for i in range(len(n) - 1)} - {"有限", "限公", "公司"} for n in g["企业名称"]]
        assert set.intersection(*bigrams)
    for g in groups(reg, "bookkeeping_client"):
        top = Counter(phone_digits(p) for p in g["联系电话"]).most_common(1)[0][1]
        assert top >= 0.6 * g.height
    for g in groups(reg, "serial_owner"):
        assert g["法定代表人证件号码"].str.to_uppercase().n_unique() == 1
        days = sorted(parse_date(d) for d in g["成立日期"])
        assert min((b - a).days for a, b in zip(days, days[1:])) >= 200
    for g in groups(reg, "common_name"):
        assert Counter(g["法定代表人"]).most_common(1)[0][1] >= g.height - 1
        assert g["法定代表人证件号码"].str.to_uppercase().n_unique() == g.height


# ---------- red flags also occur among legitimate companies ----------
def test_red_flags_have_realistic_base_rates_among_ordinary(noisy):
    _, reg, acc, _ = noisy
    ordinary = reg.filter(pl.col("kind") == "ordinary")
    first_open = acc.group_by("统一社会信用代码").agg(pl.col("开户日期").first())
    joined = ordinary.join(first_open, on="统一社会信用代码")
    delays = [(parse_date(o) - parse_date(r)).days for r, o in zip(joined["成立日期"], joined["开户日期"])]
    assert 0.12 <= sum(d <= 7 for d in delays) / ordinary.height <= 0.25
    assert 0.22 <= sum(d <= 30 for d in delays) / ordinary.height <= 0.40
    ages = [age_at(rid, parse_date(d)) for rid, d in zip(ordinary["法定代表人证件号码"], ordinary["成立日期"])]
    assert 0.03 <= sum(18 <= a <= 22 for a in ages) / len(ages) <= 0.10
    assert 0.10 <= sum(23 <= a <= 29 for a in ages) / len(ages) <= 0.22
    out_of_province = ordinary["法定代表人证件号码"].str.slice(0, 2) != "33"
    assert 0.12 <= out_of_province.mean() <= 0.30
    rooms = Counter(address_digits(a) + (re.sub(r"[^\u4e00-\u9fa5]", "", a)[-6:],) for a in ordinary["住所"])
    assert any(c == 2 for c in rooms.values())
    reps = Counter(ordinary["法定代表人证件号码"].str.to_uppercase())
    assert any(c == 2 for c in reps.values())
    legit = reg.filter(pl.col("is_ring") == "false")
    mvno = legit["联系电话"].map_elements(lambda p: phone_digits(p)[:3] in {"170", "171", "165", "162", "167"},
                                         return_dtype=pl.Boolean)
    assert 0.003 <= mvno.mean() <= 0.06
    assert (legit["注册资本(万元)"].str.replace("万", "").is_in(["10", "10.00", "100", "100.00"])).mean() > 0.1
    young_ring = reg.filter(pl.col("is_ring") == "true")
    young_ring = young_ring.filter(
        young_ring["法定代表人证件号码"].map_elements(resident_id_ok, return_dtype=pl.Boolean))
    ring_ages = [age_at(rid, parse_date(d)) for rid, d in zip(young_ring["法定代表人证件号码"], young_ring["成立日期"])]
    assert sum(a <= 25 for a in ring_ages) / len(ring_ages) > 0.4  # rings lean young ...
    assert sum(a > 25 for a in ring_ages) / len(ring_ages) > 0.1   # ... but not every member shows it
