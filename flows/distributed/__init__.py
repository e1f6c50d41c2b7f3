"""The audit job on a Dask cluster: the Prefect flow stays on the driver, stages map plain functions over
Parquet partitions on a shared folder (docs/distributed.md)."""
