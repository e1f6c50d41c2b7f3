"""The run's memory budget and cores follow the machine, the container's cgroup limits and the extracts."""

from __future__ import annotations

import pytest

from shellring.flows.core import resources
from shellring.flows.core.resources import (
    cgroup_cpu_limit,
    cgroup_memory_limit_mib,
    cores,
    machine_memory_mib,
    memory_budget_mib,
    size_mib,
)

GIB = 1024


def test_budget_is_four_bytes_per_extract_byte_within_a_quarter_of_the_machine():
    machine = 24 * GIB
    assert memory_budget_mib(1_000, machine) == 512  # tiny extracts: the floor
    assert memory_budget_mib(200 * 2**20, machine) == 800
    assert memory_budget_mib(1_000 * 2**20, machine) == 4000  # a million companies no longer stop at 1900 MiB
    assert memory_budget_mib(10 * 2**30, machine) == 6 * GIB  # 5 million: capped at a quarter of 24 GiB
    assert memory_budget_mib(None, machine) == 6 * GIB  # size unknown: the largest budget


def test_a_small_machine_or_container_caps_the_budget():
    assert memory_budget_mib(10 * 2**30, 8 * GIB) == 2 * GIB
    assert memory_budget_mib(10 * 2**30, machine_memory_mib(64 * GIB, 4 * GIB)) == GIB
    assert memory_budget_mib(10 * 2**30, 1 * GIB) == 512  # never below the floor
    assert machine_memory_mib(24 * GIB, None) == 24 * GIB
    assert machine_memory_mib(24 * GIB, 64 * GIB) == 24 * GIB  # a cgroup limit above the RAM changes nothing


def test_the_environment_overrides_the_budget():
    assert memory_budget_mib(1_000, 24 * GIB, override="8GB") == 7629  # DuckDB's GB are 10**9 bytes
    assert memory_budget_mib(10 * 2**30, 2 * GIB, override="3GiB") == 3 * GIB  # even above the machine share
    assert size_mib("512MiB") == 512 and size_mib("1.5 GiB") == 1536
    assert size_mib("700MB") == pytest.approx(667.572, abs=1e-3)
    with pytest.raises(ValueError, match="not a memory size"):
        size_mib("lots")


@pytest.mark.parametrize("files, expected", [
    ({"memory.max": "4294967296\n"}, 4 * GIB),  # cgroup v2 with a limit
    ({"memory.max": "max\n"}, None),  # cgroup v2 without one
    ({"memory/memory.limit_in_bytes": "2147483648\n"}, 2 * GIB),  # cgroup v1
    ({"memory/memory.limit_in_bytes": "9223372036854771712\n"}, None),  # v1's "unlimited"
    ({}, None),  # no cgroup files at all
])
def test_cgroup_memory_limit(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cgroup_memory_limit_mib(tmp_path) == expected


@pytest.mark.parametrize("files, expected", [
    ({"cpu.max": "150000 100000\n"}, 2),  # 1.5 cores of quota: two threads
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),
])
def test_cgroup_cpu_limit(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cgroup_cpu_limit(tmp_path) == expected


def test_cores_follow_affinity_quota_and_environment():
    assert cores(2, None) == 2
    assert cores(8, 2) == 2
    assert cores(2, 8) == 2
    assert cores(8, 2, override="1") == 1
    assert cores(2, None, override="0") == 1


def test_this_machine_gets_a_budget_within_its_memory(monkeypatch):
    monkeypatch.delenv("SHELLRING_MEMORY_LIMIT", raising=False)
    machine = resources.machine_memory_here()
    assert 0 < machine <= resources.physical_memory_mib()
    assert resources.memory_budget_here(None) == max(512, int(0.25 * machine))
    monkeypatch.setenv("SHELLRING_MEMORY_LIMIT", "700MB")
    assert resources.memory_budget_here(None) == 667
