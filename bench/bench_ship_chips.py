"""Chip extraction: windowed reads (the pipeline) vs reading the whole scene per chip (baseline).

Prints chips per second and bytes read per chip for both, and their ratios, measured in the same run.
    python -m bench ship_chips                          # 1024 px demo scene, ~1 min or less
    python -m bench ship_chips -- --size 4096 --repeat 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import from_bounds

from ocean_assets.core.ship_chips.chipping import chip_bounds, match_observations, scene_time
from ocean_assets.core.ship_chips.settings import Aoi
from ocean_assets.sources.ship_chips.ais import DemoAis
from ocean_assets.sources.ship_chips.scenes import DemoScenes

BANDS = ["blue", "green", "red", "nir"]


class Counter:
    """A rasterio ``opener`` that counts the bytes GDAL reads from each file."""

    def __init__(self) -> None:
        self.bytes = 0

    def __call__(self, path: str, mode: str = "rb") -> io.BufferedReader:
        counter = self
        raw = open(path, mode)  # noqa: SIM115 (closed by GDAL through the wrapper)

        class Counting(io.BufferedReader):
            def read(self, size: int = -1) -> bytes:
                data = raw.read(size)
                counter.bytes += len(data)
                return data

            def readinto(self, b) -> int:  # noqa: ANN001
                n = raw.readinto(b)
                counter.bytes += n or 0
                return n

            def seek(self, *args: int) -> int:
                return raw.seek(*args)

            def tell(self) -> int:
                return raw.tell()

            def close(self) -> None:
                raw.close()

        return Counting(raw)


def windowed(href: str, bounds, size: int, opener: Counter) -> np.ndarray:
    with rasterio.open(href, opener=opener) as src:
        return src.read(1, window=from_bounds(*bounds, transform=src.transform), out_shape=(size, size))


def whole_scene(href: str, bounds, size: int, opener: Counter) -> np.ndarray:
    with rasterio.open(href, opener=opener) as src:
        full = src.read(1)
        win = from_bounds(*bounds, transform=src.transform).round_offsets().round_lengths()
        return full[win.row_off: win.row_off + size, win.col_off: win.col_off + size]


def run(method, observations, size: int, repeat: int) -> tuple[float, float]:
    counter = Counter()
    start = time.perf_counter()
    n = 0
    for _ in range(repeat):
        for obs, bounds in observations:
            for band in BANDS:
                method(obs.scene["assets"][band]["href"], bounds, size, counter)
            n += 1
    elapsed = time.perf_counter() - start
    return n / elapsed, counter.bytes / n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench ship_chips", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="demo scene side in 10 m pixels")
    parser.add_argument("--vessels", type=int, default=30)
    parser.add_argument("--chip", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    aoi = Aoi("31UFU", 32631, (4.35, 52.40, 4.51, 52.50))
    day = dt.date(2026, 4, 10)
    with tempfile.TemporaryDirectory() as tmp:
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        items = DemoScenes(Path(tmp), args.size, args.vessels).search(aoi, start, start + dt.timedelta(days=1), 101)
        t0 = scene_time(items[0])
        ais = DemoAis(args.size, args.vessels).positions(aoi, [(t0 - dt.timedelta(minutes=2), t0 + dt.timedelta(minutes=2))])
        observations = []
        for obs in match_observations(ais, items, 10):
            try:
                observations.append((obs, chip_bounds(obs, obs.scene["assets"]["blue"]["href"], args.chip)[0]))
            except ValueError:
                continue
        base_rate, base_bytes = run(whole_scene, observations, args.chip, args.repeat)
        win_rate, win_bytes = run(windowed, observations, args.chip, args.repeat)
    print(f"scene {args.size}x{args.size} px, {len(observations)} chips x {len(BANDS)} bands, chip {args.chip} px, "
          f"repeat {args.repeat}")
    print(f"whole scene per chip (baseline): {base_rate:8.1f} chips/s  {base_bytes / 1e6:8.3f} MB read/chip")
    print(f"windowed read (pipeline)       : {win_rate:8.1f} chips/s  {win_bytes / 1e6:8.3f} MB read/chip")
    print(f"ratio windowed/baseline        : {win_rate / base_rate:8.1f}x faster, "
          f"{base_bytes / max(win_bytes, 1):.1f}x fewer bytes")


if __name__ == "__main__":
    main()
