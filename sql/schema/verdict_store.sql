-- Analysts' verdicts, append-only: a later verdict on the same cluster or link supersedes the earlier
-- one (the history stays). The same table shape lives in the verdicts file, the working DB
-- (`analyst_verdicts`, a snapshot taken at the start of a run) and the published DB (`verdicts`).
create table if not exists verdicts (
    verdict_id integer primary key,
    target varchar not null,          -- 'cluster' or 'link'
    cluster_id varchar,               -- stable cluster id (cluster verdicts)
    uscc_a varchar,                   -- the link's companies, uscc_a < uscc_b (link verdicts)
    uscc_b varchar,
    verdict varchar not null,
    made_by varchar not null,
    made_at timestamp not null,       -- UTC
    note varchar,                     -- masked: no resident-ID, phone or account number kept raw
    run_id varchar,                   -- the published run the analyst was looking at
    region varchar
);
