"""Protocols every ocean source implements, live or demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Protocol

import xarray as xr

from ocean_assets.core.ocean.catalogue import DatasetDescription
from ocean_assets.core.ocean.products import ProductSpec


class ProductSource(Protocol):
    """Fetches one day of one product as an in-memory dataset with the service's own names/units."""

    name: str

    def fetch(self, spec: ProductSpec, day: dt.date, workdir: Path) -> xr.Dataset: ...

    def latest_available(self, spec: ProductSpec) -> dt.date:
        """The newest day the service can deliver (the availability sensor asks this)."""
        ...


class Catalogue(Protocol):
    def describe(self, dataset_id: str) -> DatasetDescription:
        """Raise ``DatasetNotFoundError`` for an unknown id."""
        ...
