"""Dagster wiring of the ship_chips domain (assets, checks, job, retry sensor)."""
