"""Address farms written as the hosted addresses they are (only with `variety`).

Farms register at cluster-registration or hosted addresses (集群注册, 托管, 商务秘书, 虚拟地址,
"入驻XX商务秘书有限公司", DOMAIN.md): hundreds of companies in one building or one room, each given a virtual
suffix or desk number after the room (1201-023, 1201室A23, 1201室工位023, 之一/之二, 托管号023), written with and
without the hosting company's note in brackets, and a farm that outgrew its room spread over a few rooms or floors
of the building. Every proportion here is drawn per farm from a wide range. The latent room stays in the address
table's `room`; the suffix and the note go into its `note`, so the parser's room key for a member must be the plain
room's (tests/test_demo_hosted.py). Draws come from their own stream, so the world's other draws (and truth.csv)
stay where they were.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shellring.flows.demo import pools
from shellring.flows.demo.render import cn_number

# a desk number written after the room; `{d}` the desk, `{cn}` it in Chinese numerals
DESK_FORMS = ("-{d03}", "{letter}{d02}", "工位{d03}", "之{cn}", "（托管号{d03}）", "-{d}号", "-{d03}号工位",
              "-{letter}{d03}", "托管号{d03}", "（{d03}号）")
HOST_FORMS = ("（入驻{city}{host}商务秘书有限公司）", "（托管于{city}{host}企业管理有限公司）", "（集群注册）",
              "(住所托管：{city}{host}商务服务有限公司)", "（{city}{host}企业服务有限公司托管）", "(集中办公区)")


def desk_suffixes(rng: np.random.Generator, k: int, form: int) -> np.ndarray:
    """One distinct desk number per member, written in DESK_FORMS[form]."""
    desks = rng.choice(np.arange(1, 1000), k, replace=False)
    letters = rng.choice(list("ABCDE"), k)
    out = [DESK_FORMS[form].format(d=d, d02=f"{d % 100:02d}", d03=f"{d:03d}", cn=cn_number(int(d)), letter=x)
           for d, x in zip(desks, letters, strict=True)]
    return np.array(out, dtype=object)


def host_note(rng: np.random.Generator, city: str) -> str:
    host = "".join(rng.choice(pools.TRADE_CHARS, 2))
    return HOST_FORMS[int(rng.integers(0, len(HOST_FORMS)))].format(city=city.removesuffix("市"), host=host)


def nearby_rooms(rng: np.random.Generator, room: int, k: int) -> np.ndarray:
    """k further rooms of the same building: most next door on the room's floor, the others one to three floors
    up or down."""
    floor, no = divmod(int(room), 100)
    away = rng.integers(1, 4, k) * rng.choice([-1, 1], k)
    floors = np.clip(floor + np.where(rng.random(k) < 0.6, 0, away), 1, 32)
    numbers = np.clip(no + rng.integers(-6, 7, k), 1, 40)
    out = floors * 100 + numbers
    return np.where(out == room, out + 1, out)


class HostedFarms:
    def __init__(self, on: bool, seed: int):
        self.on = on
        self.rng = np.random.default_rng([seed, 12])

    def rewrite(self, addr: np.ndarray, row_of: Callable[[int], dict], clone_address, city: str) -> np.ndarray:
        """New address rows for a farm's members (registered at `addr`, one room): desk suffixes in one form for
        a share of the members, the hosting note for another share, and a share spread over a few nearby rooms."""
        rng, k = self.rng, len(addr)
        base = row_of(int(addr[0]))
        if base["room"] <= 0:
            return addr
        desk = rng.random(k) < rng.uniform(0.0, 1.0)
        suffix = np.where(desk, desk_suffixes(rng, k, int(rng.integers(0, len(DESK_FORMS)))), "")
        noted = rng.random(k) < (rng.uniform(0.2, 1.0) if rng.random() < 0.7 else 0.0)
        note = host_note(rng, city)
        notes = np.array([s + (note if n else "") for s, n in zip(suffix, noted, strict=True)], dtype=object)
        rooms = np.full(k, base["room"])
        if rng.random() < 0.5:  # outgrew its room: a few more rooms of the building take a share each
            extra = nearby_rooms(rng, base["room"], int(rng.integers(1, 4)))
            share = rng.uniform(0.2, 0.7)
            moved = rng.random(k) < share
            rooms = np.where(moved, extra[rng.integers(0, len(extra), k)], rooms)
        return clone_address(int(addr[0]), k, room=rooms, note=notes.astype("U40"))

    def crowd_buildings(self, ordinary: np.ndarray, taken: np.ndarray, district: np.ndarray, hubs, clone_address,
                        addr: np.ndarray, city_of_hub: Callable[[int], str]) -> None:
        """More legitimate tenants in every busy building (their number drawn per building from a wide range),
        and in some a hosting agency's room: ordinary companies of many years registered at one hosted room under
        the agency's note, dozens to a couple of hundred of them (legitimate hosting is big and old). Rewrites
        `addr` of ordinary companies of the building's district not yet in a building (`taken`): their district
        (and so their credit code) and tags stay as they were, and truth.csv with them."""
        rng = self.rng
        candidates = rng.permutation(ordinary[~taken[ordinary]])
        for h in range(len(hubs.base)):
            free = candidates[district[candidates] == hubs.district[h]]
            more = int(rng.integers(0, 250))
            agency = int(rng.integers(30, 200)) if rng.random() < 0.4 else 0
            room_budget = len(hubs._free[h]) - int(hubs._used[h])  # never past the free rooms (no fallback draws)
            more = min(more, max(room_budget - 1, 0))
            sel = free[:more + agency]
            candidates = candidates[~np.isin(candidates, sel)]
            tenants, hosted = sel[:more], sel[more:]
            if len(tenants):
                addr[tenants] = clone_address(hubs.base[h], len(tenants), room=hubs.rooms(h, len(tenants)), note="")
            if len(hosted) and room_budget > more:
                room = int(hubs.rooms(h, 1)[0])
                written = rng.random(len(hosted)) < rng.uniform(0.3, 1.0)
                note = host_note(rng, city_of_hub(h))
                addr[hosted] = clone_address(hubs.base[h], len(hosted), room=room,
                                             note=np.where(written, note, "").astype("U40"))
