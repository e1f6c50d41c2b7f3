-- Tables of the published analyst DB. Every table carries run_id; later runs append.
create table if not exists runs (
    run_id varchar primary key,
    region varchar,
    started_at timestamp,
    finished_at timestamp,
    status varchar,
    since date,
    until date,
    n_registrations bigint,
    n_accounts bigint,
    n_rejected bigint,
    n_clusters bigint,
    n_flagged bigint,
    code_version varchar,
    inputs json,
    parameters json,
    stage_seconds json
);
-- Added after the first release: results DBs created before it gain the column on their next run.
alter table runs add column if not exists dependencies json;
create table if not exists clusters (
    run_id varchar, cluster_id varchar, n_companies integer, n_window_companies integer,
    risk_score double, flagged boolean, reasons varchar, mitigations varchar, link_reasons varchar,
    n_links integer, reg_span_days bigint, open_span_days bigint, max_companies_per_rep integer,
    share_fast_open_7d double, share_rep_young double, share_shared_trade_name double, n_hubs_touched integer
);
create table if not exists cluster_members (
    run_id varchar, cluster_id varchar, uscc varchar, company_name varchar, trade_name varchar,
    legal_rep_name_masked varchar, legal_rep_id_masked varchar, legal_rep_key varchar, legal_rep_region varchar,
    rep_age_at_reg bigint, reg_address varchar, reg_room_key varchar, phone_masked varchar, phone_key varchar,
    phone_type varchar, reg_date date, reg_capital double, n_accounts integer, first_open_date date,
    days_to_first_account bigint, has_window_account boolean, rep_young boolean, fast_open_7d boolean,
    rep_nonlocal boolean, capital_tiny boolean, phone_virtual boolean, cluster_address boolean,
    rep_n_companies integer
);
-- The evidence sentences and their codes are most of the file's bytes (a million companies: 1.3M links, ~310
-- characters each); stored with ZSTD they take half the space of DICT_FSST and half the CPU to write. A results DB
-- made before keeps its columns as they were (DuckDB sets a column's compression when the table is created).
create table if not exists links (
    run_id varchar, cluster_id varchar, uscc_a varchar, uscc_b varchar, reason varchar, score double,
    evidence varchar using compression zstd, value_keys varchar, strength varchar,
    evidence_codes varchar using compression zstd
);
create table if not exists hubs (
    run_id varchar, hub_id varchar, attr_kind varchar, value_display varchar, n_companies integer,
    share_fast_open_7d double, share_rep_young double, reg_span_days bigint, suspicious boolean, why varchar
);
create table if not exists cluster_hubs (
    run_id varchar, cluster_id varchar, hub_id varchar, attr_kind varchar, value_display varchar, n_members integer
);
create table if not exists rejected_rows (
    run_id varchar, file varchar, line bigint, column_name varchar, reason varchar, action varchar,
    raw_row varchar
);
-- Cluster history (docs/history.md): what changed since the region's previous run, and the overlaps
-- behind it. Disappeared rows carry the previous run's cluster id.
create table if not exists cluster_changes (
    run_id varchar, cluster_id varchar, change varchar, related_cluster_ids varchar[],
    companies_added varchar[], companies_removed varchar[], previous_run_id varchar
);
create table if not exists cluster_lineage (
    run_id varchar, cluster_id varchar, previous_run_id varchar, previous_cluster_id varchar,
    n_common integer, n_current integer, n_previous integer, overlap double, jaccard double, inherited boolean
);
-- Which run each run was compared with, and when its history was first taken (reruns reuse both).
create table if not exists run_history (
    run_id varchar, region varchar, previous_run_id varchar, history_cutoff timestamp
);
-- Analysts' verdicts: rewritten whole at every run from the verdicts file (RESULTS.verdicts.duckdb).
create table if not exists verdicts (
    verdict_id integer, target varchar, cluster_id varchar, uscc_a varchar, uscc_b varchar, verdict varchar,
    made_by varchar, made_at timestamp, note varchar, run_id varchar, region varchar
);
alter table clusters add column if not exists verdict varchar;
alter table clusters add column if not exists verdict_overridden boolean;
-- Reasons as rule-registry sentence keys and parameters (JSON), and the language `reasons` was written in.
alter table clusters add column if not exists reason_codes varchar;
alter table clusters add column if not exists mitigation_codes varchar;
alter table clusters add column if not exists language varchar;
alter table runs add column if not exists language varchar;
alter table cluster_members add column if not exists new_since_verdict boolean;
alter table cluster_members add column if not exists joined_by varchar;
alter table links add column if not exists strength varchar;
alter table links add column if not exists evidence_codes varchar;
-- The region whose extract the company came from (a national run audits many regions' extracts at once).
alter table cluster_members add column if not exists region varchar;
-- The sheet of a workbook a rejected or skipped row came from (null for CSV and Parquet); line is then its
-- row number in that sheet, as Excel shows it.
alter table rejected_rows add column if not exists sheet varchar;
-- The values each cluster's companies share (people, phones, rooms, branches) and the hubs they touch,
-- one row per value and member: the cluster picture's nodes and edges, masked and pseudonymised.
create table if not exists cluster_values (
    run_id varchar, cluster_id varchar, value_id varchar, attr_kind varchar, value_display varchar,
    value_key varchar, is_hub boolean, uscc varchar, roles varchar[], reasons varchar[]
);
