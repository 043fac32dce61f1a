"""Sentinel-2 L2A digital numbers to surface reflectance, harmonised by processing baseline.

ESA's definition (Sentinel-2 Products Specification Document S2-PDGS-TAS-DI-PSD, L2A product
metadata ``BOA_ADD_OFFSET`` and ``BOA_QUANTIFICATION_VALUE``; ESA Sentinel Online, "Processing
Baseline 04.00", deployed 25 January 2022):

    reflectance = (DN + BOA_ADD_OFFSET) / BOA_QUANTIFICATION_VALUE

with BOA_QUANTIFICATION_VALUE = 10000, BOA_ADD_OFFSET = -1000 for products of processing baseline
04.00 and later, and no offset (0) before.

Earth Search (Element 84) re-encodes the L2A bands as COGs and, for baseline 04.00+ products, removes
the offset itself: an item whose ``earthsearch:boa_offset_applied`` (``sentinel:boa_offset_applied``
in the older Earth Search v0 items) is true serves DNs already on the pre-04.00 scale, so subtracting
1000 again would make every reflectance 0.1 too low (cirrus-geo/cirrus-earth-search#21, #25;
Element84/earth-search#9, #23, #71). Such items still publish ``raster:bands`` offset -0.1, so that
field is not used. The rule here:

- flag true: offset 0 (already applied by Earth Search);
- flag false or absent: by ``s2:processing_baseline`` (-1000 from 04.00, else 0), and only when an
  item carries no usable baseline, by the acquisition date (04.00 deployed from 2022-01-25).

The offset applied is recorded (index ``boa_add_offset``, STAC ``raster:bands`` offset), so a chip's
metadata always says what its DNs need.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

BOA_QUANTIFICATION_VALUE = 10000.0
BOA_ADD_OFFSET_DN = -1000  # from processing baseline 04.00
OFFSET_BASELINE = (4, 0)
OFFSET_FROM = dt.datetime(2022, 1, 25, tzinfo=dt.UTC)
_BASELINE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\s*$")


def processing_baseline(scene: dict[str, Any]) -> tuple[int, int] | None:
    """``s2:processing_baseline`` ("04.00") as (4, 0); None when absent or not of that form."""
    value = (scene.get("properties") or {}).get("s2:processing_baseline")
    match = _BASELINE.match(value) if isinstance(value, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


OFFSET_APPLIED_FLAGS = ("earthsearch:boa_offset_applied", "sentinel:boa_offset_applied")


def offset_already_applied(scene: dict[str, Any]) -> bool:
    """True when the item says its DNs already have BOA_ADD_OFFSET removed (Earth Search's flag)."""
    props = scene.get("properties") or {}
    return any(props.get(flag) is True or str(props.get(flag)).lower() == "true" for flag in OFFSET_APPLIED_FLAGS)


def boa_add_offset(scene: dict[str, Any]) -> int:
    """BOA_ADD_OFFSET (DN) still to add to the item's DNs: 0 when Earth Search already applied it
    (``earthsearch:boa_offset_applied`` true), else -1000 from baseline 04.00 and 0 before."""
    if offset_already_applied(scene):
        return 0
    baseline = processing_baseline(scene)
    if baseline is not None:
        return BOA_ADD_OFFSET_DN if baseline >= OFFSET_BASELINE else 0
    when = pd.Timestamp((scene.get("properties") or {}).get("datetime"))
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    return BOA_ADD_OFFSET_DN if when >= OFFSET_FROM else 0


def to_reflectance(dn: np.ndarray, add_offset: int, nodata: float | None = 0) -> np.ndarray:
    """Reflectance (float32) from L2A DNs; ``nodata`` pixels become NaN."""
    out = (dn.astype("float32") + np.float32(add_offset)) / np.float32(BOA_QUANTIFICATION_VALUE)
    if nodata is not None:
        out[dn == nodata] = np.nan
    return out


def raster_band(add_offset: int) -> dict[str, float]:
    """``raster:bands`` scale and offset equivalent to the harmonisation (offset -0.1 or 0)."""
    return {"scale": 1.0 / BOA_QUANTIFICATION_VALUE, "offset": add_offset / BOA_QUANTIFICATION_VALUE}
