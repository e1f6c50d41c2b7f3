"""Seeded demo extracts (registrations, bank accounts) with planted shell-company rings and their truth file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from shellring.flows.demo import identifiers as ids
from shellring.flows.demo import pools, render
from shellring.flows.demo.account_volume import resize_accounts
from shellring.flows.demo.knobs import LEVELS, Knobs, resolve
from shellring.flows.demo.population import KINDS, RING_KINDS, TAGS, build

REGISTRATION_COLUMNS = ["统一社会信用代码", "企业名称", "法定代表人", "法定代表人证件号码", "住所", "联系电话",
                        "成立日期", "注册资本(万元)", "经营范围", "登记机关", "登记状态"]
ACCOUNT_COLUMNS = ["账号", "开户网点", "开户日期", "统一社会信用代码", "单位名称", "法定代表人", "法定代表人证件号码",
                   "经办人", "经办人证件号码", "经办人电话", "联系电话", "联系地址"]
# header variants a run with `vary` may use instead (each one the ingest's column table knows unambiguously)
REGISTRATION_HEADER_VARIANTS = {"企业名称": ["公司名称"], "法定代表人": ["法定代表人姓名"],
                                "法定代表人证件号码": ["法定代表人身份证号码", "法定代表人身份证号"],
                                "住所": ["注册地址", "住所地址"], "联系电话": ["企业联系电话", "电话"],
                                "成立日期": ["成立时间", "注册日期"], "注册资本(万元)": ["注册资本（万元）"],
                                "登记机关": ["登记机构"], "登记状态": ["经营状态", "企业状态"]}
ACCOUNT_HEADER_VARIANTS = {"账号": ["银行账号", "账户号码"], "开户网点": ["开户行", "开户机构"],
                           "开户日期": ["开户时间"],
                           "单位名称": ["账户名称"], "经办人证件号码": ["经办人身份证号", "经办人身份证号码"],
                           "经办人电话": ["经办人手机号", "经办人联系电话"], "联系电话": ["单位联系电话"],
                           "联系地址": ["通讯地址"]}
TRUTH_COLUMNS = ["uscc", "kind", "group_id", "is_ring", "sophistication", "tags"]


@dataclass(frozen=True)
class DemoFiles:
    registrations: Path
    accounts: Path
    truth: Path


def generate_demo(out_dir: Path, n_companies: int = 20_000, seed: int = 7, *, ring_share: float = 0.07,
                  noise: float = 0.15, fmt: str = "csv", hard: bool = False,
                  sophistication: dict[str, float] | str | None = None, density: float | None = None,
                  landline_dealers: float | None = None, profile_only: float | None = None,
                  vary: bool | None = None, variety: bool = False, accounts: int | None = None,
                  stretch: bool = False, grow_branches: bool = False, plan_by_seed: bool = False) -> DemoFiles:
    """Write registrations, accounts and truth.csv for n_companies with planted rings and look-alikes.

    The knobs (all off by default; `hard=True` turns every unset one on with per-run values, see knobs.py):
    sophistication -- mix of ring levels, e.g. {"naive": .4, "medium": .3, "sophisticated": .3} or one level;
        sophisticated rings use reps aged 30-50, capital 1-30 million CNY, accounts opened 2-10 weeks after
        registration, varied names and trades, registrations spread over months.
    density -- share of rings (and of parks / incubators) inside busy shared buildings with ordinary tenants.
    landline_dealers -- share of dealer-phone rings run from one fixed line (5-8 companies), written many ways;
        group subsidiaries then share their switchboard as widely (and reuse representatives over years).
    profile_only -- share of student-batch members sharing only profile and timing with the batch.
    vary -- draw proportions, sizes, noise rates, date/capital formats and header names per run.
    variety -- never on unless asked (`hard` leaves it off): phones, addresses and names in further real
        spellings (render.varied_*) and ring proportions drawn per ring from wider ranges (population.py
        `_Variety`), so a detector tuned on the demo's own formats and proportions shows where it is brittle.
    stretch -- never on unless asked (`hard` leaves it off): ring sizes, registration pace, days to the account,
        representatives' ages and companies per nominee, and look-alikes' sizes and paces, drawn per group from
        the wide ranges DOMAIN.md reports (population.py `_Stretch`), to find where recall falls off a cliff.
    grow_branches -- never on unless asked (`hard` leaves it off): a region of more than 200,000 companies
        (population.BRANCH_ANCHOR_COMPANIES) gets proportionally more bank branches (in the districts of the
        existing ones, named after the district's towns and streets), so each branch serves as many companies
        as at 200k; without it the network stays the 200k region's, and at 1M each branch is five times as
        busy. At or below 200k it changes nothing.
    plan_by_seed -- never on unless asked: the per-run proportions and size ranges `vary` draws come from the
        seed alone, so 200k and 1M of one seed plant the same mix of rings (without it they are drawn after the
        world's per-company draws, so each size is another run: at seed 7, 200k plants 44 student batches per
        100k companies and 1M 63). Changes the output at every size when `vary` is on.
    accounts -- exactly this many account openings (default: what the world opens, ~0.7 per company); see
        account_volume.py. Registrations and truth.csv do not change with it.
    truth.csv carries per company: kind, group_id (ring or look-alike group), is_ring, sophistication (rings)
    and tags (dense, landline, profile_only, room_reused joined by '+').
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    knobs = resolve(seed, hard, sophistication, density, landline_dealers, profile_only, vary, variety, stretch,
                    grow_branches, plan_by_seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    w, people, addresses, openings, meta = build(n_companies, seed, ring_share, knobs)
    rng = np.random.default_rng([seed, 1])  # rendering stream, independent of the world stream
    spell = _Spelling(knobs.variety, np.random.default_rng([seed, 9]))  # its own stream: the rest stays as it was
    n = n_companies
    dist = meta["dist"]
    wide = knobs.any
    nz = _noise_rates(noise, knobs, np.random.default_rng([seed, 5]))

    address_table = _address_frame(addresses, meta)
    person_names = _person_names(people, meta["surnames"])
    person_ids = ids.resident_ids(rng, people["region"], people["birth"])
    del people, addresses  # rendered into the three above; at millions of companies they are GBs

    uscc = ids.usccs(rng, dist.code[w.district])
    company_name = _company_names(w, dist, rng)
    reg = pl.DataFrame({
        "统一社会信用代码": uscc,
        "企业名称": company_name,
        "法定代表人": spell.names(_names(person_names, w.rep, rng, nz["names"]), nz["names"]),
        "法定代表人证件号码": spell.ids(_ids(person_ids, w.rep, rng, nz["ids"], typo=w.rep_id_typo), nz["ids"]),
        "住所": spell.addresses(render.addresses(address_table, w.addr, rng, nz["addresses"]), address_table,
                               w.addr, nz["addresses"]),
        # a dealer's phone is never left blank: it is the one thing the ring shares
        "联系电话": render.blank(spell.phones(render.phones(w.phone, w.phone_land, w.phone_ext, rng,
                                                          np.maximum(nz["phones"], w.phone_noise), wide=wide),
                                            w.phone, w.phone_land, w.phone_ext,
                                            np.maximum(nz["phones"], w.phone_noise)),
                              render.mask(rng, n, nz["phones"] * 0.05) & pl.Series(w.phone_noise == 0)),
        "成立日期": render.dates(w.reg_day, rng, nz["dates"], main=nz["reg_date_style"]),
        "注册资本(万元)": render.capitals(w.capital, rng, nz["capitals"], wide=wide),
        "经营范围": pl.Series(w.scopes).gather(w.scope),
        "登记机关": _authorities(w.district, dist, rng),
        "登记状态": _statuses(w.status_bad, rng),
    })

    text = _AccountText(w, uscc, company_name, person_names, person_ids, address_table, meta, nz, wide, spell)
    acc = text.frame(openings, rng)
    tiebreak = rng.permutation(len(acc))  # accounts opened the same day come in no telling order
    if accounts is None:
        acc = acc.with_columns(_day=pl.Series(openings["open_day"]), _r=pl.Series(tiebreak)) \
            .sort(["_day", "_r"]).drop(["_day", "_r"])
    else:
        acc = _resized_accounts(text, acc, tiebreak, openings, accounts, np.random.default_rng([seed, 8]))
    del text, openings, address_table, person_names, person_ids, company_name, tiebreak  # all rendered now

    reg_headers, acc_headers = {}, {}
    if knobs.vary:
        hr = np.random.default_rng([seed, 6])
        reg_headers = _header_variants(REGISTRATION_HEADER_VARIANTS, hr)
        acc_headers = _header_variants(ACCOUNT_HEADER_VARIANTS, hr)
    suffix = "parquet" if fmt == "parquet" else "csv"
    files = DemoFiles(out_dir / f"registrations.{suffix}", out_dir / f"accounts.{suffix}", out_dir / "truth.csv")
    _write_accounts(acc.rename(acc_headers), files.accounts, fmt)
    del acc  # written before the registrations are shuffled, so the two never sit in memory twice over

    kind_names = np.array(KINDS)[w.kind]
    is_ring = w.kind < len(RING_KINDS)
    truth = pl.DataFrame({"uscc": uscc, "kind": kind_names, "group_id": meta["group_names"][w.group],
                          "is_ring": is_ring,
                          "sophistication": np.where(is_ring, np.array(LEVELS)[np.maximum(w.level, 0)], ""),
                          "tags": _tag_text(w.tags)}).with_columns(
        pl.col("group_id").replace("", None), pl.col("sophistication").replace("", None),
        pl.col("tags").replace("", None))
    order = rng.permutation(n)
    truth[order].select(TRUTH_COLUMNS).write_csv(files.truth)
    _write_registrations(reg.rename(reg_headers), order, files.registrations, fmt)
    return files


def _write_accounts(acc: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        acc.write_parquet(path)
    else:
        acc.write_csv(path, include_bom=True)


def _write_registrations(reg: pl.DataFrame, order: np.ndarray, path: Path, fmt: str) -> None:
    """reg's rows in `order`; the CSV is GBK, shuffled and encoded slice by slice so that neither a shuffled
    copy of the whole table nor its whole text is ever held."""
    if fmt == "parquet":
        reg[order].write_parquet(path)
        return
    with path.open("wb") as out:
        for start in range(0, len(order), 200_000):
            part = reg[order[start:start + 200_000]]
            out.write(part.write_csv(include_header=start == 0).encode("gbk"))


@dataclass(frozen=True)
class _Spelling:
    """With `variety`, rewrites rendered text in further real spellings from its own random stream; without
    it, hands the text back untouched (and draws nothing)."""
    on: bool
    rng: np.random.Generator

    def phones(self, text: pl.Series, numbers: np.ndarray, land: np.ndarray, ext: np.ndarray,
               noise: float | np.ndarray) -> pl.Series:
        return render.varied_phones(text, numbers, land, ext, self.rng, noise) if self.on else text

    def addresses(self, text: pl.Series, table: pl.DataFrame, rows: np.ndarray, noise: float) -> pl.Series:
        if not self.on:
            return text
        redone = render.varied_addresses(table, rows, self.rng, noise)
        return pl.select(pl.when(text.is_null()).then(text).otherwise(redone)).to_series()

    def names(self, text: pl.Series, noise: float) -> pl.Series:
        return render.varied_names(text, self.rng, noise) if self.on else text

    def ids(self, text: pl.Series, noise: float) -> pl.Series:
        return render.varied_ids(text, self.rng, noise) if self.on else text


@dataclass(frozen=True)
class _AccountText:
    """What the bank extract's text is made of; `frame` renders latent account rows in their order."""
    w: object
    uscc: np.ndarray
    company_name: pl.Series
    person_names: pl.Series
    person_ids: np.ndarray
    address_table: pl.DataFrame
    meta: dict
    nz: dict
    wide: bool
    spell: _Spelling

    def frame(self, accounts: dict, rng: np.random.Generator) -> pl.DataFrame:
        company = accounts["company"]
        m = len(company)
        banks = self.meta["branches"].bank[accounts["branch"]]
        phone_noise = self.w.phone_noise[company]
        return pl.DataFrame({
            "账号": ids.account_numbers(rng, np.array([b[1] for b in pools.BANKS])[banks],
                                      np.array([b[2] for b in pools.BANKS])[banks]),
            "开户网点": pl.Series(self.meta["branches"].name).gather(accounts["branch"]),
            "开户日期": render.dates(accounts["open_day"], rng, self.nz["dates"], main=self.nz["open_date_style"]),
            "统一社会信用代码": pl.Series(self.uscc).gather(company),
            "单位名称": self.company_name.gather(company),
            "法定代表人": self.spell.names(_names(self.person_names, self.w.rep[company], rng, self.nz["names"]),
                                      self.nz["names"]),
            "法定代表人证件号码": self.spell.ids(_ids(self.person_ids, self.w.rep[company], rng, self.nz["ids"]),
                                          self.nz["ids"]),
            "经办人": self.spell.names(_names(self.person_names, accounts["agent"], rng, self.nz["names"]),
                                    self.nz["names"]),
            "经办人证件号码": self.spell.ids(_ids(self.person_ids, accounts["agent"], rng, self.nz["ids"]),
                                        self.nz["ids"]),
            "经办人电话": self.spell.phones(
                render.phones(accounts["agent_phone"], np.zeros(m, bool), np.zeros(m, np.int64), rng,
                              self.nz["phones"], wide=self.wide),
                accounts["agent_phone"], np.zeros(m, bool), np.zeros(m, np.int64), self.nz["phones"]),
            "联系电话": render.blank(
                self.spell.phones(
                    render.phones(accounts["contact_phone"], accounts["contact_land"], accounts["contact_ext"], rng,
                                  np.maximum(self.nz["phones"], phone_noise), wide=self.wide),
                    accounts["contact_phone"], accounts["contact_land"], accounts["contact_ext"],
                    np.maximum(self.nz["phones"], phone_noise)),
                render.mask(rng, m, self.nz["phones"] * 0.1) & pl.Series(phone_noise == 0)),
            "联系地址": render.blank(
                self.spell.addresses(
                    render.addresses(self.address_table, accounts["contact_addr"], rng, self.nz["addresses"]),
                    self.address_table, accounts["contact_addr"], self.nz["addresses"]),
                render.mask(rng, m, self.nz["addresses"] * 0.1)),
        })


def _resized_accounts(text: _AccountText, acc: pl.DataFrame, tiebreak: np.ndarray, accounts: dict,
                      n_accounts: int, rng: np.random.Generator) -> pl.DataFrame:
    """Exactly n_accounts openings: the default rows (rendered as without the knob, so the registrations and
    truth stay byte for byte) less the dropped ones, plus further accounts rendered from their own stream."""
    w = text.w
    keep, extra = resize_accounts(accounts, w.kind < len(RING_KINDS), w.district, w.capital, text.meta["branches"],
                                  n_accounts, rng, text.meta["branch_rng"])
    n_extra = len(extra["open_day"])
    rows = np.r_[keep, len(acc) + np.arange(n_extra)]
    day = np.r_[accounts["open_day"][keep], extra["open_day"]]
    # same-day order: the default rows keep their relative order, further accounts fall in among them
    tie = np.r_[tiebreak[keep] / max(len(tiebreak), 1), rng.random(n_extra)]
    if n_extra:
        more = text.frame(extra, rng)
        acc = pl.concat([acc, more.with_columns(pl.Series("账号", _distinct_from(acc["账号"], more, extra, text,
                                                                                rng)))])
    return acc[rows[np.lexsort((tie, day))]]  # one gather: no sorted copy next to a concatenated one


def _distinct_from(taken: pl.Series, more: pl.DataFrame, extra: dict, text: _AccountText,
                   rng: np.random.Generator) -> np.ndarray:
    """Redraw the further accounts' numbers that a default account already holds (drawn apart, they may clash)."""
    out = more["账号"].to_numpy().astype(object)
    banks = text.meta["branches"].bank[extra["branch"]]
    prefixes, lengths = np.array([b[1] for b in pools.BANKS])[banks], np.array([b[2] for b in pools.BANKS])[banks]

    def clashes() -> np.ndarray:
        drawn = pl.Series(out.astype(str))
        return np.flatnonzero((drawn.is_in(taken.implode()) | ~drawn.is_first_distinct()).to_numpy())

    while len(clash := clashes()):
        out[clash] = ids.account_numbers(rng, prefixes[clash], lengths[clash])
    return out.astype(str)


def _noise_rates(noise: float, knobs: Knobs, rng: np.random.Generator) -> dict:
    """One noise rate per field family; with `vary` each is drawn around `noise`, and each file gets its own
    usual date style."""
    families = ("names", "ids", "addresses", "phones", "dates", "capitals")
    if not knobs.vary:
        return dict.fromkeys(families, noise) | {"reg_date_style": None, "open_date_style": None}
    rates = {f: float(min(0.6, noise * rng.uniform(0.5, 2.0))) for f in families}
    styles = rng.integers(0, render.WIDE_DATE_STYLES, 2)
    return rates | {"reg_date_style": int(styles[0]), "open_date_style": int(styles[1])}


def _header_variants(variants: dict[str, list[str]], rng: np.random.Generator) -> dict[str, str]:
    return {col: names[int(rng.integers(0, len(names)))] for col, names in variants.items() if rng.random() < 0.4}


def _tag_text(tags: np.ndarray) -> np.ndarray:
    out = np.full(len(tags), "", dtype=object)
    for bit, name in TAGS.items():
        has = (tags & bit) > 0
        out[has] = np.where(out[has] == "", name, out[has] + "+" + name)
    return out.astype(str)


def _address_frame(a: dict, meta: dict) -> pl.DataFrame:
    dist = meta["dist"]
    return pl.DataFrame({
        "prov": pl.repeat("浙江省", len(a["district"]), eager=True),
        "city": pl.Series(dist.city_name).gather(a["district"]),
        "district": pl.Series(dist.name).gather(a["district"]),
        "street": pl.Series([""] + meta["street_flat"]).gather(a["street"] + 1),
        "road": pl.Series(meta["roads"]).gather(a["road"]),
        "road_no": a["road_no"].clip(1, 9999), "poi": pl.Series([""] + meta["pois"]).gather(a["poi"] + 1),
        "bldg": a["bldg"], "bldg_style": a["bldg_style"], "room": a["room"], "note": a["note"],
    })


def _person_names(p: dict, surnames: list[str]) -> pl.Series:
    given = pools.GIVEN_OLD + [""] * (1000 - len(pools.GIVEN_OLD)) + pools.GIVEN_YOUNG
    gs = pl.Series(given + [""])
    g2 = np.where(p["g2"] < 0, len(given), p["g2"])
    base = pl.select(pl.concat_str(pl.Series(surnames).gather(p["surname"]), gs.gather(p["g1"]), gs.gather(g2)))
    common = pl.Series(pools.COMMON_NAMES + [""]).gather(np.where(p["common"] < 0, len(pools.COMMON_NAMES),
                                                                  p["common"]))
    return pl.select(pl.when(common != "").then(common).otherwise(base.to_series())).to_series()


def _names(names: pl.Series, who: np.ndarray, rng: np.random.Generator, noise: float) -> pl.Series:
    return render.with_typo(names.gather(who), render.mask(rng, len(who), noise * 0.03), rng)


def _ids(person_ids: np.ndarray, who: np.ndarray, rng: np.random.Generator, noise: float,
         typo: np.ndarray | None = None) -> pl.Series:
    out = pl.Series(person_ids[who])
    out = pl.select(pl.when(render.mask(rng, len(who), noise * 0.5)).then(out.str.replace("X", "x")).otherwise(out)
                    ).to_series()
    if typo is not None and typo.any():
        arr = out.to_numpy().astype("U18")
        pos = rng.integers(6, 17, len(who))
        for i in np.flatnonzero(typo):  # a handful of nominee records only
            s = arr[i]
            arr[i] = s[:pos[i]] + str((int(s[pos[i]]) + 1 + int(rng.integers(0, 9))) % 10) + s[pos[i] + 1:]
        out = pl.Series(arr)
    return out


def _company_names(w, dist: pools.Districts, rng: np.random.Generator) -> pl.Series:
    city_short = pl.Series(np.char.replace(dist.city_name.astype(str), "市", "")).gather(w.name_city)
    industry = pl.Series([x[0] for x in pools.INDUSTRIES]).gather(w.industry)
    trade = pl.Series(w.trades).gather(w.trade)
    for _ in range(10):
        df = pl.DataFrame({"c": city_short, "t": trade, "i": industry, "s": w.name_style})
        names = df.select(
            pl.when(pl.col("s") == 1).then(pl.concat_str("t", pl.lit("（"), "c", pl.lit("）"), "i", pl.lit("有限公司")))
            .when(pl.col("s") == 2).then(pl.concat_str(pl.lit("浙江"), "t", "i", pl.lit("有限公司")))
            .when(pl.col("s") == 3).then(pl.concat_str("c", pl.lit("市"), "t", "i", pl.lit("有限公司")))
            .otherwise(pl.concat_str("c", "t", "i", pl.lit("有限公司")))).to_series()
        dup = names.is_duplicated().to_numpy() & ~names.is_first_distinct().to_numpy()
        if not dup.any():
            return names
        extra = pl.Series(pools.TRADE_CHARS).gather(rng.integers(0, len(pools.TRADE_CHARS), int(dup.sum())))
        trade = trade.scatter(np.flatnonzero(dup), trade.gather(np.flatnonzero(dup)) + extra)
    return names


def _authorities(district: np.ndarray, dist: pools.Districts, rng: np.random.Generator) -> pl.Series:
    city, name = pl.Series(dist.city_name).gather(district), pl.Series(dist.name).gather(district)
    own = pl.select(pl.when(name.str.ends_with("区")).then(city + name).otherwise(name) + "市场监督管理局").to_series()
    city_level = render.mask(rng, len(district), 0.08)
    return pl.select(pl.when(city_level).then(city + "市场监督管理局").otherwise(own)).to_series()


def _statuses(bad: np.ndarray, rng: np.random.Generator) -> pl.Series:
    labels = [s for s, _ in pools.STATUSES]
    p = np.array([x for _, x in pools.STATUSES])
    idx = rng.choice(len(labels), len(bad), p=p / p.sum())
    idx = np.where(bad, labels.index("吊销，未注销"), idx)
    return pl.Series(labels).gather(idx)
