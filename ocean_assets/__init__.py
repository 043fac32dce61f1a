"""ocean-assets: one Dagster asset graph for ocean, climate and earth-observation data."""

__version__ = "0.1.0"
