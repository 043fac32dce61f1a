"""Physically impossible values are an ERROR that blocks: below absolute zero, pH outside 0..14,
negative numbers of particles, or a whole field outside its plausible range. A few implausible
cells stay a WARN. The limits are config (physical_min/physical_max), judged in both validators."""

from __future__ import annotations

import json

import dagster as dg
import numpy as np
import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.config import ConfigError
from ocean_assets.core.ocean.chunked import validate_file_chunked
from ocean_assets.core.ocean.paths import texture_path
from ocean_assets.core.ocean.products import load_products
from ocean_assets.core.ocean.validate import validate_file
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets_tests.ocean.conftest import DAY


def values_rule(path, spec):
    return next(o for o in validate_file(path, spec, DAY) if o.rule == "values")


def set_values(var, fill=None, one=None):
    """Mutator: every finite cell of ``var`` to ``fill``, or the first finite cell to ``one``."""
    def mutate(ds):
        values = ds[var].values.copy()
        finite = np.isfinite(values)
        if fill is not None:
            values[finite] = fill
        if one is not None:
            values[tuple(np.argwhere(finite)[0])] = one
        ds[var] = ds[var].copy(data=values)
        return ds
    return mutate


@pytest.mark.parametrize("product, var, kwargs, fragment", [
    ("sst", "analysed_sst", {"fill": -1.0e6}, "physically impossible"),       # below absolute zero
    ("sst", "analysed_sst", {"one": -5.0}, "physically impossible"),          # one cell below 0 K
    ("acidity", "ph", {"one": 14.5}, "physically impossible"),                # outside the pH scale
    ("acidity", "ph", {"one": -0.1}, "physically impossible"),
    ("microplastics", "mp_concentration", {"one": -3.0}, "physically impossible"),  # negative count
    ("acidity", "ph", {"fill": 6.5}, "all"),                                  # possible, but the whole field implausible
    ("currents", "uo", {"fill": 9.0}, "all"),
])
def test_impossible_values_are_an_error(make_file, products, product, var, kwargs, fragment):
    outcome = values_rule(make_file(product, mutate=set_values(var, **kwargs)), products[product])
    assert not outcome.passed and outcome.severity == "ERROR"
    assert fragment in outcome.message and var in outcome.message


def test_a_few_implausible_but_possible_cells_stay_a_warning(make_file, products):
    outcome = values_rule(make_file("sst", mutate=set_values("analysed_sst", one=250.0)), products["sst"])
    assert not outcome.passed and outcome.severity == "WARN"


def test_chunked_validator_judges_the_same(make_file, products):
    path = make_file("sst", mutate=set_values("analysed_sst", fill=-1.0e6))
    chunked = next(o for o in validate_file_chunked(path, products["sst"], DAY, {"latitude": 50})
                   if o.rule == "values")
    assert (chunked.passed, chunked.severity, chunked.message) == (False, "ERROR", values_rule(path, products["sst"]).message)


def test_cli_validate_exits_1_on_an_impossible_field(make_file):
    path = make_file("sst", mutate=set_values("analysed_sst", fill=-1.0e6))
    result = CliRunner().invoke(cli, ["validate", str(path), "--json"])
    assert result.exit_code == 1, result.output
    (report,) = [json.loads(line) for line in result.output.splitlines()]
    assert [(f["rule"], f["severity"]) for f in report["failed"]] == [("values", "ERROR")]


def test_impossible_field_blocks_downstream(instance, data_root, monkeypatch):
    from ocean_assets.location import load_definitions
    from ocean_assets.sources.ocean import demo

    original = demo.demo_dataset

    def frozen(spec, day):  # noqa: ANN001, ANN202
        ds = original(spec, day)
        if spec.name == "sst":
            ds["analysed_sst"] = ds["analysed_sst"] * 0 - 1.0e6  # land stays NaN
        return ds

    monkeypatch.setattr(demo, "demo_dataset", frozen)
    job = load_definitions().resolve_job_def("ocean_daily")
    result = job.execute_in_process(instance=instance, partition_key=DAY.isoformat(), raise_on_error=False,
                                    asset_selection=[dg.AssetKey("sst"), dg.AssetKey("sst_texture")])
    assert not result.success
    failed = [e.event_specific_data for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed]
    assert [(f.check_name, f.severity) for f in failed] == [("values", dg.AssetCheckSeverity.ERROR)]
    assert not texture_path(data_root, DAY.isoformat()).exists()


@pytest.mark.parametrize("attrs, key", [
    ({"min": -1.0, "physical_min": 0.0}, "min"),
    ({"max": 20.0, "physical_max": 14.0}, "max"),
    ({"physical_min": 14.0, "physical_max": 0.0}, "physical_min..physical_max"),
])
def test_config_refuses_a_plausible_range_outside_the_physical_one(attrs, key):
    import yaml

    cfg = yaml.safe_load((PROJECT_ROOT / "config" / "ocean.yaml").read_text())
    cfg["products"]["acidity"]["variables"]["ph"] = {"units": "1", "min": 7.0, "max": 8.6,
                                                      "physical_min": 0.0, "physical_max": 14.0, **attrs}
    with pytest.raises(ConfigError, match=f"products.acidity.variables.ph.*{key}"):
        load_products(cfg)


def test_the_shipped_config_states_physical_limits():
    """The limits the issue names: absolute zero for SST (K), the pH scale, no negative counts."""
    products = load_products()
    limits = {v.name: (v.physical_min, v.physical_max) for p in products.values() for v in p.variables}
    assert limits["analysed_sst"][0] == 0.0 and limits["ph"] == (0.0, 14.0)
    assert limits["mp_concentration"][0] == 0.0


def nan_rule(path, spec):
    return next(o for o in validate_file(path, spec, DAY) if o.rule == "nan_fraction")


@pytest.mark.parametrize("product, var, kwargs", [
    ("sst", "analysed_sst", {"one": np.inf}),
    ("sst", "analysed_sst", {"one": -np.inf}),
    ("acidity", "ph", {"one": np.inf}),
    ("microplastics", "mp_concentration", {"one": -np.inf}),
    ("sst", "analysed_sst", {"fill": np.inf}),                  # a whole field of +inf
])
def test_infinite_values_are_impossible_and_counted(make_file, products, product, var, kwargs):
    """+-inf is not the declared fill (decoded to NaN): an impossible value, an ERROR with a count."""
    path = make_file(product, mutate=set_values(var, **kwargs))
    outcome = values_rule(path, products[product])
    assert not outcome.passed and outcome.severity == "ERROR", outcome.message
    expected = "1 of" if "one" in kwargs else "infinite"
    assert f"{var}: " in outcome.message and "infinite" in outcome.message and expected in outcome.message
    nan = nan_rule(path, products[product])
    assert "entirely NaN" not in nan.message  # NaN rules count only NaN
    chunked = next(o for o in validate_file_chunked(path, products[product], DAY, {"latitude": 50})
                   if o.rule == "values")
    assert (chunked.severity, chunked.message) == ("ERROR", outcome.message)


def test_cli_validate_exits_1_on_one_infinite_cell(make_file):
    path = make_file("sst", mutate=set_values("analysed_sst", one=np.inf))
    result = CliRunner().invoke(cli, ["validate", str(path), "--json"])
    assert result.exit_code == 1, result.output
    (report,) = [json.loads(line) for line in result.output.splitlines()]
    assert [(f["rule"], f["severity"]) for f in report["failed"]] == [("values", "ERROR")]


def test_nan_fraction_counts_only_nan(make_file, products):
    """An infinite cell is not a missing one: the NaN fraction is the same as without it."""
    clean = nan_rule(make_file("sst"), products["sst"])
    all_inf = nan_rule(make_file("sst", mutate=set_values("analysed_sst", fill=np.inf)), products["sst"])
    assert (all_inf.passed, all_inf.metadata["nan_fraction"]) == (clean.passed, clean.metadata["nan_fraction"])


def test_most_of_the_field_outside_the_plausible_range_is_an_error(make_file, products):
    """Currents in cm/s labelled m s-1: most cells beyond +-5 is a unit error, with the fraction."""
    def centimetres(ds):
        ds["uo"] = ds["uo"] * 100
        return ds

    path = make_file("currents", mutate=centimetres)
    outcome = values_rule(path, products["currents"])
    assert not outcome.passed and outcome.severity == "ERROR", outcome.message
    assert "uo: " in outcome.message and "%) outside the plausible range" in outcome.message
    chunked = next(o for o in validate_file_chunked(path, products["currents"], DAY, {"latitude": 50})
                   if o.rule == "values")
    assert (chunked.severity, chunked.message) == ("ERROR", outcome.message)


def test_just_under_half_outside_stays_a_warning(make_file, products):
    def some_hot(ds):
        values = ds["analysed_sst"].values.copy()
        cells = np.argwhere(np.isfinite(values))
        for cell in cells[: int(len(cells) * 0.4)]:
            values[tuple(cell)] = 320.0  # possible (< 373.15 K), implausible (> 313.15 K)
        ds["analysed_sst"] = ds["analysed_sst"].copy(data=values)
        return ds

    outcome = values_rule(make_file("sst", mutate=some_hot), products["sst"])
    assert not outcome.passed and outcome.severity == "WARN", outcome.message
