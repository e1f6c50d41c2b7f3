"""shellring: Prefect flows, tasks, stages and the command line."""

import os

# Machines running audits are often offline, and a job that holds personal data should not phone home:
# keep Prefect's (temporary) server from sending usage telemetry unless the operator asks for it.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
