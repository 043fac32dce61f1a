"""The code location: every domain under ocean_assets/defs/ is discovered and loaded.

Shared policy lives in one place, ``dagster_support.policy`` (owners, backfill policy, code version,
per-day freshness checks); here the freshness checks of every domain get their one sensor."""

from pathlib import Path

import dagster as dg

from ocean_assets.dagster_support.freshness import FRESHNESS_CHECK, freshness_sensor


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    freshness = list({id(c): c for c in loaded.asset_checks or []
                      if isinstance(c, dg.AssetChecksDefinition)
                      and any(k.name == FRESHNESS_CHECK for k in c.check_keys)}.values())
    return dg.Definitions.merge(loaded, dg.Definitions(sensors=[freshness_sensor(freshness)]))
