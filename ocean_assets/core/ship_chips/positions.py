"""A vessel's position at a scene's sensing time from its AIS position reports.

A ship at 15 kn moves 4.6 km in 10 minutes while a chip is 640 m wide, so the nearest report is not
good enough: the position is interpolated along the great circle between the two reports that
bracket the sensing time, or dead-reckoned from speed and course over ground when only one report
is near enough. On the sphere the antimeridian needs no special case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ocean_assets.core.ship_chips.geo import EARTH_RADIUS_M

KNOT_M_S = 1852.0 / 3600.0
INTERPOLATED, DEAD_RECKONED = "interpolated", "dead_reckoned"


@dataclass(frozen=True)
class PositionFix:
    lon: float
    lat: float
    method: str  # interpolated | dead_reckoned
    offset_s: float  # nearest report time minus sensing time (s)
    report_time: pd.Timestamp  # the nearest report
    span_s: float | None  # time between the bracketing reports (interpolated only)


def _vector(lon: float, lat: float) -> np.ndarray:
    lo, la = math.radians(lon), math.radians(lat)
    return np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])


def _lonlat(v: np.ndarray) -> tuple[float, float]:
    lon = math.degrees(math.atan2(v[1], v[0]))
    lat = math.degrees(math.atan2(v[2], math.hypot(v[0], v[1])))
    return lon, lat  # atan2 keeps longitude in [-180, 180]


def great_circle_point(lon0: float, lat0: float, lon1: float, lat1: float, f: float) -> tuple[float, float]:
    """The point a fraction ``f`` of the way from (lon0, lat0) to (lon1, lat1) along the great circle."""
    p0, p1 = _vector(lon0, lat0), _vector(lon1, lat1)
    omega = math.acos(max(-1.0, min(1.0, float(p0 @ p1))))
    if omega < 1e-12:
        return lon0, lat0
    v = (math.sin((1 - f) * omega) * p0 + math.sin(f * omega) * p1) / math.sin(omega)
    return _lonlat(v)


def destination(lon: float, lat: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """The point ``distance_m`` along the great circle leaving (lon, lat) at ``bearing_deg``
    (a negative distance goes backwards); longitude wrapped to [-180, 180)."""
    d = distance_m / EARTH_RADIUS_M
    la, lo, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    la2 = math.asin(math.sin(la) * math.cos(d) + math.cos(la) * math.sin(d) * math.cos(b))
    lo2 = lo + math.atan2(math.sin(b) * math.sin(d) * math.cos(la), math.cos(d) - math.sin(la) * math.sin(la2))
    return ((math.degrees(lo2) + 180.0) % 360.0) - 180.0, math.degrees(la2)


def position_at(track: pd.DataFrame, when: pd.Timestamp, max_gap_s: float,
                max_dead_reckon_s: float) -> PositionFix | None:
    """Position of one vessel at ``when`` from its reports (columns time_utc, longitude, latitude,
    sog, cog), or None when no report is close enough (dropped: the gap is beyond the limits).

    Interpolated when reports on both sides are at most ``max_gap_s`` apart; otherwise dead-reckoned
    from the nearer report if it is at most ``max_dead_reckon_s`` away and has a usable speed and
    course (a vessel with speed 0 stays where it is).
    """
    if track.empty:
        return None
    times = pd.to_datetime(track["time_utc"], utc=True)
    order = np.argsort(times.to_numpy(), kind="stable")
    track, times = track.iloc[order], times.iloc[order]
    before, after = track[times <= when].tail(1), track[times >= when].head(1)
    sides = [r.iloc[0] for r in (before, after) if len(r)]
    nearest = min(sides, key=lambda r: abs((pd.Timestamp(r["time_utc"]) - when).total_seconds()))
    offset = (pd.Timestamp(nearest["time_utc"]) - when).total_seconds()
    if len(sides) == 2:
        b, a = sides
        span = (pd.Timestamp(a["time_utc"]) - pd.Timestamp(b["time_utc"])).total_seconds()
        if span <= max_gap_s:
            f = 0.0 if span == 0 else (when - pd.Timestamp(b["time_utc"])).total_seconds() / span
            lon, lat = great_circle_point(float(b["longitude"]), float(b["latitude"]),
                                          float(a["longitude"]), float(a["latitude"]), f)
            return PositionFix(lon, lat, INTERPOLATED, offset, pd.Timestamp(nearest["time_utc"]), span)
    if abs(offset) > max_dead_reckon_s:
        return None
    sog, cog = float(nearest.get("sog", math.nan)), float(nearest.get("cog", math.nan))
    if sog == 0.0:
        cog = 0.0 if not math.isfinite(cog) else cog
    if not (math.isfinite(sog) and math.isfinite(cog)):
        return None
    # The report is ``offset`` seconds after the sensing time: move back along the course by sog * offset.
    lon, lat = destination(float(nearest["longitude"]), float(nearest["latitude"]), cog, -sog * KNOT_M_S * offset)
    return PositionFix(lon, lat, DEAD_RECKONED, offset, pd.Timestamp(nearest["time_utc"]), None)
