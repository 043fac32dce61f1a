"""SST texture: equirectangular orientation, transparency for land/NaN, the size/coverage rules."""

from __future__ import annotations

import numpy as np
import xarray as xr
from PIL import Image

from ocean_assets.core.ocean.texture import (
    TextureSpec,
    render_texture,
    texture_outcomes,
    write_texture,
)


def small_sst(lat, lon, fill):
    data = np.full((1, lat.size, lon.size), fill, dtype="float32")
    return xr.Dataset({"analysed_sst": (("time", "latitude", "longitude"), data, {"units": "K"})},
                      coords={"latitude": lat, "longitude": lon})


def test_north_up_and_nan_transparent(tmp_path):
    lat = np.arange(-89.5, 90, 1.0)
    lon = np.arange(-179.5, 180, 1.0)
    ds = small_sst(lat, lon, 300.0)
    values = ds["analysed_sst"].values
    values[0, lat > 60, :] = 271.5            # cold north
    values[0, :, lon < -90] = np.nan          # a "continent" in the west
    spec = TextureSpec(width=360, height=180)
    rgba, stats = render_texture(ds, "analysed_sst", spec)
    assert rgba.shape == (180, 360, 4)
    assert rgba[5, 300, 3] == 255 and rgba[5, 300, 2] > rgba[5, 300, 0]   # top row = north = cold = blue
    assert rgba[90, 10, 3] == 0                                             # west of -90: transparent
    assert abs(stats["ocean_coverage"] - 0.75) < 0.01
    path = write_texture(rgba, tmp_path / "t.png")
    results = texture_outcomes(path, spec, min_ocean_coverage=0.5)
    assert all(r.passed for r in results.values())
    strict = texture_outcomes(path, spec, min_ocean_coverage=0.9)
    assert not strict["ocean_coverage"].passed and strict["ocean_coverage"].severity == "WARN"


def test_regional_data_leaves_rest_of_globe_transparent(tmp_path):
    ds = small_sst(np.arange(30.25, 45, 0.5), np.arange(-79.75, -60, 0.5), 290.0)
    rgba, stats = render_texture(ds, "analysed_sst", TextureSpec(width=720, height=360))
    assert 0 < stats["ocean_coverage"] < 0.01


def test_wrong_size_and_broken_png_fail(tmp_path):
    spec = TextureSpec(width=64, height=32)
    Image.new("RGBA", (10, 10), (0, 0, 255, 255)).save(tmp_path / "small.png")
    assert "expected 64x32" in texture_outcomes(tmp_path / "small.png", spec, 0.1)["texture_file"].message
    (tmp_path / "bad.png").write_bytes(b"\x89PNG garbage")
    assert not texture_outcomes(tmp_path / "bad.png", spec, 0.1)["texture_file"].passed
