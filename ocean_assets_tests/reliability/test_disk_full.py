"""Disk full (class 6 of issue 14) on a file system that is really full: a small tmpfs mounted for
the test and filled with a ballast file. Every kind of writer the project uses (NetCDF via netCDF4
and h5netcdf, GeoJSON via geopandas, GeoTIFF/COG via rasterio and rio-cogeo, parquet, PNG, plain
bytes) ends in one ``DiskFullError`` naming the path and the free bytes; nothing partial is left,
the previous file is intact, and no Dagster step is retried.

Mounting needs root (CAP_SYS_ADMIN); where it is refused those tests skip, and the last test (an
ENOSPC from ``os.fsync`` patched at the OS-call level) still runs everywhere."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ocean_assets.core.io import TEMP_GLOB, DiskFullError, atomic_path, atomic_write_bytes
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.products import load_products
from ocean_assets.core.ocean.texture import write_texture
from ocean_assets.core.retry import PermanentError
from ocean_assets.sources.ocean.demo import demo_dataset
from ocean_assets_tests.reliability.conftest import DAY

MiB = 1 << 20
# Free space left beside the ballast: more than atomic_path's "full" threshold (1 MiB), so a writer
# whose library removes its own partial output (pyarrow, GDAL's CreateCopy) is still recognised by
# its error (errno chain, GDAL's log) rather than by the free space; every payload is > 3 MiB.
LEAVE = int(1.5 * MiB)
RNG = np.random.default_rng(14)


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip() or proc.returncode}); "
                    "test_enospc_from_fsync covers ENOSPC by an OS-call patch")


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A fresh 64 MiB tmpfs, unmounted afterwards."""
    where = tmp_path / f"tmpfs_{uuid.uuid4().hex[:6]}"
    _mount_tmpfs(where, "64m")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(fs: Path, leave: int) -> Path:
    """Allocate a ballast file so that only ``leave`` bytes stay free."""
    ballast = fs / "ballast.bin"
    with open(ballast, "ab") as fh:
        os.posix_fallocate(fh.fileno(), ballast.stat().st_size, shutil.disk_usage(fs).free - leave)
    assert shutil.disk_usage(fs).free <= leave
    return ballast


def _noise_netcdf(final: Path) -> None:
    """The ocean product writer (netCDF4 engine) on an incompressible SST day (~4 MB)."""
    spec = load_products()["sst"]
    ds = demo_dataset(spec, DAY)
    noise = RNG.normal(290, 5, ds["analysed_sst"].shape).astype("float32")
    write_product(ds.assign(analysed_sst=(ds["analysed_sst"].dims, noise, ds["analysed_sst"].attrs)),
                  final, spec, source="demo")


def _crw_like_netcdf(final: Path) -> None:
    """``crw_daily``'s write: xarray's default engine (netCDF4), zlib, inside atomic_path."""
    ds = xr.Dataset({"CRW_SST": (("latitude", "longitude"), RNG.normal(28, 2, (800, 1200)).astype("f4"))})
    with atomic_path(final) as tmp:
        ds.to_netcdf(tmp, encoding={"CRW_SST": {"zlib": True, "complevel": 4}})


def _geojson(final: Path) -> None:
    """``reef_polygons``' write: geopandas GeoJSON with an explicit layer, inside atomic_path."""
    import geopandas as gpd
    import shapely

    n = 30_000
    frame = gpd.GeoDataFrame({"class_name": [f"reef {i} {RNG.bytes(24).hex()}" for i in range(n)]},
                             geometry=[shapely.Point(x, y) for x, y in RNG.uniform(-30, 30, (n, 2))],
                             crs="EPSG:4326")
    with atomic_path(final) as tmp:
        frame.to_file(tmp, driver="GeoJSON", layer="reef_polygons")


def _parquet(final: Path) -> None:
    """The parquet writers (ship_chips index and records, reef conditions, conus404 summary)."""
    with atomic_path(final) as tmp:
        pd.DataFrame({"x": RNG.normal(size=500_000)}).to_parquet(tmp, index=False)


def _png(final: Path) -> None:
    """The SST texture writer (PIL PNG, then atomic_write_bytes)."""
    write_texture(RNG.integers(0, 255, (1024, 2048, 4), dtype=np.uint8), final)


def _geotiff(final: Path) -> None:
    """``rasterio.open(tmp, "w")`` with the COG driver, as the demo Sentinel-2 scenes are written."""
    from ocean_assets.config import load_config
    from ocean_assets.core.ship_chips.settings import ChipConfig
    from ocean_assets.sources.ship_chips.demo_scenario import scenario
    from ocean_assets.sources.ship_chips.scenes import _write_cog

    aoi = ChipConfig.from_dict(load_config("ship_chips"), final.parent).aois[0]
    scen = scenario(aoi, DAY, 64, 0)
    _write_cog(final, RNG.integers(1, 65535, (1400, 1400), dtype=np.uint16), scen, 10.0, 0)


def _cog_chip(final: Path, scene_dir: Path) -> None:
    """The chip writer (windowed read, then rio-cogeo's cog_translate), from a demo scene that sits
    on a disk with space."""
    from ocean_assets.config import load_config
    from ocean_assets.core.ship_chips.chipping import write_chip
    from ocean_assets.core.ship_chips.settings import ChipConfig
    from ocean_assets.sources.ship_chips.demo_scenario import scenario
    from ocean_assets.sources.ship_chips.scenes import DemoScenes

    cfg = ChipConfig.from_dict(load_config("ship_chips"), scene_dir)
    scen = scenario(cfg.aois[0], DAY, 1024, 0)
    item = DemoScenes(scene_dir, size_px=1024, vessels=0).materialize(scen)
    import rasterio

    with rasterio.open(item["assets"][cfg.bands[0]]["href"]) as src:
        b = src.bounds
    tiling = {"chip_size_px": 1024, "block_size": 256, "overviews": [], "compression": "deflate",
              "resample_method": "bilinear"}
    write_chip(item, (b.left, b.bottom, b.right, b.top), str(src.crs), cfg.bands, final, tiling)


WRITERS: dict[str, Callable[..., None]] = {
    "product.nc": _noise_netcdf, "crw.nc": _crw_like_netcdf, "reefs.geojson": _geojson,
    "tiles.parquet": _parquet, "texture.png": _png, "scene.tif": _geotiff,
    "bytes.bin": lambda final: atomic_write_bytes(final, RNG.bytes(4 * MiB)),
}


def _assert_clean_refusal(exc: DiskFullError, final: Path, previous: bytes) -> None:
    assert isinstance(exc, PermanentError) and exc.errno == errno.ENOSPC
    assert str(exc).startswith(f"disk full writing {final}: ") and " bytes free" in str(exc)
    assert "\n" not in str(exc)
    assert final.read_bytes() == previous  # the previous file is intact
    assert sorted(final.parent.iterdir()) == [final]  # no temp file, nothing partial


@pytest.mark.parametrize("name", list(WRITERS))
def test_every_writer_on_a_full_disk_ends_in_one_disk_full_error(small_fs, name):
    final = small_fs / "out" / name
    previous = b"the previous version"
    atomic_write_bytes(final, previous)
    fill(small_fs, LEAVE)
    with pytest.raises(DiskFullError) as info:
        WRITERS[name](final)
    _assert_clean_refusal(info.value, final, previous)


def test_cog_chip_on_a_full_disk(small_fs, tmp_path):
    final = small_fs / "chips" / "chip.tif"
    previous = b"an older chip"
    atomic_write_bytes(final, previous)
    fill(small_fs, LEAVE)
    with pytest.raises(DiskFullError) as info:
        _cog_chip(final, tmp_path / "scenes")
    _assert_clean_refusal(info.value, final, previous)


# h5netcdf (h5py) crashes the process when the failed file is finalized, i.e. when the error is freed
# (h5py/h5py#914, "segmentation fault after raising a RuntimeError when no free space is left");
# the project writes NetCDF with the netCDF4 engine. The child reports, then leaves without
# finalizing, so the test can look at what the write left behind.
H5NETCDF_CHILD = """
import os, sys
import numpy as np, xarray as xr
from ocean_assets.core.io import DiskFullError, atomic_path
ds = xr.Dataset({"v": (("y", "x"), np.random.default_rng(0).normal(size=(1000, 1000)).astype("f4"))})
try:
    with atomic_path(sys.argv[1]) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")
except DiskFullError as exc:
    print(exc, flush=True)
    os._exit(0)
os._exit(3)
"""


def test_h5netcdf_on_a_full_disk(small_fs):
    final = small_fs / "out" / "h5.nc"
    atomic_write_bytes(final, b"previous")
    fill(small_fs, LEAVE)
    proc = subprocess.run([sys.executable, "-c", H5NETCDF_CHILD, str(final)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith(f"disk full writing {final}: ")
    assert final.read_bytes() == b"previous" and sorted(final.parent.iterdir()) == [final]


def test_enospc_from_fsync(tmp_path, monkeypatch):
    """Without a mount: ENOSPC reported by ``fsync`` (delayed allocation, NFS) is the same one error."""
    final = tmp_path / "out" / "product.nc"
    atomic_write_bytes(final, b"previous")

    def full_fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_fsync)
    with pytest.raises(DiskFullError) as info:
        _noise_netcdf(final)
    _assert_clean_refusal(info.value, final, b"previous")


# ----------------------------------------------------------------------------- through the assets

def _attempts(result: dg.ExecuteInProcessResult, step: str) -> int:
    events = [e.event_type_value for e in result.all_events if e.step_key == step]
    return events.count("STEP_START") + events.count("STEP_RESTARTED")


STEPS = {  # job -> steps whose first write meets the full disk (each with a RetryPolicy but ``sst_texture``)
    "ocean_daily": ["sst"],
    "reef_health_daily": ["reef_polygons", "crw_daily"],
    "ship_chips_daily": ["overpass_schedule"],
}


def test_assets_fail_once_on_a_full_disk_then_recover(small_fs, tmp_path, instance, monkeypatch):
    from ocean_assets.location import load_definitions

    monkeypatch.setenv("OCEAN_ASSETS_DATA_ROOT", str(small_fs))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'reefs.db'}")  # the database has room
    defs = load_definitions()
    key = DAY.isoformat()
    ballast = fill(small_fs, 0)
    for job_name, steps in STEPS.items():
        job = defs.resolve_job_def(job_name)
        result = job.execute_in_process(instance=instance, partition_key=key, raise_on_error=False,
                                        asset_selection=[dg.AssetKey(s) for s in steps])
        assert not result.success
        failures = {e.step_key: str(e.event_specific_data.error.message)
                    for e in result.all_events if e.event_type_value == "STEP_FAILURE"}
        assert set(failures) == set(steps), failures
        for step, message in failures.items():
            assert _attempts(result, step) == 1, f"{step} was retried"  # no futile retries
            assert "disk full writing " in message and " bytes free" in message, message
    assert list(small_fs.rglob(TEMP_GLOB)) == []  # nothing partial anywhere
    ballast.unlink()
    for job_name, steps in STEPS.items():  # with space again, the same runs complete
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance, partition_key=key, asset_selection=[dg.AssetKey(s) for s in steps])
        assert result.success and all(_attempts(result, s) == 1 for s in steps)

