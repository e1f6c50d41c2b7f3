"""How often real addresses of one complex write a room with and without its block letter, and what room_blocks
makes of them.

    python bench/room_blocks_real.py --cpca PATH/cpca_company_addresses.csv \
        [--labelled PATH/labelled_addresses.jsonl --split train dev] [--show 10]

Each corpus is parsed (parse_addresses) and its distinct room keys go through the pipeline's own
staging/room_blocks step. Counted, over the rooms that have a room number: sites (adcode, road and door number,
or place name) with at least one lettered/numbered block, and those that also have a room written without one;
rooms written without a block at such a site; of those, the ones exactly one block has, and of these the ones
room_blocks resolves (the rest name a block in words the key lacks, 中座/东楼, or the two keys are never written
with the same place name), the ones two or more blocks have (left as written) and the ones no block has.
`--show` prints resolved pairs with the addresses behind them (the data is read from the paths given, never
copied into the repository).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import duckdb
import polars as pl

from shellring.flows.core.sqlsteps import run_step
from shellring.matchers.address import parse_addresses


def _corpus(args: argparse.Namespace) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if args.cpca:
        with open(args.cpca, encoding="utf-8") as f:
            out["cpca company addresses"] = [r["原始地址"] for r in csv.DictReader(f) if r["原始地址"]]
    if args.labelled:
        with open(args.labelled, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        out[f"NAACL labelled ({'/'.join(args.split)})"] = [r["text"] for r in rows if r["split"] in args.split]
    return out


def measure(addresses: list[str], show: int) -> dict[str, int]:
    distinct = sorted(set(addresses))
    parsed = parse_addresses(distinct).with_columns(pl.Series("input", distinct))
    con = duckdb.connect()
    con.register("_p", parsed.select("input", "site_key", "building_key", "room_key", "poi", "normalized").to_arrow())
    con.execute("create table norm_address as select * from _p")
    run_step(con, "staging/room_blocks")
    con.execute(r"""
        create table rooms as
        select distinct site_key, room_key, string_split(room_key, '|') as part from norm_address
        where room_key is not null and string_split(room_key, '|')[-1] <> ''""")
    counts = con.execute(r"""
        with r as (select site_key, room_key, part[-4] as block, part[-3] as unit, part[-2] as floor, part[-1] as room
                   from rooms),
        blocked as (select distinct site_key from r where block <> ''),
        n as (select site_key, unit, floor, room, count(distinct block) filter (where block <> '') as blocks
              from r group by all)
        select
            (select count(*) from r) as rooms,
            (select count(*) from blocked) as sites_with_blocks,
            (select count(distinct site_key) from r where block = '' and site_key in (select site_key from blocked))
                as sites_both_ways,
            count(*) filter (where r.block = '' and r.site_key in (select site_key from blocked)) as unlettered,
            count(*) filter (where r.block = '' and n.blocks = 1) as one_block_has_it,
            (select count(*) from room_blocks) as resolved,
            count(*) filter (where r.block = '' and n.blocks >= 2) as ambiguous,
            count(*) filter (where r.block = '' and n.blocks = 0
                             and r.site_key in (select site_key from blocked)) as no_block_has_it
        from r join n using (site_key, unit, floor, room)""").fetchone()
    keys = ("rooms", "sites_with_blocks", "sites_both_ways", "unlettered_at_blocked_sites", "one_block_has_it",
            "resolved", "ambiguous", "no_block_has_it")
    result = dict(zip(keys, counts, strict=True))
    for written, resolved in con.execute("select written_room_key, room_key from room_blocks order by 1 limit ?",
                                         [show]).fetchall():
        a = con.execute("select list(input) from norm_address where room_key = ?", [written]).fetchone()[0]
        b = con.execute("select list(input) from norm_address where room_key = ?", [resolved]).fetchone()[0]
        print(f"  {a[:2]}  ->  {b[:2]}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpca", type=Path, help="cpca_company_addresses.csv (not in the repository)")
    ap.add_argument("--labelled", type=Path, help="labelled_addresses.jsonl (not in the repository)")
    ap.add_argument("--split", nargs="+", default=["train", "dev"], choices=["train", "dev", "test"])
    ap.add_argument("--show", type=int, default=0)
    args = ap.parse_args()
    for name, addresses in _corpus(args).items():
        print(f"{name}: {len(addresses):,} addresses")
        for key, value in measure(addresses, args.show).items():
            print(f"  {key}: {value:,}")


if __name__ == "__main__":
    main()
