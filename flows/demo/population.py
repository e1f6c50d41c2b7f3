"""The latent world behind the demo extracts: companies, people, addresses, accounts and planted groups.

Everything is integer/float arrays; text is produced later by `render`. Ordinary profiles are drawn for all
companies at once, then each planted group (ring or legitimate look-alike) overwrites what its kind shares.
Loops run over groups only, never over companies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from shellring.flows.demo import identifiers as ids
from shellring.flows.demo import pools
from shellring.flows.demo.hosted import HostedFarms
from shellring.flows.demo.knobs import LEVELS, Knobs

END_DAY = int(np.datetime64("2026-10-31", "D").astype(np.int64))
YEAR = 365.2425

RING_KINDS = ["address_farm", "nominee_rep", "dealer_phone", "agent_opener", "weak_links", "student_batch"]
TAG_DENSE, TAG_LANDLINE, TAG_PROFILE_ONLY, TAG_ROOM_REUSED = 1, 2, 4, 8
TAGS = {TAG_DENSE: "dense", TAG_LANDLINE: "landline", TAG_PROFILE_ONLY: "profile_only", TAG_ROOM_REUSED: "room_reused"}
LEGIT_KINDS = ["business_park", "incubator", "group_subsidiary", "bookkeeping_client", "serial_owner", "common_name"]
KINDS = RING_KINDS + LEGIT_KINDS + ["ordinary"]
RING_MIX = {"address_farm": .20, "nominee_rep": .18, "dealer_phone": .16, "agent_opener": .16, "weak_links": .14,
            "student_batch": .16}
RING_SIZES = {"address_farm": (8, 40), "nominee_rep": (4, 24), "dealer_phone": (5, 20), "agent_opener": (5, 25),
              "weak_links": (4, 10), "student_batch": (6, 20)}
# share of all companies, (min, max) group size — look-alikes total ~11 %
LEGIT_PLAN = {"business_park": (.040, 50, 300), "incubator": (.022, 20, 80), "group_subsidiary": (.012, 3, 12),
              "bookkeeping_client": (.022, 20, 150), "serial_owner": (.008, 2, 3), "common_name": (.006, 3, 8)}


def plan_groups(rng: np.random.Generator, n: int, ring_share: float, ring_mix: dict | None = None,
                ring_sizes: dict | None = None, legit_plan: dict | None = None) -> list[tuple[str, int]]:
    """(kind, size) for every planted group; at least two groups per kind whenever sizes allow."""
    ring_mix, ring_sizes, legit_plan = ring_mix or RING_MIX, ring_sizes or RING_SIZES, legit_plan or LEGIT_PLAN
    plan: list[tuple[str, int]] = []
    budgets = {k: ring_share * n * w for k, w in ring_mix.items()}
    budgets |= {k: share * n for k, (share, _, _) in legit_plan.items()}
    bounds = ring_sizes | {k: (lo, hi) for k, (_, lo, hi) in legit_plan.items()}
    for kind, budget in budgets.items():
        lo, hi = bounds[kind]
        hi_eff = int(min(hi, max(lo, budget // 3 if kind in ring_mix else budget)))
        left = int(round(budget))
        while left >= lo or not any(k == kind for k, _ in plan):
            # log-uniform sizes: many small groups, a few big ones
            size = int(np.exp(rng.uniform(np.log(lo), np.log(hi_eff + 1))))
            size = max(lo, min(size, hi_eff, max(left, lo)))
            plan.append((kind, size))
            left -= size
    return plan


@dataclass(frozen=True)
class Spec:
    """One planted group: its kind and size, and for rings how careful they are and how the dealer phones."""
    kind: str
    size: int
    level: int = 0          # index into knobs.LEVELS; 0 (naive) for look-alikes
    landline: bool = False  # dealer-phone ring run from a fixed line


def plan_specs(rng: np.random.Generator, n: int, ring_share: float, knobs: Knobs,
               plan_rng: np.random.Generator | None = None) -> list[Spec]:
    """plan_groups with the knobs: per-run proportions and sizes (vary), a level per ring, landline dealers;
    with `stretch`, sizes from the wide ranges of _Stretch (rings and look-alikes alike). `plan_rng` (the
    `plan_by_seed` knob): the per-run proportions and size ranges from this stream, the seed's alone, instead of
    the world's stream after its draws per company (which make two sizes of one seed two different runs)."""
    vary_rng = plan_rng or rng
    ring_mix, ring_sizes, legit_plan = dict(RING_MIX), dict(RING_SIZES), dict(LEGIT_PLAN)
    if knobs.stretch:
        ring_sizes = dict(_Stretch.RING_SIZES)
        legit_plan = {k: (share, *_Stretch.LEGIT_SIZES.get(k, (lo, hi))) for k, (share, lo, hi) in legit_plan.items()}
    if knobs.vary:
        ring_share *= vary_rng.uniform(0.8, 1.25)
        weights = {k: v * vary_rng.uniform(0.5, 1.6) for k, v in ring_mix.items()}
        ring_mix = {k: v / sum(weights.values()) for k, v in weights.items()}
        ring_sizes = {k: (max(4, round(lo * vary_rng.uniform(0.8, 1.25))), round(hi * vary_rng.uniform(0.7, 1.6)))
                      for k, (lo, hi) in ring_sizes.items()}
        ring_sizes = {k: (lo, max(hi, lo + 3)) for k, (lo, hi) in ring_sizes.items()}
        legit_plan = {k: (share * vary_rng.uniform(0.6, 1.7), lo, hi) for k, (share, lo, hi) in legit_plan.items()}
    levels = list(knobs.sophistication)
    p = np.array([knobs.sophistication[x] for x in levels])
    specs = []
    for kind, size in plan_groups(rng, n, ring_share, ring_mix, ring_sizes, legit_plan):
        if kind not in RING_MIX:
            specs.append(Spec(kind, size))
            continue
        level = 0 if kind == "student_batch" else LEVELS.index(levels[rng.choice(len(levels), p=p)])
        landline = kind == "dealer_phone" and rng.random() < knobs.landline_dealers
        # a fixed line on 5-8 new companies: more would be a switchboard everyone notices
        specs.append(Spec(kind, int(rng.integers(5, 9)) if landline else size, level, landline))
    return specs


@dataclass
class World:
    n: int
    rng: np.random.Generator
    # companies
    kind: np.ndarray = field(init=False)
    group: np.ndarray = field(init=False)
    district: np.ndarray = field(init=False)
    reg_day: np.ndarray = field(init=False)
    addr: np.ndarray = field(init=False)
    rep: np.ndarray = field(init=False)
    phone: np.ndarray = field(init=False)
    phone_land: np.ndarray = field(init=False)
    phone_ext: np.ndarray = field(init=False)
    capital: np.ndarray = field(init=False)
    scope: np.ndarray = field(init=False)
    industry: np.ndarray = field(init=False)
    trade: np.ndarray = field(init=False)
    name_city: np.ndarray = field(init=False)
    name_style: np.ndarray = field(init=False)
    rep_id_typo: np.ndarray = field(init=False)
    status_bad: np.ndarray = field(init=False)
    phone_noise: np.ndarray = field(init=False)
    level: np.ndarray = field(init=False)   # index into knobs.LEVELS for ring members, -1 otherwise
    tags: np.ndarray = field(init=False)    # TAG_* bits: how a company was placed by the hard knobs
    scopes: list = field(default_factory=list)
    trades: list = field(default_factory=list)


class Table:
    """Growable column store; rows are appended in blocks and addressed by integer index."""

    def __init__(self, **dtypes):
        self.dtypes = dtypes
        self.blocks: dict[str, list[np.ndarray]] = {k: [] for k in dtypes}
        self.size = 0

    def add(self, **cols) -> np.ndarray:
        k = len(next(iter(cols.values())))
        for name, dt in self.dtypes.items():
            value = cols.get(name)
            arr = np.zeros(k, dtype=dt) if value is None else np.broadcast_to(np.asarray(value, dtype=dt), (k,))
            self.blocks[name].append(np.array(arr))
        start = self.size
        self.size += k
        return np.arange(start, self.size)

    def row(self, index: int) -> dict:
        """One row as scalars; searches from the newest block (clone bases are created just before)."""
        end = self.size
        first = next(iter(self.blocks.values()))
        for i in range(len(first) - 1, -1, -1):
            begin = end - len(first[i])
            if begin <= index:
                return {name: blocks[i][index - begin] for name, blocks in self.blocks.items()}
            end = begin
        raise IndexError(index)

    def update(self, index: np.ndarray, **cols) -> None:
        """Overwrite the given rows' columns in place."""
        for i, begin, inside in self._located(index):
            for name, value in cols.items():
                self.blocks[name][i][index[inside] - begin] = np.asarray(value)[inside]

    def values(self, index: np.ndarray, name: str) -> np.ndarray:
        out = np.zeros(len(index), dtype=self.dtypes[name])
        for i, begin, inside in self._located(index):
            out[inside] = self.blocks[name][i][index[inside] - begin]
        return out

    def _located(self, index: np.ndarray):
        begin = 0
        for i, first in enumerate(next(iter(self.blocks.values()))):
            inside = (index >= begin) & (index < begin + len(first))
            if inside.any():
                yield i, begin, inside
            begin += len(first)

    def freeze(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.blocks.items()}


def build(n: int, seed: int, ring_share: float, knobs: Knobs | None = None) -> tuple[World, dict, dict, dict, dict]:
    knobs = knobs or Knobs()
    hard = knobs.any  # every knob-only draw sits behind this, so the classic demo stays byte for byte
    rng = np.random.default_rng(seed)
    vr = _Variety(knobs.variety, seed)
    st = _Stretch(knobs.stretch, seed)
    hosted = HostedFarms(knobs.variety, seed)
    w = World(n, rng)
    dist = pools.region_districts()
    roads, poi_names = pools.address_fragments()
    people = Table(birth="i8", region="U6", surname="i4", g1="i4", g2="i4", common="i4", mobile="i8")
    addrs = Table(district="i4", street="i4", road="i4", road_no="i4", poi="i4", bldg="i4", bldg_style="i4",
                  room="i4", note="U40")
    accts = Table(company="i8", branch="i4", open_day="i8", agent="i8", agent_phone="i8", contact_phone="i8",
                  contact_land="?", contact_ext="i4", contact_addr="i8")
    surnames, surname_p = pools.surname_table()
    county, county_prov = pools.county_codes()
    zj_county = county[county_prov == "33"]
    other_prov = np.array(list(pools.OTHER_PROVINCES))
    other_p = np.array(list(pools.OTHER_PROVINCES.values()), float)
    other_p /= other_p.sum()
    by_prov = {p: county[county_prov == p] for p in other_prov}
    street_flat, street_off, street_cnt = _street_index(dist.code)
    area_of_city = {c: pools.LANDLINE_AREA.get(c, "571") for c in np.unique(dist.city_code)}
    district_area = np.array([area_of_city[c] for c in dist.city_code])
    short_areas = pools.SEVEN_DIGIT_AREAS if hard else ()  # the classic demo wrote 8 digits everywhere
    branches = _branches(dist, n, knobs.grow_branches)
    # which sub-branch of a chosen branch: its own stream, so the world's draws stay where they were
    branch_rng = np.random.default_rng([seed, 16]) if knobs.grow_branches else None

    # ---------- helpers ----------
    def region_codes(k: int, district_idx: np.ndarray, out_share: float = 0.20) -> np.ndarray:
        u = rng.random(k)
        out = np.empty(k, dtype="U6")
        far = u < out_share
        prov = rng.choice(other_prov, int(far.sum()), p=other_p)
        out[far] = _bulk_pick(rng, prov, by_prov)
        same = ~far & (u < out_share + 0.45)
        out[same] = dist.code[district_idx[same]]
        rest = ~far & ~same
        out[rest] = zj_county[rng.integers(0, len(zj_county), int(rest.sum()))]
        return out

    def new_people(ages: np.ndarray, at_day: np.ndarray, regions: np.ndarray, mvno: float = 0.03) -> np.ndarray:
        k = len(ages)
        birth = (np.asarray(at_day) - ages * YEAR).astype(np.int64)
        young = birth > int(np.datetime64("1985-01-01", "D").astype(np.int64))
        g1 = np.where(young, rng.integers(0, len(pools.GIVEN_YOUNG), k), rng.integers(0, len(pools.GIVEN_OLD), k))
        g2 = np.where(rng.random(k) < 0.9, np.where(young, rng.integers(0, len(pools.GIVEN_YOUNG), k),
                                                    rng.integers(0, len(pools.GIVEN_OLD), k)), -1)
        return people.add(birth=birth, region=regions, surname=rng.choice(len(surnames), k, p=surname_p),
                          g1=g1 + np.where(young, 1000, 0), g2=np.where(g2 >= 0, g2 + np.where(young, 1000, 0), -1),
                          common=-1, mobile=ids.mobiles(rng, k, mvno))

    def ordinary_ages(k: int) -> np.ndarray:
        band = rng.choice(3, k, p=[.06, .15, .79])
        return np.select([band == 0, band == 1], [rng.uniform(18.1, 22.9, k), rng.uniform(23, 29.9, k)],
                         np.clip(rng.normal(42, 9, k), 30, 68))

    def new_addresses(district_idx: np.ndarray, poi_share: float = 0.45, room_share: float = 0.8) -> np.ndarray:
        k = len(district_idx)
        has_street = rng.random(k) < 0.3
        cnt = street_cnt[district_idx]
        street = np.where(has_street & (cnt > 0),
                          street_off[district_idx] + (rng.random(k) * np.maximum(cnt, 1)).astype(int), -1)
        has_poi = rng.random(k) < poi_share
        bldg = np.where(has_poi & (rng.random(k) < 0.6), rng.integers(1, 13, k), 0)
        floor = rng.integers(1, 28, k)
        return addrs.add(district=district_idx, street=street, road=rng.integers(0, len(roads), k),
                         road_no=(np.exp(rng.uniform(0, np.log(2000), k))).astype(int),
                         poi=np.where(has_poi, rng.integers(0, len(poi_names), k), -1), bldg=bldg,
                         bldg_style=rng.choice(4, k, p=[.4, .25, .2, .15]),
                         room=np.where(rng.random(k) < room_share, floor * 100 + rng.integers(1, 30, k), 0), note="")

    def clone_address(base: int, k: int, **override) -> np.ndarray:
        row = addrs.row(base) | override
        return addrs.add(**{c: np.broadcast_to(np.asarray(v), (k,)) if np.ndim(v) == 0 else v for c, v in row.items()})

    def distinct_rooms(k: int) -> np.ndarray:
        return rng.choice(np.arange(101, 3330), k, replace=False)

    def workstation_notes(k: int, letters: str) -> np.ndarray:
        """-A101工位 style workstation numbers, one per company."""
        return np.char.add(np.char.add("-", rng.choice(list(letters), k)),
                           np.char.add(np.char.zfill(distinct_rooms(k).astype(str), 3), "工位"))

    def to_sub_branch(branch: np.ndarray) -> np.ndarray:
        return branches.spread(branch, branch_rng)

    def pick_base(district_idx: np.ndarray, local: float = 0.85) -> np.ndarray:
        out = rng.integers(0, branches.base, len(district_idx))
        loc = rng.random(len(district_idx)) < local
        for d in np.unique(district_idx[loc]):
            sel = np.flatnonzero(loc & (district_idx == d))
            cand = branches.near[d]
            out[sel] = cand[rng.integers(0, len(cand), len(sel))]
        return out

    def pick_branch(district_idx: np.ndarray, local: float = 0.85) -> np.ndarray:
        return to_sub_branch(pick_base(district_idx, local))

    def template_scope() -> int:
        k = int(rng.integers(5, 13))
        items = rng.choice(len(pools.SCOPE_ITEMS), k, replace=False)
        w.scopes.append(_scope_text(items, rng))
        return len(w.scopes) - 1

    # ---------- ordinary baseline for every company ----------
    w.scopes = [_scope_text(rng.choice(len(pools.SCOPE_ITEMS), int(rng.integers(3, 11)), replace=False), rng)
                for _ in range(1500)]
    scope_p = 1.0 / (np.arange(len(w.scopes)) + 8.0)
    w.kind = np.full(n, KINDS.index("ordinary"), np.int8)
    w.group = np.full(n, -1, np.int32)
    w.district = rng.choice(len(dist.code), n, p=dist.weight)
    w.reg_day = END_DAY - (1095 * rng.random(n) ** 1.6).astype(np.int64)
    w.addr = new_addresses(w.district)
    w.rep = new_people(ordinary_ages(n), w.reg_day, region_codes(n, w.district))
    w.phone_land = rng.random(n) < vr.share(0.3, 0.15, 0.5)
    w.phone = np.where(w.phone_land, ids.landlines(rng, district_area[w.district], short_areas),
                       people.blocks["mobile"][0])
    w.phone_ext = np.where(w.phone_land & (rng.random(n) < 0.08), rng.integers(800, 830, n), 0)
    w.phone_noise = np.zeros(n)
    w.level = np.full(n, -1, np.int8)
    w.tags = np.zeros(n, np.int8)
    caps = np.array([1, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000], float)
    cap_p = np.array([2, 3, 6, 14, 6, 5, 12, 18, 6, 4, 8, 6, 2, 1], float)
    w.capital = np.where(rng.random(n) < 0.15, np.round(rng.uniform(1, 3000, n) * 2) / 2,
                         rng.choice(caps, n, p=cap_p / cap_p.sum()))
    w.scope = rng.choice(len(w.scopes), n, p=scope_p / scope_p.sum())
    ind_p = np.array([x[1] for x in pools.INDUSTRIES], float)
    w.industry = rng.choice(len(pools.INDUSTRIES), n, p=ind_p / ind_p.sum())
    w.trade = rng.integers(0, len(pools.TRADE_CHARS) ** 2, n)
    w.name_city = w.district.copy()
    w.name_style = rng.choice(4, n, p=[.75, .12, .08, .05])
    w.rep_id_typo = np.zeros(n, bool)
    w.status_bad = np.zeros(n, bool)
    staff = new_people(np.clip(rng.normal(32, 7, n), 21, 58), w.reg_day, region_codes(n, w.district, 0.25))

    # account defaults (one per company)
    delay = np.select([rng.random(n) < p for p in (0.15, 0.15 / 0.85, 0.40 / 0.70)],
                      [rng.integers(0, 8, n), rng.integers(8, 31, n), rng.integers(31, 366, n)],
                      rng.integers(366, 1000, n))
    # (np.select takes the first true condition; the cascade above yields ~15/15/40/30 %)
    acct_open = w.reg_day + delay
    acct_branch = pick_branch(w.district)
    self_agent = rng.random(n) < 0.7
    agent_is_rep = self_agent.copy()       # resolved to the final rep at the end
    acct_agent = staff.copy()
    # contact phone source: 0 company phone, 1 agent's mobile, 2 rep's mobile, 3 explicit value below
    cp_src = np.select([rng.random(n) < 0.6, rng.random(n) < 0.75], [0, 1], 2)
    acct_cphone = np.zeros(n, np.int64)
    acct_cland = np.zeros(n, bool)
    acct_cext = np.zeros(n, np.int64)
    acct_cext_explicit = np.zeros(n, np.int64)  # extension of an explicit (cp_src 3) bank contact landline
    # contact address: -1 = the company's registered address, else an address row
    acct_caddr = np.where(rng.random(n) < 0.8, -1, new_addresses(w.district))
    must_have_account = np.zeros(n, bool)

    # ---------- planted groups ----------
    plan_rng = np.random.default_rng([seed, 18]) if knobs.plan_by_seed else None
    plan = (plan_specs(rng, n, ring_share, knobs, plan_rng) if hard
            else [Spec(k, s) for k, s in plan_groups(rng, n, ring_share)])
    order = rng.permutation(len(plan))
    hubs = _Hubs(rng, addrs, new_addresses, dist, plan, knobs.density) if hard and knobs.density > 0 else None
    farm_rooms: list[tuple[int, int, int]] = []  # (hub, room, first registration) of farms in busy buildings
    members_all = rng.permutation(n)
    pos = 0
    group_names: list[str] = []
    ring_no = legit_no = 0
    for gi in order:
        spec = plan[gi]
        kind, size = spec.kind, spec.size
        if pos + size > n:
            break
        m = np.sort(members_all[pos:pos + size])
        pos += size
        is_ring = kind in RING_MIX
        if is_ring:
            ring_no += 1
            group_names.append(f"R{ring_no:04d}")
        else:
            legit_no += 1
            group_names.append(f"L{legit_no:04d}")
        w.kind[m] = KINDS.index(kind)
        w.group[m] = len(group_names) - 1
        k = len(m)
        home = rng.choice(len(dist.code), p=dist.weight)
        start = END_DAY - int(rng.integers(25, 420))
        level = LEVELS[spec.level]
        spread = vr.share(1.0, 0.6, 1.6)  # careful rings register over months, not weeks
        hub = -1
        if hard and is_ring:
            w.level[m] = spec.level
            spread *= {"naive": 1.0, "medium": rng.uniform(1.5, 2.5), "sophisticated": rng.uniform(3.0, 5.0)}[level]
            spread = st.pace(spread)
            if spread > 1:  # early enough that the slowest window and opening still end before the extract date
                start = min(start - int(120 * (spread - 1)), END_DAY - int(150 * spread) - 75)
            if hubs is not None and kind != "student_batch" and rng.random() < knobs.density:
                hub = hubs.pick()
                home = hubs.district[hub]
                w.tags[m] |= TAG_DENSE
        elif hubs is not None and kind in ("business_park", "incubator") and rng.random() < knobs.density:
            hub = hubs.pick()
            home = hubs.district[hub]
            w.tags[m] |= TAG_DENSE

        def window(lo: int, hi: int, spread: float = spread) -> int:
            return int(int(rng.integers(lo, hi)) * spread)

        if is_ring:
            must_have_account[m] = True
            w.status_bad[m] = rng.random(k) < 0.05
            w.capital[m] = np.where(rng.random(k) < 0.8, rng.choice([1, 3, 5, 10, 10, 30, 50, 100], k), w.capital[m])
            tpl = template_scope()
            tpl_share = 0.9 if kind in ("address_farm", "student_batch") else 0.5
            if level != "naive":  # careful operators vary capital (1-30 million CNY), scope, names and trades
                tpl_share = 0.35 if level == "medium" else 0.1
                normal = rng.random(k) < (0.5 if level == "medium" else 1.0)
                w.capital[m] = np.where(normal, rng.choice([100, 200, 300, 500, 800, 1000, 1500, 2000, 3000], k),
                                        w.capital[m])
                w.name_style[m] = rng.choice(4, k)
                w.industry[m] = rng.integers(0, len(pools.INDUSTRIES), k)
            elif hard and kind != "student_batch" and rng.random() < 0.5:
                w.industry[m] = rng.integers(0, len(pools.INDUSTRIES))  # a naive batch often shares its trade
            w.scope[m] = np.where(rng.random(k) < tpl_share, tpl, w.scope[m])
            agent_is_rep[m] = True
            w.district[m] = np.where(rng.random(k) < 0.6, home, w.district[m])
            w.addr[m] = new_addresses(w.district[m])
            young = rng.random(k) < (0.75 if kind in ("address_farm", "student_batch") else 0.45)
            ages = np.where(young, rng.uniform(18.1, 25.9, k), rng.uniform(26, 45, k))
            if level == "medium":
                ages = np.where(rng.random(k) < 0.3, rng.uniform(18.1, 25.9, k), rng.uniform(26, 50, k))
            elif level == "sophisticated":
                ages = rng.uniform(30.0, 50.0, k)
            ages = st.ages(ages)
            mvno = 0.03 if level == "sophisticated" else 0.2

        if kind == "address_farm":
            w.district[m] = home
            w.reg_day[m] = start + rng.integers(0, window(7, 36), k)
            base = hubs.base[hub] if hub >= 0 else new_addresses(np.array([home]), poi_share=0.7, room_share=1.0)[0]
            note_style = rng.choice(3, p=[.4, .3, .3])
            if note_style == 1:
                notes = workstation_notes(k, "ABC")
            elif note_style == 2:
                notes = np.where(rng.random(k) < 0.7, "（集群注册）", "")
            else:
                notes = np.full(k, "")
            if hub >= 0:
                room = int(hubs.rooms(hub, 1)[0])
                farm_rooms.append((hub, room, int(w.reg_day[m].min())))
                w.addr[m] = clone_address(base, k, note=notes, room=room)
            else:
                w.addr[m] = clone_address(base, k, note=notes)
            if hosted.on:
                w.addr[m] = hosted.rewrite(w.addr[m], addrs.row, clone_address, str(dist.city_name[home]))
            _reps_new(w, m, new_people(ages, w.reg_day[m], region_codes(k, w.district[m], 0.5),
                                       mvno=mvno if hard else 0.2), people)
            acct_open[m] = w.reg_day[m] + np.where(rng.random(k) < 0.75, rng.integers(1, 11, k),
                                                   rng.integers(11, 60, k))
        elif kind == "nominee_rep":
            n_nom = st.nominees(k, 1 if k < 8 or rng.random() < 0.5 else 2)
            w.reg_day[m] = start + rng.integers(0, window(30, 150), k)
            nom_ages = rng.uniform(18.1, 25.9, n_nom) if rng.random() < 0.9 else rng.uniform(26, 40, n_nom)
            if level != "naive" and (level == "sophisticated" or rng.random() < 0.5):
                span_years = (w.reg_day[m].max() - start) / YEAR  # still 30-50 at the last registration
                nom_ages = rng.uniform(30.0, max(30.5, 50.0 - span_years), n_nom)
            nom_ages = st.ages(nom_ages)
            noms = new_people(nom_ages, np.full(n_nom, start), region_codes(n_nom, np.full(n_nom, home), 0.5),
                              mvno=mvno if hard else 0.2)
            w.rep[m] = noms[np.arange(k) % n_nom]
            if rng.random() < 0.3:
                w.rep_id_typo[m[rng.integers(0, k)]] = True
            own = rng.random(k) < vr.share(0.5, 0.2, 0.8)
            w.phone[m] = np.where(own, people.blocks["mobile"][-1][np.arange(k) % n_nom], ids.mobiles(rng, k, 0.2))
            w.phone_land[m] = False
            acct_open[m] = w.reg_day[m] + np.where(rng.random(k) < 0.7, rng.integers(1, 15, k), rng.integers(15, 90, k))
        elif kind == "dealer_phone":
            w.reg_day[m] = start + rng.integers(0, window(30, 120), k)
            _reps_new(w, m, new_people(ages, w.reg_day[m], region_codes(k, w.district[m], 0.3)), people)
            if spec.landline:  # one fixed line, often only in the bank's contact field, extensions per company
                w.district[m] = home  # a local agency's clients register where its number needs no area code
                w.addr[m] = new_addresses(w.district[m])
                dealer = ids.landlines(rng, np.array([district_area[home]]), short_areas)[0]
                on_reg = rng.random(k) < 0.5
                on_acct = ~on_reg | (rng.random(k) < 0.4)
                ext = np.where(rng.random(k) < 0.4, rng.choice(np.r_[np.arange(8001, 8010), np.arange(10, 40)], k), 0)
                w.tags[m] |= TAG_LANDLINE
            else:
                dealer = ids.mobiles(rng, 1, 0.4)[0]
                on_reg = rng.random(k) < vr.share(0.65, 0.3, 0.9)
                on_acct = ~on_reg | (rng.random(k) < 0.4)
                ext = np.zeros(k, np.int64)
            w.phone[m] = np.where(on_reg, dealer, w.phone[m])
            w.phone_land[m] = np.where(on_reg, spec.landline, w.phone_land[m])
            w.phone_ext[m] = np.where(on_reg, ext, w.phone_ext[m])
            w.phone_noise[m] = vr.share(0.6, 0.3, 0.9)
            cp_src[m[on_acct]] = 3
            acct_cphone[m[on_acct]] = dealer
            acct_cland[m[on_acct]] = spec.landline
            acct_cext_explicit[m[on_acct]] = ext[on_acct]
            acct_open[m] = w.reg_day[m] + np.where(rng.random(k) < 0.6, rng.integers(1, 15, k),
                                                   rng.integers(15, 120, k))
        elif kind == "agent_opener":
            agent = new_people(rng.uniform(24, 42, 1), np.array([start]), region_codes(1, np.array([home])),
                               mvno=0.3)[0]
            open_day = start + rng.integers(0, window(14, 43), k)
            gap = {"naive": (2, 60), "medium": (5, 40), "sophisticated": (14, 71)}[level]
            w.reg_day[m] = open_day - rng.integers(*gap, k)
            _reps_new(w, m, new_people(ages, w.reg_day[m], region_codes(k, w.district[m], 0.3)), people)
            by_agent = rng.random(k) < vr.share(0.9, 0.85, 0.97)  # well over 80 %: a ring the rule can find
            acct_agent[m] = agent
            agent_is_rep[m] = ~by_agent
            cp_src[m] = np.where(by_agent & (rng.random(k) < 0.5), 1, cp_src[m])
            acct_open[m] = open_day
            acct_branch[m] = pick_branch(w.district[m], local=0.6)
        elif kind == "weak_links":
            w.reg_day[m] = start + rng.integers(0, window(20, 90), k)
            _reps_new(w, m, new_people(ages, w.reg_day[m], region_codes(k, w.district[m], 0.3)), people)
            acct_open[m] = w.reg_day[m] + rng.integers(*{"naive": (3, 30), "medium": (5, 40),
                                                          "sophisticated": (14, 71)}[level], k)
            has = _weak_signal_sets(rng, k)
            base = hubs.base[hub] if hub >= 0 else new_addresses(np.array([home]), poi_share=1.0)[0]
            b = has[:, 0]
            if b.any():
                rooms = hubs.rooms(hub, int(b.sum())) if hub >= 0 else distinct_rooms(int(b.sum()))
                w.addr[m[b]] = clone_address(base, int(b.sum()), room=rooms, note="")
                w.district[m[b]] = home
            d = has[:, 1]
            ring_branch = pick_branch(np.array([home]))[0]
            ring_day = int(max(w.reg_day[m].max() + 3, start + 30))
            acct_branch[m[d]] = ring_branch
            acct_open[m[d]] = ring_day + rng.integers(0, 4, int(d.sum()))
            c = has[:, 2]
            acct_caddr[m[c]] = new_addresses(np.array([home]))[0]
            p = has[:, 3]
            base_phone = ids.mobiles(rng, 1, 0.2)[0] // 100 * 100
            near = base_phone + rng.choice(100, int(p.sum()), replace=False)
            on_reg = rng.random(int(p.sum())) < 0.5
            w.phone[m[p][on_reg]] = near[on_reg]
            w.phone_land[m[p][on_reg]] = False
            w.phone_ext[m[p][on_reg]] = 0
            cp_src[m[p][~on_reg]] = 3
            acct_cphone[m[p][~on_reg]] = near[~on_reg]
            acct_cland[m[p][~on_reg]] = False
            # members without the phone signal must not carry the ring phone via the company phone
            cp_src[m[~p]] = np.where(cp_src[m[~p]] == 0, 2, cp_src[m[~p]])
            s = has[:, 4]
            w.scope[m] = np.where(s, tpl, rng.choice(len(scope_p), k, p=scope_p / scope_p.sum()))
        elif kind == "student_batch":
            county_code = rng.choice(other_prov, p=other_p)
            county_code = by_prov[county_code][rng.integers(0, len(by_prov[county_code]))]
            w.reg_day[m] = start + rng.integers(0, int(rng.integers(6, 15) * vr.share(1.0, 0.5, 2.0)), k)
            regions = np.where(rng.random(k) < vr.share(0.65, 0.4, 0.9), county_code,
                               region_codes(k, w.district[m], 0.5))
            _reps_new(w, m, new_people(rng.uniform(18.1, vr.share(22.85, 21.5, 24.5), k), w.reg_day[m], regions,
                                       mvno=0.15), people)
            acct_open[m] = w.reg_day[m] + rng.integers(1, int(vr.share(8, 4, 13)), k)
            two = pick_base(np.array([home, home]))
            acct_branch[m] = to_sub_branch(two)[(rng.random(k) < (0.3 if two[0] != two[1] else 0)).astype(int)]
            if hard and knobs.profile_only > 0:
                _profile_only_batch(rng, w, m, knobs.profile_only, county_code, people, new_people, new_addresses,
                                    clone_address, region_codes, home, start, scope_p,
                                    accounts=(acct_open, acct_agent, agent_is_rep, cp_src))
            if knobs.variety:  # after every draw of the world's stream, so the same companies and rings result
                _widen_batch(vr.rng, w, m, str(county_code), by_prov, branches, to_sub_branch, home, start, people,
                             (acct_open, acct_branch, agent_is_rep, cp_src), clone_address, scope_p,
                             profile_only=hard and knobs.profile_only > 0)
        elif kind == "business_park":
            if hub >= 0:
                w.addr[m] = clone_address(hubs.base[hub], k, room=hubs.rooms(hub, k), note="")
            else:
                base = new_addresses(np.array([home]), poi_share=1.0)[0]
                w.addr[m] = clone_address(base, k, room=distinct_rooms(k), note="")
            w.district[m] = home
        elif kind == "incubator":
            w.district[m] = home
            w.reg_day[m] = END_DAY - rng.integers(0, st.fill_days(int(rng.integers(365, 1096))), k)
            base = new_addresses(np.array([home]), poi_share=1.0, room_share=1.0)[0] if hub < 0 else \
                clone_address(hubs.base[hub], 1, room=hubs.rooms(hub, 1))[0]
            style = rng.choice(3)
            if style == 0:
                notes = workstation_notes(k, "ABCD")
            elif style == 1:
                notes = np.where(rng.random(k) < 0.8, "（集群注册）", "")
            else:
                host = "".join(rng.choice(pools.TRADE_CHARS, 2))
                notes = np.full(k, f"（入驻{dist.city_name[home]}{host}商务秘书有限公司）")
            w.addr[m] = clone_address(base, k, note=notes)
            _reps_new(w, m, new_people(rng.uniform(22, 35.9, k), w.reg_day[m],
                                       region_codes(k, w.district[m], 0.3)), people)
            w.capital[m] = rng.choice([1, 3, 5, 10, 20, 50, 100], k)
            acct_open[m] = w.reg_day[m] + rng.integers(10, 201, k)
            acct_branch[m] = pick_branch(w.district[m], local=0.7)
        elif kind == "group_subsidiary":
            w.trade[m] = rng.integers(0, len(pools.TRADE_CHARS) ** 2)
            w.industry[m] = rng.choice(len(pools.INDUSTRIES), k, replace=k > len(pools.INDUSTRIES))
            w.name_style[m] = rng.choice([0, 1], k, p=[.6, .4])
            w.reg_day[m] = END_DAY - rng.integers(30, 1095, k)
            if hard:  # the group is older than its newest subsidiaries
                w.reg_day[m[0]] = END_DAY - int(rng.integers(800, 2190))
            hq = ids.landlines(rng, np.array([district_area[home]]), short_areas)[0]
            shared = rng.random(k) < 0.8
            w.phone[m] = np.where(shared, hq, w.phone[m])
            w.phone_land[m] |= shared
            _reps_new(w, m, new_people(rng.uniform(38, 60, k), w.reg_day[m], region_codes(k, w.district[m])), people)
            if hard and knobs.landline_dealers > 0:
                # a few executives front the subsidiaries over the years; the switchboard reaches the bank too
                n_exec = max(1, k // 3)
                execs = new_people(rng.uniform(40, 60, n_exec), np.full(n_exec, w.reg_day[m].min()),
                                   region_codes(n_exec, np.full(n_exec, home)))
                who = rng.integers(0, n_exec, k)
                w.rep[m] = execs[who]
                w.phone[m] = np.where(shared, hq, people.blocks["mobile"][-1][who])
                w.phone_land[m] = shared
                w.phone_ext[m] = np.where(shared & (rng.random(k) < 0.5), rng.integers(8001, 8040, k), 0)
                at_bank = rng.random(k) < 0.5
                cp_src[m[at_bank]] = 3
                acct_cphone[m[at_bank]] = hq
                acct_cland[m[at_bank]] = True
                acct_cext_explicit[m[at_bank]] = np.where(rng.random(int(at_bank.sum())) < 0.5,
                                                          rng.integers(8001, 8040, int(at_bank.sum())), 0)
                w.phone_noise[m] = 0.6
                w.tags[m] |= TAG_LANDLINE
            w.capital[m] = rng.choice([500, 1000, 2000, 3000, 5000, 10000], k)
            if rng.random() < 0.6:
                acct_agent[m] = new_people(rng.uniform(25, 45, 1), np.array([start]),
                                           region_codes(1, np.array([home])))[0]
                agent_is_rep[m] = False
        elif kind == "bookkeeping_client":
            office = new_addresses(np.array([home]), poi_share=1.0, room_share=1.0)[0]
            landline = ids.landlines(rng, np.array([district_area[home]]), short_areas)[0]
            n_clerks = int(rng.integers(2, 4))
            clerks = new_people(rng.uniform(22, 40, n_clerks), np.full(n_clerks, start),
                                region_codes(n_clerks, np.full(n_clerks, home)))
            reg_phone = rng.random(k) < 0.85
            w.phone[m] = np.where(reg_phone, landline, w.phone[m])
            w.phone_land[m] |= reg_phone
            w.phone_ext[m] = np.where(reg_phone & (rng.random(k) < 0.3), rng.integers(801, 809, k), 0)
            by_clerk = rng.random(k) < 0.8
            which = rng.integers(0, n_clerks, k)
            acct_agent[m] = np.where(by_clerk, clerks[which], acct_agent[m])
            agent_is_rep[m] &= ~by_clerk
            acct_caddr[m] = np.where(rng.random(k) < 0.7, office, acct_caddr[m])
            cp = rng.random(k) < 0.5
            cp_src[m[cp]] = 3
            acct_cphone[m[cp]] = landline
            acct_cland[m[cp]] = True
        elif kind == "serial_owner":
            first = END_DAY - int(rng.integers(700, 1095))
            gaps = rng.integers(st.serial_gap(250), 400, k - 1)
            if st.on:  # a long series starts early enough that its last company is not past the extract date
                first = min(first, END_DAY - int(gaps.sum()) - 30)
            w.reg_day[m] = first + np.cumsum(np.r_[0, gaps])
            owner = new_people(rng.uniform(30, 60, 1), np.array([first]), region_codes(1, np.array([home])))[0]
            w.rep[m] = owner
            w.phone[m] = np.where(w.phone_land[m], w.phone[m], people.blocks["mobile"][-1][0])
        elif kind == "common_name":
            w.district[m] = home
            w.addr[m] = new_addresses(w.district[m])
            _reps_new(w, m, new_people(ordinary_ages(k), w.reg_day[m], region_codes(k, w.district[m])), people)
            people.blocks["common"][-1][:] = rng.integers(0, len(pools.COMMON_NAMES))

        if hard and is_ring and level != "naive" and kind in ("address_farm", "nominee_rep", "dealer_phone"):
            lo, hi = (5, 31) if level == "medium" else (14, 71)  # careful rings open weeks after registering
            acct_open[m] = w.reg_day[m] + rng.integers(lo, hi, k)
        if is_ring and kind in ("address_farm", "nominee_rep", "dealer_phone", "agent_opener"):
            delay = st.delays(k)
            if delay is not None and kind == "agent_opener":  # the agent's opening days stay; registered earlier
                w.reg_day[m] = acct_open[m] - delay
            elif delay is not None:
                acct_open[m] = w.reg_day[m] + delay
        if hard and is_ring:  # a recent ring must still have opened its accounts by the extract date
            late = int(max(w.reg_day[m].max(), acct_open[m].max()) - END_DAY)
            if late > 0:
                w.reg_day[m] -= late
                acct_open[m] -= late
        if hub >= 0 and kind in ("nominee_rep", "dealer_phone", "agent_opener"):
            inside = m[rng.random(k) < 0.7]  # most members rent a room among the building's tenants
            w.addr[inside] = clone_address(hubs.base[hub], len(inside), room=hubs.rooms(hub, len(inside)), note="")

    if hubs is not None:
        _fill_hubs(rng, w, hubs, farm_rooms, clone_address)
        if hosted.on:
            hosted.crowd_buildings(np.flatnonzero(w.kind == KINDS.index("ordinary")), (w.tags & TAG_DENSE) > 0,
                                   w.district, hubs, clone_address, w.addr,
                                   lambda h: str(dist.city_name[hubs.district[h]]))

    # ordinary overlaps: a room shared by two companies, a person behind two companies
    ordinary = np.flatnonzero(w.kind == KINDS.index("ordinary"))
    pairs = rng.permutation(ordinary)[: int(len(ordinary) * 0.05) // 2 * 2].reshape(-1, 2)
    room_pairs, rep_pairs = pairs[: int(len(pairs) * 0.6)], pairs[int(len(pairs) * 0.6):]
    w.addr[room_pairs[:, 1]] = w.addr[room_pairs[:, 0]]
    w.rep[rep_pairs[:, 1]] = w.rep[rep_pairs[:, 0]]

    # the registering district is the district of the final registered address
    address_table = addrs.freeze()
    people_table = people.freeze()
    w.district = address_table["district"][w.addr]
    acct_agent = np.where(agent_is_rep, w.rep, acct_agent)
    mobile = people_table["mobile"]
    acct_cphone = np.select([cp_src == 0, cp_src == 1, cp_src == 2],
                            [w.phone, mobile[acct_agent], mobile[w.rep]], acct_cphone)
    acct_cland = np.where(cp_src == 0, w.phone_land, acct_cland & (cp_src == 3))
    acct_cext = np.where(cp_src == 0, w.phone_ext, np.where(cp_src == 3, acct_cext_explicit, 0))
    acct_caddr = np.where(acct_caddr < 0, w.addr, acct_caddr)
    w.name_city = np.where(w.kind == KINDS.index("group_subsidiary"),
                           rng.choice(len(dist.code), n, p=dist.weight), w.district)
    w.reg_day = np.minimum(w.reg_day, END_DAY)
    acct_open = np.maximum(acct_open, w.reg_day)
    has_acct = (acct_open <= END_DAY) | must_have_account
    acct_open = np.minimum(acct_open, END_DAY)

    # extra accounts: ordinary second accounts later; ring bursts at other banks within days
    ring = w.kind < len(RING_KINDS)
    burst = has_acct & ring & (rng.random(n) < 0.15)
    later = has_acct & ~ring & (rng.random(n) < 0.05)
    quick = has_acct & ~ring & (rng.random(n) < 0.01)
    extra_src, extra_shift = [], []
    for sel, lo, hi in ((burst, 1, 6), (later, 30, 300), (quick, 1, 7)):
        idx = np.flatnonzero(sel)
        extra_src.append(idx)
        extra_shift.append(rng.integers(lo, hi + 1, len(idx)))
    third = np.flatnonzero(burst & (rng.random(n) < 0.4))
    extra_src.append(third)
    extra_shift.append(rng.integers(1, 7, len(third)))
    src = np.concatenate([np.flatnonzero(has_acct)] + extra_src)
    is_extra = np.r_[np.zeros(int(has_acct.sum()), bool), np.ones(len(src) - int(has_acct.sum()), bool)]
    shift = np.r_[np.zeros(int(has_acct.sum()), np.int64), np.concatenate(extra_shift)]
    branch = acct_branch[src].copy()
    other_bank = pick_branch(w.district[src], local=0.9)
    branch[is_extra] = other_bank[is_extra]
    accts.add(company=src, branch=branch, open_day=np.minimum(acct_open[src] + shift, END_DAY),
              agent=acct_agent[src], agent_phone=mobile[acct_agent[src]], contact_phone=acct_cphone[src],
              contact_land=acct_cland[src], contact_ext=acct_cext[src], contact_addr=acct_caddr[src])

    w.trades = [a + b for a in pools.TRADE_CHARS for b in pools.TRADE_CHARS]
    world_tables = {"people": people_table, "addresses": address_table, "accounts": accts.freeze()}
    meta = {"group_names": np.array(group_names + [""]), "roads": roads, "pois": poi_names, "dist": dist,
            "street_flat": street_flat, "surnames": surnames, "branches": branches,
            "branch_rng": np.random.default_rng([seed, 17]) if knobs.grow_branches else None}
    return w, world_tables["people"], world_tables["addresses"], world_tables["accounts"], meta


class _Variety:
    """Proportions of one ring: the demo's own value without `variety`, else a draw from a wider range (its own
    stream, so the world's other draws stay where they were)."""

    def __init__(self, on: bool, seed: int):
        self.on = on
        self.rng = np.random.default_rng([seed, 10])

    def share(self, usual: float, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi)) if self.on else usual


class _Stretch:
    """Proportions of one group from the wide ranges DOMAIN.md reports instead of the demo's own (`stretch`
    only; its own stream, so without it nothing moves). Rings: 3-120 companies (UK: 100 firms at one house in 14
    days), registered 3x faster to 4x slower than the demo's pace (a farm in days, a careful ring over a year or
    more), a quarter of them opening their accounts weeks to months after registering, a quarter fronted by
    representatives of any adult age (banks watch reps 'obviously too old or too young'), nominees holding 3-30
    companies each. Look-alikes in all sizes too, an incubator filling in a season, a serial owner founding a
    company every three months."""

    RING_SIZES = {"address_farm": (6, 120), "nominee_rep": (3, 60), "dealer_phone": (4, 60),
                  "agent_opener": (4, 60), "weak_links": (4, 16), "student_batch": (5, 40)}
    LEGIT_SIZES = {"business_park": (20, 400), "incubator": (10, 200), "group_subsidiary": (3, 30),
                   "bookkeeping_client": (10, 300), "serial_owner": (2, 6)}

    def __init__(self, on: bool, seed: int):
        self.on = on
        self.rng = np.random.default_rng([seed, 11])

    def pace(self, spread: float) -> float:
        """The ring's registration window scaled by 1/3 to 4 (log-uniform), at most 6x the demo's naive one."""
        return min(6.0, spread * float(np.exp(self.rng.uniform(np.log(1 / 3), np.log(4))))) if self.on else spread

    def ages(self, ages: np.ndarray) -> np.ndarray:
        """A quarter of rings: representatives from one band anywhere in 18-65."""
        if not self.on or self.rng.random() >= 0.25:
            return ages
        lo = self.rng.uniform(18.1, 50.0)
        return self.rng.uniform(lo, min(65.0, lo + self.rng.uniform(3.0, 20.0)), len(ages))

    def nominees(self, k: int, usual: int) -> int:
        """Nominees hold 3-30 companies each."""
        return max(1, int(round(k / self.rng.uniform(3.0, 30.0)))) if self.on else usual

    def delays(self, k: int) -> np.ndarray | None:
        """A quarter of rings: days from registration to the account drawn from one band in 0-200."""
        if not self.on or self.rng.random() >= 0.25:
            return None
        lo = int(self.rng.integers(0, 60))
        return self.rng.integers(lo, lo + int(self.rng.integers(7, 141)), k)

    def fill_days(self, usual: int) -> int:
        return int(self.rng.integers(45, 1096)) if self.on else usual

    def serial_gap(self, usual: int) -> int:
        """Shortest days between a serial owner's companies: from 90 (three in 180 days is where DOMAIN.md's
        nominee signal starts; faster is a nominee's pace, no look-alike's)."""
        return int(self.rng.integers(90, 250)) if self.on else usual


def _reps_new(w: World, m: np.ndarray, persons: np.ndarray, people: Table) -> None:
    """Give members fresh reps; their registration mobile (if not a landline) follows the new rep."""
    w.rep[m] = persons
    w.phone[m] = np.where(w.phone_land[m], w.phone[m], people.blocks["mobile"][-1])


class _Hubs:
    """Busy shared buildings (business parks, incubators) that host several rings among legitimate tenants."""

    def __init__(self, rng: np.random.Generator, addrs: Table, new_addresses, dist: pools.Districts,
                 plan: list[Spec], density: float):
        rings = sum(1 for s in plan if s.kind in RING_MIX and s.kind != "student_batch")
        count = max(2, int(round(rings * density / rng.uniform(2.0, 4.0))))  # a few rings per building
        self.rng = rng
        self.district = rng.choice(len(dist.code), count, p=dist.weight)
        self.base = new_addresses(self.district, poi_share=1.0, room_share=1.0)
        self._free = [rng.permutation(np.arange(101, 3330)) for _ in range(count)]
        self._used = np.zeros(count, np.int64)

    def pick(self) -> int:
        return int(self.rng.integers(0, len(self.base)))

    def rooms(self, hub: int, k: int) -> np.ndarray:
        """k rooms nobody in this building has taken yet (drawn at random once the building is full)."""
        start = self._used[hub]
        out = self._free[hub][start:start + k]
        self._used[hub] += len(out)
        if len(out) < k:
            out = np.r_[out, self.rng.integers(101, 3330, k - len(out))]
        return out


def _fill_hubs(rng: np.random.Generator, w: World, hubs: _Hubs, farm_rooms: list[tuple[int, int, int]],
               clone_address) -> None:
    """Ordinary tenants in every busy building; some earlier tenants registered in a room a farm now uses."""
    ordinary = rng.permutation(np.flatnonzero(w.kind == KINDS.index("ordinary")))
    want = rng.integers(15, 80, len(hubs.base))
    pos = 0
    tenants = []
    for h, count in enumerate(want):
        sel = ordinary[pos:pos + count]
        pos += len(sel)
        tenants.append(sel)
        if len(sel):
            w.addr[sel] = clone_address(hubs.base[h], len(sel), room=hubs.rooms(h, len(sel)), note="")
            w.tags[sel] |= TAG_DENSE
    for h, room, farm_day in farm_rooms:
        if rng.random() < 0.6 and len(tenants[h]) >= 2:
            earlier = rng.choice(tenants[h], int(rng.integers(1, 3)), replace=False)
            w.addr[earlier] = clone_address(hubs.base[h], len(earlier), room=room, note="")
            w.reg_day[earlier] = farm_day - rng.integers(200, 900, len(earlier))
            w.tags[earlier] |= TAG_ROOM_REUSED


def _profile_only_batch(rng: np.random.Generator, w: World, m: np.ndarray, share: float, county_code: str,
                        people: Table, new_people, new_addresses, clone_address, region_codes, home: int,
                        start: int, scope_p: np.ndarray, accounts: tuple) -> None:
    """A student batch where only some members share a phone, agent or room with the dealer; the rest share
    only the profile (18-22, one out-of-province ID region, tiny capital) and the timing (opened 0-5 days
    after registering, at the batch's one or two branches)."""
    acct_open, acct_agent, agent_is_rep, cp_src = accounts
    k = len(m)
    w.reg_day[m] = start + rng.integers(0, int(rng.integers(3, 11)), k)
    regions = np.where(rng.random(k) < 0.9, county_code, region_codes(k, w.district[m], 1.0))
    _reps_new(w, m, new_people(rng.uniform(18.1, 22.85, k), w.reg_day[m], regions, mvno=0.15), people)
    w.capital[m] = rng.choice([1, 3, 5, 10], k)
    acct_open[m] = w.reg_day[m] + rng.integers(0, 6, k)
    profile = rng.random(k) < share
    if (~profile).sum() < 2:  # the dealer stays visible through at least two members
        profile[rng.choice(k, 2, replace=False)] = False
    linked, only = m[~profile], m[profile]
    dealer = new_people(rng.uniform(25, 40, 1), np.array([start]), region_codes(1, np.array([home])), mvno=0.3)[0]
    dealer_mobile = people.blocks["mobile"][-1][0]
    types = rng.choice(3, int(rng.integers(1, 3)), replace=False)
    t = types[rng.integers(0, len(types), len(linked))]
    by_phone, by_agent, by_room = linked[t == 0], linked[t == 1], linked[t == 2]
    w.phone[by_phone] = dealer_mobile
    w.phone_land[by_phone] = False
    w.phone_ext[by_phone] = 0
    acct_agent[by_agent] = dealer
    agent_is_rep[by_agent] = False
    if len(by_room):
        room = new_addresses(np.array([home]), poi_share=0.7, room_share=1.0)[0]
        w.addr[by_room] = clone_address(room, len(by_room), note="")
    agent_is_rep[only] = True
    cp_src[only] = np.where(cp_src[only] == 3, 2, cp_src[only])
    w.scope[only] = rng.choice(len(scope_p), len(only), p=scope_p / scope_p.sum())
    w.tags[only] |= TAG_PROFILE_ONLY


def _widen_batch(rng: np.random.Generator, w: World, m: np.ndarray, county_code: str, by_prov: dict,
                 branches: Branches, to_sub_branch, home: int, start: int, people: Table, accounts: tuple,
                 clone_address, scope_p: np.ndarray, profile_only: bool) -> None:
    """A student batch redrawn wider than the demo the detector was tuned on (`variety` only; `rng` is variety's
    own stream, so the world's draws, and with them the companies and rings, stay where they were): recruits
    from one to three prefectures of the home county's province (a recruiter works a few towns, now and then a
    friend from elsewhere in it), aged 18 to 22-26, registered in one to three waves over up to four weeks,
    accounts mostly within days of registering (now and then one or two weeks) at one to four branches (a wave
    usually goes to one branch together); with profile-only members, their share drawn up to 0.92."""
    acct_open, acct_branch, agent_is_rep, cp_src = accounts
    k = len(m)
    counties = np.array([str(c) for c in by_prov[county_code[:2]]])
    others = sorted({c[:4] for c in counties} - {county_code[:4]})
    n_pref = min(int(rng.integers(1, 4)), 1 + len(others))
    prefs = [county_code[:4]] + [str(p) for p in rng.choice(others, n_pref - 1, replace=False)]
    pool = {county_code}
    for pref in prefs:  # one to three counties (schools, towns) in each prefecture
        inside = [c for c in counties if c.startswith(pref)]
        pool |= {str(c) for c in rng.choice(inside, min(len(inside), int(rng.integers(1, 4))), replace=False)}
    pool = np.array(sorted(pool), dtype="U6")
    regions = pool[rng.choice(len(pool), k, p=rng.dirichlet(np.full(len(pool), 1.5)))]
    stray = rng.random(k) < rng.uniform(0.0, 0.15)
    regions[stray] = counties[rng.integers(0, len(counties), int(stray.sum()))]
    n_waves = int(rng.integers(1, 4))
    wave_start = start + np.sort(rng.integers(0, int(rng.integers(3, 29)), n_waves))
    wave = rng.choice(n_waves, k, p=rng.dirichlet(np.full(n_waves, 2.0)))
    reg_day = wave_start[wave] + rng.integers(0, int(rng.integers(1, 7)), k)
    delay = np.where(rng.random(k) < rng.uniform(0.8, 1.0), rng.integers(0, int(rng.integers(3, 8)), k),
                     rng.integers(6, 16, k))
    reg_day -= max(0, int((reg_day + delay).max()) - END_DAY)  # opened by the extract date
    w.reg_day[m] = reg_day
    acct_open[m] = reg_day + delay
    ages = rng.uniform(18.1, rng.uniform(22.0, 26.0), k)
    people.update(w.rep[m], birth=(reg_day - ages * YEAR).astype(np.int64), region=regions)
    n_branch = int(rng.integers(1, 5))
    near = rng.permutation(branches.near[home])[:n_branch]
    used = to_sub_branch(np.r_[near, rng.integers(0, branches.base, n_branch - len(near))].astype(int))
    by_wave = used[rng.integers(0, n_branch, n_waves)][wave]
    per_member = used[rng.choice(n_branch, k, p=rng.dirichlet(np.full(n_branch, 1.5)))]
    acct_branch[m] = np.where(rng.random(k) < rng.uniform(0.3, 1.0), by_wave, per_member)
    if not profile_only:
        return
    linked = m[(w.tags[m] & TAG_PROFILE_ONLY) == 0]
    want = int(round(k * rng.uniform(0.4, 0.92)))
    turn = rng.permutation(linked)[:max(0, min(len(linked) - 2, want - (k - len(linked))))]
    if len(turn):  # they lose the dealer's phone, agent and room: their own mobile, an account of their own
        w.phone[turn] = people.values(w.rep[turn], "mobile")
        w.phone_land[turn] = False
        w.phone_ext[turn] = 0
        agent_is_rep[turn] = True
        cp_src[turn] = np.where(cp_src[turn] == 3, 2, cp_src[turn])
        for c in turn:  # another number on the same road: a building of its own
            w.addr[c] = clone_address(int(w.addr[c]), 1, road_no=int(rng.integers(1, 2000)),
                                      room=int(rng.integers(1, 28)) * 100 + int(rng.integers(1, 30)), note="")[0]
        w.scope[turn] = rng.choice(len(scope_p), len(turn), p=scope_p / scope_p.sum())
        w.tags[turn] |= TAG_PROFILE_ONLY


def _weak_signal_sets(rng: np.random.Generator, k: int) -> np.ndarray:
    """k x 5 booleans (building, branch+date, contact address, near phone, scope): each member holds 2-4 signals
    and every signal held is shared with at least one other member."""
    has = np.zeros((k, 5), bool)
    for i in range(k):
        has[i, rng.choice(5, int(rng.integers(2, 5)), replace=False)] = True
    for s in range(5):
        holders = np.flatnonzero(has[:, s])
        if len(holders) == 1:
            others = np.setdiff1d(np.arange(k), holders)
            has[rng.choice(others), s] = True
    return has


def _scope_text(items: np.ndarray, rng: np.random.Generator) -> str:
    text = "一般项目：" + "；".join(pools.SCOPE_ITEMS[i] for i in sorted(items)) + pools.SCOPE_TAIL
    if rng.random() < 0.2:
        text = "许可项目：" + pools.SCOPE_PERMITS[int(rng.integers(len(pools.SCOPE_PERMITS)))] + \
               "（依法须经批准的项目，经相关部门批准后方可开展经营活动）。" + text
    return text


def _bulk_pick(rng, prov, by_prov):
    out = np.empty(len(prov), dtype="U6")
    for p in np.unique(prov):
        sel = prov == p
        out[sel] = by_prov[p][rng.integers(0, len(by_prov[p]), int(sel.sum()))]
    return out


def _street_index(district_codes: np.ndarray):
    table = pools.streets_by_district()
    lists = [table.get(c, []) for c in district_codes]
    cnt = np.array([len(x) for x in lists])
    off = np.r_[0, np.cumsum(cnt)[:-1]]
    return [s for x in lists for s in x], off, cnt


@dataclass(frozen=True)
class Branches:
    bank: np.ndarray        # index into pools.BANKS
    name: list
    district: np.ndarray
    near: dict              # district index -> candidate branch indices (same district, else same city)
    # with `grow_branches`: the anchor region's branches come first (`base` of them; `near` and every draw of
    # the world stream see only these), then further sub-branches, each of one base branch's bank and district
    base: int = 0
    family: tuple = ()      # (members, offsets, sizes): base branch b's family is members[offsets[b]:+sizes[b]]

    def spread(self, idx: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Each chosen base branch replaced by one of its family (itself or a sub-branch), uniformly, from the
        caller's own stream; the identity when the network did not grow (no draw: the default stays as it was)."""
        idx = np.asarray(idx)
        if not self.family or rng is None:
            return idx
        members, offsets, sizes = self.family
        return members[offsets[idx] + (rng.random(idx.shape) * sizes[idx]).astype(np.int64)]


# The region's branch network is drawn for this many companies; with `grow_branches` a larger region gets
# proportionally more branches (see _sub_branches), a smaller one keeps these.
BRANCH_ANCHOR_COMPANIES = 200_000


def _branches(dist: pools.Districts, n_companies: int = 0, grow: bool = False) -> Branches:
    rng = np.random.default_rng(20261031)  # the branch network is the same for every seed
    code_to_idx = {c: i for i, c in enumerate(dist.code)}
    rows = []
    for code, places in pools.BRANCH_PLACES.items():
        for place in places.split():
            for b in rng.choice(len(pools.BANKS), int(rng.integers(1, 3)), replace=False):
                rows.append((int(b), place, code_to_idx[code]))
    base = len(rows)
    parent = np.arange(base)
    if grow and n_companies > BRANCH_ANCHOR_COMPANIES:
        subs = _sub_branches(rows, dist, round(base * n_companies / BRANCH_ANCHOR_COMPANIES) - base)
        parent = np.r_[parent, [p for p, _ in subs]]
        rows += [r for _, r in subs]
    bank = np.array([r[0] for r in rows])
    district = np.array([r[2] for r in rows])
    names = [f"{pools.BANKS[b][0]}{dist.city_name[d].removesuffix('市')}{p}支行" for b, p, d in rows]
    near = {}
    for d in range(len(dist.code)):
        same = np.flatnonzero(district[:base] == d)
        if len(same) < 3:
            same = np.flatnonzero(dist.city_code[district[:base]] == dist.city_code[d])
        if len(same) == 0:
            same = np.arange(base)
        near[d] = same
    family = ()
    if len(rows) > base:
        members = np.argsort(parent, kind="stable")  # each base branch first in its family, then its subs
        sizes = np.bincount(parent, minlength=base)
        family = (members, np.r_[0, np.cumsum(sizes)[:-1]], sizes)
    return Branches(bank, names, district, near, base, family)


def _sub_branches(rows: list, dist: pools.Districts, extra: int) -> list:
    """`extra` sub-branches for a region larger than the anchor's, so that a branch serves as many companies as
    the anchor region's do: how many companies one branch serves is a fact about banking (a sub-branch has the
    staff and the counters it has), not about the size of the extract. The base branches take turns as parents
    (a busy place gets as many more as a quiet one: each family then shares its parent's flow evenly); a
    sub-branch is of its parent's bank, in its district, named after a town or street (街道/镇) of the district
    where that bank has no branch yet, else after a road."""
    rng = np.random.default_rng([20261031, extra])
    streets = pools.streets_by_district()
    roads, _ = pools.address_fragments()
    city = dist.city_code
    taken = {(b, p, city[d]) for b, p, d in rows}  # a branch's name is bank + city + place: one of each
    out = []
    for i in range(extra):
        parent = i % len(rows)
        b, _, d = rows[parent]
        towns = [re.sub(r"(街道|镇|乡)$", "", s) for s in streets.get(str(dist.code[d]), [])]
        pool = [t for t in dict.fromkeys(towns) if len(t) >= 2 and (b, t, city[d]) not in taken]
        if not pool:
            pool = [r for r in roads[int(rng.integers(0, len(roads))):][:50] if (b, r, city[d]) not in taken]
        p = pool[int(rng.integers(0, len(pool)))] if pool else f"{rows[parent][1]}第{i + 2}"
        taken.add((b, p, city[d]))
        out.append((parent, (b, p, d)))
    return out
