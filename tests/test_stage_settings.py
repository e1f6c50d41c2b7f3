"""The stages' own DuckDB settings (flows/pipeline/plan.py STAGE_SETTINGS) on the session's demo run: the
long tables of ingest, link and marts are written to the working DB uncompressed, the published DB keeps
DuckDB's compression, and the stages without settings compress as DuckDB chooses."""

from __future__ import annotations

import duckdb

from shellring.flows.pipeline.plan import STAGE_SETTINGS, STAGES, stage_steps, writes


def _string_compressions(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """How DuckDB stored the table's text columns (one entry per kind of segment)."""
    columns = {name for name, dtype in con.execute(f"select column_name, data_type from information_schema.columns "
                                                   f"where table_name = '{table}'").fetchall() if dtype == "VARCHAR"}
    return {compression for column, compression in con.execute(
        f"select column_name, compression from pragma_storage_info('{table}') where segment_type = 'VARCHAR'"
    ).fetchall() if column in columns}


def _table_written_by(stage: str, wanted: str) -> str:
    tables = [t for step in stage_steps(stage) for t in writes(step)]
    assert wanted in tables, f"{wanted} is not written by stage {stage}"
    return wanted


def test_every_stage_setting_names_a_stage():
    assert set(STAGE_SETTINGS) <= set(STAGES)


def test_long_tables_are_written_uncompressed_and_published_compressed(demo_run):
    summary, published = demo_run
    with duckdb.connect(summary["working_db"], read_only=True) as work:
        for stage, table in (("ingest", "src_registrations"), ("link", "company_attributes"),
                             ("marts", "pub_links")):
            assert _string_compressions(work, _table_written_by(stage, table)) == {"Uncompressed"}, table
        # a stage without settings: DuckDB picks dictionaries and FSST for the staged texts
        assert _string_compressions(work, _table_written_by("stage", "stg_companies")) - {"Uncompressed"}
    with duckdb.connect(str(published), read_only=True) as results:
        assert _string_compressions(results, "links") - {"Uncompressed"}
