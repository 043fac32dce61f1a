"""CONUS404 hourly data: a Protocol and three implementations.

- ``StacZarrSource`` (live): pystac-client + planetary-computer signing -> ``xr.open_zarr`` on the
  collection's zarr asset (adlfs for ``az://``).
- ``ZarrStoreSource`` (mirror): any local/fsspec Zarr with the CONUS404 layout
  (``OCEAN_ASSETS_CONUS404_ZARR=/path/to/store.zarr``).
- ``DemoSource`` (default): deterministic synthetic hours with the real layout (time, south_north,
  west_east; 2-D lat/lon; one chunk per hour), generated lazily one hourly chunk at a time.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Protocol

import dask
import dask.array as da
import numpy as np
import xarray as xr

from ocean_assets.core.conus404.aggregate import day_slice
from ocean_assets.core.conus404.options import Conus404Options
from ocean_assets.core.redact import redact

FULL_GRID = (1015, 1367)
ARCHIVE_T0 = np.datetime64("1979-10-01T00", "h")
ZARR_ENV = "OCEAN_ASSETS_CONUS404_ZARR"
GRID_ENV = "OCEAN_ASSETS_CONUS404_GRID"

# name -> (units, description, dtype), as in the real store
VARIABLES: dict[str, tuple[str, str, str]] = {
    "T2": ("K", "TEMP at 2 M", "float32"),
    "TD2": ("K", "Dewpoint temperature at 2 m", "float32"),
    "Q2": ("kg kg-1", "QV at 2 M", "float32"),
    "PSFC": ("Pa", "SFC PRESSURE", "float32"),
    "U10": ("m s-1", "U at 10 M", "float32"),
    "V10": ("m s-1", "V at 10 M", "float32"),
    "SWDOWN": ("W m-2", "DOWNWARD SHORT WAVE FLUX AT GROUND SURFACE", "float32"),
    "PREC_ACC_NC": ("mm", "GRID SCALE  PRECIPITATION", "float32"),
    "SNOW_ACC_NC": ("mm", "SNOW WATER EQUIVALENT", "float32"),
    "ACSWDNB": ("J m-2", "ACCUMULATED DOWNWELLING SHORTWAVE FLUX AT BOTTOM", "float32"),
    "I_ACSWDNB": ("", "BUCKET FOR ACSWDNB", "int32"),
}


class SourceError(RuntimeError):
    """The source could not be opened (message safe to show: no secrets)."""


class Conus404Source(Protocol):
    label: str

    def open_day(self, day: dt.date) -> xr.Dataset:
        """The hourly steps of ``day`` (UTC), lazily: dims time/south_north/west_east, 2-D lat/lon."""
        ...


# --------------------------------------------------------------------------- demo twin


@lru_cache(maxsize=4)
def demo_grid(ny: int, nx: int) -> tuple[np.ndarray, np.ndarray]:
    """2-D lat/lon roughly covering CONUS404's Lambert conformal domain."""
    j = np.linspace(0.0, 1.0, ny, dtype=np.float64)[:, None]
    i = np.linspace(0.0, 1.0, nx, dtype=np.float64)[None, :]
    lat = (17.6 + 35.0 * j + 4.0 * np.sin(np.pi * i) * (0.5 + j)).astype(np.float32)
    lon = (-138.7 + 81.3 * i + 6.0 * (i - 0.5) * j).astype(np.float32)
    lat.setflags(write=False)
    lon.setflags(write=False)
    return lat, lon


def demo_field(name: str, hour: np.datetime64, ny: int, nx: int) -> np.ndarray:
    """One hourly field, deterministic in (variable, hour, grid)."""
    h = int((np.datetime64(hour, "h") - ARCHIVE_T0).astype(np.int64))
    lat, _ = demo_grid(ny, nx)
    rng = np.random.default_rng([abs(h), list(VARIABLES).index(name), ny, nx])
    noise = rng.random((ny, nx), dtype=np.float32)
    diurnal = np.float32(np.sin(2 * np.pi * ((h % 24) - 9) / 24))
    if name == "T2":
        return (305.0 - 0.7 * (lat - 17.6) + 6.0 * diurnal + 2.0 * noise).astype(np.float32)
    if name == "TD2":
        return (292.0 - 0.7 * (lat - 17.6) + 2.0 * diurnal - 4.0 * noise).astype(np.float32)
    if name == "Q2":
        return (0.002 + 0.012 * noise).astype(np.float32)
    if name == "PSFC":
        return (99000.0 - 60.0 * (lat - 17.6) + 800.0 * noise).astype(np.float32)
    if name in ("U10", "V10"):
        return (8.0 * noise - 4.0 + (2.0 if name == "U10" else -1.0) * diurnal).astype(np.float32)
    if name == "SWDOWN":
        return (np.maximum(np.float32(0), 900.0 * diurnal) * (0.6 + 0.4 * noise)).astype(np.float32)
    if name in ("PREC_ACC_NC", "SNOW_ACC_NC"):
        rain = np.where(noise > 0.8, (noise - 0.8) * 10.0, 0.0).astype(np.float32)
        return rain if name == "PREC_ACC_NC" else np.where(lat > 45.0, rain, 0.0).astype(np.float32)
    total = _demo_total(h, lat)
    counter = np.floor(total / 1e9)
    if name == "I_ACSWDNB":
        return counter.astype(np.int32)
    if name == "ACSWDNB":
        return (total - counter * 1e9).astype(np.float32)
    raise KeyError(f"unknown CONUS404 variable {name!r}")


def _demo_total(h: int, lat: np.ndarray) -> np.ndarray:
    """Accumulated shortwave since the archive start (J m-2): grows every hour, crosses buckets."""
    rate = 150.0 + 3.0 * (50.0 - lat.astype(np.float64))  # mean W m-2 by latitude
    return rate * 3600.0 * max(h, 0)


def demo_dataset(hours: np.ndarray, grid: tuple[int, int], variables: list[str] | None = None
                 ) -> xr.Dataset:
    """A lazy dataset over ``hours``: one dask chunk per (variable, hour), made on demand."""
    ny, nx = grid
    lat, lon = demo_grid(ny, nx)
    data_vars = {}
    for name in variables or list(VARIABLES):
        units, desc, dtype = VARIABLES[name]
        steps = [da.from_delayed(dask.delayed(demo_field, pure=True)(name, t, ny, nx),
                                 shape=(ny, nx), dtype=dtype) for t in hours]
        arr = da.stack(steps) if steps else da.zeros((0, ny, nx), dtype=dtype)
        data_vars[name] = (("time", "south_north", "west_east"), arr,
                           {"units": units, "description": desc})
    coords = {
        "time": ("time", np.asarray(hours, dtype="datetime64[ns]")),
        "lat": (("south_north", "west_east"), lat, {"units": "degrees_north", "description": "LATITUDE, SOUTH IS NEGATIVE"}),
        "lon": (("south_north", "west_east"), lon, {"units": "degrees_east", "description": "LONGITUDE, WEST IS NEGATIVE"}),
    }
    return xr.Dataset(data_vars, coords=coords, attrs={"title": "CONUS404 demo twin (synthetic)"})


def grid_from_env(default: tuple[int, int]) -> tuple[int, int]:
    value = os.environ.get(GRID_ENV, "").strip().lower()
    if not value:
        return default
    if value == "full":
        return FULL_GRID
    try:
        ny, nx = (int(v) for v in value.split("x"))
    except ValueError as exc:
        raise SourceError(f"{GRID_ENV} must be 'full' or NYxNX (e.g. 60x80), got {value!r}") from exc
    return ny, nx


class DemoSource:
    label = "demo"

    def __init__(self, grid: tuple[int, int] = (60, 80),
                 missing: dict[dt.date, set[int]] | None = None) -> None:
        self.grid = grid
        self.missing = missing or {}  # day -> hours to leave out (to model gaps)

    def open_day(self, day: dt.date) -> xr.Dataset:
        hours = [t for t in np.datetime64(day.isoformat(), "h") + np.arange(24).astype("timedelta64[h]")
                 if int(t.astype(dt.datetime).hour) not in self.missing.get(day, set())]
        return demo_dataset(np.array(hours, dtype="datetime64[h]"), self.grid)


def write_store(path: str | Path, start: dt.date, days: int, grid: tuple[int, int],
                skip_hours: set[np.datetime64] | None = None) -> Path:
    """Write a Zarr store with the CONUS404 layout (v2, consolidated, one chunk per hour)."""
    hours = np.datetime64(start.isoformat(), "h") + np.arange(24 * days).astype("timedelta64[h]")
    if skip_hours:
        hours = np.array([t for t in hours if t not in skip_hours], dtype="datetime64[h]")
    ds = demo_dataset(hours, grid)
    encoding = {name: {"chunks": (1, *grid)} for name in ds.data_vars}
    with dask.config.set(scheduler="synchronous"):
        ds.to_zarr(str(path), mode="w", zarr_format=2, consolidated=True, encoding=encoding)
    return Path(path)


# --------------------------------------------------------------------------- Zarr stores


class ZarrStoreSource:
    """Any Zarr store with the CONUS404 layout, opened once and sliced per day."""

    label = "zarr"

    def __init__(self, href: str, storage_options: dict[str, Any] | None = None,
                 open_kwargs: dict[str, Any] | None = None) -> None:
        self.href = href
        self.storage_options = storage_options or None
        self.open_kwargs = open_kwargs or {}

    @cached_property
    def dataset(self) -> xr.Dataset:
        try:
            return xr.open_zarr(self.href, storage_options=self.storage_options, **self.open_kwargs)
        except (FileNotFoundError, KeyError, ValueError, TypeError, OSError) as exc:
            raise SourceError(f"cannot open the CONUS404 Zarr store {self.href.split('?')[0]}: "
                              f"{type(exc).__name__}") from exc

    def open_day(self, day: dt.date) -> xr.Dataset:
        return day_slice(self.dataset, day)


class StacZarrSource:
    """Live: find the collection's zarr asset through the STAC API, sign it, open it lazily."""

    label = "live"

    def __init__(self, stac_url: str, collection: str, asset: str,
                 modifier: Callable[[Any], Any] | None = None) -> None:
        self.stac_url, self.collection, self.asset = stac_url, collection, asset
        self.modifier = modifier

    @cached_property
    def store(self) -> ZarrStoreSource:
        from ocean_assets.sources.stac import open_client

        try:
            collection = open_client(self.stac_url).get_collection(self.collection)
        except Exception as exc:  # network, HTTP and JSON errors alike
            raise SourceError(f"STAC API {self.stac_url}: cannot read collection "
                              f"{self.collection!r} ({type(exc).__name__})") from exc
        if collection is None or self.asset not in collection.assets:
            raise SourceError(f"collection {self.collection!r} has no asset {self.asset!r}")
        asset = collection.assets[self.asset]
        keys = ("xarray:storage_options", "xarray:open_kwargs")
        for key in keys:
            value = asset.extra_fields.get(key)
            if value is not None and not isinstance(value, dict):
                raise SourceError(f"asset {self.asset!r}: {key} must be an object, got {type(value).__name__}")
        asset = self._signed(asset)
        storage_options, open_kwargs = (asset.extra_fields.get(key) for key in keys)
        return ZarrStoreSource(asset.href, storage_options=storage_options, open_kwargs=open_kwargs)

    def _signed(self, asset: Any) -> Any:
        """The asset with a SAS token from the Planetary Computer token endpoint (it retries 429/5xx
        itself); a refusal or a broken answer becomes a SourceError that names the cause, never the
        token or the subscription key."""
        import planetary_computer
        import requests

        try:
            (self.modifier or planetary_computer.sign_inplace)(asset)
        except requests.HTTPError as exc:
            response = exc.response
            status = response.status_code if response is not None else "?"
            body = redact(response.text[:200]).strip() if response is not None else ""
            url = (response.url if response is not None else "").split("?")[0]
            hint = " (check PC_SDK_SUBSCRIPTION_KEY)" if status in (401, 403) else ""
            raise SourceError(f"Planetary Computer signing refused: HTTP {status} from {url}{hint}: "
                              f"{body}") from None
        except Exception as exc:  # connection errors, retries exhausted, a malformed token answer
            first_line = redact(str(exc)).splitlines()[0][:200] if str(exc) else ""  # later lines may quote the token
            raise SourceError(f"Planetary Computer signing of {self.collection}/{self.asset} failed: "
                              f"{type(exc).__name__}: {first_line}") from None
        return asset

    def open_day(self, day: dt.date) -> xr.Dataset:
        return self.store.open_day(day)


def select_source(options: Conus404Options, mode: str) -> Conus404Source:
    """Mirror if OCEAN_ASSETS_CONUS404_ZARR is set, else live or demo by mode."""
    mirror = os.environ.get(ZARR_ENV, "").strip()
    if mirror:
        return ZarrStoreSource(mirror)
    if mode == "live":
        return StacZarrSource(options.stac_url, options.collection, options.asset)
    return DemoSource(grid_from_env(options.demo_grid))
