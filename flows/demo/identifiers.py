"""Vectorised generation of valid Chinese identifiers: USCC, resident ID, phone and account numbers."""
from __future__ import annotations

import numpy as np

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)])
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_USCC_BYTES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
_EPOCH = np.datetime64("1970-01-01", "D")


def _bytes_matrix(strings: np.ndarray, width: int) -> np.ndarray:
    return np.ascontiguousarray(strings.astype(f"S{width}")).view(np.uint8).reshape(len(strings), width)


def _to_str(matrix: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(matrix).view(f"S{matrix.shape[1]}").ravel().astype(str)


def _unique_draw(rng: np.random.Generator, high: int, size: int) -> np.ndarray:
    """size distinct integers in [0, high) — redraws collisions instead of a full permutation."""
    values = rng.integers(0, high, size=size)
    for _ in range(20):
        _, first = np.unique(values, return_index=True)
        dup = np.ones(size, bool)
        dup[first] = False
        if not dup.any():
            return values
        values[dup] = rng.integers(0, high, size=int(dup.sum()))
    raise RuntimeError("could not draw distinct values; range too small")


def usccs(rng: np.random.Generator, district_codes: np.ndarray, bad_check_share: float = 0.003) -> np.ndarray:
    """18-char USCCs: '91' + district adcode + 'MA'+6 chars+GB 11714 check + GB 32100 check (a few made wrong)."""
    n = len(district_codes)
    body = np.empty((n, 17), dtype=np.uint8)
    body[:, 0:2] = np.frombuffer(b"91", dtype=np.uint8)
    body[:, 2:8] = _bytes_matrix(district_codes, 6)
    body[:, 8:10] = np.frombuffer(b"MA", dtype=np.uint8)
    serial = _unique_draw(rng, 31**6, n)
    for pos in range(6):
        body[:, 15 - pos] = _USCC_BYTES[serial % 31]
        serial //= 31
    org_vals = np.where(body[:, 8:16] >= 65, body[:, 8:16].astype(np.int64) - 55, body[:, 8:16].astype(np.int64) - 48)
    org_check = 11 - (org_vals @ _ORG_WEIGHTS) % 11
    body[:, 16] = np.where(org_check == 10, ord("X"), np.where(org_check == 11, ord("0"), org_check + 48))
    lookup = np.zeros(128, dtype=np.int64)
    lookup[_USCC_BYTES] = np.arange(31)
    check = (31 - (lookup[body] @ _USCC_WEIGHTS) % 31) % 31
    wrong = rng.random(n) < bad_check_share
    check[wrong] = (check[wrong] + rng.integers(1, 31, int(wrong.sum()))) % 31
    return _to_str(np.column_stack([body, _USCC_BYTES[check]]))


def uscc_is_valid(codes: np.ndarray) -> np.ndarray:
    m = _bytes_matrix(np.char.upper(codes.astype(str)), 18)
    lookup = np.full(128, -1, dtype=np.int64)
    lookup[_USCC_BYTES] = np.arange(31)
    vals = lookup[m]
    ok = (vals >= 0).all(axis=1)
    return ok & ((31 - (vals[:, :17] @ _USCC_WEIGHTS) % 31) % 31 == vals[:, 17])


def resident_ids(rng: np.random.Generator, region_codes: np.ndarray, birth_days: np.ndarray) -> np.ndarray:
    """GB 11643 IDs from 6-digit region codes and birth dates (days since 1970); distinct within the batch."""
    n = len(region_codes)
    dates = np.datetime_as_string(birth_days.astype("datetime64[D]"), unit="D")
    digits = np.empty((n, 17), dtype=np.uint8)
    digits[:, 0:6] = _bytes_matrix(region_codes, 6)
    digits[:, 6:14] = _bytes_matrix(dates, 10)[:, [0, 1, 2, 3, 5, 6, 8, 9]]
    prefix_key = (_bytes_matrix(region_codes, 6).astype(np.int64) - 48) @ (10 ** np.arange(5, -1, -1)) * 10**8 \
        + (digits[:, 6:14].astype(np.int64) - 48) @ (10 ** np.arange(7, -1, -1))
    seq = rng.integers(0, 1000, n)
    for _ in range(20):
        key = prefix_key * 1000 + seq
        _, first = np.unique(key, return_index=True)
        dup = np.ones(n, bool)
        dup[first] = False
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 1000, int(dup.sum()))
    digits[:, 14] = seq // 100 + 48
    digits[:, 15] = seq // 10 % 10 + 48
    digits[:, 16] = seq % 10 + 48
    check = _ID_CHECK[((digits.astype(np.int64) - 48) @ _ID_WEIGHTS) % 11]
    return _to_str(np.column_stack([digits, check]))


def resident_id_is_valid(ids: np.ndarray) -> np.ndarray:
    m = _bytes_matrix(np.char.upper(ids.astype(str)), 18)
    digits_ok = ((m[:, :17] >= 48) & (m[:, :17] <= 57)).all(axis=1)
    return digits_ok & (_ID_CHECK[((m[:, :17].astype(np.int64) - 48) @ _ID_WEIGHTS) % 11] == m[:, 17])


_MOBILE_PREFIXES = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158,
                             159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 195,
                             198, 199])
MVNO_PREFIXES = np.array([170, 171, 165, 162, 167])


def mobiles(rng: np.random.Generator, n: int, mvno_share: float = 0.03) -> np.ndarray:
    """11-digit mobile numbers as int64; mvno_share of them on virtual-operator prefixes."""
    prefix = np.where(rng.random(n) < mvno_share, rng.choice(MVNO_PREFIXES, n, p=[.35, .3, .15, .1, .1]),
                      rng.choice(_MOBILE_PREFIXES, n))
    return prefix.astype(np.int64) * 10**8 + rng.integers(0, 10**8, n)


def landlines(rng: np.random.Generator, area_codes: np.ndarray, seven_digit_areas: tuple[str, ...] = ()
              ) -> np.ndarray:
    """Landlines as int64 'area code without 0' + 8-digit local number, e.g. 57188123456 (7 digits in the
    seven_digit_areas, e.g. Quzhou 0570, Lishui 0578, Zhoushan 0580)."""
    first = rng.choice(np.array([8, 8, 8, 5, 2, 6]), len(area_codes))
    local = first * 10**7 + rng.integers(0, 10**7, len(area_codes))
    if seven_digit_areas:
        short = np.isin(np.asarray(area_codes).astype(str), seven_digit_areas)
        return np.where(short, area_codes.astype(np.int64) * 10**7 + local // 10,
                        area_codes.astype(np.int64) * 10**8 + local)
    return area_codes.astype(np.int64) * 10**8 + local


def account_numbers(rng: np.random.Generator, prefixes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Opaque account numbers: bank prefix + random digits up to the bank's length; distinct."""
    n = len(prefixes)
    tail_len = lengths - np.char.str_len(prefixes)
    out = np.empty(n, dtype=object)
    for width in np.unique(tail_len):
        sel = np.flatnonzero(tail_len == width)
        tails = _unique_draw(rng, 10 ** int(width), len(sel))
        out[sel] = np.char.add(prefixes[sel], np.char.zfill(tails.astype(str), int(width)))
    return out.astype(str)
