"""Dagster definitions, one folder per domain; loaded by ``load_from_defs_folder``."""
