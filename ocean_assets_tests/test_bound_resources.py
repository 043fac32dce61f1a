"""Checks and sensors use the resource bound in Definitions, not one they build themselves: a
resource configured differently (another data root, another database) changes what they read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from ocean_assets.core.retry import Backoff
from ocean_assets.core.ship_chips import layout, retry_store, validation
from ocean_assets.defs.conus404 import assets as conus404_assets
from ocean_assets.defs.conus404 import checks as conus404_checks
from ocean_assets.defs.conus404.resources import Conus404Resource
from ocean_assets.defs.ship_chips import assets as chip_assets
from ocean_assets.defs.ship_chips import checks as chip_checks
from ocean_assets.defs.ship_chips.jobs import ship_chips_daily, ship_chips_retry_sensor
from ocean_assets.defs.ship_chips.resources import ShipChipsResource

DAY = "2026-04-10"


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.event_specific_data.check_name: e.event_specific_data
            for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}


def _tick(defs: dg.Definitions, name: str, instance: dg.DagsterInstance):  # noqa: ANN202
    """Evaluate a sensor as the daemon does: with the top-level resources of its Definitions
    (dagster._grpc.impl.get_external_sensor_execution)."""
    repo = defs.get_repository_def()
    context = dg.build_sensor_context(instance=instance, definitions=defs,
                                      resources=repo.get_top_level_resources())
    return repo.get_sensor_def(name)(context)


def test_ship_chips_checks_read_the_bound_resource(tmp_path: Path, data_root: Path, instance) -> None:
    elsewhere = tmp_path / "elsewhere"
    defs = dg.Definitions(assets=[chip_assets.dataset_manifest],
                          asset_checks=[chip_checks.dataset_manifest_checks],
                          resources={"ship_chips_env": ShipChipsResource(data_root=str(elsewhere))})
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, partition_key=DAY)
    assert result.success
    check = _evaluations(result)[validation.MANIFEST_COUNTS]
    # The check found the manifest the asset wrote under the bound root; one reading the
    # environment's data root (OCEAN_ASSETS_DATA_ROOT) would have said "manifest missing".
    assert check.passed and check.metadata["message"].value == "0 chips in manifest and index"
    assert layout.manifest_path(elsewhere / "ship_chips").exists()
    assert not layout.manifest_path(data_root / "ship_chips").exists()


def test_retry_sensor_reads_the_bound_database(tmp_path: Path, instance) -> None:
    url = f"sqlite:///{tmp_path / 'retries.db'}"
    bound = ShipChipsResource(database_url=url)
    retry_store.record_failure(bound.engine(), obs_id="obs-1", day=DAY, mmsi=244660000, scene_id="S2",
                               error="band unreadable", now=dt.datetime(2026, 4, 10, tzinfo=dt.UTC),
                               backoff=Backoff(base_seconds=1, max_seconds=1), max_retries=3)
    assets = [a for a in vars(chip_assets).values() if isinstance(a, dg.AssetsDefinition)]

    def tick(resource: ShipChipsResource) -> dg.SensorResult | list[dg.RunRequest] | dg.SkipReason:
        defs = dg.Definitions(assets=assets, jobs=[ship_chips_daily], sensors=[ship_chips_retry_sensor],
                              resources={"ship_chips_env": resource})
        return _tick(defs, "ship_chips_retry_sensor", instance)

    requests = tick(bound)
    assert isinstance(requests, list)
    assert [(r.partition_key, r.run_key) for r in requests] == [(DAY, f"ship_chips-retry-{DAY}-1")]
    # The environment's database (DATABASE_URL unset: the default) has no failure recorded.
    assert isinstance(tick(ShipChipsResource()), dg.SkipReason)


def test_conus404_assets_and_checks_use_the_bound_data_root(tmp_path: Path, data_root: Path,
                                                           instance) -> None:
    elsewhere = tmp_path / "elsewhere"
    defs = dg.Definitions(
        assets=[conus404_assets.conus404_daily_nc, conus404_assets.conus404_daily_summary],
        asset_checks=[conus404_checks.conus404_daily_checks, conus404_checks.conus404_summary_checks],
        resources={"conus404": Conus404Resource(data_root=str(elsewhere))})
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, partition_key="2022-09-29")
    assert result.success
    evaluations = _evaluations(result)
    assert len(evaluations) == 6 and all(e.passed for e in evaluations.values()), evaluations
    assert sorted(p.name for p in elsewhere.rglob("*.*")) == [
        "conus404_daily_20220929.nc", "conus404_summary_20220929.parquet"]
    assert not any(data_root.rglob("*.nc")) and not any(data_root.rglob("*.parquet"))
