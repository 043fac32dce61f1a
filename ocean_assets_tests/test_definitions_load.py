"""The code location loads the way the webserver and the daemon load it: every job (including the
anonymous jobs of sensor targets) resolves."""

from __future__ import annotations

import dagster as dg

from ocean_assets.cli._common import load_definitions


def test_code_location_is_loadable() -> None:
    defs = load_definitions()
    dg.Definitions.validate_loadable(defs)
    names = {s.name for s in defs.sensors or []}
    assert {"per_day_continuation", "daily_freshness"} <= names
