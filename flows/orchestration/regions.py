"""The regions config: where each region's extracts land, where its results go, when it runs.

One TOML file, one `[regions.<name>]` table per region (see regions.example.toml). Relative paths are
read from the config file's folder. A `{period}` placeholder in an extract pattern stands for one
delivery (a folder or a file-name part such as `2026-10-31`); the latest period delivered for both
registrations and accounts is audited. Periods are compared as text, so they must sort that way
(zero-padded dates: 2026-10-31, 202610, 2026-W44).
"""

from __future__ import annotations

import glob
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shellring.flows.core.errors import ShellringError

EXTRACT_SUFFIXES = {".csv", ".txt", ".tsv", ".parquet", ".pq", ".xlsx", ".xlsm"}
REGION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # also a deployment name and artifact-key part


class RegionsError(ShellringError, ValueError):
    """The regions file or a region's extracts are unusable; the message names the file and field."""


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")

    registrations: str = Field(description="glob (or folder) of registration extracts; may contain {period}")
    accounts: str = Field(description="glob (or folder) of account-opening extracts; may contain {period}")
    db: Path = Field(description="published results DuckDB file")
    mapping: Path | None = Field(None, description="TOML file mapping other headers to ours")
    key_file: Path | None = Field(None, description="pseudonymisation key file (else $SHELLRING_KEY)")
    timezone: str = "Asia/Shanghai"
    cron: str = Field(description="when to run, in the region's timezone, e.g. '0 6 * * 1'")
    window_days: int = Field(7, ge=1, le=366, description="audit accounts opened in the last N full days")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as 'Asia/Shanghai')") from None
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from prefect.client.schemas.schedules import CronSchedule  # the parser Prefect will schedule with

        try:
            CronSchedule(cron=value)
        except ValidationError as exc:
            raise ValueError(f"invalid cron {value!r}: {_message(exc.errors()[0])}") from None
        return value

    @field_validator("registrations", "accounts")
    @classmethod
    def _one_kind_of_placeholder(cls, value: str) -> str:
        leftover = re.sub(r"\{period\}", "", value)
        if "{" in leftover or "}" in leftover:
            raise ValueError(f"{value!r}: the only placeholder allowed is {{period}}")
        return value

    @model_validator(mode="after")
    def _period_in_both_or_neither(self) -> Region:
        if ("{period}" in self.registrations) != ("{period}" in self.accounts):
            raise ValueError("use {period} in both registrations and accounts, or in neither")
        return self


class RegionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regions: dict[str, Region] = Field(min_length=1)

    @field_validator("regions", mode="before")
    @classmethod
    def _names_are_slugs(cls, regions):
        for name in regions if isinstance(regions, dict) else ():
            if not REGION_NAME.match(name):
                raise ValueError(f"region name {name!r} must be lowercase letters, digits and dashes")
        return regions


def _field_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def _message(error: dict) -> str:
    return error["msg"].removeprefix("Value error, ")


def load_regions(path: Path) -> dict[str, Region]:
    """Read and validate a regions file; relative paths become relative to the file's folder."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegionsError(f"{path}: no such regions file") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegionsError(f"{path}: not valid TOML: {exc}") from exc
    try:
        parsed = RegionsFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_field_path(e['loc'])}: {_message(e)}" for e in exc.errors())
        raise RegionsError(f"{path}: {problems}") from None
    base = path.resolve().parent
    return {name: _anchored(region, base) for name, region in parsed.regions.items()}


def _anchored(region: Region, base: Path) -> Region:
    def absolute(value):
        return None if value is None else os.path.normpath(base / Path(value).expanduser())

    return region.model_copy(update={
        "registrations": absolute(region.registrations),
        "accounts": absolute(region.accounts),
        "db": Path(absolute(region.db)),
        "mapping": Path(absolute(region.mapping)) if region.mapping else None,
        "key_file": Path(absolute(region.key_file)) if region.key_file else None,
    })


def get_region(path: Path, name: str) -> Region:
    regions = load_regions(path)
    if name not in regions:
        raise RegionsError(f"{path}: no region {name!r} (configured: {', '.join(sorted(regions))})")
    return regions[name]


# --- extract discovery ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Extracts:
    period: str | None  # None when the patterns carry no {period}
    registrations: list[Path]
    accounts: list[Path]


def _glob_regex(pattern: str) -> str:
    """A glob (with {period}) as a regex capturing the period; * and ? never cross a '/'."""
    out, i, seen_period = [], 0, False
    while i < len(pattern):
        if pattern.startswith("{period}", i):
            out.append("(?P=period)" if seen_period else "(?P<period>[^/]+?)")
            seen_period, i = True, i + len("{period}")
            continue
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out) + "/?"


def _extract_files(path: Path) -> list[Path]:
    """A matched folder stands for the extract files directly inside it."""
    if path.is_dir():
        return sorted(p for p in path.iterdir()
                      if p.is_file() and p.suffix.lower() in EXTRACT_SUFFIXES and not p.name.startswith("."))
    return [path] if path.is_file() else []


def files_by_period(pattern: str) -> dict[str | None, list[Path]]:
    """Files matched by one pattern, grouped by the period they belong to."""
    regex = re.compile(_glob_regex(pattern))
    found: dict[str | None, list[Path]] = {}
    for match in sorted(glob.glob(pattern.replace("{period}", "*"))):
        period = None
        if "{period}" in pattern:
            parsed = regex.fullmatch(match)
            if parsed is None:  # '*' matched text that differs between two {period} spots
                continue
            period = parsed.group("period")
        found.setdefault(period, []).extend(_extract_files(Path(match)))
    return {period: sorted(set(files)) for period, files in found.items() if files}


def resolve_extracts(name: str, region: Region) -> Extracts:
    """The latest period delivered for both kinds, with its files; an error names what is missing."""
    registrations = files_by_period(region.registrations)
    accounts = files_by_period(region.accounts)
    for kind, pattern, found in (("registrations", region.registrations, registrations),
                                 ("accounts", region.accounts, accounts)):
        if not found:
            raise RegionsError(f"region {name}: no {kind} extracts match {pattern}")
    complete = sorted(set(registrations) & set(accounts), key=lambda p: "" if p is None else p)
    if not complete:
        raise RegionsError(
            f"region {name}: no period has both extracts (registrations: {sorted(map(str, registrations))}, "
            f"accounts: {sorted(map(str, accounts))})"
        )
    period = complete[-1]
    return Extracts(period, registrations[period], accounts[period])


def newer_incomplete_periods(name: str, region: Region, chosen: str | None) -> list[str]:
    """Periods after the chosen one that only one of the two extracts has reached yet (worth a warning)."""
    if chosen is None:
        return []
    seen = set(files_by_period(region.registrations)) ^ set(files_by_period(region.accounts))
    return sorted(p for p in seen if p is not None and p > chosen)


# --- the audit window -----------------------------------------------------------------------------

def run_date(moment: datetime, timezone: str) -> date:
    """The calendar date of a (scheduled) moment in the region's timezone."""
    if moment.tzinfo is None:
        raise ValueError("run_date needs a timezone-aware moment")
    return moment.astimezone(ZoneInfo(timezone)).date()


def audit_window(as_of: date, window_days: int) -> tuple[date, date]:
    """The last `window_days` full days before the run date: the run date itself is still incomplete."""
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    until = as_of - timedelta(days=1)
    return until - timedelta(days=window_days - 1), until
