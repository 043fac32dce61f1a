"""Runs of different days at once both rewrite the shared tiles.parquet (read, replace the day's
rows, write). Atomic renames keep the file whole but would lose one day's rows; the index lock
(core.io.file_lock) serialises the read-modify-write, whatever the Dagster pool settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ocean_assets.core.ship_chips import index as idx

# Upserts ``n`` times the rows of day argv[2] (chip ids "<day>-<i>") once ``go`` exists.
UPSERTER = """
import sys, time
from pathlib import Path
import geopandas as gpd
from shapely.geometry import Point
from ocean_assets.core.ship_chips import index as idx
root, day, n, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
rows = gpd.GeoDataFrame({c: [f"{day}-{i}" if c == "chip_id" else (day if c == "day" else "x") for i in range(5)]
                         for c in idx.INDEX_COLUMNS[:-1]},
                        geometry=[Point(4.0 + i, 52.0) for i in range(5)], crs="EPSG:4326")
while not go.exists():
    time.sleep(0.005)
for _ in range(n):
    idx.upsert_day(root, rows, day)
"""


def test_concurrent_days_never_lose_each_others_rows(tmp_path: Path):
    root, go = tmp_path / "ship_chips", tmp_path / "go"
    days = ["2026-04-10", "2026-04-11", "2026-04-12"]
    procs = [subprocess.Popen([sys.executable, "-c", UPSERTER, str(root), day, "25", str(go)],
                              env=os.environ.copy(), stderr=subprocess.PIPE) for day in days]
    time.sleep(1.5)  # let every process import and wait at the gate
    go.touch()
    for proc in procs:
        assert proc.wait(120) == 0, proc.stderr.read().decode()[-2000:]
    index = idx.read_index(root)
    assert sorted(index["day"].unique()) == days  # no day's rows were lost to another's rewrite
    assert len(index) == 15 and not index["chip_id"].duplicated().any()
    assert not list(root.rglob(".*.tmp"))
