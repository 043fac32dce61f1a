"""SIGKILL in the middle of writing a COG chip, the tiles.parquet index and a database batch. The
step runs its Dagster job in a child process that kills itself at a chosen point of the write
(deterministic, unlike a timer): no partial file at a final path, no half-applied index or batch,
and the next run completes with the same result as an uninterrupted one."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import rasterio
import rasterio.errors
import sqlalchemy as sa
from rio_cogeo.cogeo import cog_validate

from ocean_assets.core.io import sha256_file
from ocean_assets.core.ship_chips import index as idx
from ocean_assets.location import load_definitions
from ocean_assets_tests.pg import temporary_database

# Runs ``job`` for ``key`` on the DAGSTER_HOME instance after executing ``patch`` (argv[3]), which
# installs the kill point. Prints "finished" only if the run got to the end.
RUNNER = """
import os, signal, sys
import dagster as dg
from ocean_assets.location import load_definitions
job, key = sys.argv[1], sys.argv[2]

def die(path=None):
    if path is not None:  # leave the temp file as a crash mid-write would: its first half only
        os.truncate(path, os.path.getsize(path) // 2)
    os.kill(os.getpid(), signal.SIGKILL)

exec(sys.argv[3])
with dg.DagsterInstance.get() as instance:
    load_definitions().resolve_job_def(job).execute_in_process(instance=instance, partition_key=key)
print("finished", flush=True)
"""

# The second chip's COG is half-written to its temp name when the process dies.
KILL_IN_COG = """
import ocean_assets.core.ship_chips.chipping as chipping
original, calls = chipping.cog_translate, []
def cog_translate(src, dst, *args, **kwargs):
    calls.append(dst)
    original(src, dst, *args, **kwargs)
    if len(calls) == 2:
        die(dst)
chipping.cog_translate = cog_translate
"""

# tiles.parquet is half-written to its temp name when the process dies.
KILL_IN_INDEX = """
import geopandas as gpd
original = gpd.GeoDataFrame.to_parquet
def to_parquet(self, path, *args, **kwargs):
    original(self, path, *args, **kwargs)
    if ".tiles.parquet." in str(path):
        die(path)
gpd.GeoDataFrame.to_parquet = to_parquet
"""

# Upserts go in batches of 2; the process dies when the first batch has run inside the transaction.
KILL_IN_BATCH = """
import ocean_assets.core.reef_health.store as store
original, calls = store._insert, []
def _insert(engine):
    calls.append(1)
    if len(calls) == 2:
        die()
    return original(engine)
store.UPSERT_BATCH, store._insert = 2, _insert
"""


def run(job: str, key: str, patch: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUNNER, job, key, patch], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)


def run_here(job: str, key: str) -> None:
    """The next, uninterrupted run: in this process, on the same instance as the child's."""
    with dg.DagsterInstance.get() as instance:
        assert load_definitions().resolve_job_def(job).execute_in_process(instance=instance, partition_key=key).success


def killed(proc: subprocess.CompletedProcess) -> bool:
    return proc.returncode == -signal.SIGKILL and "finished" not in proc.stdout


def hidden_temps(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob(".*.tmp") if p.is_file())


def final_files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.rglob(pattern) if not p.name.startswith("."))


def readable(path: Path) -> bool:
    try:
        with rasterio.open(path) as src:
            src.read()
        return True
    except rasterio.errors.RasterioError:
        return False


def whole_cog(path: Path) -> bool:
    return readable(path) and cog_validate(str(path))[0]


# ship_chips --------------------------------------------------------------------------------------

DAY1, DAY2 = "2026-04-10", "2026-04-11"


def test_kill_mid_cog_write_leaves_only_whole_chips(data_root):
    root = data_root / "ship_chips"
    proc = run("ship_chips_daily", DAY1, KILL_IN_COG)
    assert killed(proc), proc.stderr[-2000:]
    [partial] = [p for p in hidden_temps(root) if p.name.endswith(".tmp") and ".tif." in p.name]
    assert not readable(partial)  # the dead writer's half file is unreadable ...
    chips = final_files(root / "chips", "*.tif")
    assert len(chips) == 1 and all(map(whole_cog, chips))  # ... and never at a final path
    assert not idx.index_path(root).exists()  # the index never saw the interrupted day
    first_chip = sha256_file(chips[0])

    run_here("ship_chips_daily", DAY1)
    chips = final_files(root / "chips", "*.tif")
    index = idx.read_index(root)
    assert len(chips) == len(index) == 3 and all(map(whole_cog, chips))
    assert sha256_file(chips[0]) == first_chip  # the re-run rewrote the same bytes
    assert {Path(p).name for p in index["path"]} == {p.name for p in chips}


def test_kill_mid_index_write_keeps_the_previous_index(data_root):
    root = data_root / "ship_chips"
    run_here("ship_chips_daily", DAY1)
    before, before_rows = sha256_file(idx.index_path(root)), idx.read_index(root)
    assert set(before_rows["day"]) == {DAY1}

    proc = run("ship_chips_daily", DAY2, KILL_IN_INDEX)
    assert killed(proc), proc.stderr[-2000:]
    assert any(".tiles.parquet." in p.name for p in hidden_temps(root))  # it died mid-write ...
    assert sha256_file(idx.index_path(root)) == before  # ... and the index is the previous one, whole
    pd.testing.assert_frame_equal(idx.read_index(root), before_rows)

    run_here("ship_chips_daily", DAY2)
    after = idx.read_index(root)
    assert set(after["day"]) == {DAY1, DAY2}
    assert not after["chip_id"].duplicated().any()
    assert len(after[after["day"] == DAY1]) == len(before_rows)


# reef_health -------------------------------------------------------------------------------------

REEF_DAY = "2024-03-05"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, data_root, monkeypatch):
    if request.param == "sqlite":
        url = f"sqlite:///{data_root / 'reefs.db'}"
        monkeypatch.setenv("DATABASE_URL", url)
        yield url
        return
    base = request.getfixturevalue("postgres_url")
    with temporary_database(base, prefix="oa_kill") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        yield url


def score_rows(url: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql(sa.text("SELECT date, reef_id, stress_score FROM reef_health_scores"), conn)
    finally:
        engine.dispose()


def test_kill_mid_database_batch_applies_nothing(database_url, data_root):
    with dg.DagsterInstance.get() as instance:  # pH for the scores comes from `acidity`
        assert load_definitions().resolve_job_def("ocean_daily").execute_in_process(
            instance=instance, partition_key=REEF_DAY, asset_selection=[dg.AssetKey("acidity")]).success
    proc = run("reef_health_daily", REEF_DAY, KILL_IN_BATCH)
    assert killed(proc), proc.stderr[-2000:]
    assert score_rows(database_url).empty  # the first batch ran but was never committed

    run_here("reef_health_daily", REEF_DAY)
    first = score_rows(database_url)
    reefs = pd.read_parquet(final_files(data_root / "reef_health" / "conditions", "*.parquet")[0])
    assert len(first) == len(reefs) > 2 and not first[["date", "reef_id"]].duplicated().any()
    assert set(pd.to_datetime(first["date"]).dt.date) == {dt.date.fromisoformat(REEF_DAY)}
    run_here("reef_health_daily", REEF_DAY)  # and once more: still one row per reef
    pd.testing.assert_frame_equal(score_rows(database_url).sort_values("reef_id", ignore_index=True),
                                  first.sort_values("reef_id", ignore_index=True))
