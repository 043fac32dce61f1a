"""Overpass schedules: TLE propagation (sgp4), ESA acquisition plans (KML/CSV), or backfill from items.

Every mode returns the same table: tile, platform, start, end (UTC), source.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sgp4.api import Satrec, jday
from shapely import wkt
from shapely.errors import ShapelyError
from shapely.geometry import Polygon, box

from ocean_assets.core.ship_chips.geo import haversine_m
from ocean_assets.core.ship_chips.settings import Aoi

COLUMNS = ["tile", "platform", "start", "end", "source"]
KML_NS = {"kml": "http://www.opengis.net/kml/2.2"}


class PlanError(ValueError):
    """An acquisition plan or TLE could not be parsed; the message says where."""


def empty_schedule() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})


def _gmst(jd_ut1: float) -> float:
    """Greenwich mean sidereal time in radians (IAU 1982), enough for ground tracks."""
    t = (jd_ut1 - 2451545.0) / 36525.0
    seconds = 67310.54841 + (876600 * 3600 + 8640184.812866) * t + 0.093104 * t**2 - 6.2e-6 * t**3
    return math.radians((seconds % 86400) / 240.0)


def ground_track(tle: Sequence[str], times: Sequence[dt.datetime]) -> np.ndarray:
    """Sub-satellite lon, lat (degrees) for each time; rows of (lon, lat)."""
    if len(tle) != 2 or not (tle[0].startswith("1 ") and tle[1].startswith("2 ")) or min(map(len, tle)) < 69:
        raise PlanError("bad TLE: expected two 69-character lines starting with '1 ' and '2 '")
    try:
        sat = Satrec.twoline2rv(tle[0], tle[1])
    except (ValueError, IndexError) as exc:
        raise PlanError(f"bad TLE: {exc}") from exc
    out = np.full((len(times), 2), np.nan)
    for i, t in enumerate(times):
        jd, fr = jday(t.year, t.month, t.day, t.hour, t.minute, t.second + t.microsecond / 1e6)
        err, r, _ = sat.sgp4(jd, fr)
        if err:
            continue
        theta = _gmst(jd + fr)
        x = r[0] * math.cos(theta) + r[1] * math.sin(theta)
        y = -r[0] * math.sin(theta) + r[1] * math.cos(theta)
        lon = math.degrees(math.atan2(y, x))
        lat = math.degrees(math.atan2(r[2], math.hypot(x, y)))  # geocentric, fine at swath scale
        out[i] = (lon, lat)
    return out


def parse_tle_file(text: str) -> dict[str, list[str]]:
    """CelesTrak's three-line format (name, line 1, line 2, ...) -> {name: [line1, line2]}."""
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if len(lines) % 3:
        raise PlanError(f"TLE file has {len(lines)} non-empty lines; expected name/line1/line2 triples")
    return {lines[i].strip(): [lines[i + 1], lines[i + 2]] for i in range(0, len(lines), 3)}


def tle_passes(tles: Mapping[str, Sequence[str]], aois: Iterable[Aoi], day: dt.date,
               swath_km: float = 290.0, step_s: int = 30) -> pd.DataFrame:
    """Daytime descending passes whose swath covers each AOI centre on ``day``."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    times = [start + dt.timedelta(seconds=s) for s in range(0, 86400, step_s)]
    rows = []
    for platform, tle in tles.items():
        track = ground_track(tle, times)
        descending = np.r_[np.diff(track[:, 1]) < 0, False]
        for aoi in aois:
            lon0, lat0 = (aoi.bbox[0] + aoi.bbox[2]) / 2, (aoi.bbox[1] + aoi.bbox[3]) / 2
            dist = np.array([haversine_m(lo, la, lon0, lat0) if np.isfinite(lo) else np.inf
                             for lo, la in track])
            # Cross-track distance ~ distance at closest approach; keep steps within the half swath.
            inside = (dist < swath_km * 500) & descending
            for run in _runs(inside):
                mid = times[run[len(run) // 2]]
                local_hour = (mid.hour + mid.minute / 60 + lon0 / 15) % 24
                if 6 <= local_hour <= 18:
                    rows.append({"tile": aoi.tile, "platform": platform.lower(),
                                 "start": times[run[0]], "end": times[run[-1]], "source": "tle"})
    return pd.DataFrame(rows, columns=COLUMNS) if rows else empty_schedule()


def _runs(mask: np.ndarray) -> list[list[int]]:
    runs, current = [], []
    for i, flag in enumerate(mask):
        if flag:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _parse_time(value: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"time {value!r} is not a string")
    stamp = pd.Timestamp(value.strip())
    if pd.isna(stamp):
        raise ValueError(f"time {value!r} is empty")
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def parse_esa_kml(text: str) -> list[dict[str, Any]]:
    """Placemarks of an ESA acquisition-plan KML: swath polygon + ObservationTimeStart/Stop."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise PlanError(f"acquisition plan is not valid KML: {exc}") from exc
    swaths = []
    for n, pm in enumerate(root.iter(f"{{{KML_NS['kml']}}}Placemark"), start=1):
        data = {d.get("name"): (d.findtext("kml:value", default="", namespaces=KML_NS) or "")
                for d in pm.iter(f"{{{KML_NS['kml']}}}Data")}
        coords = pm.findtext(".//kml:Polygon//kml:coordinates", namespaces=KML_NS)
        if not coords or "ObservationTimeStart" not in data:
            continue
        if "ObservationTimeStop" not in data:
            raise PlanError(f"placemark {n}: ObservationTimeStart without ObservationTimeStop")
        try:
            ring = [_lon_lat(c) for c in coords.split()]
            swaths.append({"platform": data.get("Platform", data.get("SatelliteId", "sentinel-2")).lower(),
                           "start": _parse_time(data["ObservationTimeStart"]),
                           "end": _parse_time(data["ObservationTimeStop"]),
                           "orbit_relative": data.get("OrbitRelative"), "geometry": Polygon(ring)})
        except (ValueError, ShapelyError) as exc:
            raise PlanError(f"placemark {n}: {exc}") from exc
    return swaths


def _lon_lat(text: str) -> tuple[float, float]:
    lon, lat = (float(v) for v in (text.split(",") + [""])[:2])
    return lon, lat


def parse_esa_csv(path: Path) -> list[dict[str, Any]]:
    """CSV form of a plan: platform, start, end, footprint_wkt."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except ValueError as exc:
        raise PlanError(f"{path.name}: not a readable CSV: {exc}") from exc
    missing = {"platform", "start", "end", "footprint_wkt"} - set(frame.columns)
    if missing:
        raise PlanError(f"{path.name}: missing columns {sorted(missing)}")
    swaths = []
    for line, r in enumerate(frame.itertuples(), start=2):
        try:
            swaths.append({"platform": r.platform.lower(), "start": _parse_time(r.start),
                           "end": _parse_time(r.end), "geometry": wkt.loads(r.footprint_wkt)})
        except (ValueError, ShapelyError) as exc:
            raise PlanError(f"{path.name} line {line}: {exc}") from exc
    return swaths


def plan_passes(swaths: Iterable[dict[str, Any]], aois: Iterable[Aoi], day: dt.date) -> pd.DataFrame:
    """Swaths of the plan on ``day`` that intersect each AOI."""
    aois = list(aois)
    rows = []
    for s in swaths:
        if s["start"].date() != day:
            continue
        for aoi in aois:
            if s["geometry"].intersects(box(*aoi.bbox)):
                rows.append({"tile": aoi.tile, "platform": s["platform"], "start": s["start"],
                             "end": s["end"], "source": "esa_plan"})
    return pd.DataFrame(rows, columns=COLUMNS) if rows else empty_schedule()


def backfill_passes(items_by_tile: Mapping[str, list[dict[str, Any]]]) -> pd.DataFrame:
    """Schedule derived from STAC items that exist (one row per item)."""
    rows = []
    for tile, items in items_by_tile.items():
        for item in items:
            props = item.get("properties") if isinstance(item, dict) else None
            name = repr(item.get("id")) if isinstance(item, dict) else f"of type {type(item).__name__}"
            label = f"STAC item {name} (tile {tile})"
            if not isinstance(props, dict) or "datetime" not in props:
                raise PlanError(f"{label} has no properties.datetime")
            try:
                when = _parse_time(props["datetime"])
            except ValueError as exc:
                raise PlanError(f"{label}: bad properties.datetime: {exc}") from exc
            rows.append({"tile": tile, "platform": str(props.get("platform") or ""),
                         "start": when, "end": when, "source": "backfill"})
    return pd.DataFrame(rows, columns=COLUMNS) if rows else empty_schedule()
