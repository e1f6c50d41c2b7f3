"""A national run's extracts: one folder per region, each holding that region's registration and account
extracts, audited together as one run that records every company's region.

    national/
      hangzhou/registrations.csv  hangzhou/accounts.csv
      ningbo/registrations_2026-10.xlsx  ningbo/accounts_2026-10.xlsx

Files whose name starts with `registrations` or `accounts` (CSV, XLSX or Parquet) are taken; the folder's
name is the region.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shellring.flows.core.errors import ShellringError
from shellring.flows.orchestration.regions import EXTRACT_SUFFIXES


class NationalFolderError(ShellringError, ValueError):
    """The national folder does not hold one sub-folder of extracts per region."""


@dataclass(frozen=True)
class NationalExtracts:
    registrations: list[Path]
    accounts: list[Path]
    regions: dict[str, str]  # extract file (as passed to the run) -> region


def _extracts(folder: Path, prefix: str) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.name.lower().startswith(prefix) and p.suffix.lower() in EXTRACT_SUFFIXES)


def national_extracts(root: Path) -> NationalExtracts:
    """Every region folder's extracts under `root`, with the region of each file."""
    if not root.is_dir():
        raise NationalFolderError(f"{root}: no such folder (a national run reads one sub-folder per region)")
    registrations: list[Path] = []
    accounts: list[Path] = []
    regions: dict[str, str] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found = _extracts(folder, "registrations"), _extracts(folder, "accounts")
        if not found[0] or not found[1]:
            missing = "registrations*" if not found[0] else "accounts*"
            raise NationalFolderError(f"{folder}: region {folder.name!r} has no {missing} extract "
                                      f"(files named registrations*/accounts* with {sorted(EXTRACT_SUFFIXES)})")
        registrations += found[0]
        accounts += found[1]
        regions.update({str(p): folder.name for p in [*found[0], *found[1]]})
    if not regions:
        raise NationalFolderError(f"{root}: no region folders inside")
    return NationalExtracts(registrations, accounts, regions)
