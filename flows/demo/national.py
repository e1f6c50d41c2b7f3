"""A national demo: several regions' demo extracts (generate_demo, one seed each) with what only a national
run can see planted across them:

- cross-region rings: one nominee (a young representative's resident ID) and one dealer phone behind
  `per_region` fresh companies in every region, registered within days of each other and opening accounts
  at once; a regional run sees at most `per_region` of them;
- national hubs: a phone on `hub_per_region` established companies in every region, so each region holds
  fewer companies on it than the phone hub limit (40) and the nation more.

Writes <out>/<region>/registrations.csv, accounts.csv, truth.csv (the layout `shellring run --national`
reads) and <out>/truth.csv for the nation, with the planted rings as kind `cross_region_ring` and group ids
prefixed by region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from shellring.flows.demo import identifiers as ids
from shellring.flows.demo.generate import DemoFiles, generate_demo

REGIONS = ("hangzhou", "ningbo", "wenzhou")
CROSS_RING = "cross_region_ring"
NATIONAL_HUB = "national_hub"  # the truth's kind of a company carrying a national hub phone (otherwise legitimate)


@dataclass(frozen=True)
class NationalDemo:
    root: Path
    regions: dict[str, DemoFiles]
    truth: Path
    ring_members: dict[str, list[str]]  # cross-region ring -> its companies' USCCs
    hub_phones: list[str]


def _read(files: DemoFiles) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    reg = pl.read_csv(files.registrations.read_bytes().decode("gb18030").encode(), infer_schema=False)
    acc = pl.read_csv(files.accounts, infer_schema=False, encoding="utf8")
    truth = pl.read_csv(files.truth, infer_schema=False)
    return reg, acc, truth


def _write(files: DemoFiles, reg: pl.DataFrame, acc: pl.DataFrame, truth: pl.DataFrame) -> None:
    files.registrations.write_bytes(reg.write_csv().encode("gb18030"))
    acc.write_csv(files.accounts, include_bom=True)
    truth.write_csv(files.truth)


def generate_national_demo(out_dir: Path, n_companies: int = 1000, seed: int = 7, *, regions=REGIONS,
                           cross_rings: int = 8, per_region: int = 2, hub_phones: int = 2,
                           hub_per_region: int = 30) -> NationalDemo:
    """`n_companies` per region; see the module's doc for what is planted."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng([seed, 15])
    generated = {region: generate_demo(out_dir / region, n_companies=n_companies, seed=seed * 1000 + i)
                 for i, region in enumerate(regions)}
    # one nominee and one dealer phone per ring; young (born 2005-2006), from a county outside the regions
    births = rng.integers((date(2005, 1, 1) - date(1970, 1, 1)).days, (date(2006, 12, 31) - date(1970, 1, 1)).days,
                          cross_rings)
    nominees = ids.resident_ids(rng, np.array(["412726"] * cross_rings), births)
    ring_phones = [str(p) for p in ids.mobiles(rng, cross_rings, mvno_share=0.5)]
    hubs = [str(p) for p in ids.mobiles(rng, hub_phones, mvno_share=0.0)]
    ring_start = [date(2026, 9, 1) + timedelta(days=int(d)) for d in rng.integers(0, 50, cross_rings)]
    ring_members: dict[str, list[str]] = {f"X{k:02d}": [] for k in range(cross_rings)}
    national_truth = []
    for region, files in generated.items():
        reg, acc, truth = _read(files)
        codes = np.array([u[2:8] for u in reg["统一社会信用代码"].sample(cross_rings * per_region, seed=seed,
                                                                       with_replacement=True).to_list()])
        new_usccs = ids.usccs(rng, codes, bad_check_share=0.0)
        template = reg.sample(len(new_usccs), seed=seed + 1, with_replacement=True)
        branches = acc["开户网点"].sample(cross_rings, seed=seed + 2, with_replacement=True).to_list()
        rows, accounts, planted = [], [], []
        for index, uscc in enumerate(new_usccs):
            k = index // per_region
            ring = f"X{k:02d}"
            registered = ring_start[k] + timedelta(days=int(rng.integers(0, 6)))
            name = f"{region[:2].upper()}{k:02d}{index % per_region}号商贸有限公司"
            row = template.row(index, named=True)
            row.update({"统一社会信用代码": uscc, "企业名称": name, "法定代表人": f"吴{k:02d}明",
                        "法定代表人证件号码": nominees[k], "联系电话": ring_phones[k], "成立日期": str(registered),
                        "注册资本(万元)": "10.00"})
            rows.append(row)
            accounts.append({"账号": str(6222_0000_0000_0000 + int(rng.integers(0, 10**12))), "开户网点": branches[k],
                             "开户日期": str(registered + timedelta(days=int(rng.integers(1, 4)))),
                             "统一社会信用代码": uscc, "单位名称": name, "法定代表人": f"吴{k:02d}明",
                             "法定代表人证件号码": nominees[k], "经办人": f"吴{k:02d}明",
                             "经办人证件号码": nominees[k], "经办人电话": ring_phones[k], "联系电话": ring_phones[k],
                             "联系地址": row["住所"]})
            planted.append({"uscc": uscc, "kind": CROSS_RING, "group_id": ring, "is_ring": "true"})
            ring_members[ring].append(str(uscc))
        # national hub phones on ordinary companies (a switchboard, an agency's number)
        ordinary = truth.filter(pl.col("kind") == "ordinary")["uscc"]
        chosen = ordinary.sample(hub_phones * hub_per_region, seed=seed + 3).to_list()
        phone_of = {u: hubs[i // hub_per_region] for i, u in enumerate(chosen)}
        reg = reg.with_columns(pl.col("统一社会信用代码").replace_strict(phone_of, default=pl.col("联系电话"))
                               .alias("联系电话"))
        truth = truth.with_columns(pl.when(pl.col("uscc").is_in(chosen)).then(pl.lit(NATIONAL_HUB))
                                   .otherwise(pl.col("kind")).alias("kind"))
        reg = pl.concat([reg, pl.DataFrame(rows, schema=reg.schema)])
        acc = pl.concat([acc, pl.DataFrame(accounts, schema=acc.schema)])
        truth = pl.concat([truth, pl.DataFrame(planted, schema=truth.schema)])
        _write(files, reg, acc, truth)
        national_truth.append(truth.with_columns(
            pl.when(pl.col("group_id").is_not_null() & (pl.col("kind") != CROSS_RING))
            .then(pl.lit(f"{region}-") + pl.col("group_id")).otherwise(pl.col("group_id")).alias("group_id")))
    truth_path = out_dir / "truth.csv"
    pl.concat(national_truth).write_csv(truth_path)
    return NationalDemo(out_dir, generated, truth_path, ring_members, hubs)
