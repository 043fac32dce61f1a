"""The ocean graph in Dagster: range runs record a check evaluation per partition, re-runs are
idempotent, a corrupt file fails its blocking check and stops downstream assets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import dagster as dg
import pytest

from ocean_assets.core.io import sha256_file
from ocean_assets.core.ocean.paths import product_path, texture_path
from ocean_assets.location import load_definitions
from ocean_assets_tests.faults import all_nan_sst

DAYS = ["2024-03-04", "2024-03-05", "2024-03-06"]
RANGE = {"dagster/asset_partition_range_start": DAYS[0], "dagster/asset_partition_range_end": DAYS[-1]}


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


def evaluations(result: dg.ExecuteInProcessResult):
    return [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]


def test_three_day_range_is_one_run_with_per_partition_checks(defs, instance, data_root: Path):
    job = defs.resolve_job_def("ocean_daily")
    result = job.execute_in_process(instance=instance, tags=RANGE)
    assert result.success
    evals = evaluations(result)
    per_check = Counter((e.asset_key.to_user_string(), e.check_name) for e in evals if e.partition)
    assert per_check[("sst", "integrity")] == 3 and per_check[("microplastics", "nan_fraction")] == 3
    assert per_check[("sst_texture", "ocean_coverage")] == 3
    assert all(n == 3 for n in per_check.values())
    assert {e.partition for e in evals if e.partition} == set(DAYS)
    assert all(e.passed for e in evals)
    for day in DAYS:
        assert product_path(data_root, "currents", day).exists() and texture_path(data_root, day).exists()
    # the instance knows every partition as materialized and checked
    assert instance.get_materialized_partitions(dg.AssetKey("sst")) == set(DAYS)
    info = instance.event_log_storage.get_asset_check_partition_info(
        [dg.AssetCheckKey(dg.AssetKey("acidity"), "integrity")])
    assert {i.partition_key for i in info} == set(DAYS)


def test_rerun_is_idempotent(defs, instance, data_root: Path):
    job = defs.resolve_job_def("ocean_daily")
    job.execute_in_process(instance=instance, partition_key=DAYS[0], asset_selection=[dg.AssetKey("acidity")])
    path = product_path(data_root, "acidity", DAYS[0])
    first = sha256_file(path)
    job.execute_in_process(instance=instance, partition_key=DAYS[0], asset_selection=[dg.AssetKey("acidity")])
    assert sha256_file(path) == first
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp files left


def test_corrupt_file_fails_blocking_check_and_stops_texture(defs, instance, data_root: Path, monkeypatch):
    all_nan_sst(monkeypatch)
    job = defs.resolve_job_def("ocean_daily")
    result = job.execute_in_process(instance=instance, partition_key=DAYS[1], raise_on_error=False,
                                    asset_selection=[dg.AssetKey("sst"), dg.AssetKey("sst_texture")])
    assert not result.success
    failed = [e for e in evaluations(result) if not e.passed]
    assert [(e.check_name, e.partition) for e in failed] == [("nan_fraction", DAYS[1])]
    assert not texture_path(data_root, DAYS[1]).exists()


def test_single_run_backfill_policy_on_every_ocean_asset(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name == "ocean":
            assert node.partitions_def is not None, key
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
