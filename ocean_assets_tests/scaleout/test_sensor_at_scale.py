"""The recovery sensor's idle tick on a long history: no new check evaluation -> no partition scan."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from ocean_assets.core.ocean import validate as rules
from ocean_assets.core.ocean.paths import PRODUCTS
from ocean_assets.defs.ocean.resources import OceanResource
from ocean_assets.defs.ocean.sensors import ocean_recovery_sensor
from ocean_assets.location import load_definitions

DAYS = [(dt.date(2024, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(30)]


def _evaluate(instance: dg.DagsterInstance, product: str, day: str, passed: bool) -> None:
    instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey(product), partition=day))
    instance.report_runless_asset_event(dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(product), check_name=rules.INTEGRITY, passed=passed, partition=day,
        severity=dg.AssetCheckSeverity.ERROR))


@pytest.fixture(params=["memory", "postgres"])
def history(request, monkeypatch) -> dg.DagsterInstance:
    """A non-sharded event log (in-memory SQLite, or PostgreSQL as deployed) with 30 days x 4
    products, day 7 of sst failing its integrity check."""
    if request.param == "memory":
        instance = dg.DagsterInstance.ephemeral()
    else:
        home, url = request.getfixturevalue("pg_home")
        monkeypatch.setenv("DAGSTER_PG_URL", url)
        instance = dg.DagsterInstance.from_config(str(home))
        request.addfinalizer(instance.dispose)
    assert not instance.event_log_storage.is_run_sharded
    for product in PRODUCTS:
        for day in DAYS:
            _evaluate(instance, product, day, passed=not (product == "sst" and day == DAYS[7]))
    return instance


def test_idle_recovery_tick_skips_the_partition_scan_and_still_sees_new_failures(history, monkeypatch):
    defs = load_definitions()
    storage = history.event_log_storage
    scans = []
    real = storage.get_asset_check_partition_info
    # a scan: a query over every partition (the failed-days filter asks for a few named days only)
    monkeypatch.setattr(storage, "get_asset_check_partition_info",
                        lambda *a, **k: (k.get("partition_keys") is None and scans.append(1)) or real(*a, **k))

    def tick(cursor):
        return ocean_recovery_sensor(dg.build_sensor_context(
            instance=history, cursor=cursor, definitions=defs, resources={"ocean": OceanResource()}))

    first = tick(None)
    assert [(r.partition_key, r.asset_selection) for r in first.run_requests] == [(DAYS[7], [dg.AssetKey("sst")])]
    assert len(scans) == 1
    idle = tick(first.cursor)
    assert not idle.run_requests and len(scans) == 1  # nothing new: no scan
    _evaluate(history, "acidity", "2024-02-15", passed=False)
    after = tick(idle.cursor)
    assert [r.partition_key for r in after.run_requests] == ["2024-02-15"] and len(scans) == 2
