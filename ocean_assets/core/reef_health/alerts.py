"""NOAA Coral Reef Watch Bleaching Alert Area (BAA) levels, as CRW defines them.

Since December 2023 the daily 5 km BAA has eight levels (CRW's revised heat-stress category system;
https://coralreefwatch.noaa.gov/product/5km/index.php, announced e.g. at
https://icriforum.org/noaa-coral-reef-watch-revised-heatsress-category-system/):

    0 No Stress                HotSpot <= 0
    1 Bleaching Watch          0 < HotSpot < 1
    2 Bleaching Warning        1 <= HotSpot and 0 < DHW < 4
    3 Bleaching Alert Level 1  1 <= HotSpot and 4 <= DHW < 8
    4 Bleaching Alert Level 2  1 <= HotSpot and 8 <= DHW < 12
    5 Bleaching Alert Level 3  1 <= HotSpot and 12 <= DHW < 16
    6 Bleaching Alert Level 4  1 <= HotSpot and 16 <= DHW < 20
    7 Bleaching Alert Level 5  1 <= HotSpot and 20 <= DHW

Products before the revision used 0..4 (Alert Levels 1-2 only), and the files' own `comment`
attribute still lists only 0..4 (see ocean_assets_tests/contracts/erddap_crw/README.md): the
coding is taken from CRW's definition, not from that comment. The 7-day product (CRW_BAA_7D_MAX)
is the maximum of the daily levels over the 7 days ending on its date.

HotSpot = SST - MMM (maximum monthly mean climatology); DHW = sum over the last 84 days (12
weeks) of the daily HotSpots that are >= 1 degC, divided by 7 (degC-weeks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

DHW_WINDOW_DAYS = 84
HOTSPOT_ACCUMULATES = 1.0  # only HotSpots of at least 1 degC accumulate into DHW
ALERT_DHW_THRESHOLDS = (4.0, 8.0, 12.0, 16.0, 20.0)  # Alert Levels 1..5


@dataclass(frozen=True)
class AlertLevel:
    code: int
    name: str
    colour: str  # legend colour, light (no stress) to dark (Alert Level 5)


LEVELS: tuple[AlertLevel, ...] = (
    # names as CRW's files spell them ("0 - No Stress; 1 - Bleaching Watch; ...")
    AlertLevel(0, "No Stress", "#c8fafa"),
    AlertLevel(1, "Bleaching Watch", "#fff000"),
    AlertLevel(2, "Bleaching Warning", "#faaa0a"),
    AlertLevel(3, "Bleaching Alert Level 1", "#f00000"),
    AlertLevel(4, "Bleaching Alert Level 2", "#960000"),
    AlertLevel(5, "Bleaching Alert Level 3", "#6e0000"),
    AlertLevel(6, "Bleaching Alert Level 4", "#460000"),
    AlertLevel(7, "Bleaching Alert Level 5", "#1e0000"),
)
CODES: tuple[int, ...] = tuple(level.code for level in LEVELS)
MIN_LEVEL, MAX_LEVEL = CODES[0], CODES[-1]
FLAG_MEANINGS = " ".join(level.name.lower().replace(" ", "_") for level in LEVELS)
ALERT_LEVEL_1 = 3  # the first level at which bleaching is likely


def name(code: int) -> str:
    return LEVELS[int(code)].name if MIN_LEVEL <= int(code) <= MAX_LEVEL else f"unknown ({code})"


def bleaching_alert_area(hotspot: np.ndarray, dhw: np.ndarray) -> np.ndarray:
    """The single-day BAA level of each cell from its HotSpot and DHW (degC, degC-weeks), as CRW
    defines it (table above). NaN inputs give NaN."""
    hotspot = np.asarray(hotspot, dtype="float64")
    dhw = np.asarray(dhw, dtype="float64")
    level = np.where(hotspot <= 0, 0.0, np.where(hotspot < HOTSPOT_ACCUMULATES, 1.0, 2.0))
    stressed = hotspot >= HOTSPOT_ACCUMULATES
    for threshold in ALERT_DHW_THRESHOLDS:
        level = level + (stressed & (dhw >= threshold))
    return np.where(np.isnan(hotspot) | np.isnan(dhw), np.nan, level)


def degree_heating_weeks(hotspots: np.ndarray) -> np.ndarray:
    """DHW from the daily HotSpots of the last 84 days (axis 0, oldest first): the sum of the
    HotSpots >= 1 degC, in degC-weeks."""
    window = np.asarray(hotspots, dtype="float64")[-DHW_WINDOW_DAYS:]
    return np.where(window >= HOTSPOT_ACCUMULATES, window, 0.0).sum(axis=0) / 7.0


DISAGREEING_ATTR = "served_levels_disagreeing_cells"  # on CRW_BAA: served level != CRW's definition
RECOMPUTED_ATTR = "levels_recomputed"  # "yes" when CRW_BAA was computed from CRW_HOTSPOT and CRW_DHW


def recompute_served_levels(ds: xr.Dataset) -> tuple[xr.Dataset, int | None]:
    """CRW_BAA computed from the served CRW_HOTSPOT and CRW_DHW by CRW's definition (above), in place
    of the served level, and how many cells the served level disagreed (None: not computable).

    A server may still code the 0..4 levels of before December 2023 (its own ``comment`` says so);
    keeping its value under the 0..7 coding would call Alert Level 2 (DHW >= 8) "Alert Level 1".
    CRW_BAA_7D_MAX (a 7-day maximum, not computable from one day) is raised to at least the day's
    computed level. The count goes on CRW_BAA as ``served_levels_disagreeing_cells``."""
    if not {"CRW_BAA", "CRW_HOTSPOT", "CRW_DHW"} <= set(map(str, ds.data_vars)):
        return ds, None
    served = np.asarray(ds["CRW_BAA"].values, dtype="float64")
    computed = bleaching_alert_area(ds["CRW_HOTSPOT"].values, ds["CRW_DHW"].values)
    both = np.isfinite(served) & np.isfinite(computed)
    disagreeing = int(np.count_nonzero(both & (np.rint(served) != computed)))
    out = ds.copy()
    out["CRW_BAA"] = ds["CRW_BAA"].copy(data=computed.astype(ds["CRW_BAA"].dtype, copy=False)
                                       if np.issubdtype(ds["CRW_BAA"].dtype, np.floating) else computed)
    out["CRW_BAA"].attrs.update({DISAGREEING_ATTR: disagreeing, RECOMPUTED_ATTR: "yes"})
    if "CRW_BAA_7D_MAX" in out:
        week = np.asarray(ds["CRW_BAA_7D_MAX"].values, dtype="float64")
        raised = np.where(np.isfinite(computed), np.fmax(week, computed), week)
        out["CRW_BAA_7D_MAX"] = ds["CRW_BAA_7D_MAX"].copy(data=raised.astype(ds["CRW_BAA_7D_MAX"].dtype)
                                                          if np.issubdtype(ds["CRW_BAA_7D_MAX"].dtype, np.floating)
                                                          else raised)
    return out, disagreeing
