"""company_regions: each company's region is the region of the extract holding its kept (latest) registration,
or of its first account file when it was never registered; with no file's region named, the run's region."""

from __future__ import annotations

from datetime import date

import polars as pl

from tests.stepkit import given, rows, run

# the registration columns company_base carries along, none of which decides a region
WIDE_COLUMNS = ("company_name", "legal_rep_name", "legal_rep_id", "reg_address", "phone", "business_scope",
                "reg_authority", "status", "reg_capital")
REGISTRATIONS = pl.DataFrame({
    "uscc": ["91330100AAAAAAAA1X", "91330200BBBBBBBB2X", "91330200BBBBBBBB2X"],
    "reg_date": [date(2024, 1, 1), date(2023, 1, 1), date(2025, 6, 1)],
    "src_file": ["hz/registrations.csv", "hz/registrations.csv", "nb/registrations.csv"],
    "src_sheet": [None, None, None], "src_row": [2, 3, 2],
    **{column: [None, None, None] for column in WIDE_COLUMNS},
}, schema_overrides={"src_sheet": pl.Utf8, "reg_capital": pl.Float64, **dict.fromkeys(WIDE_COLUMNS[:-1], pl.Utf8)})
ACCOUNTS = pl.DataFrame({"uscc": ["91330300CCCCCCCC3X", "91330300CCCCCCCC3X"],
                         "src_file": ["wz/accounts.csv", "nb/accounts.csv"],
                         **{column: [None, None] for column in ("company_name", "legal_rep_name", "legal_rep_id")}},
                        schema_overrides=dict.fromkeys(("company_name", "legal_rep_name", "legal_rep_id"), pl.Utf8))
NORM_USCC = pl.DataFrame({"input": [], "normalized": [], "valid": [], "reason": [], "region_code": []},
                         schema={"input": pl.Utf8, "normalized": pl.Utf8, "valid": pl.Boolean, "reason": pl.Utf8,
                                 "region_code": pl.Utf8})


def _regions(extract_regions: pl.DataFrame) -> list[tuple]:
    con = given({"src_registrations": REGISTRATIONS, "src_accounts": ACCOUNTS, "norm_uscc": NORM_USCC,
                 "extract_regions": extract_regions}, region="zhejiang")
    run(con, "staging/business_scopes", "staging/company_base", "staging/company_regions")
    return rows(con, "select c.uscc_key, r.region from company_regions as r join company_base as c using (company_id) "
                     "order by c.uscc_key")


def test_a_national_run_gives_each_company_the_region_of_its_latest_registration_or_first_account_file():
    regions = pl.DataFrame({"src_file": ["hz/registrations.csv", "nb/registrations.csv", "nb/accounts.csv",
                                         "wz/accounts.csv"],
                            "region": ["hangzhou", "ningbo", "ningbo", "wenzhou"]})
    # company 2 registered in Hangzhou in 2023 and again in Ningbo in 2025: the latest counts;
    # company 3 only opened accounts, in wz/ and nb/: the first account file by name (nb/) counts
    assert _regions(regions) == [("91330100AAAAAAAA1X", "hangzhou"), ("91330200BBBBBBBB2X", "ningbo"),
                                 ("91330300CCCCCCCC3X", "ningbo")]


def test_a_regional_run_puts_every_company_in_the_run_region():
    none = pl.DataFrame({"src_file": [], "region": []}, schema={"src_file": pl.Utf8, "region": pl.Utf8})
    assert _regions(none) == [("91330100AAAAAAAA1X", "zhejiang"), ("91330200BBBBBBBB2X", "zhejiang"),
                              ("91330300CCCCCCCC3X", "zhejiang")]
