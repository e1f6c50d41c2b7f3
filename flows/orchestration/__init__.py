"""Orchestration: the Prefect flow and its tasks, deployments, scheduled runs and artifacts (driver only)."""
