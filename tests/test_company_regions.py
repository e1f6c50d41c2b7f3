"""company_regions: each company's region is the region of the extract holding its kept (latest) registration,
or of its first account file when it was never registered; with no file's region named, the run's region."""

from __future__ import annotations

from datetime import date

import polars as pl

from tests.stepkit import given, rows, run

REGISTRATIONS = pl.DataFrame({
    "uscc": ["91330100AAAAAAAA1X", "91330200BBBBBBBB2X", "91330200BBBBBBBB2X"],
    "reg_date": [date(2024, 1, 1), date(2023, 1, 1), date(2025, 6, 1)],
    "src_file": ["hz/registrations.csv", "hz/registrations.csv", "nb/registrations.csv"],
    "src_sheet": [None, None, None], "src_row": [2, 3, 2],
}, schema_overrides={"src_sheet": pl.Utf8})
ACCOUNTS = pl.DataFrame({"uscc": ["91330300CCCCCCCC3X", "91330300CCCCCCCC3X"],
                         "src_file": ["wz/accounts.csv", "nb/accounts.csv"]})
COMPANIES = [{"company_id": 1, "uscc": "91330100AAAAAAAA1X"}, {"company_id": 2, "uscc": "91330200BBBBBBBB2X"},
             {"company_id": 3, "uscc": "91330300CCCCCCCC3X"}]
NORM_USCC = pl.DataFrame({"input": [], "normalized": []}, schema={"input": pl.Utf8, "normalized": pl.Utf8})


def _regions(extract_regions: pl.DataFrame) -> list[tuple]:
    con = given({"src_registrations": REGISTRATIONS, "src_accounts": ACCOUNTS, "stg_companies": COMPANIES,
                 "norm_uscc": NORM_USCC, "extract_regions": extract_regions}, region="zhejiang")
    run(con, "staging/company_regions")
    return rows(con, "select company_id, region from company_regions order by company_id")


def test_a_national_run_gives_each_company_the_region_of_its_latest_registration_or_first_account_file():
    regions = pl.DataFrame({"src_file": ["hz/registrations.csv", "nb/registrations.csv", "nb/accounts.csv",
                                         "wz/accounts.csv"],
                            "region": ["hangzhou", "ningbo", "ningbo", "wenzhou"]})
    # company 2 registered in Hangzhou in 2023 and again in Ningbo in 2025: the latest counts;
    # company 3 only opened accounts, in wz/ and nb/: the first account file by name (nb/) counts
    assert _regions(regions) == [(1, "hangzhou"), (2, "ningbo"), (3, "ningbo")]


def test_a_regional_run_puts_every_company_in_the_run_region():
    none = pl.DataFrame({"src_file": [], "region": []}, schema={"src_file": pl.Utf8, "region": pl.Utf8})
    assert _regions(none) == [(1, "zhejiang"), (2, "zhejiang"), (3, "zhejiang")]
