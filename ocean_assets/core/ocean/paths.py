"""Where ocean products land: data/ocean/{product}/{YYYY}/{product}_{YYYYMMDD}.nc."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

PRODUCTS = ("sst", "currents", "acidity", "microplastics")


def product_path(data_root: Path, product: str, day: dt.date | str) -> Path:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return Path(data_root) / "ocean" / product / f"{day:%Y}" / f"{product}_{day:%Y%m%d}.nc"
