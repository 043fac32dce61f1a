"""Dataset-config validation and the Copernicus Marine adapter at the library's function boundary.

copernicusmarine cannot be pointed at a local server (its catalogue and ARCO endpoints are fixed),
so these tests call the adapters with stand-ins for ``copernicusmarine.subset``/``describe`` that
return the library's own response shapes, and check what the adapters send and make of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import copernicusmarine
import pytest

from ocean_assets.core.ocean.catalogue import (
    DatasetDescription,
    DatasetNotFoundError,
    step_in_days,
    validate_product_config,
)
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.validate import validate_dataset
from ocean_assets.sources.ocean.copernicus import (
    CopernicusMarineCatalogue,
    CopernicusMarineSource,
    description_from_catalogue,
)
from ocean_assets.sources.ocean.demo import DemoCatalogue, demo_dataset

MONTHLY = "cmems_mod_glo_phy-cur_anfc_0.083deg_P1M-m"


def test_monthly_id_on_daily_product_fails_naming_id_and_step(products):
    spec = dataclasses.replace(products["currents"], dataset_id=MONTHLY)
    outcome = validate_product_config(spec, DemoCatalogue().describe)
    assert not outcome.passed
    assert MONTHLY in outcome.message and "P1D" in outcome.message and "30.44 days" in outcome.message


def test_configured_ids_pass(products):
    for spec in products.values():
        if spec.source == "copernicus":
            assert validate_product_config(spec, DemoCatalogue().describe).passed


def test_unknown_id_and_missing_variable(products):
    unknown = dataclasses.replace(products["acidity"], dataset_id="cmems_does_not_exist_P1D-m")
    assert "does not exist" in validate_product_config(unknown, DemoCatalogue().describe).message
    catalogue = DemoCatalogue({"x": DatasetDescription("x", {"dissic": "mol m-3"}, 1.0)})
    wrong = dataclasses.replace(products["acidity"], dataset_id="x")
    outcome = validate_product_config(wrong, catalogue.describe)
    assert not outcome.passed and "ph" in outcome.message


@pytest.mark.parametrize("step, unit, values, days", [
    (86_400_000.0, "milliseconds since 1970-01-01 00:00:00Z (no leap seconds)", None, 1.0),
    (21_600.0, "seconds since 1970-01-01", None, 0.25),
    (None, "milliseconds since 1970-01-01", [0, 2_678_400_000, 5_184_000_000, 7_862_400_000], 31.0),
    (None, "furlongs", None, None),
])
def test_step_in_days(step, unit, values, days):
    assert step_in_days(step, unit, values) == (pytest.approx(days) if days else None)


def _catalogue(dataset_id: str, step_ms: float):
    coord = SimpleNamespace(coordinate_id="time", coordinate_unit="milliseconds since 1970-01-01 00:00:00Z (no leap seconds)",
                            step=step_ms, values=None)
    var = SimpleNamespace(short_name="uo", units="m s-1", coordinates=[coord])
    var2 = SimpleNamespace(short_name="vo", units="m s-1", coordinates=[coord])
    service = SimpleNamespace(variables=[var, var2])
    dataset = SimpleNamespace(dataset_id=dataset_id,
                              versions=[SimpleNamespace(parts=[SimpleNamespace(services=[service])])])
    return SimpleNamespace(products=[SimpleNamespace(datasets=[dataset])])


def test_live_catalogue_flattens_describe_output(products):
    calls = []

    def describe(**kwargs):
        calls.append(kwargs)
        if kwargs["dataset_id"] == "missing":
            raise copernicusmarine.DatasetNotFound("missing")
        return _catalogue(kwargs["dataset_id"], 86_400_000.0 * 30)

    catalogue = CopernicusMarineCatalogue(describe=describe)
    description = catalogue.describe(MONTHLY)
    assert description.variables == {"uo": "m s-1", "vo": "m s-1"} and description.time_step_days == 30
    assert calls[0] == {"dataset_id": MONTHLY, "disable_progress_bar": True}
    with pytest.raises(DatasetNotFoundError):
        catalogue.describe("missing")
    with pytest.raises(DatasetNotFoundError):
        description_from_catalogue(_catalogue("other", 1.0), MONTHLY)
    spec = dataclasses.replace(products["currents"], dataset_id=MONTHLY)
    assert not validate_product_config(spec, catalogue.describe).passed


def test_live_subset_request_and_response(tmp_path, products):
    spec = products["currents"]
    day = dt.date(2024, 3, 5)
    sent = {}

    def subset(**kwargs):
        sent.update(kwargs)
        path = tmp_path / kwargs["output_filename"]
        write_product(demo_dataset(spec, day), path, spec, source="stand-in")
        return SimpleNamespace(file_path=path, file_size=path.stat().st_size, status="000")

    ds = CopernicusMarineSource(subset=subset).fetch(spec, day, tmp_path)
    assert sent["dataset_id"] == spec.dataset_id and sent["variables"] == ["uo", "vo"]
    assert sent["start_datetime"] == sent["end_datetime"] == "2024-03-05T00:00:00"
    assert (sent["minimum_depth"], sent["maximum_depth"]) == spec.depth
    assert sent["minimum_longitude"] == spec.region.min_lon and sent["disable_progress_bar"] is True
    assert "username" not in sent and "password" not in sent  # credentials stay with the library (env)
    assert all(o.passed for o in validate_dataset(ds, spec, day))
