"""Days larger than the memory budget: the dask-chunked writer and validator agree with the
in-memory path on good and defective files (a modest grid with a tiny budget forces chunking)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from ocean_assets.core.ocean import chunked
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.products import ProductSpec, load_products
from ocean_assets.core.ocean.validate import validate_file
from ocean_assets.sources.ocean.demo import demo_dataset

DAY = dt.date(2024, 3, 5)
BUDGET = 64 * 1024  # bytes: far below one demo day (90 KB - 1.3 MB at 0.5 deg), so bands of a few rows


@pytest.fixture
def spec_for() -> Callable[[str], ProductSpec]:
    products = load_products()
    return lambda name: dataclasses.replace(products[name], demo_resolution=0.5)


def _write(spec: ProductSpec, path: Path, mutate=None) -> Path:  # noqa: ANN001
    ds = demo_dataset(spec, DAY)
    return write_product(mutate(ds) if mutate else ds, path, spec, source="test")


def _same(a, b) -> None:  # noqa: ANN001
    assert [(o.rule, o.passed, o.severity, o.message) for o in a] == \
           [(o.rule, o.passed, o.severity, o.message) for o in b]
    for x, y in zip(a, b, strict=True):
        if "stats" in x.metadata:
            for var, s in x.metadata["stats"].items():
                assert y.metadata["stats"][var] == pytest.approx(s, rel=1e-5)
        if "nan_fraction" in x.metadata:
            assert x.metadata["nan_fraction"] == y.metadata["nan_fraction"]


def _too_hot(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy(deep=True)
    ds["analysed_sst"][0, 10:14, 20:40] = 400.0
    return ds


def _all_nan(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy(deep=True)
    ds["ph"][:] = np.nan
    return ds


def _fast_currents(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy(deep=True)
    ds["uo"][0, 0, 50:52, 100:110] = 7.0
    return ds


@pytest.mark.parametrize(("product", "mutate", "failing"), [
    ("sst", None, set()),
    ("currents", None, set()),
    ("sst", _too_hot, {"values"}),
    ("acidity", _all_nan, {"nan_fraction"}),
    ("currents", _fast_currents, {"values"}),
])
def test_chunked_validator_matches_in_memory(spec_for, tmp_path, product, mutate, failing):
    spec = spec_for(product)
    path = _write(spec, tmp_path / f"{product}.nc", mutate)
    with xr.open_dataset(path) as ds:
        chunks = chunked.plan_chunks(ds, spec.lat, BUDGET)
    assert chunks and chunks[spec.lat] < 360  # the day is over budget: latitude bands
    got = chunked.validate_file_auto(path, spec, DAY, budget=BUDGET)
    assert got[0].metadata["read_in_chunks"] > 4  # the chunked path ran, band by band
    want = validate_file(path, spec, DAY)
    _same(want, got)
    assert {o.rule for o in got if not o.passed} == failing


def test_files_within_budget_take_the_in_memory_path(spec_for, tmp_path):
    spec = spec_for("acidity")
    path = _write(spec, tmp_path / "a.nc")
    got = chunked.validate_file_auto(path, spec, DAY, budget=1 << 30)
    assert "read_in_chunks" not in got[0].metadata and all(o.passed for o in got)


def test_truncated_file_fails_integrity_on_both_paths(spec_for, tmp_path):
    spec = spec_for("sst")
    path = _write(spec, tmp_path / "sst.nc")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    got = chunked.validate_file_auto(path, spec, DAY, budget=BUDGET)
    want = validate_file(path, spec, DAY)
    assert got[0].rule == "integrity" and not got[0].passed
    assert [o.passed for o in got] == [o.passed for o in want] == [False] * 7


@pytest.mark.filterwarnings("ignore:The specified chunks separate")
def test_chunked_writer_streams_dask_bands_and_equals_the_in_memory_file(spec_for, tmp_path):
    spec = spec_for("currents")
    source = demo_dataset(spec, DAY)
    memory = write_product(source, tmp_path / "memory.nc", spec, source="test")
    with xr.open_dataset(memory, chunks={"latitude": 16}) as lazy:  # as a day too big to load would be
        assert lazy["uo"].chunks is not None
        streamed = chunked.write_product_chunked(lazy, tmp_path / "out" / "streamed.nc", spec, "test",
                                                 budget=BUDGET)
    assert not list(streamed.parent.glob(".*.tmp"))  # written through a temporary file
    with xr.open_dataset(memory) as a, xr.open_dataset(streamed) as b:
        xr.testing.assert_identical(a.load(), b.load())


def test_memory_budget_from_environment(monkeypatch):
    monkeypatch.setenv("OCEAN_ASSETS_MEMORY_BUDGET_MB", "2")
    assert chunked.memory_budget_bytes() == 2 * 1024 * 1024
    monkeypatch.setenv("OCEAN_ASSETS_MEMORY_BUDGET_MB", "lots")
    with pytest.raises(ValueError, match="number of MB"):
        chunked.memory_budget_bytes()


def test_file_checks_use_the_chunked_path_over_budget(instance, monkeypatch):
    import dagster as dg

    from ocean_assets.location import load_definitions

    monkeypatch.setenv("OCEAN_ASSETS_MEMORY_BUDGET_MB", "0.5")  # one global acidity day is ~4 MB
    job = load_definitions().resolve_job_def("ocean_daily")
    result = job.execute_in_process(instance=instance, partition_key=DAY.isoformat(),
                                    asset_selection=[dg.AssetKey("acidity")])
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert all(e.passed for e in evaluations.values())
    assert evaluations["integrity"].metadata["read_in_chunks"].value > 8
