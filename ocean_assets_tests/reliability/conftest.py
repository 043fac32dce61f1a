"""Fixtures for the reliability tests: loopback-served products, a live-mode config, fast retries."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml

from ocean_assets.core.ocean.products import ProductSpec, load_products
from ocean_assets.core.retry import Backoff
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets_tests.loopback import ErddapGriddap, mur_like_dataset

DAY = dt.date(2024, 3, 5)
DAYS = ["2024-03-04", "2024-03-05", "2024-03-06"]
FAST = Backoff(attempts=4, base_seconds=0.01, max_seconds=0.05)
MUR_REGION = {"min_lon": -80, "max_lon": -60, "min_lat": 30, "max_lat": 45}
# Fake secrets planted by the security tests (never real credentials).
FAKE_TOKEN = "edl-FAKE-token-7f3a9c1e5b"
FAKE_PASSWORD = "cmems-FAKE-password-42d8e0"


@pytest.fixture
def products() -> dict[str, ProductSpec]:
    return load_products()


@pytest.fixture
def mur_spec(products: dict[str, ProductSpec]) -> ProductSpec:
    """The SST product fetched from ERDDAP (MUR) over a small box, as a live deployment would."""
    sst = products["sst"]
    return dataclasses.replace(sst, source="erddap", land_mask_variable=None, max_nan_fraction=0.5,
                               region=dataclasses.replace(sst.region, **MUR_REGION))


@pytest.fixture
def erddap(tmp_path: Path) -> ErddapGriddap:
    workdir = tmp_path / "erddap_responses"
    workdir.mkdir()
    return ErddapGriddap({"jplMURSST41": mur_like_dataset(DAYS)}, workdir)


def write_live_config(config_dir: Path, *, erddap_server: str | None = None,
                      cygnss_url: str | None = None) -> Path:
    """A copy of config/ocean.yaml with sst from ERDDAP and/or microplastics from CYGNSS in live
    mode against loopback servers, and millisecond retries."""
    cfg = yaml.safe_load((PROJECT_ROOT / "config" / "ocean.yaml").read_text())
    if erddap_server:
        sst = cfg["products"]["sst"]
        sst.update(source="erddap", mode="live", region=dict(MUR_REGION), max_nan_fraction=0.5)
        sst.pop("land_mask_variable", None)
        sst["erddap"] = {"server": erddap_server, "dataset_id": "jplMURSST41", "latitude_descending": False}
    if cygnss_url:
        mp = cfg["products"]["microplastics"]
        mp.update(mode="live", url_template=cygnss_url + "/cyg.ddmi.s{day:%Y%m%d}.l3.grid-microplastic.nc",
                  cmr_url=None)  # no CMR discovery: the loopback file server only
    cfg["retry"] = {"attempts": 4, "base_seconds": 0.01, "max_seconds": 0.05}
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "ocean.yaml").write_text(yaml.safe_dump(cfg))
    return config_dir
