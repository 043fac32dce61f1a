"""Fixtures for the ocean tests: product specs and good/defective NetCDF files built here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import xarray as xr

from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.products import ProductSpec, load_products
from ocean_assets.sources.ocean.demo import demo_dataset

DAY = dt.date(2024, 3, 5)


@pytest.fixture
def products() -> dict[str, ProductSpec]:
    return load_products()


@pytest.fixture
def make_file(tmp_path: Path, products: dict[str, ProductSpec]) -> Callable[..., Path]:
    """Write a demo product file, optionally transformed by ``mutate(ds) -> ds`` before writing."""

    def _make(product: str = "sst", day: dt.date = DAY,
              mutate: Callable[[xr.Dataset], xr.Dataset] | None = None) -> Path:
        spec = products[product]
        ds = demo_dataset(spec, day)
        if mutate is not None:
            ds = mutate(ds)
        path = tmp_path / "files" / f"{product}_{day:%Y%m%d}.nc"
        return write_product(ds, path, spec, source="test")

    return _make
