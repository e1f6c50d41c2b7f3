"""The `accounts` knob: bring the demo's account openings to an exact count without touching the rings.

The latent world opens about 0.7 accounts per company (a third of the companies registered lately have not
opened one yet). A province-sized test wants as many openings as companies, so the knob adds what real
legitimate companies do: further accounts at another bank, months or years after their first one, more
often for companies with more capital. Asked for fewer, it drops legitimate companies' second accounts
first, then legitimate companies' only accounts (not yet opened by the extract date). Ring accounts are
never added or dropped, so what the rings share is what the default demo plants.
"""
from __future__ import annotations

import numpy as np

from shellring.flows.demo.population import END_DAY, Branches

MIN_GAP_DAYS = 30  # a further account this soon after the first would look like a ring's burst


def resize_accounts(accounts: dict[str, np.ndarray], is_ring: np.ndarray, district: np.ndarray,
                    capital: np.ndarray, branches: Branches, target: int,
                    rng: np.random.Generator, spread_rng: np.random.Generator | None = None,
                    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(rows of `accounts` to keep, in order; further accounts to add) so that kept + added == target.
    `spread_rng`: the stream that picks a sub-branch of a grown network (Branches.spread); None leaves it be."""
    if target < 0:
        raise ValueError(f"accounts must be a count of account openings, not {target}")
    company = accounts["company"]
    natural = len(company)
    ring_row = is_ring[company]
    if target < int(ring_row.sum()):
        raise ValueError(f"accounts={target:,} is fewer than the {int(ring_row.sum()):,} openings the planted "
                         f"rings need; ask for at least that many")
    if target <= natural:
        return _drop(company, ring_row, natural - target, rng), _empty(accounts)
    return np.arange(natural), _add(accounts, is_ring, district, capital, branches, target - natural, rng,
                                   spread_rng)


def _first_rows(company: np.ndarray) -> np.ndarray:
    """Each company's first account row (the build writes every company's first account before any extra)."""
    return np.unique(company, return_index=True)[1]


def _drop(company: np.ndarray, ring_row: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    first = np.zeros(len(company), bool)
    first[_first_rows(company)] = True
    further = np.flatnonzero(~ring_row & ~first)
    only = np.flatnonzero(~ring_row & first)
    # every further account goes before any first one, so no company keeps a further account without its first
    drop = np.r_[rng.permutation(further), rng.permutation(only)][:count]
    keep = np.ones(len(company), bool)
    keep[drop] = False
    return np.flatnonzero(keep)


def _add(accounts: dict[str, np.ndarray], is_ring: np.ndarray, district: np.ndarray, capital: np.ndarray,
         branches: Branches, count: int, rng: np.random.Generator,
         spread_rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    first = _first_rows(accounts["company"])
    company = accounts["company"][first]
    open_day = accounts["open_day"][first]
    eligible = ~is_ring[company] & (END_DAY - open_day >= MIN_GAP_DAYS)
    if not eligible.any():
        raise ValueError("no legitimate company opened its first account early enough to open another")
    weight = np.sqrt(capital[company[eligible]])  # bigger companies bank with more banks
    rows = first[eligible][rng.choice(int(eligible.sum()), count, p=weight / weight.sum())]
    src_company = accounts["company"][rows]
    src_day = accounts["open_day"][rows]
    span = END_DAY - src_day - MIN_GAP_DAYS
    extra = {name: values[rows] for name, values in accounts.items()}
    extra["open_day"] = src_day + MIN_GAP_DAYS + (rng.random(count) * (span + 1)).astype(np.int64)
    extra["branch"] = branches.spread(_other_bank_branch(branches, district[src_company], accounts["branch"][rows],
                                                         rng), spread_rng)
    return extra


def _other_bank_branch(branches: Branches, district: np.ndarray, current: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """A branch near the company of a bank other than its first account's, when the neighbourhood has one."""
    out = current.copy()
    for d in np.unique(district):
        sel = np.flatnonzero(district == d)
        near = branches.near[d]
        pick = near[rng.integers(0, len(near), len(sel))]
        same_bank = branches.bank[pick] == branches.bank[current[sel]]
        retry = near[rng.integers(0, len(near), len(sel))]  # one redraw: a town may have a single bank
        out[sel] = np.where(same_bank, retry, pick)
    return out


def _empty(accounts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: values[:0] for name, values in accounts.items()}
