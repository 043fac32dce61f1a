"""The code location loads the way the webserver and the daemon load it: every job (including the
anonymous jobs of sensor targets) resolves."""

from __future__ import annotations

import dagster as dg

from ocean_assets.location import load_definitions


def test_code_location_is_loadable() -> None:
    defs = load_definitions()
    dg.Definitions.validate_loadable(defs)
    names = {s.name for s in defs.sensors or []}
    assert {"per_day_continuation", "daily_freshness"} <= names


def test_every_asset_has_a_kind() -> None:
    """The UI tags each asset with what it is stored as (netcdf, parquet, cog, stac, html, ...)."""
    graph = load_definitions().resolve_asset_graph()
    kinds = {key.to_user_string(): graph.get(key).kinds for key in graph.get_all_asset_keys()}
    assert len(kinds) > 20 and not [name for name, k in kinds.items() if not k], kinds


def test_main_job_tag_is_the_one_policy_sets() -> None:
    from ocean_assets import location
    from ocean_assets.dagster_support import policy

    assert location.MAIN_JOB_TAG == policy.MAIN_JOB_TAG
    assert [j.tags[location.MAIN_JOB_TAG] for j in location.main_jobs(load_definitions())] == list(
        location.DOMAIN_ORDER)
