"""Core: settings, the rule registry, the working DB, the SQL runner, errors and masking. Imports nothing above it."""
