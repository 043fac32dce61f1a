"""Matching AIS to scenes, windowed chip reads, the centre-window gate and COG writing."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.windows import Window, from_bounds
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles

from ocean_assets.core.io import atomic_path
from ocean_assets.core.ship_chips.geo import to_crs, to_lonlat

SCL_CLOUD = (8, 9, 10)
SCL_LAND = (4, 5)
SPLITS = ("train", "val", "test")


class ChipError(RuntimeError):
    """A chip could not be read or written (recorded for retry)."""


@dataclass(frozen=True)
class Observation:
    """One AIS position matched to one scene."""

    mmsi: int
    ship_name: str
    lon: float
    lat: float
    ais_time: dt.datetime
    scene: dict[str, Any] = field(repr=False)

    @property
    def scene_id(self) -> str:
        return self.scene["id"]

    @property
    def chip_id(self) -> str:
        return f"{self.mmsi}_{self.scene_id}"


@dataclass(frozen=True)
class GateResult:
    keep: bool
    reason: str
    cloud_fraction: float
    land_fraction: float
    ndwi: float


def split_for(mmsi: int, fractions: dict[str, float]) -> str:
    """Deterministic train/val/test split per MMSI (all chips of a vessel share a split)."""
    u = int(hashlib.sha256(str(mmsi).encode()).hexdigest()[:8], 16) / 2**32
    edge = 0.0
    for name in SPLITS:
        edge += float(fractions.get(name, 0))
        if u < edge:
            return name
    return SPLITS[-1]


GATE_ASSETS = ("scl", "green", "nir")


def scene_problem(scene: Any, bands: list[str]) -> str | None:
    """Why a STAC item cannot be chipped (missing datetime, bbox or a band/SCL asset), or None.
    Such items are skipped with the reason: no retry would give them the missing parts."""
    if not isinstance(scene, dict):
        return f"item is a {type(scene).__name__}, not an object"
    props, assets, bbox = scene.get("properties"), scene.get("assets"), scene.get("bbox")
    try:
        scene_time(scene)
    except (KeyError, TypeError, ValueError, AttributeError):
        return f"no usable properties.datetime ({(props or {}).get('datetime') if isinstance(props, dict) else props!r})"
    if not (isinstance(bbox, list | tuple) and len(bbox) == 4 and all(isinstance(v, int | float) for v in bbox)):
        return "no usable bbox"
    if not isinstance(assets, dict):
        return "no assets"
    missing = [name for name in dict.fromkeys([*bands, *GATE_ASSETS])
               if not isinstance(assets.get(name), dict) or not isinstance(assets[name].get("href"), str)]
    return f"missing asset(s) {', '.join(missing)}" if missing else None


def scene_time(scene: dict[str, Any]) -> dt.datetime:
    return pd.Timestamp(scene["properties"]["datetime"]).tz_convert("UTC").to_pydatetime()


def match_observations(ais: pd.DataFrame, scenes: list[dict[str, Any]], time_tol_min: float,
                       ) -> list[Observation]:
    """For each vessel and scene: the AIS report closest in time, if within the tolerance."""
    out = []
    if ais.empty:
        return out
    times = pd.to_datetime(ais["time_utc"], utc=True)
    for scene in scenes:
        t0 = pd.Timestamp(scene_time(scene))
        west, south, east, north = scene["bbox"]
        inside = ais["longitude"].between(west, east) & ais["latitude"].between(south, north)
        delta = (times - t0).abs()
        cand = ais[inside & (delta <= pd.Timedelta(minutes=time_tol_min))].assign(_d=delta)
        for mmsi, group in cand.groupby("mmsi"):
            best = group.sort_values("_d").iloc[0]
            out.append(Observation(int(mmsi), str(best.get("ship_name", "")), float(best["longitude"]),
                                   float(best["latitude"]),
                                   pd.Timestamp(best["time_utc"]).tz_convert("UTC").to_pydatetime(),
                                   scene))
    return out


def chip_bounds(obs: Observation, ref_href: str, size: int) -> tuple[tuple[float, float, float, float], str]:
    """Bounds (in the scene CRS) of a ``size`` x ``size`` chip centred on the vessel, on the 10 m grid."""
    with rasterio.open(ref_href) as src:
        crs = src.crs.to_string()
        x, y = to_crs(obs.lon, obs.lat, crs)
        row, col = src.index(x, y)
        half = size // 2
        win = Window(col - half, row - half, size, size)
        if win.col_off < 0 or win.row_off < 0 or col + half > src.width or row + half > src.height:
            raise OutOfScene(f"chip {obs.chip_id} extends beyond the scene")
        return rasterio.windows.bounds(win, src.transform), crs


class OutOfScene(ValueError):
    """The chip window is not entirely inside the scene (not retryable)."""


def read_window(href: str, bounds: tuple[float, float, float, float], size: int,
                resampling: str = "bilinear") -> np.ndarray:
    """Read only the pixels of ``bounds``, resampled to ``size`` x ``size`` (20 m bands upsample)."""
    with rasterio.open(href) as src:
        win = from_bounds(*bounds, transform=src.transform)
        method = Resampling.nearest if src.dtypes[0] == "uint8" else Resampling[resampling]
        return src.read(1, window=win, out_shape=(size, size), resampling=method)


def reflectance(dn: np.ndarray, band_meta: dict[str, Any]) -> np.ndarray:
    scale, offset = band_meta.get("scale", 1e-4), band_meta.get("offset", 0.0)
    out = dn.astype("float32") * scale + offset
    out[dn == band_meta.get("nodata", 0)] = np.nan
    return out


def _raster_band(scene: dict[str, Any], name: str) -> dict[str, Any]:
    return (scene["assets"][name].get("raster:bands") or [{}])[0]


def gate(scene: dict[str, Any], bounds: tuple[float, float, float, float], size: int,
         cfg: dict[str, Any]) -> GateResult:
    """Centre-window checks: SCL cloud and land fractions, median NDWI; thresholds from config."""
    c = int(cfg.get("center_px", 16))
    west, south, east, north = bounds
    res = (east - west) / size
    cx, cy = (west + east) / 2, (south + north) / 2
    centre = (cx - c * res / 2, cy - c * res / 2, cx + c * res / 2, cy + c * res / 2)
    scl = read_window(scene["assets"]["scl"]["href"], centre, c)
    green = reflectance(read_window(scene["assets"]["green"]["href"], centre, c), _raster_band(scene, "green"))
    nir = reflectance(read_window(scene["assets"]["nir"]["href"], centre, c), _raster_band(scene, "nir"))
    cloud = float(np.isin(scl, SCL_CLOUD).mean())
    land = float(np.isin(scl, SCL_LAND).mean())
    with np.errstate(invalid="ignore", divide="ignore"):
        ndwi_px = (green - nir) / (green + nir)
    ndwi = float(np.nanmedian(ndwi_px)) if np.isfinite(ndwi_px).any() else float("nan")
    if cloud > cfg["max_cloud_fraction"]:
        reason = "cloud"
    elif land > cfg["max_land_fraction"]:
        reason = "land"
    elif not ndwi > cfg["min_ndwi"]:
        reason = "not_water"
    else:
        reason = ""
    return GateResult(reason == "", reason, cloud, land, ndwi)


def chip_path(dataset_root: Path, split: str, obs: Observation) -> Path:
    day = obs.ais_time.strftime("%Y%m%d")
    return dataset_root / "chips" / split / str(obs.mmsi) / day / f"{obs.chip_id}.tif"


def write_chip(scene: dict[str, Any], bounds: tuple[float, float, float, float], crs: str,
               bands: list[str], path: Path, tiling: dict[str, Any]) -> None:
    """Windowed read of ``bands`` and an atomic COG write (rio-cogeo)."""
    size = int(tiling["chip_size_px"])
    data = np.stack([read_window(scene["assets"][b]["href"], bounds, size,
                                 tiling.get("resample_method", "bilinear")) for b in bands])
    transform = rasterio.transform.from_bounds(*bounds, size, size)
    profile = {"driver": "GTiff", "width": size, "height": size, "count": len(bands),
               "dtype": "uint16", "crs": crs, "transform": transform, "nodata": 0}
    cog = cog_profiles.get(tiling.get("compression", "deflate"))
    cog.update(blockxsize=int(tiling.get("block_size", 256)), blockysize=int(tiling.get("block_size", 256)))
    with MemoryFile() as mem:
        with mem.open(**profile) as staged:
            staged.write(data)
            for i, name in enumerate(bands, start=1):
                staged.set_band_description(i, name)
        with mem.open() as tmp_ds, atomic_path(path) as tmp:
            cog_translate(tmp_ds, str(tmp), cog, overview_level=len(tiling.get("overviews") or []),
                          overview_resampling="average", quiet=True, in_memory=True)


def chip_record(obs: Observation, split: str, g: GateResult | None, status: str, reason: str,
                path: Path | None, bounds: tuple[float, float, float, float] | None,
                crs: str | None) -> dict[str, Any]:
    footprint = None
    if bounds is not None and crs is not None:
        w, s, e, n = bounds
        corners = [to_lonlat(x, y, crs) for x, y in ((w, s), (e, s), (e, n), (w, n), (w, s))]
        footprint = "POLYGON((" + ", ".join(f"{lo:.7f} {la:.7f}" for lo, la in corners) + "))"
    return {
        "chip_id": obs.chip_id, "mmsi": obs.mmsi, "ship_name": obs.ship_name,
        "ais_time": pd.Timestamp(obs.ais_time), "scene_time": pd.Timestamp(scene_time(obs.scene)),
        "scene_id": obs.scene_id, "tile": obs.scene["properties"].get("grid:code", "").replace("MGRS-", ""),
        "split": split, "lon": obs.lon, "lat": obs.lat, "status": status, "reason": reason,
        "cloud_fraction": g.cloud_fraction if g else np.nan,
        "land_fraction": g.land_fraction if g else np.nan, "ndwi": g.ndwi if g else np.nan,
        "path": str(path) if path else "", "crs": crs or "", "footprint_wkt": footprint or "",
        "scene_href": _scene_href(obs.scene),
    }


def _scene_href(scene: dict[str, Any]) -> str:
    for link in scene.get("links", []):
        if link.get("rel") == "self":
            return link["href"]
    return scene["id"]


def process_observation(obs: Observation, dataset_root: Path, bands: list[str],
                        tiling: dict[str, Any], gate_cfg: dict[str, Any]) -> dict[str, Any]:
    """Gate then chip one observation. Raises ChipError for retryable read/write failures."""
    split = split_for(obs.mmsi, tiling.get("split") or {"train": 1.0})
    size = int(tiling["chip_size_px"])
    try:
        bounds, crs = chip_bounds(obs, obs.scene["assets"][bands[0]]["href"], size)
    except OutOfScene as exc:
        return chip_record(obs, split, None, "rejected", "out_of_scene", None, None, None) | {"error": str(exc)}
    except (rasterio.errors.RasterioIOError, KeyError) as exc:
        raise ChipError(f"{obs.chip_id}: cannot open scene: {exc}") from exc
    try:
        g = gate(obs.scene, bounds, size, gate_cfg)
        if not g.keep:
            return chip_record(obs, split, g, "rejected", g.reason, None, bounds, crs)
        path = chip_path(dataset_root, split, obs)
        existed = path.exists()
        if not existed:
            write_chip(obs.scene, bounds, crs, bands, path, tiling)
    except (rasterio.errors.RasterioError, KeyError, OSError) as exc:
        raise ChipError(f"{obs.chip_id}: {type(exc).__name__}: {exc}") from exc
    return chip_record(obs, split, g, "kept", "", path, bounds, crs) | {"existed": existed}
