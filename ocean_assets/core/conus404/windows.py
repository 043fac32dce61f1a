"""Which hourly stamps make up UTC day D, per kind of variable (the producer's conventions).

The producer's definition (NCAR/USGS CONUS404 variable metadata, hytest-org/conus404_metadata
metadata_output_files/wrfout_metadata.csv, column ``integration_length``; the Planetary Computer
store repeats it in each variable's ``long_name``; see ocean_assets_tests/contracts/conus404/):

- HOURLY, "accumulated over prior 60 minutes" (PREC_ACC_NC, SNOW_ACC_NC, GRAUPEL_ACC_NC, ...;
  description "... OVER prec_acc_dt PERIODS OF TIME"): the value at stamp t is the amount of the
  hour (t - 1 h, t]. Day D is the 24 stamps D 01:00 .. D+1 00:00.
- TOTAL, "accumulated since last bucket_J (1.0e9 J m-2) reset" (ACSWDNB with its bucket counter
  I_ACSWDNB, ...) and "accumulated since 1979-10-01 00:00:00": a running total since the model
  start; the producer's note: "ACSWDNB = ACSWDNB + I_ACSWDNB * 1.0e9". Day D is
  total(D+1 00:00) - total(D 00:00): the same 24 hours as HOURLY.
- INSTANT, anything else (T2, PSFC, U10, SWDOWN, ...): a value at the stamp. Day D is the 24
  samples D 00:00 .. D 23:00, one per hour of the day, stated in each output's cell_methods.

So every accumulated variable of a day covers exactly (D 00:00, D+1 00:00], and the day needs the
stamp D+1 00:00. The archive's last day (2022-09-30) has none: its accumulated variables are
withheld, with the reason in the file (never a 23-hour day).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import numpy as np

HOURS_PER_DAY = 24


class Kind(StrEnum):
    INSTANT = "instantaneous"
    HOURLY = "hourly accumulation"  # the hour ending at the stamp
    TOTAL = "running total"  # since model start (optionally in buckets)


# hours after D 00:00 that each kind reads
WINDOW: dict[Kind, tuple[int, ...]] = {
    Kind.INSTANT: tuple(range(0, HOURS_PER_DAY)),
    Kind.HOURLY: tuple(range(1, HOURS_PER_DAY + 1)),
    Kind.TOTAL: (0, HOURS_PER_DAY),
}

_HOURLY = re.compile(r"accumulated over prior 60 minutes", re.IGNORECASE)
_TOTAL = re.compile(r"\bsince (last bucket|model (start|init))", re.IGNORECASE)
_BUCKET_SIZE = re.compile(r"bucket_\w+\s*\(\s*([0-9.eE+-]+)")


def producer_kind(attrs: Mapping[str, Any]) -> Kind | None:
    """The kind the producer's metadata states: the ``long_name``'s integration period, else the
    WRF ``description`` ("... OVER prec_acc_dt PERIODS OF TIME" for hourly amounts, "ACCUMULATED
    ..." for running totals); a described variable that states neither is instantaneous. None when
    the variable carries no metadata at all (then the configured aggregation decides)."""
    long_name = str(attrs.get("long_name", ""))
    description = str(attrs.get("description", ""))
    if _HOURLY.search(long_name) or "prec_acc_dt" in description:
        return Kind.HOURLY
    if _TOTAL.search(long_name) or description.startswith("ACCUMULATED"):
        return Kind.TOTAL
    if long_name or description:
        return Kind.INSTANT
    return None


def producer_bucket_size(attrs: Mapping[str, Any]) -> float | None:
    """The bucket size a running total's ``long_name`` states, e.g. 'bucket_J (1.0e9 J m-2)'."""
    match = _BUCKET_SIZE.search(str(attrs.get("long_name", "")))
    return float(match.group(1)) if match else None


def day_start(day: dt.date) -> np.datetime64:
    return np.datetime64(day.isoformat(), "h")


def day_stamps(day: dt.date) -> np.ndarray:
    """Every stamp a day can read: D 00:00 .. D+1 00:00 (25 hourly stamps)."""
    return day_start(day) + np.arange(HOURS_PER_DAY + 1).astype("timedelta64[h]")


def stamp_label(offset: int) -> str:
    """'HH:00' for the hours of the day; '24:00' for the closing stamp D+1 00:00."""
    return f"{offset:02d}:00"


def offsets(times: np.ndarray, day: dt.date) -> list[int]:
    """Hours after D 00:00 of ``times`` (only those in 0..24)."""
    hours = (np.asarray(times).astype("datetime64[h]") - day_start(day)).astype(np.int64)
    return sorted(int(h) for h in hours if 0 <= h <= HOURS_PER_DAY)
