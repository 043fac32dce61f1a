"""SST textures for 3D globes (the reference's daily_sst_texture_update): an equirectangular RGBA
image, north up, -180..180 left to right, land and missing data transparent."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from PIL import Image

from ocean_assets.core.io import atomic_write_bytes


@dataclass(frozen=True)
class TextureSpec:
    width: int = 2048
    height: int = 1024
    colormap: str = "turbo"
    vmin_celsius: float = -2.0
    vmax_celsius: float = 32.0


def _to_celsius(da: xr.DataArray) -> np.ndarray:
    values = np.asarray(da.values, dtype="float32")
    units = str(da.attrs.get("units", "K"))
    return values - 273.15 if units in ("K", "kelvin", "Kelvin", "degK") else values


def regrid_equirectangular(sst_c: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                           width: int, height: int) -> np.ndarray:
    """Nearest-neighbour sample onto a global width x height grid (row 0 = 90N); NaN outside data."""
    out_lat = 90.0 - (np.arange(height) + 0.5) * 180.0 / height
    out_lon = -180.0 + (np.arange(width) + 0.5) * 360.0 / width
    lat_order = np.argsort(lat)
    lat_sorted = lat[lat_order]
    lon180 = ((lon + 180.0) % 360.0) - 180.0
    lon_order = np.argsort(lon180)
    lon_sorted = lon180[lon_order]

    def nearest(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.clip(np.searchsorted(src, dst), 1, len(src) - 1) if len(src) > 1 else np.zeros(len(dst), int)
        if len(src) > 1:
            left = src[idx - 1]
            idx = np.where(np.abs(dst - left) <= np.abs(src[idx] - dst), idx - 1, idx)
        step = np.median(np.diff(src)) if len(src) > 1 else 1.0
        inside = (dst >= src[0] - step / 2) & (dst <= src[-1] + step / 2)
        return idx, inside

    yi, yin = nearest(lat_sorted, out_lat)
    xi, xin = nearest(lon_sorted, out_lon)
    sampled = sst_c[np.ix_(lat_order[yi], lon_order[xi])]
    sampled[~yin, :] = np.nan
    sampled[:, ~xin] = np.nan
    return sampled


def render_texture(ds: xr.Dataset, var: str, spec: TextureSpec,
                   lat: str = "latitude", lon: str = "longitude") -> tuple[np.ndarray, dict[str, float]]:
    """RGBA uint8 array (height, width, 4) and stats (ocean coverage, min/max degC)."""
    from matplotlib import colormaps

    da = ds[var].squeeze(drop=True)
    field = _to_celsius(da)
    grid = regrid_equirectangular(field, np.asarray(ds[lat].values, float),
                                  np.asarray(ds[lon].values, float), spec.width, spec.height)
    valid = np.isfinite(grid)
    norm = np.clip((np.nan_to_num(grid) - spec.vmin_celsius) / (spec.vmax_celsius - spec.vmin_celsius), 0, 1)
    rgba = (colormaps[spec.colormap](norm) * 255).astype("uint8")
    rgba[..., 3] = np.where(valid, 255, 0)
    stats = {
        "ocean_coverage": float(valid.mean()),
        "min_celsius": float(np.nanmin(grid)) if valid.any() else float("nan"),
        "max_celsius": float(np.nanmax(grid)) if valid.any() else float("nan"),
    }
    return rgba, stats


def png_bytes(rgba: np.ndarray, max_width: int | None = None) -> bytes:
    image = Image.fromarray(rgba, mode="RGBA")
    if max_width and image.width > max_width:
        image = image.resize((max_width, max(1, image.height * max_width // image.width)), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=6)  # optimize=True costs ~10x the time for ~5% size
    return buf.getvalue()


def write_texture(rgba: np.ndarray, path: Path) -> Path:
    return atomic_write_bytes(path, png_bytes(rgba))


def texture_outcomes(path: Path, spec: TextureSpec, min_ocean_coverage: float):
    """Rules on a written texture: readable PNG of the configured size, enough opaque ocean."""
    from ocean_assets.core.outcome import fail, ok

    try:
        with Image.open(path) as image:
            image.load()
            size, mode = image.size, image.mode
            alpha = np.asarray(image.getchannel("A")) if mode == "RGBA" else None
    except Exception as exc:  # PIL raises many types for a broken file
        return {"texture_file": fail("texture_file", f"texture does not open: {exc}")}
    results = {}
    if size != (spec.width, spec.height) or mode != "RGBA":
        results["texture_file"] = fail(
            "texture_file", f"texture is {size[0]}x{size[1]} {mode}, expected {spec.width}x{spec.height} RGBA")
    else:
        results["texture_file"] = ok("texture_file", f"{spec.width}x{spec.height} RGBA PNG")
    coverage = float((alpha > 0).mean()) if alpha is not None else 0.0
    if coverage < min_ocean_coverage:
        results["ocean_coverage"] = fail(
            "ocean_coverage", f"only {coverage:.1%} of pixels carry SST (minimum {min_ocean_coverage:.0%})",
            severity="WARN",
            coverage=round(coverage, 4))
    else:
        results["ocean_coverage"] = ok("ocean_coverage", f"{coverage:.1%} of pixels carry SST",
                                       coverage=round(coverage, 4))
    return results
