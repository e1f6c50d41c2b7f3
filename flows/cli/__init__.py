"""Command line: `shellring` and its subcommands (imports no Prefect until a command needs it)."""
