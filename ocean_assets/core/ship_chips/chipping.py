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
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

from ocean_assets.core.io import atomic_path
from ocean_assets.core.ship_chips import layout
from ocean_assets.core.ship_chips.geo import to_crs, to_lonlat
from ocean_assets.core.ship_chips.positions import position_at
from ocean_assets.core.ship_chips.reflectance import boa_add_offset, to_reflectance

SCL_CLOUD = (8, 9, 10)
SCL_LAND = (4, 5)
SPLITS = ("train", "val", "test")


class ChipError(RuntimeError):
    """A chip could not be read or written (recorded for retry)."""


@dataclass(frozen=True)
class Observation:
    """One vessel at one scene: its position at the sensing time (interpolated or dead-reckoned from
    its AIS reports) and its static data (None where AIS says "not available")."""

    mmsi: int
    ship_name: str
    lon: float
    lat: float
    ais_time: dt.datetime  # the nearest position report
    scene: dict[str, Any] = field(repr=False)
    position_method: str = "interpolated"
    ais_offset_s: float = 0.0  # nearest report time minus sensing time
    length_m: float | None = None
    beam_m: float | None = None
    ship_type: int | None = None

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
    try:
        layout.safe_name(scene.get("id"), "stac_id")
    except layout.UnsafeName as exc:
        return str(exc)
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
    return pd.Timestamp(scene["properties"]["datetime"]).tz_convert("UTC").floor("us").to_pydatetime()


def _in_bbox(lon: float, lat: float, bbox: list[float]) -> bool:
    """Inside a STAC bbox (west > east when it crosses the antimeridian)."""
    west, south, east, north = bbox
    inside_lon = west <= lon <= east if west <= east else (lon >= west or lon <= east)
    return inside_lon and south <= lat <= north


def _static_of(static: pd.DataFrame | None) -> dict[int, dict[str, Any]]:
    if static is None or static.empty:
        return {}
    latest = static.sort_values("time_utc").groupby("mmsi").last()
    return {int(m): {k: (None if pd.isna(v) else v) for k, v in row.items()}
            for m, row in latest[["length_m", "beam_m", "ship_type"]].iterrows()}


def match_observations(ais: pd.DataFrame, scenes: list[dict[str, Any]], time_tol_min: float,
                       max_gap_s: float = 600.0, max_dead_reckon_s: float = 60.0,
                       static: pd.DataFrame | None = None) -> list[Observation]:
    """For each vessel and scene: its position at the scene's sensing time (see positions.py) from
    the reports within ``time_tol_min``, if that position is inside the scene; vessels whose reports
    are too far apart in time are dropped. Static data (length, beam, type) is joined by MMSI."""
    out: list[Observation] = []
    if ais.empty:
        return out
    times = pd.to_datetime(ais["time_utc"], utc=True)
    statics = _static_of(static)
    for scene in scenes:
        t0 = pd.Timestamp(scene_time(scene))
        near = ais[(times - t0).abs() <= pd.Timedelta(minutes=time_tol_min)]
        for mmsi, track in near.groupby("mmsi"):
            fix = position_at(track, t0, max_gap_s, max_dead_reckon_s)
            if fix is None or not _in_bbox(fix.lon, fix.lat, scene["bbox"]):
                continue
            names = track["ship_name"].dropna().astype(str) if "ship_name" in track else pd.Series(dtype=str)
            extra = statics.get(int(mmsi), {})
            out.append(Observation(
                int(mmsi), names.iloc[-1] if len(names) else "", fix.lon, fix.lat,
                fix.report_time.tz_convert("UTC").floor("us").to_pydatetime(), scene, fix.method, fix.offset_s,
                _float_or_none(extra.get("length_m")), _float_or_none(extra.get("beam_m")),
                None if extra.get("ship_type") is None else int(extra["ship_type"])))
    return out


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


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


def _nodata(scene: dict[str, Any], name: str) -> float:
    bands = scene["assets"][name].get("raster:bands") or [{}]
    value = bands[0].get("nodata", 0) if isinstance(bands[0], dict) else 0
    return float(value) if isinstance(value, int | float) else 0.0


def gate(scene: dict[str, Any], bounds: tuple[float, float, float, float], size: int,
         cfg: dict[str, Any]) -> GateResult:
    """Centre-window checks: SCL cloud and land fractions, median NDWI; thresholds from config."""
    c = cfg["center_px"]
    west, south, east, north = bounds
    res = (east - west) / size
    cx, cy = (west + east) / 2, (south + north) / 2
    centre = (cx - c * res / 2, cy - c * res / 2, cx + c * res / 2, cy + c * res / 2)
    scl = read_window(scene["assets"]["scl"]["href"], centre, c)
    offset = boa_add_offset(scene)  # 0 if Earth Search applied it, else by processing baseline
    green = to_reflectance(read_window(scene["assets"]["green"]["href"], centre, c), offset, _nodata(scene, "green"))
    nir = to_reflectance(read_window(scene["assets"]["nir"]["href"], centre, c), offset, _nodata(scene, "nir"))
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
    """chips/{split}/{mmsi}/{YYYYMMDD of the sensing time}/{mmsi}_{scene id}.tif; the MMSI and
    the STAC id come from outside and are checked before they become path parts."""
    day = scene_time(obs.scene).strftime("%Y%m%d")
    mmsi = layout.safe_name(obs.mmsi, "mmsi")
    name = f"{mmsi}_{layout.safe_name(obs.scene_id, 'stac_id')}.tif"
    return layout.inside(dataset_root, Path("chips") / split / mmsi / day / name)


def write_chip(scene: dict[str, Any], bounds: tuple[float, float, float, float], crs: str,
               bands: list[str], path: Path, tiling: dict[str, Any]) -> None:
    """Windowed read of ``bands`` and an atomic COG write (rio-cogeo)."""
    size = int(tiling["chip_size_px"])
    data = np.stack([read_window(scene["assets"][b]["href"], bounds, size,
                                 tiling["resample_method"]) for b in bands])
    transform = rasterio.transform.from_bounds(*bounds, size, size)
    profile = {"driver": "GTiff", "width": size, "height": size, "count": len(bands),
               "dtype": "uint16", "crs": crs, "transform": transform, "nodata": 0}
    cog = cog_profiles.get(tiling["compression"])
    cog.update(blockxsize=tiling["block_size"], blockysize=tiling["block_size"])
    with MemoryFile() as mem:
        with mem.open(**profile) as staged:
            staged.write(data)
            for i, name in enumerate(bands, start=1):
                staged.set_band_description(i, name)
        with mem.open() as tmp_ds, atomic_path(path) as tmp:
            cog_translate(tmp_ds, str(tmp), cog, overview_level=len(tiling["overviews"]),
                          overview_resampling="average", quiet=True, in_memory=True)
            # GDAL may not report ENOSPC when it closes the file: read it all back before the rename.
            # A failure here is judged by atomic_path (little space left: DiskFullError).
            if problem := unreadable(tmp, expect=(len(bands), size, size)):
                raise ChipError(f"the chip written for {path.name} does not read back: {problem}")


def unreadable(path: Path, expect: tuple[int, int, int] | None = None) -> str | None:
    """Why the GeoTIFF at ``path`` cannot be read in full (every band, every pixel), or None.
    ``expect`` = (bands, height, width). Chips are small: a full read is cheap."""
    try:
        with rasterio.open(path) as src:
            if expect is not None and (src.count, src.height, src.width) != expect:
                return f"{src.count}x{src.height}x{src.width}, expected {'x'.join(map(str, expect))}"
            for band in range(1, src.count + 1):
                src.read(band)
    except (rasterio.errors.RasterioError, OSError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
    return None


def footprint_wkt(bounds: tuple[float, float, float, float], crs: str) -> str:
    """The chip's footprint in WGS84 lon/lat, RFC 7946 style: counter-clockwise exterior, split at
    the antimeridian into a MultiPolygon when it crosses it."""
    w, s, e, n = bounds
    corners = [to_lonlat(x, y, crs) for x, y in ((w, s), (e, s), (e, n), (w, n))]
    return rfc7946_geometry(corners).wkt


def chip_record(obs: Observation, split: str, g: GateResult | None, status: str, reason: str,
                path: Path | None, bounds: tuple[float, float, float, float] | None,
                crs: str | None, dataset_root: Path | None = None) -> dict[str, Any]:
    footprint = footprint_wkt(bounds, crs) if bounds is not None and crs is not None else None
    return {
        "chip_id": obs.chip_id, "mmsi": obs.mmsi, "ship_name": obs.ship_name,
        "ais_time": pd.Timestamp(obs.ais_time), "scene_time": pd.Timestamp(scene_time(obs.scene)),
        "scene_id": obs.scene_id, "tile": obs.scene["properties"].get("grid:code", "").replace("MGRS-", ""),
        "split": split, "lon": obs.lon, "lat": obs.lat, "status": status, "reason": reason,
        "cloud_fraction": g.cloud_fraction if g else np.nan,
        "land_fraction": g.land_fraction if g else np.nan, "ndwi": g.ndwi if g else np.nan,
        "path": str(path) if path else "", "crs": crs or "", "footprint_wkt": footprint or "",
        "scene_href": scene_href(obs.scene, dataset_root),
        "sensing_time": pd.Timestamp(scene_time(obs.scene)), "position_method": obs.position_method,
        "ais_offset_s": float(obs.ais_offset_s), "boa_add_offset": boa_add_offset(obs.scene),
        "length_m": obs.length_m, "beam_m": obs.beam_m, "ship_type": obs.ship_type,
    }


def scene_href(scene: dict[str, Any], dataset_root: Path | None) -> str:
    """The scene's own STAC item: its URL, or for a local item (the demo twin) its path relative to
    the dataset root; never a path of the producing machine (empty when neither applies)."""
    href = next((link.get("href") for link in scene.get("links", []) or []
                 if isinstance(link, dict) and link.get("rel") == "self"), None)
    if not isinstance(href, str) or not href:
        return ""
    if href.startswith(("http://", "https://")):
        return href
    local = Path(href.removeprefix("file://"))
    if dataset_root is not None and local.is_absolute() and local.resolve().is_relative_to(dataset_root.resolve()):
        return local.resolve().relative_to(dataset_root.resolve()).as_posix()
    return ""


def rfc7946_geometry(ring: list[tuple[float, float]]) -> Polygon | MultiPolygon:
    """A lon/lat ring as an RFC 7946 geometry: exterior counter-clockwise (right-hand rule), and a
    ring crossing the antimeridian cut in two along it (section 3.1.9)."""
    lons = [lo for lo, _ in ring]
    if max(lons) - min(lons) > 180:  # crosses the antimeridian: unwrap, then cut at 180
        shifted = Polygon([(lo + 360 if lo < 0 else lo, la) for lo, la in ring])
        east = shifted.intersection(box(-180, -90, 180, 90))
        west = affinity.translate(shifted.intersection(box(180, -90, 540, 90)), xoff=-360)
        parts = [orient(p, sign=1.0) for g in (east, west) for p in getattr(g, "geoms", [g])
                 if isinstance(p, Polygon) and not p.is_empty]
        return MultiPolygon(parts) if len(parts) > 1 else parts[0]
    return orient(Polygon(ring), sign=1.0)


def process_observation(obs: Observation, dataset_root: Path, bands: list[str],
                        tiling: dict[str, Any], gate_cfg: dict[str, Any]) -> dict[str, Any]:
    """Gate then chip one observation. Raises ChipError for retryable read/write failures."""
    split = split_for(obs.mmsi, tiling["split"])
    size = int(tiling["chip_size_px"])
    try:
        path = chip_path(dataset_root, split, obs)
    except layout.UnsafeName as exc:  # e.g. a 7-digit MMSI of a base station: never a path part
        return chip_record(obs, split, None, "rejected", "unsafe_name", None, None, None,
                           dataset_root) | {"error": str(exc)}
    try:
        bounds, crs = chip_bounds(obs, obs.scene["assets"][bands[0]]["href"], size)
    except OutOfScene as exc:
        return chip_record(obs, split, None, "rejected", "out_of_scene", None, None, None,
                           dataset_root) | {"error": str(exc)}
    except (rasterio.errors.RasterioIOError, KeyError) as exc:
        raise ChipError(f"{obs.chip_id}: cannot open scene: {exc}") from exc
    try:
        g = gate(obs.scene, bounds, size, gate_cfg)
        if not g.keep:
            return chip_record(obs, split, g, "rejected", g.reason, None, bounds, crs, dataset_root)
        # A chip already in place is kept only if it reads back in full (a run cut short by a full
        # disk may have left a broken one); otherwise it is written again.
        existed = path.exists() and unreadable(path, (len(bands), size, size)) is None
        if not existed:
            write_chip(obs.scene, bounds, crs, bands, path, tiling)
    except (rasterio.errors.RasterioError, KeyError, OSError) as exc:
        raise ChipError(f"{obs.chip_id}: {type(exc).__name__}: {exc}") from exc
    return chip_record(obs, split, g, "kept", "", path, bounds, crs, dataset_root) | {"existed": existed}
