"""Where ocean products land: data/ocean/{product}/{YYYY}/{product}_{YYYYMMDD}.nc."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

PRODUCTS = ("sst", "currents", "acidity", "microplastics")


def product_path(data_root: Path, product: str, day: dt.date | str) -> Path:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return Path(data_root) / "ocean" / product / f"{day:%Y}" / f"{product}_{day:%Y%m%d}.nc"


def texture_path(data_root: Path, day: dt.date | str) -> Path:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return Path(data_root) / "ocean" / "textures" / f"{day:%Y}" / f"sst_texture_{day:%Y%m%d}.png"


def report_path(data_root: Path, day: dt.date | str) -> Path:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return Path(data_root) / "ocean" / "reports" / f"corruption_{day:%Y%m%d}.json"


def product_files(data_root: Path, product: str) -> list[Path]:
    base = Path(data_root) / "ocean" / product
    return sorted(base.glob(f"*/{product}_*.nc")) if base.exists() else []
