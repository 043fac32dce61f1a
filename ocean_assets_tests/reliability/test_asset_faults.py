"""Faults through the Dagster asset: the live ERDDAP SST download inside `ocean_daily` against a
misbehaving loopback server. Transient faults end in the fault-free file; permanent ones in a failed
partition with a clear reason and nothing at the final path."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ocean_assets.config import load_config
from ocean_assets.core.io import sha256_file
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import product_path
from ocean_assets.core.ocean.products import load_products
from ocean_assets.location import load_definitions
from ocean_assets.sources.ocean.erddap import ErddapGriddapSource
from ocean_assets_tests.loopback import (
    Faulty,
    http_server,
    reset_fault,
    reset_mid_body_fault,
    status_fault,
    truncated_fault,
)
from ocean_assets_tests.reliability.conftest import DAY, FAST, write_live_config

KEY = DAY.isoformat()


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


def run_sst(defs, instance, **kwargs) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("ocean_daily")
    return job.execute_in_process(instance=instance, partition_key=KEY, raise_on_error=False,
                                  asset_selection=[dg.AssetKey("sst")], **kwargs)


def step_errors(result: dg.ExecuteInProcessResult) -> list[str]:
    out = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            data = event.event_specific_data
            err = data.error
            while err.cause is not None:
                err = err.cause
            out.append(f"{err.message} {data.user_failure_data.description if data.user_failure_data else ''}")
    return out


def fault_free_sha(erddap, config_dir: Path, tmp_path: Path) -> str:
    spec = load_products(load_config("ocean", config_dir))["sst"]
    with http_server(erddap) as base:
        ds = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST).fetch(spec, DAY, tmp_path)
    return sha256_file(write_product(ds, tmp_path / "clean" / "sst.nc", spec, source="erddap"))


def test_transient_faults_through_the_asset_give_the_fault_free_file(
        defs, instance, data_root, erddap, tmp_path, monkeypatch):
    faulty = Faulty(erddap, [status_fault(429, headers={"Retry-After": "0"}), status_fault(503),
                             reset_fault(), reset_mid_body_fault(), truncated_fault(0.5)], only="/griddap/")
    with http_server(faulty) as base:
        config_dir = write_live_config(tmp_path / "config", erddap_server=base)
        monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(config_dir))
        result = run_sst(defs, instance)
    assert result.success, step_errors(result)
    path = product_path(data_root, "sst", DAY)
    assert sha256_file(path) == fault_free_sha(erddap, config_dir, tmp_path)
    assert len(faulty.hits("/griddap/")) == 6
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and all(c.passed for c in checks), [(c.check_name, c.metadata) for c in checks if not c.passed]
    mat = result.asset_materializations_for_node("sst")[0]
    assert mat.metadata["sha256"].value == sha256_file(path)


@pytest.mark.parametrize(("status", "reason"), [
    (404, "HTTP 404"), (401, "HTTP 401"), (403, "HTTP 403"),
])
def test_permanent_fault_fails_the_partition_with_a_clear_reason(
        defs, instance, data_root, erddap, tmp_path, monkeypatch, status, reason):
    faulty = Faulty(erddap, [status_fault(status, b"denied")] * 10, only="/griddap/")
    with http_server(faulty) as base:
        config_dir = write_live_config(tmp_path / "config", erddap_server=base)
        monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(config_dir))
        result = run_sst(defs, instance)
    assert not result.success
    errors = step_errors(result)
    assert errors and reason in errors[0] and "griddap/jplMURSST41.nc" in errors[0], errors
    assert len(faulty.hits("/griddap/")) == 1  # permanent: neither the client nor Dagster retries it
    final = product_path(data_root, "sst", DAY)
    assert not final.exists()
    assert not [p for p in data_root.rglob("*") if p.is_file()]  # no temp or partial files anywhere
    assert instance.get_materialized_partitions(dg.AssetKey("sst")) == set()
