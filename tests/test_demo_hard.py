"""The hard demo's knobs change what they claim (checked on the written extracts, not the generator's arrays)."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

import numpy as np
import polars as pl
import pytest

from shellring.flows.demo import render
from shellring.flows.demo.generate import ACCOUNT_COLUMNS, REGISTRATION_COLUMNS, generate_demo
from shellring.flows.pipeline.columns import alias_table, normalize_header
from shellring.matchers.phone import parse_phones
from tests.test_demo_data import address_digits, age_at, parse_date, phone_digits, resident_id_ok

MIX = {"naive": 0.3, "medium": 0.3, "sophisticated": 0.4}


def _canonical(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Rename whatever header variant a run chose to the classic header, through the ingest's own alias table."""
    table = alias_table(kind)
    classic = {table[normalize_header(c)]: c for c in (REGISTRATION_COLUMNS if kind == "registrations"
                                                        else ACCOUNT_COLUMNS)}
    return frame.rename({c: classic[table[normalize_header(c)]] for c in frame.columns})


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    files = generate_demo(tmp_path_factory.mktemp("hard"), n_companies=6000, seed=13, hard=True, sophistication=MIX,
                          density=0.5, landline_dealers=1.0, profile_only=0.6)
    reg = _canonical(pl.read_csv(files.registrations, encoding="gbk", infer_schema_length=0), "registrations")
    acc = _canonical(pl.read_csv(files.accounts, infer_schema_length=0), "accounts")
    truth = pl.read_csv(files.truth, infer_schema_length=0)
    return files, reg.join(truth, left_on="统一社会信用代码", right_on="uscc"), acc, truth


def _groups(reg: pl.DataFrame, expr: pl.Expr) -> list[pl.DataFrame]:
    return reg.filter(expr).partition_by("group_id", as_dict=False, maintain_order=True)


def _first_accounts(acc: pl.DataFrame, usccs: list[str]) -> dict[str, tuple]:
    first: dict[str, tuple] = {}
    for uscc, branch, day in acc.filter(pl.col("统一社会信用代码").is_in(usccs))[
            ["统一社会信用代码", "开户网点", "开户日期"]].iter_rows():
        first[uscc] = min(first.get(uscc, (_parse_any_date(day), branch)), (_parse_any_date(day), branch))
    return first


def _parse_any_date(text: str):
    return parse_date(re.sub(r" 00:00:00$", "", text).replace(".", "-"))


def test_same_seed_same_bytes_and_every_header_is_one_the_ingest_knows(tmp_path):
    a = generate_demo(tmp_path / "a", n_companies=1500, seed=2, hard=True)
    b = generate_demo(tmp_path / "b", n_companies=1500, seed=2, hard=True)
    for name in ("registrations", "accounts", "truth"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes()
    headers = set()
    for seed in range(2, 6):
        files = generate_demo(tmp_path / f"s{seed}", n_companies=1500, seed=seed, hard=True)
        reg = pl.read_csv(files.registrations, encoding="gbk", n_rows=1, infer_schema_length=0)
        acc = pl.read_csv(files.accounts, n_rows=1, infer_schema_length=0)
        assert sorted(_canonical(reg, "registrations").columns) == sorted(REGISTRATION_COLUMNS)
        assert sorted(_canonical(acc, "accounts").columns) == sorted(ACCOUNT_COLUMNS)
        headers.add((tuple(reg.columns), tuple(acc.columns)))
    assert len(headers) > 1  # the header spelling is drawn per run


def test_truth_names_kind_ring_and_sophistication(hard):
    _, _, _, truth = hard
    rings = truth.filter(pl.col("is_ring") == "true")
    assert set(rings["sophistication"]) == set(MIX)
    assert truth.filter(pl.col("is_ring") == "false")["sophistication"].is_null().all()
    assert (rings.group_by("group_id").agg(pl.col("sophistication").n_unique())["sophistication"] == 1).all()
    # student batches sell youth: they are never careful
    assert set(rings.filter(pl.col("kind") == "student_batch")["sophistication"]) == {"naive"}
    assert {"dense", "landline", "profile_only"} <= set("+".join(truth["tags"].drop_nulls()).split("+"))


def test_sophisticated_rings_look_established(hard):
    _, reg, acc, _ = hard
    soph = reg.filter(pl.col("sophistication") == "sophisticated")
    valid = soph.filter(pl.col("法定代表人证件号码").map_elements(resident_id_ok, return_dtype=pl.Boolean))
    ages = [age_at(rid.upper(), _parse_any_date(day))
            for rid, day in zip(valid["法定代表人证件号码"], valid["成立日期"], strict=True)]
    assert ages and all(30 <= a <= 50 for a in ages), sorted(ages)[:5]
    capital = soph["注册资本(万元)"].str.extract(r"([0-9.]+)", 1).cast(pl.Float64)
    in_yuan = soph["注册资本(万元)"].str.contains("^[0-9.]+元$")
    capital = pl.select(pl.when(in_yuan).then(capital / 10_000).otherwise(capital)).to_series()
    assert capital.is_between(100, 3000).all()  # 1-30 million CNY
    for g in _groups(soph, pl.col("kind").is_in(["address_farm", "nominee_rep", "dealer_phone", "agent_opener"])):
        first = _first_accounts(acc, g["统一社会信用代码"].to_list())
        reg_day = dict(zip(g["统一社会信用代码"], map(_parse_any_date, g["成立日期"]), strict=True))
        delays = [(day - reg_day[u]).days for u, (day, _) in first.items()]
        assert all(14 <= d <= 70 for d in delays), (g["group_id"][0], delays)
    naive = reg.filter((pl.col("sophistication") == "naive") & (pl.col("kind") != "student_batch"))
    naive_ages = [age_at(rid.upper(), _parse_any_date(day)) for rid, day in
                  zip(naive["法定代表人证件号码"], naive["成立日期"]) if resident_id_ok(rid)]
    assert sum(a <= 25 for a in naive_ages) > 0.3 * len(naive_ages)  # the knob is what makes them older


def test_sophisticated_rings_register_over_months_and_vary_their_trades(hard):
    _, reg, _, _ = hard
    spans = {}
    for g in _groups(reg, pl.col("is_ring") == "true"):
        days = [_parse_any_date(d) for d in g["成立日期"]]
        spans.setdefault(g["sophistication"][0], []).append((max(days) - min(days)).days)
    median = {level: sorted(v)[len(v) // 2] for level, v in spans.items()}
    assert median["sophisticated"] >= 60 and median["sophisticated"] > median["naive"]
    for g in _groups(reg, (pl.col("sophistication") == "sophisticated") & (pl.col("kind") == "nominee_rep")):
        assert g["经营范围"].n_unique() > g.height / 2


def _landline_groups(reg):
    return _groups(reg, (pl.col("kind") == "dealer_phone") & pl.col("tags").str.contains("landline"))


def local_number(text: str | None) -> str | None:
    """The 7- or 8-digit local part of a landline however it is written (independent of the project's parser)."""
    if not text:
        return None
    t = re.sub(r"(转|分机|\s*ext\s*)\d+$", "", unicodedata.normalize("NFKC", text))
    head, dash, tail = t.rpartition("-")
    if dash and len(tail) <= 4 and len(re.sub(r"\D", "", head)) >= 10:  # 0571-88123456-8001
        t = head
    m = re.search(r"(?<!\d)([2-8]\d{6,7})(?!\d)", t) or re.search(r"^0\d{2,3}([2-8]\d{6,7})$", re.sub(r"\D", "", t))
    return m.group(1) if m else None


def test_wide_landline_spellings_parse_to_one_number():
    rng = np.random.default_rng(0)
    n = 400
    number, ext = np.full(n, 57188123456), np.where(np.arange(n) % 2 == 0, 8001, 0)
    text = render.phones(number, np.ones(n, bool), ext, rng, 1.0, wide=True)
    forms = set(text)
    for pattern in (r"^0571-88123456", r"^\(0571\)", r"^（0571）", r"^\+86-571-", r"^\+86 571 ", r"^88123456",
                    r"^0571 88123456", r"^057188123456", r"转8001$", r"-8001$", r" ext 8001$", r"分机8001$"):
        assert any(re.search(pattern, f) for f in forms), pattern
    assert any(f != unicodedata.normalize("NFKC", f) for f in forms)  # full-width digits
    parsed = parse_phones(text, ["3301"] * n)  # hint: a Hangzhou registering authority
    assert parsed["national"].unique().to_list() == ["057188123456"], parsed.filter(
        pl.col("national") != "057188123456").rows()
    assert parsed["type"].unique().to_list() == ["fixed_line"]
    assert parsed.filter(pl.Series(ext > 0))["extension"].unique().to_list() == ["8001"]


def test_landline_dealer_rings_share_one_fixed_line(hard):
    _, reg, acc, _ = hard
    groups = _landline_groups(reg)
    assert len(groups) >= 2
    spellings = set()
    for g in groups:
        assert 5 <= g.height <= 8
        assert g["法定代表人证件号码"].str.to_uppercase().n_unique() == g.height
        assert g["企业名称"].n_unique() == g.height
        assert len({address_digits(a) for a in g["住所"]}) >= g.height - 1
        sub = acc.filter(pl.col("统一社会信用代码").is_in(g["统一社会信用代码"].to_list()))
        values = list(zip(g["统一社会信用代码"], g["联系电话"])) + list(zip(sub["统一社会信用代码"], sub["联系电话"]))
        local = Counter(local_number(p) for _, p in values if local_number(p)).most_common(1)[0][0]
        dealer = [(u, p) for u, p in values if local_number(p) == local]
        assert {u for u, _ in dealer} == set(g["统一社会信用代码"])  # on every member: registration or bank
        parsed = parse_phones([p for _, p in dealer], [u[2:6] for u, _ in dealer])  # hint as the job gives it
        assert parsed["national"].n_unique() == 1, parsed.select("input", "national").unique().rows()
        assert parsed["type"].unique().to_list() == ["fixed_line"]
        spellings |= {re.sub(r"\d", "9", p) for _, p in dealer}
    assert len(spellings) >= 4


def test_some_landline_dealers_appear_only_in_the_bank_contact_field(hard):
    _, reg, acc, _ = hard
    only_at_bank = 0
    for g in _landline_groups(reg):
        sub = acc.filter(pl.col("统一社会信用代码").is_in(g["统一社会信用代码"].to_list()))
        numbers = Counter(local_number(p) for p in pl.concat([g["联系电话"], sub["联系电话"]]) if local_number(p))
        local = numbers.most_common(1)[0][0]
        only_at_bank += sum(local_number(p) != local for p in g["联系电话"])
    assert only_at_bank >= 2


def test_group_subsidiaries_share_switchboard_name_and_executives_over_years(hard):
    _, reg, acc, _ = hard
    checked = 0
    for g in _groups(reg, pl.col("kind") == "group_subsidiary"):
        if g.height < 4:
            continue
        checked += 1
        bigrams = [{n[i:i + 2] for i in range(len(n) - 1)} - {"有限", "限公", "公司"} for n in g["企业名称"]]
        assert set.intersection(*bigrams)
        assert g["法定代表人证件号码"].str.to_uppercase().n_unique() < g.height  # reps reused
        days = sorted(_parse_any_date(d) for d in g["成立日期"])
        assert (days[-1] - days[0]).days >= 365
        sub = acc.filter(pl.col("统一社会信用代码").is_in(g["统一社会信用代码"].to_list()))
        numbers = list(zip(g["统一社会信用代码"], g["联系电话"])) + list(zip(sub["统一社会信用代码"], sub["联系电话"]))
        switchboard = Counter(local_number(p) for _, p in numbers if local_number(p)).most_common(1)[0][0]
        assert len({u for u, p in numbers if local_number(p) == switchboard}) >= 0.6 * g.height
    assert checked >= 2


def test_profile_only_members_share_no_link_value_with_the_dealer(hard):
    _, reg, acc, _ = hard
    batches = _groups(reg, pl.col("kind") == "student_batch")
    assert batches
    for g in batches:
        ids = g["统一社会信用代码"].to_list()
        only = set(g.filter(pl.col("tags").fill_null("").str.contains("profile_only"))["统一社会信用代码"])
        linked = set(ids) - only
        assert only and len(linked) >= 2
        sub = acc.filter(pl.col("统一社会信用代码").is_in(ids))
        values: dict[str, set] = {u: set() for u in ids}
        for u, phone, address in zip(g["统一社会信用代码"], g["联系电话"], g["住所"]):
            values[u] |= {("phone", phone_digits(phone or "")), ("room", address_digits(address))}
        columns = ["统一社会信用代码", "法定代表人证件号码", "经办人证件号码", "联系电话"]
        for u, rep, agent, phone in sub[columns].iter_rows():
            values[u].add(("phone", phone_digits(phone or "")))
            if agent.upper() != rep.upper():
                values[u].add(("agent", agent.upper()))
        values = {u: {v for v in vs if v[1] not in ("", ())} for u, vs in values.items()}
        held = Counter(v for vs in values.values() for v in vs)
        dealer_values = {v for v, c in held.items() if c >= 2}
        assert dealer_values, g["group_id"][0]  # the linked members show the dealer
        for u in only:
            assert not values[u] & dealer_values, (g["group_id"][0], values[u] & dealer_values)
        # ... and share the profile and the timing
        members = g.filter(pl.col("统一社会信用代码").is_in(list(only)))
        days = {u: _parse_any_date(d) for u, d in zip(members["统一社会信用代码"], members["成立日期"])}
        rids = [r.upper() for r in members["法定代表人证件号码"] if resident_id_ok(r)]
        assert all(18 <= age_at(r, days[u]) <= 22 for u, r in zip(members["统一社会信用代码"],
                                                                   members["法定代表人证件号码"]) if resident_id_ok(r))
        assert all(not r.startswith("33") for r in rids)
        assert Counter(r[:6] for r in rids).most_common(1)[0][1] >= 0.6 * len(rids)
        first = _first_accounts(acc, ids)
        assert all(0 <= (first[u][0] - days[u]).days <= 5 for u in only)
        assert len({branch for _, branch in first.values()}) <= 2
        opened = sorted(day for day, _ in first.values())
        assert (opened[-1] - opened[0]).days <= 16


def test_dense_buildings_hold_several_rings_among_legitimate_tenants(hard):
    _, reg, _, _ = hard
    building = reg.with_columns(b=pl.col("住所").map_elements(lambda a: "|".join(address_digits(a)[:-1]) +
                                                              "|" + re.sub(r"[^\u4e00-\u9fa5]", "", a)[-4:],
                                                              return_dtype=pl.String))
    dense = building.filter(pl.col("tags").fill_null("").str.contains("dense"))
    per = dense.group_by("b").agg(rings=pl.col("group_id").filter(pl.col("is_ring") == "true").n_unique(),
                                  legit=(pl.col("is_ring") == "false").sum())
    assert per.filter((pl.col("rings") >= 2) & (pl.col("legit") >= 10)).height >= 1
    # a room an address farm uses was registered to a legitimate company before
    reused = reg.filter(pl.col("tags").fill_null("").str.contains("room_reused"))
    assert reused.height >= 1 and (reused["is_ring"] == "false").all()
    farm_rooms = {address_digits(a) for a in reg.filter(pl.col("kind") == "address_farm")["住所"]}
    assert {address_digits(a) for a in reused["住所"]} <= farm_rooms


@pytest.mark.parametrize(("knob", "tags"), [({"density": 0.8}, {"dense", "room_reused"}),
                                            ({"landline_dealers": 1.0}, {"landline"}),
                                            ({"profile_only": 0.6}, {"profile_only"}),
                                            ({"sophistication": "sophisticated"}, set())])
def test_one_knob_alone_changes_only_its_own_part(tmp_path, knob, tags):
    files = generate_demo(tmp_path, n_companies=3000, seed=21, **knob)
    truth = pl.read_csv(files.truth, infer_schema_length=0)
    seen = set("+".join(truth["tags"].drop_nulls()).split("+")) - {""}
    assert seen <= tags and (seen or not tags)
    levels = set(truth.filter(pl.col("is_ring") == "true")["sophistication"])
    assert levels == ({"naive", "sophisticated"} if "sophistication" in knob else {"naive"})
    header = files.registrations.read_bytes().decode("gbk").splitlines()[0].split(",")
    assert header == REGISTRATION_COLUMNS  # header variants come only with vary


def test_knob_values_are_checked():
    from shellring.flows.demo.knobs import parse_mix, resolve

    assert parse_mix("naive=.5, sophisticated=.5") == {"naive": 0.5, "sophisticated": 0.5}
    assert resolve(1, False, "medium", None, None, None, None).sophistication == {"medium": 1.0}
    for bad in ({"careless": 1.0}, "reckless", {"naive": -1.0}):
        with pytest.raises(ValueError):
            resolve(1, False, bad, None, None, None, None)
    with pytest.raises(ValueError, match="density"):
        resolve(1, False, None, 1.5, None, None, None)
    with pytest.raises(ValueError, match="level=number"):
        parse_mix("naive=lots")
