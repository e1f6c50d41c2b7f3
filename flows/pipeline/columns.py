"""Canonical columns of the two extract kinds, the header aliases registry and bank exports use, and the
user's TOML mapping for any other header."""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from shellring.flows.core.errors import ShellringError

Kind = Literal["registrations", "accounts"]
KINDS: tuple[Kind, ...] = ("registrations", "accounts")


class ExtractError(ShellringError):
    """A whole-file problem (encoding, header, unreadable file); the message names the file."""


# canonical name -> target SQL type, in output order
CANONICAL: dict[str, dict[str, str]] = {
    "registrations": {
        "uscc": "VARCHAR",
        "company_name": "VARCHAR",
        "legal_rep_name": "VARCHAR",
        "legal_rep_id": "VARCHAR",
        "reg_address": "VARCHAR",
        "phone": "VARCHAR",
        "reg_date": "DATE",
        "reg_capital": "DOUBLE",
        "business_scope": "VARCHAR",
        "reg_authority": "VARCHAR",
        "status": "VARCHAR",
    },
    "accounts": {
        "account_no": "VARCHAR",
        "bank_branch": "VARCHAR",
        "open_date": "DATE",
        "uscc": "VARCHAR",
        "company_name": "VARCHAR",
        "legal_rep_name": "VARCHAR",
        "legal_rep_id": "VARCHAR",
        "agent_name": "VARCHAR",
        "agent_id": "VARCHAR",
        "agent_phone": "VARCHAR",
        "contact_phone": "VARCHAR",
        "contact_address": "VARCHAR",
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "registrations": ("uscc", "company_name", "reg_date"),
    "accounts": ("account_no", "uscc", "open_date"),
}

# Codes that must stay text: a typed number cell in these columns is turned back into its digits.
CODE_COLUMNS = frozenset(
    {"uscc", "legal_rep_id", "phone", "account_no", "agent_id", "agent_phone", "contact_phone"}
)

_SHARED_ALIASES: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "USCC"),
    "company_name": ("企业名称", "单位名称", "公司名称", "名称", "账户名称", "户名"),
    "legal_rep_name": ("法定代表人", "法定代表人姓名", "法人", "负责人"),
    "legal_rep_id": ("法定代表人证件号码", "法定代表人身份证号", "法定代表人身份证号码", "法人身份证号", "证件号码"),
}

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "registrations": {
        **_SHARED_ALIASES,
        "reg_address": ("住所", "注册地址", "住所地址", "企业住所", "经营场所"),
        "phone": ("联系电话", "电话", "企业联系电话"),
        "reg_date": ("成立日期", "注册日期", "登记日期", "成立时间"),
        "reg_capital": ("注册资本", "注册资本(万元)", "注册资本（万元）"),
        "business_scope": ("经营范围",),
        "reg_authority": ("登记机关", "登记机构"),
        "status": ("登记状态", "经营状态", "企业状态"),
    },
    "accounts": {
        **_SHARED_ALIASES,
        "account_no": ("账号", "账户号码", "银行账号", "对公账号"),
        "bank_branch": ("开户行", "开户网点", "开户银行", "开户机构"),
        "open_date": ("开户日期", "开户时间"),
        "agent_name": ("经办人", "经办人姓名"),
        "agent_id": ("经办人证件号码", "经办人身份证号", "经办人身份证号码"),
        "agent_phone": ("经办人电话", "经办人联系电话", "经办人手机", "经办人手机号", "经办人手机号码"),
        "contact_phone": ("联系电话", "单位联系电话"),
        "contact_address": ("联系地址", "通讯地址", "单位地址"),
    },
}


def normalize_header(header: str) -> str:
    """Key a header is matched on: NFKC, no BOM or whitespace anywhere, case-folded."""
    text = unicodedata.normalize("NFKC", header or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "\ufeff").casefold()


def alias_table(kind: Kind, user_mapping: dict[str, str] | None = None) -> dict[str, str]:
    """normalized header -> canonical name; user entries override the built-in aliases."""
    table: dict[str, str] = {}
    for canonical, aliases in ALIASES[kind].items():
        for alias in (*aliases, canonical):
            table[normalize_header(alias)] = canonical
    for canonical in CANONICAL[kind]:
        table[normalize_header(canonical)] = canonical
    for header, canonical in (user_mapping or {}).items():
        table[normalize_header(header)] = canonical
    return table


def header_lookup(kind: Kind, user_mapping: dict[str, str] | None = None) -> Callable[[str], str | None]:
    """name -> the canonical column that header maps to (built-in aliases and the user's mapping), or None.

    Made to scan the first rows of a file for its header: a long cell (a business scope) is no header."""
    table = alias_table(kind, user_mapping)
    longest = max(map(len, table)) * 4 + 16  # room for spaces, a BOM and full-width forms around a name

    def lookup(header: str) -> str | None:
        return None if len(header) > longest else table.get(normalize_header(header))

    return lookup


def load_mapping(path: Path | None, kind: Kind) -> dict[str, str]:
    """The `[kind]` table of the user's TOML mapping file (header = "canonical_name")."""
    if path is None:
        return {}
    try:
        config = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ExtractError(f"cannot read the mapping config {path}: {exc}") from exc
    unknown_sections = sorted(set(config) - set(KINDS))
    if unknown_sections:
        raise ExtractError(f"mapping config {path}: unknown section(s) {unknown_sections}; use {list(KINDS)}")
    section = config.get(kind, {})
    if not isinstance(section, dict):
        raise ExtractError(f"mapping config {path}: [{kind}] must be a table of \"header\" = \"column\"")
    for header, canonical in section.items():
        if canonical not in CANONICAL[kind]:
            raise ExtractError(
                f"mapping config {path}: [{kind}] maps {header!r} to {canonical!r}, "
                f"which is not one of {list(CANONICAL[kind])}"
            )
    return dict(section)


@dataclass(frozen=True)
class HeaderMap:
    """Where each canonical column sits in one file, and which columns are extra."""

    kind: Kind
    headers: list[str]
    canonical_index: dict[str, int]  # canonical name -> column position
    extra_index: dict[str, int]  # original header -> column position (kept in the `extra` JSON)

    @property
    def missing(self) -> list[str]:
        return [name for name in CANONICAL[self.kind] if name not in self.canonical_index]


def _shorten(headers: list[str], limit: int = 600) -> str:
    text = repr(headers)
    return text if len(text) <= limit else text[:limit] + f"… ({len(headers)} headers)"


def resolve_headers(headers: list[str], kind: Kind, file: str, user_mapping: dict[str, str] | None = None,
                    lookups: Sequence[tuple[str, ...]] | None = None) -> HeaderMap:
    """Map one file's headers to canonical columns; raise ExtractError on duplicates or missing required ones.

    `lookups` gives, per column, the names to try in order (a header joined from two rows is tried as
    `法定代表人/证件号码` and as `法定代表人证件号码`); by default each header alone."""
    table = alias_table(kind, user_mapping)
    canonical_index: dict[str, int] = {}
    extra_index: dict[str, int] = {}
    for position, header in enumerate(headers):
        names = lookups[position] if lookups is not None else (header,)
        canonical = next((table[key] for key in map(normalize_header, names) if key in table), None)
        if canonical is None:
            name = header.strip().lstrip("\ufeff") or f"column_{position + 1}"
            if name in extra_index:
                raise ExtractError(
                    f"{file}: duplicate header {header!r} in columns {extra_index[name] + 1} and {position + 1}"
                )
            extra_index[name] = position
            continue
        if canonical in canonical_index:
            first = canonical_index[canonical]
            raise ExtractError(
                f"{file}: duplicate headers: column {first + 1} {headers[first]!r} and column {position + 1} "
                f"{header!r} both map to {canonical!r}; rename or drop one of them"
            )
        canonical_index[canonical] = position
    missing_required = [name for name in REQUIRED[kind] if name not in canonical_index]
    if missing_required:
        raise ExtractError(
            f"{file}: missing required column(s) {missing_required} for {kind}; headers found: {_shorten(headers)}. "
            f"If the file names them differently, map them in a TOML config passed as `mapping`, e.g.\n"
            f"[{kind}]\n" + "\n".join(f'"<header in file>" = "{name}"' for name in missing_required)
        )
    return HeaderMap(kind, headers, canonical_index, extra_index)
