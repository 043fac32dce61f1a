"""Every ocean rule passes on a good file and fails, with a reason, on a file defective in its way."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ocean_assets.core.ocean.validate import RULES, validate_file

from .conftest import DAY


def by_rule(outcomes):
    return {o.rule: o for o in outcomes}


@pytest.mark.parametrize("product", ["sst", "currents", "acidity", "microplastics"])
def test_good_demo_file_passes_every_rule(make_file, products, product):
    outcomes = validate_file(make_file(product), products[product], DAY)
    assert [o.rule for o in outcomes] == list(RULES)
    assert all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]


def test_truncated_file_fails_integrity_and_blocks_other_rules(make_file, products):
    path = make_file("sst")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    results = by_rule(validate_file(path, products["sst"], DAY))
    assert not results["integrity"].passed
    assert "truncated" in results["integrity"].message or "open" in results["integrity"].message
    assert all(not o.passed and "integrity failed" in o.message for r, o in results.items() if r != "integrity")


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"<html>502 Bad Gateway</html>", "not a NetCDF")])
def test_empty_or_non_netcdf_file_gets_a_clear_reason(tmp_path, products, content, reason):
    path = tmp_path / "sst_20240305.nc"
    path.write_bytes(content)
    assert reason in by_rule(validate_file(path, products["sst"], DAY))["integrity"].message


def test_missing_file(tmp_path, products):
    assert "does not exist" in by_rule(validate_file(tmp_path / "nope.nc", products["sst"]))["integrity"].message


def test_wrong_variable_fails_schema(make_file, products):
    path = make_file("sst", mutate=lambda ds: ds.rename({"analysed_sst": "sst"}))
    result = by_rule(validate_file(path, products["sst"], DAY))["schema"]
    assert not result.passed and "analysed_sst" in result.message


def test_wrong_units_fail(make_file, products):
    def celsius(ds):
        ds["analysed_sst"] = (ds["analysed_sst"] - 273.15).assign_attrs(units="degC")
        return ds

    result = by_rule(validate_file(make_file("sst", mutate=celsius), products["sst"], DAY))["units"]
    assert not result.passed and "degC" in result.message and "'K'" in result.message


def test_kelvin_alias_is_accepted(make_file, products):
    def spelled(ds):
        ds["analysed_sst"].attrs["units"] = "kelvin"
        return ds

    assert by_rule(validate_file(make_file("sst", mutate=spelled), products["sst"], DAY))["units"].passed


def test_wrong_day_fails_time(make_file, products):
    path = make_file("acidity", day=DAY - dt.timedelta(days=1))
    result = by_rule(validate_file(path, products["acidity"], DAY))["time"]
    assert not result.passed and str(DAY) in result.message


def test_two_time_steps_fail_time(make_file, products):
    import xarray as xr

    def two_steps(ds):
        later = ds.assign_coords(time=ds.time + np.timedelta64(12, "h"))
        return xr.concat([ds, later], dim="time")

    result = by_rule(validate_file(make_file("acidity", mutate=two_steps), products["acidity"], DAY))["time"]
    assert not result.passed and "exactly one" in result.message


def test_all_nan_is_an_error(make_file, products):
    def all_nan(ds):
        ds["ph"] = ds["ph"] * np.nan
        return ds

    result = by_rule(validate_file(make_file("acidity", mutate=all_nan), products["acidity"], DAY))["nan_fraction"]
    assert not result.passed and result.severity == "ERROR" and "entirely NaN" in result.message


def test_too_many_nans_is_a_warning(make_file, products):
    def holes(ds):
        values = ds["uo"].values.copy()
        values[..., : values.shape[-1] * 3 // 4] = np.nan
        ds["uo"] = ds["uo"].copy(data=values)
        return ds

    result = by_rule(validate_file(make_file("currents", mutate=holes), products["currents"], DAY))["nan_fraction"]
    assert not result.passed and result.severity == "WARN"


def test_sst_nan_fraction_counts_sea_cells_only(make_file, products):
    """Land is NaN in SST; only NaNs over sea (mask bit 1) count against the threshold."""

    def sea_hole(ds):
        values = ds["analysed_sst"].values.copy()
        sea = ds["mask"].values == 1
        idx = np.argwhere(sea)[: int(sea.sum() * 0.1)]
        values[tuple(idx.T)] = np.nan
        ds["analysed_sst"] = ds["analysed_sst"].copy(data=values)
        return ds

    good = by_rule(validate_file(make_file("sst"), products["sst"], DAY))["nan_fraction"]
    bad = by_rule(validate_file(make_file("sst", mutate=sea_hole), products["sst"], DAY))["nan_fraction"]
    assert good.passed and "sea cells" in good.message
    assert not bad.passed and bad.severity == "WARN"


@pytest.mark.parametrize("product, var, value, fragment", [
    ("sst", "analysed_sst", 273.15 + 45.0, "outside"),
    ("currents", "uo", 7.5, "outside"),
    ("acidity", "ph", 6.2, "outside"),
    ("microplastics", "mp_concentration", 5.0e9, "outside"),
])
def test_implausible_values_warn(make_file, products, product, var, value, fragment):
    def spike(ds):
        values = ds[var].values.copy()
        finite = np.argwhere(np.isfinite(values))[0]
        values[tuple(finite)] = value
        ds[var] = ds[var].copy(data=values)
        return ds

    result = by_rule(validate_file(make_file(product, mutate=spike), products[product], DAY))["values"]
    assert not result.passed and result.severity == "WARN" and fragment in result.message and var in result.message


def test_non_monotonic_latitude_fails_coordinates(make_file, products):
    def shuffle(ds):
        lat = ds.latitude.values.copy()
        lat[[3, 4]] = lat[[4, 3]]
        return ds.assign_coords(latitude=lat)

    result = by_rule(validate_file(make_file("acidity", mutate=shuffle), products["acidity"], DAY))["coordinates"]
    assert not result.passed and "monotonic" in result.message


def test_descending_latitude_is_monotonic_and_accepted(make_file, products):
    path = make_file("acidity", mutate=lambda ds: ds.sortby("latitude", ascending=False))
    assert by_rule(validate_file(path, products["acidity"], DAY))["coordinates"].passed


def test_out_of_region_fails_coordinates(make_file, products):
    path = make_file("currents", mutate=lambda ds: ds.assign_coords(longitude=ds.longitude + 100))
    result = by_rule(validate_file(path, products["currents"], DAY))["coordinates"]
    assert not result.passed and "region" in result.message
