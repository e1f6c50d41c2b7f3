"""How much memory and how many cores a run may use: a share of the machine (or of the container's cgroup
limit, whichever is smaller), sized to the extracts, overridden by SHELLRING_MEMORY_LIMIT / SHELLRING_THREADS.

The functions take the machine's figures as arguments so that they can be tested for any machine; the
`*_here` helpers read this machine's.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")

# About four bytes of DuckDB working memory per byte of extract: a million companies (~0.5 GB of extracts)
# get ~2 GB; never less than 512 MiB.
MEMORY_PER_INPUT_BYTE = 4
MEMORY_MIN_MIB = 512
# DuckDB's budget is at most this share of the machine: the rest of the process tree (the Python parsers of
# normalization, polars and numpy in clustering, Prefect's temporary server) and the page cache need the
# rest. At 5 million companies on 24 GB this gives ~5.8 GiB and the whole tree peaks under 8 GB.
MACHINE_SHARE = 0.25
# cgroup v1 reports "no limit" as a huge number (page-rounded 2**63 - 1).
_NO_LIMIT = 2**60

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?\s*$", re.I)
_UNITS = {"": 1 / 2**20, "b": 1 / 2**20, "kb": 1000 / 2**20, "kib": 1 / 1024, "k": 1 / 1024,
          "mb": 1e6 / 2**20, "mib": 1, "m": 1, "gb": 1e9 / 2**20, "gib": 1024, "g": 1024,
          "tb": 1e12 / 2**20, "tib": 2**20, "t": 2**20}


def size_mib(text: str) -> float:
    """A size as DuckDB writes it ('8GB', '1.5 GiB', '700MB', '512MiB') in MiB."""
    match = _SIZE.match(text)
    if not match or (match.group(2) or "").lower() not in _UNITS:
        raise ValueError(f"not a memory size: {text!r} (write it like 8GB or 512MiB)")
    return float(match.group(1)) * _UNITS[(match.group(2) or "").lower()]


def cgroup_memory_limit_mib(root: Path = CGROUP_ROOT) -> int | None:
    """The container's memory limit (cgroup v2 memory.max, or v1 memory.limit_in_bytes); None when unlimited."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text == "max" or not text.isdigit() or int(text) >= _NO_LIMIT:
            return None
        return int(text) // 2**20
    return None


def cgroup_cpu_limit(root: Path = CGROUP_ROOT) -> int | None:
    """Whole cores the container's CPU quota allows (cgroup v2 cpu.max, v1 cfs quota); None when unlimited."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    if quota in ("max", "-1") or not quota.isdigit() or not period.isdigit() or int(period) == 0:
        return None
    return max(1, math.ceil(int(quota) / int(period)))


def physical_memory_mib() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def machine_memory_mib(physical_mib: int, cgroup_mib: int | None) -> int:
    """The memory this process tree can have: the physical memory, or the cgroup limit when lower."""
    return min(physical_mib, cgroup_mib) if cgroup_mib else physical_mib


def memory_budget_mib(input_bytes: int | None, machine_mib: int, override: str | None = None) -> int:
    """DuckDB's budget: SHELLRING_MEMORY_LIMIT when set; otherwise four bytes per extract byte (at least
    512 MiB), at most MACHINE_SHARE of the machine; the largest budget when the extracts' size is unknown."""
    if override:
        return int(size_mib(override))
    ceiling = max(MEMORY_MIN_MIB, int(MACHINE_SHARE * machine_mib))
    if input_bytes is None:
        return ceiling
    return int(min(ceiling, max(MEMORY_MIN_MIB, MEMORY_PER_INPUT_BYTE * input_bytes / 2**20)))


def cores(available: int, cgroup_cpus: int | None, override: str | None = None) -> int:
    """Threads for DuckDB and processes for the parsers: SHELLRING_THREADS, else the cores this process may
    run on, fewer when the cgroup's CPU quota says so."""
    if override:
        return max(1, int(override))
    return max(1, min(available, cgroup_cpus) if cgroup_cpus else available)


def machine_memory_here() -> int:
    return machine_memory_mib(physical_memory_mib(), cgroup_memory_limit_mib())


def memory_budget_here(input_bytes: int | None) -> int:
    return memory_budget_mib(input_bytes, machine_memory_here(), os.environ.get("SHELLRING_MEMORY_LIMIT"))


def cores_here() -> int:
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores(available, cgroup_cpu_limit(), os.environ.get("SHELLRING_THREADS"))
