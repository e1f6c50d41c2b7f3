"""Which planted rings of the fourth generator hang together by a shared value at all, and which of those the job found.

    python bench/fourthgen/connected.py DATA_DIR [RESULTS_DIR]

Reads the generator's files only (registrations.xlsx, accounts.csv, truth.csv) with a deliberately plain normaliser
of its own (NFKC; phones as digits, local numbers given the city's area code, extensions dropped; IDs upper-case;
a room as the address after province/city with 栋/号楼 -> 幢, `15楼08室` -> 1508 and 室/单元 dropped; the block letter
kept, so `C座1226` and `1226` differ), never the detector's matchers. A ring is *value-connected* when >= 80% of its
members form one component of the graph "shares a rep ID, a phone (registration, bank contact or agent), an agent
ID or a room". A ring that is not can only be found whole on timing, branch and profile evidence: its halves (two
nominees, two agents, two dealer phones, a student batch's profile-only members, a careful farm's neighbouring
rooms) share no value. With RESULTS_DIR (holding results.duckdb), each kind x level row also says how many rings of
each sort the published run found (evaluate.py's rule: >= 80% in one flagged cluster <= 20% legitimate).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import polars as pl

AREA = {"苏州市": "0512", "南京市": "025", "无锡市": "0510", "常州市": "0519"}
_EXT = re.compile(r"(转|分机号|分机|\(转).*$")
_HEAD = re.compile(r"^(江苏省|江苏)?(苏州市|南京市|无锡市|常州市|苏州|南京|无锡|常州)?")
_FLOOR_ROOM = re.compile(r"(\d+)楼(\d+)室")


def _nfkc(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def _phones(value: str | None, area: str) -> list[str]:
    out = []
    for part in re.split(r"/", _nfkc(value)):
        digits = re.sub(r"\D", "", _EXT.sub("", part))
        if digits.startswith("0086"):
            digits = digits[4:]
        elif digits.startswith("86") and len(digits) >= 12:
            digits = digits[2:]
        if (len(digits) == 11 and digits.startswith("1")) or (digits.startswith("0") and len(digits) >= 10):
            out.append(digits)
        elif len(digits) in (7, 8):
            out.append(area + digits)
        elif len(digits) in (10, 11):
            out.append("0" + digits)  # +86-512-xxxxxxxx lost its trunk zero
    return out


def _room(address: str | None) -> str | None:
    text = re.sub(r"(\(|（).*?(\)|）)", "", _HEAD.sub("", _nfkc(address)))
    text = text.replace("栋", "幢").replace("号楼", "幢")
    text = _FLOOR_ROOM.sub(lambda m: f"{m.group(1)}{int(m.group(2)):02d}", text)
    text = re.sub(r"(室|单元)$", "", text)
    return text if re.search(r"(\d+|工位)$", text) else None


def _id(value: str | None) -> str:
    return _nfkc(value).lstrip("'").replace(" ", "").upper()


def ring_parts(data: Path) -> pl.DataFrame:
    truth = pl.read_csv(data / "truth.csv", infer_schema=False)
    rings = truth.filter(pl.col("is_ring") == "true")
    options = {"header_row": 2, "dtypes": "string"}
    sheets = [pl.read_excel(data / "registrations.xlsx", sheet_name=s, read_options=options)
              .with_columns(pl.lit(s).alias("sheet")) for s in AREA]
    regs = pl.concat(sheets).rename({"统一社会信用代码": "uscc"}).with_columns(
        pl.col("uscc").map_elements(lambda u: _id(u), return_dtype=pl.String))
    accounts = pl.read_csv(data / "accounts.csv", encoding="gbk", skip_rows=2, infer_schema=False,
                           truncate_ragged_lines=True).rename({"统一社会信用代码": "uscc"})
    keys: dict[str, set[str]] = defaultdict(set)
    area_of: dict[str, str] = {}
    for row in rings.join(regs, on="uscc", how="inner").iter_rows(named=True):
        uscc, area = row["uscc"], AREA[row["sheet"]]
        area_of[uscc] = area
        if row["法定代表人证件号码"]:
            keys[uscc].add("id:" + _id(row["法定代表人证件号码"]))
        keys[uscc].update("phone:" + p for p in _phones(row["联系电话"], area))
        room = _room(row["住所"])
        if room:
            keys[uscc].add("room:" + room)
    for row in accounts.join(rings.select("uscc"), on="uscc").iter_rows(named=True):
        uscc = row["uscc"]
        area = area_of.get(uscc, "0512")
        if row["经办人身份证号码"]:
            keys[uscc].add("id:" + _id(row["经办人身份证号码"]))
        for column in ("经办人手机号码", "单位联系电话"):
            keys[uscc].update("phone:" + p for p in _phones(row[column], area))
    out = []
    for (group, kind, level), members in rings.group_by(["group_id", "kind", "sophistication"]):
        ids = members["uscc"].to_list()
        parent = {m: m for m in ids}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        holders: dict[str, list[str]] = defaultdict(list)
        for m in ids:
            for key in keys[m]:
                holders[key].append(m)
        for group_members in holders.values():
            for m in group_members[1:]:
                parent[find(m)] = find(group_members[0])
        top = max(Counter(find(m) for m in ids).values()) / len(ids)
        out.append((group, kind, level, len(ids), round(top, 3)))
    return pl.DataFrame(out, schema=["group_id", "kind", "level", "size", "largest_part"], orient="row")


def main() -> None:
    data = Path(sys.argv[1])
    parts = ring_parts(data).with_columns((pl.col("largest_part") >= 0.8).alias("connected"))
    found = None
    if len(sys.argv) > 2:
        con = duckdb.connect()
        con.execute("attach ? as r (read_only)", [str(Path(sys.argv[2]) / "results.duckdb")])
        con.execute("create table truth as select * from read_csv(?, all_varchar = true)", [str(data / "truth.csv")])
        found = pl.from_arrow(con.sql("""
            with run as (select run_id from r.runs where status = 'succeeded' order by finished_at desc limit 1),
            pred as (select m.cluster_id, m.uscc from r.cluster_members as m
                     join r.clusters as c using (run_id, cluster_id) join run using (run_id) where c.flagged),
            purity as (select cluster_id,
                           avg(case when coalesce(t.is_ring, 'false') = 'true' then 0 else 1 end) as legit
                       from pred left join truth as t using (uscc) group by cluster_id),
            best as (select t.group_id, max(n) as n from (
                        select t.group_id, p.cluster_id, count(*) as n from truth as t join pred as p using (uscc)
                        join purity using (cluster_id) where t.is_ring = 'true' and purity.legit <= 0.2 group by all
                     ) as t group by t.group_id)
            select group_id, n from best""").to_arrow_table())
        parts = parts.join(found, on="group_id", how="left").with_columns(
            (pl.col("n").fill_null(0) >= 0.8 * pl.col("size")).alias("found"))
    aggs = [pl.len().alias("rings"), pl.col("connected").sum().alias("value_connected")]
    if found is not None:
        aggs += [(pl.col("connected") & pl.col("found")).sum().alias("connected_found"),
                 (~pl.col("connected") & pl.col("found")).sum().alias("not_connected_found")]
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        table = parts.group_by(["kind", "level"]).agg(aggs).sort(["kind", "level"])
        print(table)
        print(table.select(pl.exclude("kind", "level")).sum())


if __name__ == "__main__":
    main()
