"""CONUS404 hourly data: a Protocol and three implementations.

- ``StacZarrSource`` (live): pystac-client + planetary-computer signing -> ``xr.open_zarr`` on the
  collection's zarr asset (adlfs for ``az://``).
- ``ZarrStoreSource`` (mirror): any local/fsspec Zarr with the CONUS404 layout
  (``OCEAN_ASSETS_CONUS404_ZARR=/path/to/store.zarr``).
- ``DemoSource`` (default): deterministic synthetic hours with the real layout (time, south_north,
  west_east; 2-D lat/lon of the model's Lambert conformal grid; one chunk per hour; the store's
  names, units and attributes), generated lazily one hourly chunk at a time, and ending where the
  archive ends (2022-09-30T23:00).
"""

from __future__ import annotations

import datetime as dt
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
from ocean_assets.core.conus404.projection import LambertConformal
from ocean_assets.core.redact import redact
from ocean_assets.settings import get_settings

FULL_GRID = (1015, 1367)
ARCHIVE_T0 = np.datetime64("1979-10-01T00", "h")  # the model start: running totals are 0 here
ARCHIVE_LAST = np.datetime64("2022-09-30T23", "h")  # the store's last stamp
ZARR_ENV = "OCEAN_ASSETS_CONUS404_ZARR"
GRID_ENV = "OCEAN_ASSETS_CONUS404_GRID"

# name -> (units, description, long_name or None, dtype): the real store's attributes
# (ocean_assets_tests/contracts/conus404/store_metadata.json; the contract tests compare them).
VARIABLES: dict[str, tuple[str, str, str | None, str]] = {
    "T2": ("K", "TEMP at 2 M", None, "float32"),
    "TD2": ("K", "2-m dewpoint temperature", None, "float32"),
    "Q2": ("kg kg-1", "QV at 2 M", "Water vapor mixing ratio at 2 meters", "float32"),
    "PSFC": ("Pa", "SFC PRESSURE", None, "float32"),
    "U10": ("m s-1", "U at 10 M", "U-component wind with respect to model grid at 10 meters",
            "float32"),
    "V10": ("m s-1", "V at 10 M", "V-component wind with respect to model grid at 10 meters",
            "float32"),
    "SWDOWN": ("W m-2", "DOWNWARD SHORT WAVE FLUX AT GROUND SURFACE", None, "float32"),
    "PREC_ACC_NC": ("mm", "ACCUMULATED GRID SCALE  PRECIPITATION OVER prec_acc_dt PERIODS OF TIME",
                    "Accumulated grid scale  precipitation , accumulated over prior 60 minutes",
                    "float32"),
    "SNOW_ACC_NC": ("mm", "ACCUMULATED SNOW WATER EQUIVALENT OVER prec_acc_dt PERIODS OF TIME",
                    "Accumulated snow water equivalent, accumulated over prior 60 minutes",
                    "float32"),
    "GRAUPEL_ACC_NC": ("mm", "ACCUMULATED GRAUPEL WATER EQUIVALENT OVER prec_acc_dt PERIODS OF TIME",
                       "Accumulated graupel water equivalent, accumulated over prior 60 minutes",
                       "float32"),
    "ACSWDNB": ("J m-2", "ACCUMULATED DOWNWELLING SHORTWAVE FLUX AT BOTTOM",
                "Accumulated downwelling shortwave radiation flux at bottom, accumulated since "
                "last bucket_J (1.0e9 J m-2) reset", "float32"),
    "I_ACSWDNB": ("J m-2", "BUCKET FOR DOWNWELLING SHORTWAVE FLUX AT BOTTOM",
                  "Bucket for downwelling shortwave flux at bottom accumulated since model start time",
                  "int32"),
}
EXTRA_ATTRS = {"SWDOWN": {"number_of_significant_digits": 5}}
BUCKET_J = 1.0e9  # the store's bucket_J ("accumulated since last bucket_J (1.0e9 J m-2) reset")
COORD_ATTRS = {
    "lat": {"description": "LATITUDE, SOUTH IS NEGATIVE", "stagger": "", "units": "degree_north"},
    "lon": {"description": "LONGITUDE, WEST IS NEGATIVE", "stagger": "", "units": "degree_east"},
}


class SourceError(RuntimeError):
    """The source could not be opened (message safe to show: no secrets)."""


class Conus404Source(Protocol):
    label: str

    def open_day(self, day: dt.date) -> xr.Dataset:
        """The stamps day D reads (D 00:00 .. D+1 00:00 UTC), lazily: dims time/south_north/
        west_east, 2-D lat/lon."""
        ...


# --------------------------------------------------------------------------- demo twin
#
# The demo twin follows the producer's conventions (core/conus404/windows.py): *_ACC_NC at stamp t
# is the amount of the hour ending at t, and ACSWDNB + I_ACSWDNB * 1e9 is the running total of
# the same hourly energies since the model start, so a day's hourly sums and its bucket
# difference cover the same 24 hours. U10/V10 are grid-relative: an earth-relative wind turned
# into the model grid's axes with the projection's rotation (the pipeline turns it back).


def default_projection(projection: LambertConformal | None = None) -> LambertConformal:
    """``projection``, else the configured model grid (config/conus404.yaml ``projection``)."""
    if projection is not None:
        return projection
    from ocean_assets.core.conus404.options import load_options

    configured = load_options().projection
    if configured is None:
        raise SourceError("config/conus404.yaml has no projection: the demo twin needs the model grid")
    return configured


def demo_grid(ny: int, nx: int, projection: LambertConformal | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """2-D lat/lon of the model's Lambert conformal grid, ny x nx points over the full domain."""
    return _grid(ny, nx, default_projection(projection))


@lru_cache(maxsize=4)
def _grid(ny: int, nx: int, projection: LambertConformal) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = projection.grid_latlon(ny, nx, extent=FULL_GRID)
    lat, lon = lat.astype(np.float32), lon.astype(np.float32)
    lat.setflags(write=False)
    lon.setflags(write=False)
    return lat, lon


@lru_cache(maxsize=4)
def _rotation(ny: int, nx: int, projection: LambertConformal) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = demo_grid(ny, nx, projection)
    return projection.rotation(lat, lon)


def _hours_since_start(hour: np.datetime64) -> int:
    return int((hour.astype("datetime64[h]") - ARCHIVE_T0).astype(np.int64))


def _flux(hour_of_day: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Clear-sky downward shortwave (W m-2) at a UTC hour of day: the sun by local solar time."""
    local = hour_of_day + lon.astype(np.float64) / 15.0
    peak = 1000.0 - 8.0 * (lat.astype(np.float64) - 17.6)
    return np.maximum(0.0, peak * np.sin(2 * np.pi * (local - 6.0) / 24.0))


def _hour_energy(j: int, lat: np.ndarray, lon: np.ndarray, constant: bool) -> np.ndarray:
    """J m-2 of the hour ending at UTC hour j (1..24) of any day."""
    if constant:
        return (150.0 + 3.0 * (50.0 - lat.astype(np.float64))) * 3600.0
    return _flux(j - 0.5, lat, lon) * 3600.0


@lru_cache(maxsize=4)
def _day_energy(ny: int, nx: int, projection: LambertConformal, constant: bool) -> np.ndarray:
    lat, lon = demo_grid(ny, nx, projection)
    total = np.zeros(lat.shape, np.float64)
    for j in range(1, 25):
        total = total + _hour_energy(j, lat, lon, constant)
    return total


def _demo_total(h: int, ny: int, nx: int, projection: LambertConformal, constant: bool
                ) -> np.ndarray:
    """Downwelling shortwave accumulated from the model start to archive hour h (J m-2): the
    sum of the energies of every hour since, each hour ending at its stamp."""
    lat, lon = demo_grid(ny, nx, projection)
    days, rest = divmod(max(h, 0), 24)
    total = days * _day_energy(ny, nx, projection, constant)
    for j in range(1, rest + 1):
        total = total + _hour_energy(j, lat, lon, constant)
    return np.broadcast_to(total, lat.shape).astype(np.float64)


def demo_field(name: str, hour: np.datetime64, ny: int, nx: int, constant_rate: bool = False,
               projection: LambertConformal | None = None) -> np.ndarray:
    """One hourly field, deterministic in (variable, stamp, grid)."""
    projection = default_projection(projection)
    h = _hours_since_start(hour)
    lat, lon = demo_grid(ny, nx, projection)
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
        u_earth, v_earth = _earth_wind(h, ny, nx)
        cos_, sin_ = _rotation(ny, nx, projection)
        # earth -> grid axes: the inverse of WRF's u_e = u cos - v sin, v_e = v cos + u sin
        grid = u_earth * cos_ + v_earth * sin_ if name == "U10" else v_earth * cos_ - u_earth * sin_
        return grid.astype(np.float32)
    if name == "SWDOWN":
        return (_flux(h % 24, lat, lon) * (0.6 + 0.4 * noise)).astype(np.float32)
    if name in ("PREC_ACC_NC", "SNOW_ACC_NC", "GRAUPEL_ACC_NC"):  # the hour ending at the stamp
        if constant_rate:
            rain = (0.1 + 0.01 * (lat - 17.0)).astype(np.float32)
        else:
            rain = np.where(noise > 0.8, (noise - 0.8) * 10.0, 0.0).astype(np.float32)
        if name == "PREC_ACC_NC":
            return rain
        share = 1.0 if name == "SNOW_ACC_NC" else 0.1
        return np.where(lat > 45.0, rain * share, 0.0).astype(np.float32)
    total = _demo_total(h, ny, nx, projection, constant_rate)
    counter = np.floor(total / BUCKET_J)
    if name == "I_ACSWDNB":
        return counter.astype(np.int32)
    if name == "ACSWDNB":
        return (total - counter * BUCKET_J).astype(np.float32)
    raise KeyError(f"unknown CONUS404 variable {name!r}")


def _earth_wind(h: int, ny: int, nx: int) -> tuple[np.ndarray, np.ndarray]:
    diurnal = np.sin(2 * np.pi * ((h % 24) - 9) / 24)
    u = np.random.default_rng([abs(h), 101, ny, nx]).random((ny, nx))
    v = np.random.default_rng([abs(h), 102, ny, nx]).random((ny, nx))
    return 8.0 * u - 4.0 + 2.0 * diurnal, 8.0 * v - 4.0 - 1.0 * diurnal


def demo_dataset(hours: np.ndarray, grid: tuple[int, int], variables: list[str] | None = None,
                 constant_rate: bool = False, projection: LambertConformal | None = None
                 ) -> xr.Dataset:
    """A lazy dataset over ``hours``: one dask chunk per (variable, hour), made on demand."""
    ny, nx = grid
    projection = default_projection(projection)
    lat, lon = demo_grid(ny, nx, projection)
    data_vars = {}
    for name in variables or list(VARIABLES):
        units, desc, long_name, dtype = VARIABLES[name]
        steps = [da.from_delayed(dask.delayed(demo_field, pure=True)(name, t, ny, nx, constant_rate,
                                                                    projection),
                                 shape=(ny, nx), dtype=dtype) for t in hours]
        arr = da.stack(steps) if steps else da.zeros((0, ny, nx), dtype=dtype)
        attrs = {"description": desc, **({"long_name": long_name} if long_name else {}),
                 "stagger": "", "units": units, **EXTRA_ATTRS.get(name, {})}
        data_vars[name] = (("time", "south_north", "west_east"), arr, attrs)
    coords = {
        "time": ("time", np.asarray(hours, dtype="datetime64[ns]"), {"axis": "T", "long_name": "time"}),
        "lat": (("south_north", "west_east"), lat, COORD_ATTRS["lat"]),
        "lon": (("south_north", "west_east"), lon, COORD_ATTRS["lon"]),
    }
    return xr.Dataset(data_vars, coords=coords, attrs={"title": "CONUS404 demo twin (synthetic)"})


def grid_from_env(default: tuple[int, int]) -> tuple[int, int]:
    value = get_settings().conus404_grid  # environment over config file (demo.grid)
    if not value:
        return default
    if value == "full":
        return FULL_GRID
    try:
        ny, nx = (int(v) for v in value.split("x"))
    except ValueError as exc:
        raise SourceError(f"{GRID_ENV} must be 'full' or NYxNX (e.g. 60x80), got {value!r}") from exc
    return ny, nx


def archive_hours(start: np.datetime64, count: int) -> np.ndarray:
    """``count`` hourly stamps from ``start``, none outside the archive."""
    hours = start.astype("datetime64[h]") + np.arange(count).astype("timedelta64[h]")
    return hours[(hours >= ARCHIVE_T0) & (hours <= ARCHIVE_LAST)]


class DemoSource:
    label = "demo"

    def __init__(self, grid: tuple[int, int] = (60, 80),
                 missing: dict[dt.date, set[int]] | None = None, constant_rate: bool = False,
                 projection: LambertConformal | None = None) -> None:
        self.grid = grid
        self.missing = missing or {}  # day -> hours (0..24, 24 = next day 00:00) to leave out
        self.constant_rate = constant_rate
        self.projection = projection

    def open_day(self, day: dt.date) -> xr.Dataset:
        gaps = self.missing.get(day, set())
        hours = [t for i, t in enumerate(archive_hours(np.datetime64(day.isoformat(), "h"), 25))
                 if i not in gaps]
        return demo_dataset(np.array(hours, dtype="datetime64[h]"), self.grid,
                            constant_rate=self.constant_rate, projection=self.projection)


def write_store(path: str | Path, start: dt.date, days: int, grid: tuple[int, int],
                skip_hours: set[np.datetime64] | None = None, constant_rate: bool = False) -> Path:
    """Write a Zarr store with the CONUS404 layout (v2, consolidated, one chunk per hour) holding
    every stamp the ``days`` read: start 00:00 .. (start + days) 00:00."""
    hours = archive_hours(np.datetime64(start.isoformat(), "h"), 24 * days + 1)
    if skip_hours:
        hours = np.array([t for t in hours if t not in skip_hours], dtype="datetime64[h]")
    ds = demo_dataset(hours, grid, constant_rate=constant_rate)
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
    mirror = get_settings().conus404_zarr
    if mirror:
        return ZarrStoreSource(mirror)
    if mode == "live":
        return StacZarrSource(options.stac_url, options.collection, options.asset)
    return DemoSource(grid_from_env(options.demo_grid), projection=options.projection)
