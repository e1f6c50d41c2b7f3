"""Stable cluster ids, change tracking and analysts' verdicts over three consecutive periods.

One demo output is cut by date into three cumulative extracts (period 1 = up to T1, ...). Planted
companies (unique phones, reps, addresses, branches) make known clusters on top of the demo ones:
G grows every period, R stays as is, L is low-risk, D and F are pairs that fall apart in period 2
(D: a phone changed; F: its link marked false), N appears in period 2, S splits and M1 + M2 merge
in period 3 (the bridge company of S is dropped; a company sharing both M phones arrives).
"""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shellring.flows.demo import identifiers as ids
from shellring.flows.results.verdicts import list_verdicts, record_cluster_verdict, verdicts_path

T1, T2 = date(2025, 6, 30), date(2025, 12, 31)
ANALYST = "Li Analyst"
REG_COLUMNS = ["统一社会信用代码", "企业名称", "法定代表人", "法定代表人证件号码", "住所", "联系电话", "成立日期",
               "注册资本(万元)", "经营范围", "登记机关", "登记状态"]
ACC_COLUMNS = ["账号", "开户网点", "开户日期", "统一社会信用代码", "单位名称", "法定代表人", "法定代表人证件号码",
               "经办人", "经办人证件号码", "经办人电话", "联系电话", "联系地址"]
ROADS = ["青枫", "石渠", "柳塘", "云栖", "松涧", "桂溪", "枫林", "翠竹", "梅岭", "兰亭", "荷塘", "杏坛", "桃源", "竹里",
         "芦湾", "樟木", "银杏", "海棠", "紫荆", "丹霞", "白鹭", "青鸾", "金沙", "玉泉", "锦绣", "碧波", "星河", "晨曦",
         "暮雪", "秋水", "春江", "夏荷", "冬梅", "听涛", "望月", "揽胜", "凌霄", "鸣凤", "卧龙", "栖霞"]
REGIONS = ["330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112", "330122", "330127",
           "330182", "330183", "330185", "330203", "330205", "330206", "330211", "330212", "330225", "330226",
           "330281", "330282", "330302", "330303", "330304", "330305", "330324", "330326", "330327", "330328",
           "330329", "330381", "330382", "330402", "330411", "330421", "330424", "330481", "330482", "330483"]

# group -> (members, risky?, registration date of each member); members of one group share a phone
PLAN = {
    "G": (["g1", "g2", "g3", "g4", "g5", "g6", "g7"], True,
          ["2025-03-02", "2025-03-05", "2025-03-09", "2025-03-12", "2025-09-10", "2025-09-14", "2026-03-03"]),
    "R": (["r1", "r2", "r3"], True, ["2025-01-06", "2025-01-08", "2025-01-13"]),
    "L": (["l1", "l2", "l3"], False, ["2024-05-06", "2024-07-08", "2024-09-16"]),
    "D": (["d1", "d2"], False, ["2024-10-08", "2024-12-09"]),
    "F": (["f1", "f2"], False, ["2024-11-04", "2025-02-10"]),
    "N": (["n1", "n2", "n3"], True, ["2025-08-04", "2025-08-06", "2025-08-11"]),
    "SA": (["a1", "a2", "a3", "a4", "x"], True, ["2025-07-07", "2025-07-08", "2025-07-10", "2025-07-14", "2025-07-21"]),
    "SB": (["b1", "b2", "b3"], True, ["2025-10-06", "2025-10-09", "2025-10-13"]),
    "M1": (["m1", "m2", "m3"], True, ["2025-08-18", "2025-08-19", "2025-08-25"]),
    "M2": (["k1", "k2", "k3"], True, ["2025-11-03", "2025-11-05", "2025-11-10"]),
    "Y": (["y"], True, ["2026-02-02"]),
}


def _planted(demo_usccs: set[str]) -> dict[str, dict]:
    """One registration-and-account record per planted company, keyed by its label."""
    rng = np.random.default_rng(20260601)
    labels = [label for members, _, _ in PLAN.values() for label in members]
    usccs = ids.usccs(rng, np.array(["330106"] * len(labels)), bad_check_share=0.0)
    assert not set(usccs) & demo_usccs
    phones = {group: f"170{rng.integers(10**7, 10**8)}" if risky else f"139{rng.integers(10**7, 10**8)}"
              for group, (_, risky, _) in PLAN.items()}
    birth = np.array([(date(2005, 6, 1) if PLAN[g][1] else date(1968, 3, 1)) - date(1970, 1, 1)
                      for g, (members, _, _) in PLAN.items() for _ in members], dtype="timedelta64[D]").astype(np.int64)
    rep_ids = ids.resident_ids(rng, np.array(REGIONS[: len(labels)]), birth)
    records, i = {}, 0
    for group, (members, risky, days) in PLAN.items():
        for label, day in zip(members, days):
            reg_day = date.fromisoformat(day)
            records[label] = {
                "group": group, "uscc": usccs[i], "name": f"杭州{ROADS[i]}商贸有限公司", "rep": f"王{ROADS[i]}",
                "rep_id": rep_ids[i], "address": f"浙江省杭州市西湖区{ROADS[i]}路{101 + 37 * i}号",
                "phone": phones[group], "contact_phone": phones[group], "reg_date": reg_day,
                "capital": "10" if risky else "800", "scope": f"{ROADS[i]}{label}相关技术服务。",
                "open_date": reg_day + timedelta(days=3 if risky else 240),
                "branch": f"中国工商银行杭州{ROADS[i % 7]}{group}测试支行",
                "account": f"6222{i:03d}{1_000_000_000 + 7919 * i}",
            }
            i += 1
    # Planted edits: x bridges S's halves (rep of b1, S-B's phone at the bank); y joins M1 and M2.
    records["x"].update(rep=records["b1"]["rep"], rep_id=records["b1"]["rep_id"],
                        contact_phone=records["b1"]["phone"])
    records["y"].update(phone=records["m1"]["phone"], contact_phone=records["k1"]["phone"])
    return records


def _frames(records: dict[str, dict], labels: list[str], overrides: dict[str, dict] | None = None):
    reg, acc = [], []
    for label in labels:
        r = {**records[label], **(overrides or {}).get(label, {})}
        reg.append([r["uscc"], r["name"], r["rep"], r["rep_id"], r["address"], r["phone"], r["reg_date"].isoformat(),
                    r["capital"], r["scope"], "杭州市西湖区市场监督管理局", "存续"])
        acc.append([r["account"], r["branch"], r["open_date"].isoformat(), r["uscc"], r["name"], r["rep"], r["rep_id"],
                    r["rep"], r["rep_id"], r["contact_phone"], r["contact_phone"], r["address"]])
    return (pl.DataFrame(reg, schema=REG_COLUMNS, orient="row"), pl.DataFrame(acc, schema=ACC_COLUMNS, orient="row"))


@pytest.fixture(scope="module")
def periods(tmp_path_factory):
    """Extract paths of the three periods, and the planted records."""
    from shellring.flows.demo.generate import generate_demo

    folder = tmp_path_factory.mktemp("history")
    demo = generate_demo(folder / "demo", n_companies=1500, seed=23, noise=0.0)
    reg = pl.read_csv(demo.registrations, encoding="gbk", infer_schema=False)
    acc = pl.read_csv(demo.accounts, infer_schema=False)
    records = _planted(set(reg["统一社会信用代码"]))
    by_period = {1: T1, 2: T2, 3: date(2099, 1, 1)}
    d2_new_phone = {"phone": "13987654321", "contact_phone": "13987654321"}
    files = {}
    for period, cut in by_period.items():
        labels = [lab for lab, r in records.items() if r["reg_date"] <= cut and not (period == 3 and lab == "x")]
        planted_reg, planted_acc = _frames(records, labels, {"d2": d2_new_phone} if period >= 2 else None)
        planted_acc = planted_acc.filter(pl.col("开户日期") <= cut.isoformat())
        p_reg = pl.concat([reg.filter(pl.col("成立日期") <= cut.isoformat()), planted_reg])
        p_acc = pl.concat([acc.filter(pl.col("开户日期") <= cut.isoformat()), planted_acc])
        files[period] = (folder / f"reg{period}.csv", folder / f"acc{period}.csv")
        p_reg.write_csv(files[period][0])
        p_acc.write_csv(files[period][1])
    return files, records, folder / "results.duckdb"


def _run(files, period, db):
    from shellring.flows.core.settings import Settings
    from shellring.flows.orchestration.audit import audit_flow

    reg, acc = files[period]
    # the verdict sentences below are checked in English (the runs' default is Chinese; see test_rules_verdicts)
    return audit_flow(registrations=[str(reg)], accounts=[str(acc)], db=str(db), region="hz-test",
                      settings=Settings(language="en"))["run_id"]


def _cluster_of(con, run_id, uscc):
    row = con.execute("select cluster_id from cluster_members where run_id = ? and uscc = ?", [run_id, uscc]).fetchone()
    return row[0] if row else None


def _members(con, run_id, cluster_id):
    return sorted(r[0] for r in con.execute(
        "select uscc from cluster_members where run_id = ? and cluster_id = ?", [run_id, cluster_id]).fetchall())


def _change(con, run_id, cluster_id):
    return con.execute(
        "select change, related_cluster_ids, companies_added, companies_removed, previous_run_id "
        "from cluster_changes where run_id = ? and cluster_id = ?", [run_id, cluster_id]).fetchall()


def _cluster(con, run_id, cluster_id):
    return con.execute("select flagged, risk_score, reasons, verdict, verdict_overridden from clusters "
                       "where run_id = ? and cluster_id = ?", [run_id, cluster_id]).fetchone()


def _snapshot(con, run_id):
    clusters = {cid: tuple(_members(con, run_id, cid)) for (cid,) in con.execute(
        "select cluster_id from clusters where run_id = ?", [run_id]).fetchall()}
    changes = sorted(map(str, con.execute(
        "select cluster_id, change, related_cluster_ids, companies_added, companies_removed, previous_run_id "
        "from cluster_changes where run_id = ?", [run_id]).fetchall()))
    return clusters, changes


def _check_change_invariants(con, run_id, previous_run_id):
    """One change row per cluster of the run; disappeared ids come from the previous run; fresh ids are fresh."""
    missing = con.execute("select count(*) from clusters c where run_id = ? and (select count(*) from "
                          "cluster_changes ch where ch.run_id = c.run_id and ch.cluster_id = c.cluster_id) <> 1",
                          [run_id]).fetchone()[0]
    assert missing == 0
    gone = con.execute("select cluster_id from cluster_changes where run_id = ? and change = 'disappeared'",
                       [run_id]).fetchall()
    previous = {r[0] for r in con.execute("select cluster_id from clusters where run_id = ?",
                                          [previous_run_id]).fetchall()}
    current = {r[0] for r in con.execute("select cluster_id from clusters where run_id = ?", [run_id]).fetchall()}
    assert {g for (g,) in gone} <= previous - current
    fresh = {r[0] for r in con.execute("select cluster_id from cluster_changes where run_id = ? and change in "
                                       "('new', 'split', 'merged')", [run_id]).fetchall()}
    earlier = {r[0] for r in con.execute(
        "select cluster_id from clusters join runs using (run_id) where run_id <> ? and finished_at <= "
        "(select finished_at from runs where run_id = ?)", [run_id, previous_run_id]).fetchall()}
    carried = {r[0] for r in con.execute("select cluster_id from cluster_lineage where run_id = ? and inherited",
                                         [run_id]).fetchall()}
    assert not (fresh - carried) & earlier


@pytest.fixture(scope="module")
def history(periods, key_env):
    """Runs periods 1-3 with verdicts in between, then reruns period 2; returns what each step saw."""
    from shellring.flows.cli.app import app

    files, records, db = periods
    u = {label: r["uscc"] for label, r in records.items()}
    seen = {"run1": _run(files, 1, db)}
    with duckdb.connect(str(db), read_only=True) as con:
        seen["ids1"] = {g: _cluster_of(con, seen["run1"], u[m]) for g, m in
                        [("G", "g1"), ("R", "r1"), ("L", "l1"), ("D", "d1"), ("F", "f1")]}
        seen["risk_L1"] = _cluster(con, seen["run1"], seen["ids1"]["L"])[1]
    runner = CliRunner()
    for group, verdict in [("G", "legitimate_group"), ("R", "legitimate_group"), ("L", "confirmed_ring")]:
        result = runner.invoke(app, ["verdict", "--db", str(db), "--cluster", seen["ids1"][group], "--verdict",
                                     verdict, "--by", ANALYST, "--note", "checked; rep phone 13812345678"])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["verdict", "--db", str(db), "--link", u["f2"], u["f1"], "--verdict", "false_link",
                                 "--by", ANALYST])
    assert result.exit_code == 0, result.output
    seen["bad_cluster"] = runner.invoke(app, ["verdict", "--db", str(db), "--cluster", "Cnosuchcluster", "--verdict",
                                              "confirmed_ring", "--by", ANALYST])
    seen["listing"] = runner.invoke(app, ["verdicts", "--db", str(db)], env={"COLUMNS": "250"}).output

    seen["run2"] = _run(files, 2, db)
    with duckdb.connect(str(db), read_only=True) as con:
        seen["snapshot2"] = _snapshot(con, seen["run2"])
        # verdict effects as period 2 first saw them (the rerun below honours a later verdict too)
        seen["verdicts2"] = {group: _cluster(con, seen["run2"], seen["ids1"][group]) for group in "GRL"}
        seen["l_new2"] = con.execute("select bool_or(new_since_verdict) from cluster_members where run_id = ? "
                                     "and cluster_id = ?", [seen["run2"], seen["ids1"]["L"]]).fetchone()[0]
        g2 = _cluster_of(con, seen["run2"], u["g1"])
    record_cluster_verdict(db, g2, "confirmed_ring", ANALYST, "same controller as case 17")
    seen["run3"] = _run(files, 3, db)
    seen["rerun2"] = _run(files, 2, db)
    return seen, records, db


def test_grown_ring_keeps_its_id_and_a_legitimate_verdict_is_re_raised_by_new_risk(history):
    seen, records, db = history
    u = {label: r["uscc"] for label, r in records.items()}
    with duckdb.connect(str(db), read_only=True) as con:
        g = seen["ids1"]["G"]
        assert _members(con, seen["run1"], g) == sorted(u[m] for m in ["g1", "g2", "g3", "g4"])
        run2 = seen["run2"]
        assert seen["snapshot2"][0][g] == tuple(sorted(u[m] for m in ["g1", "g2", "g3", "g4", "g5", "g6"]))
        # period 3: G grew again under a confirmed_ring verdict made against period 2
        run3 = seen["run3"]
        assert _cluster_of(con, run3, u["g7"]) == g
        change, related, added, removed, previous = _change(con, run3, g)[0]
        assert (change, related, added, removed, previous) == ("grown", [], [u["g7"]], [], run2)
        flagged, _, reasons, verdict, overridden = _cluster(con, run3, g)
        assert (flagged, verdict, overridden) == (True, "confirmed_ring", False)
        assert reasons.startswith(f"confirmed ring by {ANALYST} on ") and "1 companies added since" in reasons
        new_members = con.execute("select uscc from cluster_members where run_id = ? and cluster_id = ? "
                                  "and new_since_verdict", [run3, g]).fetchall()
        assert new_members == [(u["g7"],)]


def test_period_two_changes_and_verdicts(history):
    seen, records, db = history
    u = {label: r["uscc"] for label, r in records.items()}
    ids1, run1 = seen["ids1"], seen["run1"]
    with duckdb.connect(str(db), read_only=True) as con:
        # the rerun of period 2 replaced its rows; they must equal what the first period-2 run wrote
        assert _snapshot(con, seen["rerun2"]) == seen["snapshot2"]
        run2 = seen["rerun2"]
        _check_change_invariants(con, run2, run1)
        g = ids1["G"]
        assert _change(con, run2, g) == [("grown", [], sorted([u["g5"], u["g6"]]), [], run1)]
        flagged, risk, reasons, verdict, overridden = seen["verdicts2"]["G"]
        made_on = con.execute("select strftime(made_at, '%Y-%m-%d') from verdicts where cluster_id = ? "
                              "and verdict = 'legitimate_group'", [g]).fetchone()[0]
        assert (flagged, verdict, overridden) == (True, "legitimate_group", True) and risk >= 50
        assert reasons.startswith(f"marked legitimate group by {ANALYST} on {made_on}; 2 companies added since, "
                                  f"risk {risk}")

        r = ids1["R"]
        assert _change(con, run2, r) == [("unchanged", [], [], [], run1)]
        flagged, risk, reasons, verdict, overridden = seen["verdicts2"]["R"]
        assert risk >= 50 and (flagged, verdict, overridden) == (False, "legitimate_group", False)
        assert "no companies added since - kept unflagged" in reasons

        ids1["L"]
        flagged, risk, reasons, verdict, _ = seen["verdicts2"]["L"]
        assert seen["risk_L1"] < 50 and risk < 50 and (flagged, verdict) == (True, "confirmed_ring")
        assert reasons.startswith(f"confirmed ring by {ANALYST}")
        assert seen["l_new2"] is False

        assert _change(con, run2, ids1["D"]) == [("disappeared", [], [], sorted([u["d1"], u["d2"]]), run1)]
        assert _change(con, run2, ids1["F"]) == [("disappeared", [], [], sorted([u["f1"], u["f2"]]), run1)]
        assert _cluster_of(con, run2, u["f1"]) is None or _cluster_of(con, run2, u["f1"]) != _cluster_of(
            con, run2, u["f2"])
        assert con.execute("select count(*) from links where run_id = ? and least(uscc_a, uscc_b) = ? and "
                           "greatest(uscc_a, uscc_b) = ?", [run2, *sorted([u["f1"], u["f2"]])]).fetchone()[0] == 0

        for group, first in [("N", "n1"), ("SA", "a1"), ("M1", "m1")]:
            cid = _cluster_of(con, run2, u[first])
            members = [m for m in PLAN[group][0] if records[m]["reg_date"] <= T2]
            if group == "SA":
                members += ["b1", "b2", "b3"]
            change, _, added, removed, _ = _change(con, run2, cid)[0]
            assert (change, added, removed) == ("new", sorted(u[m] for m in members), [])


def test_split_and_merge_in_period_three_keep_lineage(history):
    seen, records, db = history
    u = {label: r["uscc"] for label, r in records.items()}
    run2, run3 = seen["rerun2"], seen["run3"]
    with duckdb.connect(str(db), read_only=True) as con:
        _check_change_invariants(con, run3, run2)
        s = _cluster_of(con, run2, u["a1"])
        assert _cluster_of(con, run2, u["b1"]) == s  # x bridged the two halves in period 2
        a, b = _cluster_of(con, run3, u["a1"]), _cluster_of(con, run3, u["b1"])
        assert a == s != b  # the larger half keeps the id
        removed = sorted(u[m] for m in ["x", "b1", "b2", "b3"])
        assert _change(con, run3, a) == [("split", [b], [], removed, run2)]
        assert _change(con, run3, b) == [("split", [s], [], [], run2)]

        m1, m2 = _cluster_of(con, run2, u["m1"]), _cluster_of(con, run2, u["k1"])
        merged = _cluster_of(con, run3, u["y"])
        assert m1 != m2 and merged == _cluster_of(con, run3, u["m1"]) == _cluster_of(con, run3, u["k1"])
        assert merged == min(m1, m2)  # equal overlaps: the smaller previous id wins, deterministically
        assert _change(con, run3, merged) == [("merged", [max(m1, m2)], [u["y"]], [], run2)]
        assert _change(con, run3, max(m1, m2)) == []
        lineage = con.execute("select previous_cluster_id, n_common, inherited from cluster_lineage "
                              "where run_id = ? and cluster_id = ? order by 1", [run3, merged]).fetchall()
        assert lineage == sorted([(m1, 3, m1 == merged), (m2, 3, m2 == merged)])


def test_verdict_store_cli_and_publication(history):
    seen, records, db = history
    store = verdicts_path(db)
    assert store.name == "results.verdicts.duckdb" and stat.S_IMODE(os.stat(store).st_mode) == 0o600
    assert seen["bad_cluster"].exit_code == 2 and "no published run" in seen["bad_cluster"].output
    assert "false_link" in seen["listing"] and seen["ids1"]["G"] in seen["listing"]
    in_force = list_verdicts(db)
    assert [(v["verdict"], v["made_by"]) for v in in_force if v["cluster_id"] == seen["ids1"]["G"]] == [
        ("confirmed_ring", ANALYST)]
    assert len(list_verdicts(db, history=True)) == len(in_force) + 1
    with duckdb.connect(str(db), read_only=True) as con:
        published = con.execute("select note from verdicts where target = 'cluster' "
                                "and note like 'checked%'").fetchall()
        latest = con.execute("select count(*) from latest_cluster_changes where run_id = ?",
                             [seen["rerun2"]]).fetchone()
    assert published and all("13812345678" not in n and "138****5678" in n for (n,) in published)
    assert latest[0] > 0
