"""Knobs that make the demo harder to overfit, resolved once per run from the caller's choices and a seed.

All knobs off (the default) leaves the classic demo untouched, byte for byte. `hard=True` switches every knob
on with values drawn per run from ranges, so two seeds differ in proportions and formats, not only in values.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LEVELS = ("naive", "medium", "sophisticated")


@dataclass(frozen=True)
class Knobs:
    # share of rings at each sophistication level (student batches are always naive: youth is what they sell)
    sophistication: dict[str, float] = field(default_factory=lambda: {"naive": 1.0})
    # share of rings (and of business parks / incubators) placed inside busy shared buildings
    density: float = 0.0
    # share of dealer-phone rings whose dealer number is a landline (and group switchboards written as widely)
    landline_dealers: float = 0.0
    # share of student-batch members that share only profile and timing, no phone/agent/address
    profile_only: float = 0.0
    # draw proportions, sizes, noise rates, date/capital/phone formats and header names per run from ranges
    vary: bool = False
    # write values in spellings and draw ring proportions from ranges beyond what the detector was tuned on
    # (never switched on by `hard`: the hard demo's figures and the floors set on them stay as they are)
    variety: bool = False
    # draw ring proportions (sizes, pace of registration, delay to the account, representatives' ages, companies
    # per nominee) and look-alikes' sizes and paces from the wide ranges DOMAIN.md reports, not the demo's own
    # (never switched on by `hard`: every existing figure stays as it is)
    stretch: bool = False
    # give a region larger than the anchor's (population.BRANCH_ANCHOR_COMPANIES) proportionally more bank
    # branches, so one branch serves as many companies at any size (never switched on by `hard`; not in `any`:
    # it moves no spelling or proportion, only which branch an account opens at)
    grow_branches: bool = False
    # draw the per-run proportions and size ranges (`vary`) from the seed's own stream, so that two sizes of one
    # seed plant the same mix (without it they come after the world's draws per company: another run per size)
    plan_by_seed: bool = False

    @property
    def any(self) -> bool:
        return (self.sophistication != {"naive": 1.0} or self.density > 0 or self.landline_dealers > 0
                or self.profile_only > 0 or self.vary or self.variety or self.stretch)


def resolve(seed: int, hard: bool, sophistication: dict[str, float] | str | None, density: float | None,
            landline_dealers: float | None, profile_only: float | None, vary: bool | None,
            variety: bool = False, stretch: bool = False, grow_branches: bool = False,
            plan_by_seed: bool = False) -> Knobs:
    """Explicit knobs win; `hard` fills the rest with values drawn per run (seeded) from plausible ranges.
    `variety`, `stretch`, `grow_branches` and `plan_by_seed` are only ever explicit."""
    rng = np.random.default_rng([seed, 3])
    draws = {  # drawn always so that one knob's choice does not shift another's draw
        "soph": rng.dirichlet([8.0, 8.0, 9.0]),  # each level ~20-50 % of rings
        "density": rng.uniform(0.3, 0.6),
        "landline": rng.uniform(0.35, 0.65),
        "profile": rng.uniform(0.4, 0.7),
    }
    if isinstance(sophistication, str):
        if sophistication not in LEVELS:
            raise ValueError(f"sophistication must be one of {LEVELS} or a mix, not {sophistication!r}")
        sophistication = {sophistication: 1.0}
    if sophistication is None:
        sophistication = ({lvl: float(p) for lvl, p in zip(LEVELS, draws["soph"], strict=True)} if hard
                          else {"naive": 1.0})
    unknown = set(sophistication) - set(LEVELS)
    if unknown or not sophistication or min(sophistication.values()) < 0 or sum(sophistication.values()) <= 0:
        raise ValueError(f"sophistication mix must weight {LEVELS}, got {sophistication!r}")
    total = sum(sophistication.values())
    mix = {lvl: sophistication.get(lvl, 0.0) / total for lvl in LEVELS if sophistication.get(lvl, 0.0) > 0}

    def pick(value, key, off):
        out = (draws[key] if hard else off) if value is None else value
        if not 0.0 <= out <= 1.0:
            raise ValueError(f"{key} must be a share between 0 and 1, not {out}")
        return float(out)

    return Knobs(sophistication=mix, density=pick(density, "density", 0.0),
                 landline_dealers=pick(landline_dealers, "landline", 0.0),
                 profile_only=pick(profile_only, "profile", 0.0),
                 vary=bool(hard if vary is None else vary), variety=bool(variety),
                 stretch=bool(stretch), grow_branches=bool(grow_branches),
                 plan_by_seed=bool(plan_by_seed))


def parse_mix(text: str) -> dict[str, float] | str:
    """'sophisticated' or 'naive=.4,medium=.3,sophisticated=.3' (the command line's spelling of the mix)."""
    text = text.strip()
    if "=" not in text:
        return text
    mix = {}
    for part in text.split(","):
        level, _, share = part.partition("=")
        try:
            mix[level.strip()] = float(share)
        except ValueError:
            raise ValueError(f"sophistication share {part!r} is not level=number") from None
    return mix
