"""Throughput of every matchers normalizer (unique values/s) and comparator (pairs/s) on one core, plus
address accuracy and speed side by side with cpca and jionlp when they are installed (dev-only).

Run: /work/venv/bin/python bench/bench_matchers.py [--jionlp-sample 1000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")
os.environ.setdefault("RAYON_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from shellring.matchers.address import parse_addresses  # noqa: E402
from shellring.matchers.company import parse_company_names  # noqa: E402
from shellring.matchers.compare import id_near_match, similarity  # noqa: E402
from shellring.matchers.ids import parse_resident_ids, parse_usccs  # noqa: E402
from shellring.matchers.names import parse_person_names, parse_person_names_for_linking  # noqa: E402
from shellring.matchers.phone import parse_phones  # noqa: E402

DATA = ROOT / "tests" / "data" / "addresses"


def rate(fn, n, repeat=3, clock=time.perf_counter):
    best = float("inf")
    for _ in range(repeat):
        t = clock()
        fn()
        best = min(best, clock() - t)
    return n / best


def addresses():
    rows = list(csv.reader(open(DATA / "company_addresses.csv", encoding="utf-8")))[1:]
    return list(dict.fromkeys(r[0] for r in rows))


def ours_address_rate(values, clock=time.perf_counter):
    def run():
        parse_addresses(values)  # its cache lives for one call, so every repeat parses afresh
    parse_addresses(["浙江省杭州市转塘街道"])  # load the gazetteer and township index outside the timing
    return rate(run, len(values), repeat=5, clock=clock)


def labelled():
    jio = [json.loads(x) for x in open(DATA / "jionlp_parse_cases.jsonl", encoding="utf-8")]
    cp = [json.loads(x) for x in open(DATA / "cpca_parse_cases.jsonl", encoding="utf-8") if '"transform"' in x]
    return jio, cp


def score(pred, jio, cp):
    """pred(list[str]) -> list[(province, city, district)]; scoring rules as in tests/test_matchers_address.py."""
    def same_d(e, g):
        return g in (None, "市辖区") if e in (None, "市辖区") else (g is not None and (g == e or g.endswith(e)))

    def same_c(e, g, p):
        if e == "市辖区" or g == "市辖区":
            return (g in (p, "市辖区")) and (e in (p, "市辖区"))
        return e == g

    jp = pred([c["text"] for c in jio])
    cpp = pred([c["input"] for c in cp])
    j = sum(c["expected"]["province"] == p and same_c(c["expected"]["city"], ci, p)
            and same_d(c["expected"]["county"], d)
            for c, (p, ci, d) in zip(jio, jp))
    k = sum(c["province"] == p and (c["city"] is None or same_c(c["city"], ci, p)) and same_d(c["area"], d)
            for c, (p, ci, d) in zip(cp, cpp))
    return f"jionlp cases {j}/{len(jio)}, cpca cases {k}/{len(cp)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jionlp-sample", type=int, default=1000)
    args = ap.parse_args()
    rng = random.Random(0)
    addrs = addresses()
    print(f"# {len(addrs)} unique addresses; POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}")
    print(f"parse_addresses        {ours_address_rate(addrs):>12,.0f} values/s (wall, best of 5)")
    print(f"parse_addresses        {ours_address_rate(addrs, time.process_time):>12,.0f} values/s "
          "(process CPU time, best of 5: less sensitive to other load on the box)")
    ids = ["".join(rng.choice("0123456789") for _ in range(17)) + rng.choice("0123456789X") for _ in range(300_000)]
    print(f"parse_resident_ids     {rate(lambda: parse_resident_ids(ids), len(ids)):>12,.0f} values/s")
    print(f"parse_usccs            {rate(lambda: parse_usccs(ids), len(ids)):>12,.0f} values/s")
    mobiles = [f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" for _ in range(300_000)]
    print(f"parse_phones (mobiles) {rate(lambda: parse_phones(mobiles), len(mobiles)):>12,.0f} values/s")
    mixed = [rng.choice([f"0571-{rng.randrange(10**7, 10**8)}转{rng.randrange(100, 999)}",
                         f"+86 138 {rng.randrange(10**7, 10**8)}",
                         f"(010){rng.randrange(10**7, 10**8)}",
                         f"400-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"])
             for _ in range(50_000)]
    print(f"parse_phones (mixed)   {rate(lambda: parse_phones(mixed), len(mixed)):>12,.0f} values/s")
    surnames, given = "王李张刘陈杨黄赵吴周欧阳", "伟娜芳敏静丽强磊军洋勇艳杰娟涛明超秀霞"
    people = list({rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.randint(1, 2))) + str(i)
                   for i in range(50_000)})
    print(f"parse_person_names     {rate(lambda: parse_person_names(people), len(people)):>12,.0f} values/s")
    print(f"  without pinyin (job) "
          f"{rate(lambda: parse_person_names_for_linking(people), len(people)):>12,.0f} values/s")
    companies = [f"{rng.choice(['杭州', '浙江省', '深圳市', ''])}{rng.choice(given)}{rng.choice(given)}{i}"
                 f"{rng.choice(['科技', '网络科技', '商贸', ''])}"
                 f"{rng.choice(['有限公司', '股份有限公司', '(有限合伙)'])}"
                 for i in range(50_000)]
    print(f"parse_company_names    {rate(lambda: parse_company_names(companies), len(companies)):>12,.0f} values/s")

    norm = parse_addresses(addrs)["normalized"].fill_null("").to_list()
    srt = sorted(norm)
    a, b = srt[:-1] * 20, srt[1:] * 20
    for kind in ("address", "name", "company", "text"):
        print(f"similarity({kind!r:9}) "
              f"{rate(lambda: similarity(kind, a, b, workers=1), len(a)):>12,.0f} pairs/s (1 worker)")
    b_ids = [s[:5] + ("0" if s[5] != "0" else "1") + s[6:] for s in ids]
    print(f"id_near_match          {rate(lambda: id_near_match(ids, b_ids), len(ids)):>12,.0f} pairs/s")

    jio, cp = labelled()

    def ours(values):
        return [(r["province"], r["city"], r["district"]) for r in parse_addresses(values).iter_rows(named=True)]

    print(f"accuracy ours:   {score(ours, jio, cp)}")
    try:
        import cpca

        def cp_pred(values):
            df = cpca.transform(values)
            def clean(x):
                return x if isinstance(x, str) and x else None

            return [(clean(p), clean(c), clean(d)) for p, c, d in zip(df["省"], df["市"], df["区"])]

        print(f"accuracy cpca:   {score(cp_pred, jio, cp)}")
        print(f"cpca.transform         {rate(lambda: cpca.transform(addrs), len(addrs), repeat=1):>12,.0f} values/s")
    except ImportError:
        print("cpca not installed")
    try:
        import jionlp

        def jio_pred(values):
            out = []
            for v in values:
                try:
                    r = jionlp.parse_location(v, change2new=True)
                    out.append((r["province"], r["city"], r["county"]))
                except Exception:
                    out.append((None, None, None))
            return out

        print(f"accuracy jionlp: {score(jio_pred, jio, cp)} (change2new=True, town_village=False for all)")
        sample = addrs[: args.jionlp_sample]
        print(f"jionlp.parse_location  {rate(lambda: jio_pred(sample), len(sample), repeat=1):>12,.0f} values/s "
              f"({len(sample)} addresses)")
    except ImportError:
        print("jionlp not installed")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
