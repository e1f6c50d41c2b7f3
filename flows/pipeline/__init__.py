"""Pipeline stages as plain functions over the run's working DB (no Prefect): ingest to marts."""
