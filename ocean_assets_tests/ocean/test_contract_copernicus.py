"""The dataset-config validator and the demo catalogue against real ``copernicusmarine.describe()``
output (contract fixtures from the copernicusmarine toolbox's own describe snapshots)."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

from ocean_assets.core.ocean.catalogue import validate_description
from ocean_assets.sources.ocean.copernicus import description_from_catalogue
from ocean_assets.sources.ocean.demo import DEMO_CATALOGUE
from ocean_assets_tests.ocean.contract_servers import CONTRACTS

CURRENTS = "cmems_mod_glo_phy-cur_anfc_0.083deg_P1D-m"
MONTHLY = "cmems_mod_nws_bgc-chl_my_7km-3D_P1M-m"


def catalogue(dataset_id: str) -> SimpleNamespace:
    """The fixture as describe() returns it: objects with attributes (pydantic models in 2.x)."""
    text = (CONTRACTS / "copernicus_marine" / f"describe_{dataset_id}.json").read_text()
    return json.loads(text, object_hook=lambda d: SimpleNamespace(**d))


def test_real_daily_currents_entry_passes_the_validator(products):
    description = description_from_catalogue(catalogue(CURRENTS), CURRENTS)
    assert description.variables == {"uo": "m s-1", "vo": "m s-1"}
    assert description.time_step_days == 1.0  # step 86400000 "milliseconds since 1970-01-01 ..."
    assert validate_description(products["currents"], description).passed


def test_real_monthly_entry_is_refused_for_a_daily_product(products):
    spec = dataclasses.replace(products["currents"], dataset_id=MONTHLY, variables=())
    description = description_from_catalogue(catalogue(MONTHLY), MONTHLY)
    outcome = validate_description(spec, description)
    assert not outcome.passed and "time step" in outcome.message and 27 < description.time_step_days < 32


def test_demo_catalogue_agrees_with_the_real_entry():
    real = description_from_catalogue(catalogue(CURRENTS), CURRENTS)
    demo = DEMO_CATALOGUE[CURRENTS]
    assert demo.variables == real.variables and demo.time_step_days == real.time_step_days
