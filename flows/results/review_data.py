"""What the review page shows, read from the published results DB.

Every request opens the results file read-only and closes it again: a scheduled run publishes by renaming
a new file over the old one, and the next request then reads the new run (one already running finishes on
the file it opened). Only masked values and pseudonyms are published; free text that an extract may have
smuggled an ID or phone into is masked once more here, as the exports do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from shellring.flows.core.masking import mask_text
from shellring.flows.core.rules import SENTENCES, sentence
from shellring.flows.results.phrases import evidence_text, hub_why, reason_lines

FREE_TEXT = {"company_name", "trade_name", "reg_address", "reasons", "mitigations", "evidence", "link_reasons", "why"}
MEMBER_COLUMNS = ["uscc", "company_name", "legal_rep_name_masked", "legal_rep_id_masked", "legal_rep_key",
                  "rep_age_at_reg", "phone_masked", "reg_address", "reg_date", "first_open_date",
                  "days_to_first_account", "joined_by", "new_since_verdict"]
LINK_COLUMNS = ["uscc_a", "uscc_b", "strength", "reason", "score", "evidence"]
HUB_COLUMNS = ["attr_kind", "value_display", "n_members", "n_companies_all", "suspicious", "why"]
FILTERS = ("new", "grown", "unreviewed", "flagged")


@dataclass(frozen=True)
class Run:
    run_id: str
    region: str
    finished_at: datetime


@contextmanager
def read_results(results_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The results file as it is now, read-only, for one request."""
    con = duckdb.connect(str(results_db), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [{k: mask_text(v) if k in FREE_TEXT and isinstance(v, str) else v for k, v in zip(names, row)}
            for row in cursor.fetchall()]


def latest_run(con: duckdb.DuckDBPyConnection) -> Run | None:
    row = con.execute("select run_id, region, finished_at from latest_run").fetchone()
    return Run(*row) if row else None


def _said(row: dict, lang: str) -> dict:
    """Reasons and mitigations in the page's language, from their published codes (or the run's own text)."""
    return {**row, "reasons": reason_lines(row.get("reason_codes"), row.get("reasons"), lang),
            "mitigations": reason_lines(row.get("mitigation_codes"), row.get("mitigations"), lang)}


def clusters(con: duckdb.DuckDBPyConnection, run_id: str, lang: str) -> list[dict]:
    """The run's clusters, flagged first and riskiest first, with what changed since the previous run."""
    return [_said(row, lang) for row in _rows(
        con,
        "select c.*, ch.change from clusters as c left join cluster_changes as ch using (run_id, cluster_id) "
        "where c.run_id = ? order by c.flagged desc, c.risk_score desc, c.cluster_id",
        [run_id],
    )]


def choose(rows: list[dict], chosen: set[str], in_force: dict[str, dict]) -> list[dict]:
    """Clusters passing the filters: new or grown (either, when both are chosen), unreviewed, flagged."""
    changes = chosen & {"new", "grown"}
    return [row for row in rows
            if (not changes or row["change"] in changes)
            and ("unreviewed" not in chosen or row["cluster_id"] not in in_force)
            and ("flagged" not in chosen or row["flagged"])]


def _word(key: str, published: object, lang: str) -> object:
    """A published code in the page's language, or as published when the registry has no word for it."""
    return SENTENCES[lang].get(key, published)


def _codes(link: dict) -> list[str]:
    return [code for code in (link.get("reason") or "").split("+") if code]


def cluster(con: duckdb.DuckDBPyConnection, run_id: str, cluster_id: str, lang: str) -> dict | None:
    """One cluster of the run with its members, links and the hubs it touches; None when the run has no such id."""
    found = _rows(
        con,
        "select c.*, ch.change from clusters as c left join cluster_changes as ch using (run_id, cluster_id) "
        "where c.run_id = ? and c.cluster_id = ?",
        [run_id, cluster_id],
    )
    if not found:
        return None
    params = [run_id, cluster_id]
    links = _rows(con, "select * from links where run_id = ? and cluster_id = ? "
                       "order by score desc, uscc_a, uscc_b", params)
    members = _rows(con, f"select {', '.join(MEMBER_COLUMNS)} from cluster_members "
                         "where run_id = ? and cluster_id = ? order by reg_date, uscc", params)
    hubs = _rows(con, "select h.attr_kind, h.value_display, h.n_members, b.n_companies, b.share_fast_open_7d, "
                      "b.share_rep_young, b.reg_span_days, b.suspicious, b.why from cluster_hubs as h "
                      "join hubs as b using (run_id, hub_id) where h.run_id = ? and h.cluster_id = ? "
                      "order by h.n_members desc, h.hub_id", params)
    return {
        **_said(found[0], lang),
        "links": [{**link, "reason": " + ".join(sentence(f"short.{code}", lang) for code in _codes(link)),
                   "strength": _word(f"strength.{link['strength']}", link["strength"], lang),
                   "evidence": evidence_text(link.get("evidence_codes"), link["evidence"], lang)} for link in links],
        "reason_codes_of_links": sorted({code for link in links for code in _codes(link)}),
        "members": [{**m, "joined_by": _word(f"joined.{m['joined_by']}", m["joined_by"], lang)} for m in members],
        "hubs": [{**h, "attr_kind": _word(f"kind.{h['attr_kind']}", h["attr_kind"], lang),
                  "n_companies_all": h["n_companies"], "why": hub_why(h, lang)} for h in hubs],
    }
