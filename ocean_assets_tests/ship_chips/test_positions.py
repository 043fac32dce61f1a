"""Vessel positions at the sensing time: interpolation between bracketing reports, dead reckoning,
the antimeridian, and matches dropped beyond the configured gaps."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ocean_assets.core.ship_chips import chipping
from ocean_assets.core.ship_chips.geo import haversine_m
from ocean_assets.core.ship_chips.positions import (
    DEAD_RECKONED,
    INTERPOLATED,
    KNOT_M_S,
    destination,
    position_at,
)

T0 = pd.Timestamp("2026-04-10T10:40:12.345Z")


def track(lon: float, lat: float, sog: float, cog: float, offsets_s: list[float], mmsi: int = 244123456,
          ) -> pd.DataFrame:
    """Reports of a vessel on a straight course through (lon, lat) at T0 (a great circle, the way
    the AIS positions of a steady course are), at the given seconds from T0."""
    rows = []
    for s in offsets_s:
        lo, la = destination(lon, lat, cog, sog * KNOT_M_S * s)
        rows.append({"mmsi": mmsi, "ship_name": "TEST", "time_utc": T0 + pd.Timedelta(seconds=s),
                     "longitude": lo, "latitude": la, "sog": sog, "cog": cog})
    return pd.DataFrame(rows)


def scene(bbox: list[float]) -> dict:
    return {"id": "S2B_31UFU_20260410_0_L2A", "bbox": bbox, "properties": {"datetime": T0.isoformat()},
            "assets": {}}


def test_position_is_interpolated_to_the_sensing_time_not_the_nearest_report():
    """15 kn east, reports 60 s before and after the sensing time: the nearest report is 463 m
    from where the ship was; the interpolated position is within a metre."""
    reports = track(4.42, 52.45, 15.0, 90.0, [-60, 60])
    [obs] = chipping.match_observations(reports, [scene([4.0, 52.0, 5.0, 53.0])], 10)
    assert haversine_m(obs.lon, obs.lat, 4.42, 52.45) < 1.0
    assert obs.position_method == INTERPOLATED and abs(obs.ais_offset_s) == pytest.approx(60.0)
    nearest = reports.iloc[0]
    assert haversine_m(nearest.longitude, nearest.latitude, 4.42, 52.45) > 400


def test_interpolation_across_the_antimeridian():
    reports = track(180.0, -16.5, 12.0, 90.0, [-30, 45])  # Fiji, eastbound across 180
    assert reports.longitude.iloc[0] > 179.9 and reports.longitude.iloc[1] < -179.9
    fix = position_at(reports, T0, 600, 60)
    assert abs(abs(fix.lon) - 180.0) < 1e-4 and fix.lat == pytest.approx(-16.5, abs=1e-5)
    # A bbox crossing the antimeridian (west > east) contains it.
    assert chipping.match_observations(reports, [scene([179.5, -17.0, -179.5, -16.0])], 10)


def test_dead_reckoning_from_one_side_within_the_bound():
    reports = track(4.42, 52.45, 10.0, 0.0, [-30])  # only a report 30 s before, 10 kn north
    fix = position_at(reports, T0, 600, 60)
    assert fix.method == DEAD_RECKONED and fix.offset_s == pytest.approx(-30.0)
    assert haversine_m(fix.lon, fix.lat, 4.42, 52.45) < 0.5
    after = track(4.42, 52.45, 10.0, 0.0, [40])  # only a report 40 s after: reckoned backwards
    assert haversine_m(*_lonlat(position_at(after, T0, 600, 60)), 4.42, 52.45) < 0.5


def test_matches_beyond_the_configured_gaps_are_dropped():
    wide = track(4.42, 52.45, 10.0, 0.0, [-400, 400])  # bracketing reports 800 s apart
    assert position_at(wide, T0, 600, 60) is None
    assert position_at(wide, T0, 900, 60).method == INTERPOLATED
    lone = track(4.42, 52.45, 10.0, 0.0, [-120])  # one report two minutes before
    assert position_at(lone, T0, 600, 60) is None and position_at(lone, T0, 600, 180) is not None
    assert chipping.match_observations(wide, [scene([4.0, 52.0, 5.0, 53.0])], 10, max_gap_s=600,
                                       max_dead_reckon_s=60) == []


def test_no_dead_reckoning_without_speed_and_course():
    lone = track(4.42, 52.45, 10.0, 0.0, [-20])
    lone["sog"] = math.nan  # AIS "not available"
    assert position_at(lone, T0, 600, 60) is None
    moored = track(4.42, 52.45, 0.0, 0.0, [-20])
    moored["cog"] = math.nan  # a ship at 0 kn stays where it is, whatever its course
    assert haversine_m(*_lonlat(position_at(moored, T0, 600, 60)), 4.42, 52.45) < 1e-6


def _lonlat(fix) -> tuple[float, float]:  # noqa: ANN001
    return fix.lon, fix.lat
