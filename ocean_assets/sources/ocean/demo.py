"""Deterministic demo twin of the ocean services: same variable names, units and dims as the live
products, smooth plausible fields over fixed pseudo-continents, seeded from the date."""

from __future__ import annotations

import datetime as dt
import functools
import zlib
from pathlib import Path

import numpy as np
import xarray as xr

from ocean_assets.core.ocean.catalogue import DatasetDescription, DatasetNotFoundError
from ocean_assets.core.ocean.products import ProductSpec

SURFACE_DEPTH = 0.494025  # the top level of the GLO PHY/BGC models (m)
# Time stamps of a daily field: MUR (ERDDAP jplMURSST41) at 09:00Z, CYGNSS L3 at 12:00:00 (its
# granules are named s{day}-120000-e{day}-120000); Copernicus daily means at 00:00.
STAMP_HOUR = {"erddap": 9, "cygnss": 12}
# jplMURSST41's axes on ERDDAP (0.01 degree, from its info/jplMURSST41/index.json and the MUR
# granule's 17999 x 36000 grid; see ocean_assets_tests/contracts/erddap_mur/README.md).
MUR_AXES = {"latitude": (-89.99, 89.99), "longitude": (-179.99, 180.0)}


def demo_axis(lo: float, hi: float, step: float) -> np.ndarray:
    """Cell centres from lo to hi (inclusive edges), ascending."""
    n = max(1, int(round((hi - lo) / step)))
    return np.round(lo + step * (np.arange(n) + 0.5), 6)


def demo_land_mask(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """True over land: fixed smooth pseudo-continents and an Antarctica (cached per grid)."""
    return _land_mask(lat.tobytes(), lon.tobytes()).copy()


@functools.lru_cache(maxsize=16)
def _land_mask(lat_bytes: bytes, lon_bytes: bytes) -> np.ndarray:
    lat, lon = np.frombuffer(lat_bytes), np.frombuffer(lon_bytes)
    la, lo = np.meshgrid(np.radians(lat), np.radians(lon), indexing="ij")
    field = (np.sin(2 * lo + 0.6) * np.cos(3 * la) + 0.6 * np.sin(3 * lo - 1.1) * np.cos(la)
             + 0.35 * np.cos(5 * lo + 2 * la))
    return (field > 0.75) | (np.degrees(la) < -72)


def _rng(product: str, day: dt.date) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"{product}:{day.isoformat()}".encode()))


def _coords(spec: ProductSpec) -> tuple[np.ndarray, np.ndarray]:
    r, res = spec.region, spec.demo_resolution
    if spec.source == "erddap":  # a strided request on the real MUR grid, clamped to its axes
        return (mur_axis(r.min_lat, r.max_lat, res, *MUR_AXES["latitude"]),
                mur_axis(r.min_lon, r.max_lon, res, *MUR_AXES["longitude"]))
    return demo_axis(r.min_lat, r.max_lat, res), demo_axis(r.min_lon, r.max_lon, res)


def mur_axis(lo: float, hi: float, step: float, axis_min: float, axis_max: float) -> np.ndarray:
    """Points of the 0.01 degree MUR lattice from the clamped ``lo`` to ``hi`` every ``step``."""
    lo, hi = max(lo, axis_min), min(hi, axis_max)
    stride = max(1, int(round(step / 0.01)))
    first = int(np.ceil(round((lo - axis_min) / 0.01, 6)))
    last = int(np.floor(round((hi - axis_min) / 0.01, 6)))
    return np.round(axis_min + 0.01 * np.arange(first, last + 1, stride), 2)


def _base_coords(lat: np.ndarray, lon: np.ndarray, stamp: dt.datetime) -> dict[str, xr.DataArray]:
    return {
        "time": xr.DataArray(np.array([np.datetime64(stamp, "ns")]), dims="time",
                             attrs={"standard_name": "time", "axis": "T"}),
        "latitude": xr.DataArray(lat, dims="latitude",
                                 attrs={"units": "degrees_north", "standard_name": "latitude", "axis": "Y"}),
        "longitude": xr.DataArray(lon, dims="longitude",
                                  attrs={"units": "degrees_east", "standard_name": "longitude", "axis": "X"}),
    }


def demo_dataset(spec: ProductSpec, day: dt.date) -> xr.Dataset:
    """One day of ``spec`` as the live service would deliver it (names, units, dims, time stamp)."""
    lat, lon = _coords(spec)
    rng = _rng(spec.name, day)
    land = demo_land_mask(lat, lon)
    la = np.radians(lat)[:, None]
    lo = np.radians(lon)[None, :]
    season = np.cos(2 * np.pi * (day.timetuple().tm_yday - 30) / 365.25)
    sst_c = (29.0 * np.cos(la) ** 2 - 1.5 + 2.5 * season * np.sin(la)
             + 0.8 * np.sin(3 * lo) * np.cos(2 * la) + rng.normal(0, 0.15, land.shape))
    sst_c = np.clip(sst_c, -1.8, 33.0)
    stamp = dt.datetime.combine(day, dt.time(STAMP_HOUR.get(spec.source, 0)))
    coords = _base_coords(lat, lon, stamp)
    nan_land = np.where(land, np.nan, 1.0)
    variables: dict[str, xr.DataArray] = {}
    dims2 = ("time", "latitude", "longitude")
    dims3 = ("time", "depth", "latitude", "longitude")
    names = set(spec.variable_names)
    if "analysed_sst" in names:
        variables["analysed_sst"] = xr.DataArray(
            ((sst_c + 273.15) * nan_land)[None].astype("float32"), dims=dims2)
        variables["mask"] = xr.DataArray(np.where(land, 2, 1)[None].astype("int8"), dims=dims2,
                                         attrs={"long_name": "land sea ice lake bit mask",
                                                "flag_masks": [1, 2, 4, 8, 16],
                                                "flag_meanings": "water land optional_lake_surface sea_ice optional_river_surface"})
    if {"uo", "vo"} <= names:
        psi_u = -0.6 * np.sin(2 * la) * np.cos(lo) + rng.normal(0, 0.05, land.shape)
        psi_v = 0.4 * np.sin(2 * lo) * np.cos(la) + rng.normal(0, 0.05, land.shape)
        variables["uo"] = xr.DataArray((psi_u * nan_land)[None, None].astype("float32"), dims=dims3)
        variables["vo"] = xr.DataArray((psi_v * nan_land)[None, None].astype("float32"), dims=dims3)
    if "ph" in names:
        ph = 8.08 - 0.012 * (sst_c - 15.0) + rng.normal(0, 0.01, land.shape)
        variables["ph"] = xr.DataArray((ph * nan_land)[None, None].astype("float32"), dims=dims3)
    if "mp_concentration" in names:
        gyre = np.exp(-((np.abs(np.degrees(la)) - 30.0) / 12.0) ** 2) * (0.6 + 0.4 * np.cos(2 * lo))
        conc = 10 ** (3.0 + 2.5 * gyre + rng.normal(0, 0.1, land.shape))
        variables["mp_concentration"] = xr.DataArray((conc * nan_land)[None].astype("float32"), dims=dims2)
    if any(da.dims == dims3 for da in variables.values()):
        coords["depth"] = xr.DataArray(np.array([SURFACE_DEPTH], dtype="float32"), dims="depth",
                                       attrs={"units": "m", "positive": "down", "standard_name": "depth", "axis": "Z"})
    for var in spec.variables:
        if var.name in variables:
            variables[var.name].attrs.update({"units": var.units, **({"standard_name": var.standard_name} if var.standard_name else {})})
    ds = xr.Dataset(variables, coords=coords)
    ds.attrs.update({"source": "ocean-assets demo twin (synthetic)", "dataset_id": spec.dataset_id})
    return ds


class DemoProductSource:
    """Deterministic synthetic data for every ocean product; available through yesterday."""

    name = "demo"

    def __init__(self, today: dt.date | None = None) -> None:
        self._today = today

    def fetch(self, spec: ProductSpec, day: dt.date, workdir: Path) -> xr.Dataset:
        return demo_dataset(spec, day)

    def latest_available(self, spec: ProductSpec) -> dt.date:
        today = self._today or dt.datetime.now(dt.UTC).date()
        return today - dt.timedelta(days=1)


# The demo catalogue mirrors describe(): real dataset ids, their variables (units) and time step.
DEMO_CATALOGUE: dict[str, DatasetDescription] = {
    d.dataset_id: d
    for d in (
        DatasetDescription("METOFFICE-GLO-SST-L4-NRT-OBS-SST-V2",
                           {"analysed_sst": "kelvin", "analysis_error": "kelvin",
                            "sea_ice_fraction": "1", "mask": None}, 1.0),
        DatasetDescription("cmems_mod_glo_phy-cur_anfc_0.083deg_P1D-m", {"uo": "m s-1", "vo": "m s-1"}, 1.0),
        DatasetDescription("cmems_mod_glo_phy-cur_anfc_0.083deg_P1M-m", {"uo": "m s-1", "vo": "m s-1"}, 30.44),
        DatasetDescription("cmems_mod_glo_phy-cur_anfc_0.083deg_PT6H-i", {"uo": "m s-1", "vo": "m s-1"}, 0.25),
        DatasetDescription("cmems_mod_glo_bgc-car_anfc_0.25deg_P1D-m",
                           {"ph": "1", "dissic": "mol m-3", "talk": "mol m-3"}, 1.0),
        DatasetDescription("cmems_mod_glo_bgc-car_anfc_0.25deg_P1M-m",
                           {"ph": "1", "dissic": "mol m-3", "talk": "mol m-3"}, 30.44),
        DatasetDescription("jplMURSST41", {"analysed_sst": "degree_C", "analysis_error": "degree_C",
                                           "mask": None, "sea_ice_fraction": "1"}, 1.0),
        DatasetDescription("CYGNSS_L3_MICROPLASTIC_V3.2", {"mp_concentration": "#/km^2"}, 1.0),
    )
}


class DemoCatalogue:
    def __init__(self, entries: dict[str, DatasetDescription] | None = None) -> None:
        self._entries = DEMO_CATALOGUE if entries is None else entries

    def describe(self, dataset_id: str) -> DatasetDescription:
        try:
            return self._entries[dataset_id]
        except KeyError:
            raise DatasetNotFoundError(dataset_id) from None
