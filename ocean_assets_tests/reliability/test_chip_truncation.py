"""Issue 14, cases 27-28: a chip cut short by a full disk never reaches its final path, a broken
chip already there fails ``chip_is_valid_cog`` and is rewritten by the next run, and SQLite's
"database or disk is full" (the retry store in the data root) fails the step once, not retried.

Scenes and AIS are the project's demo sources (synthetic, written by the code under test)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from rio_cogeo.cogeo import cog_validate

from ocean_assets.config import load_config
from ocean_assets.core.io import TEMP_GLOB, DiskFullError, sha256_file
from ocean_assets.core.ship_chips import chipping, validation
from ocean_assets.core.ship_chips.settings import ChipConfig
from ocean_assets.dagster_support import Day, DayOutput, daily_asset
from ocean_assets.sources.ship_chips.ais import DemoAis
from ocean_assets.sources.ship_chips.scenes import DemoScenes
from ocean_assets_tests.reliability.test_disk_full import fill, small_fs  # noqa: F401 - fixture

DAY = dt.date(2026, 4, 10)  # a demo day with three kept chips


@pytest.fixture
def cfg(data_root: Path) -> ChipConfig:
    return ChipConfig.from_dict(load_config("ship_chips"), data_root)


@pytest.fixture
def observations(cfg: ChipConfig) -> list[chipping.Observation]:
    start = dt.datetime.combine(DAY, dt.time(), dt.UTC)
    items = DemoScenes(cfg.dataset_root / "demo_scenes").search(cfg.aois[0], start, start + dt.timedelta(days=1), 100)
    t0 = chipping.scene_time(items[0])
    ais = DemoAis().positions(cfg.aois[0], [(t0 - dt.timedelta(minutes=5), t0 + dt.timedelta(minutes=5))])
    return chipping.match_observations(ais, items, 10)


def _process(cfg: ChipConfig, obs: chipping.Observation) -> dict:
    return chipping.process_observation(obs, cfg.dataset_root, cfg.bands, cfg.section("tiling"),
                                        cfg.section("gate"))


def _first_kept(cfg: ChipConfig, observations: list[chipping.Observation]) -> tuple[chipping.Observation, Path]:
    for obs in observations:
        rec = _process(cfg, obs)
        if rec["status"] == "kept":
            return obs, Path(rec["path"])
    raise AssertionError("the demo day kept no chip")


def test_truncated_chip_fails_the_cog_check_and_is_rewritten(cfg, observations):
    obs, path = _first_kept(cfg, observations)
    good = sha256_file(path)
    size = path.stat().st_size
    with open(path, "r+b") as fh:  # what a full disk left: header and IFDs whole, tiles cut off
        fh.truncate(size // 2)
    assert cog_validate(str(path), quiet=True)[0]  # the header alone still looks like a valid COG
    outcome = validation.chips_are_cogs([path])
    assert not outcome.passed and path.name in outcome.message
    rec = _process(cfg, obs)  # the next run: the broken chip is not trusted, it is written again
    assert rec["status"] == "kept" and rec["existed"] is False
    assert sha256_file(path) == good and validation.chips_are_cogs([path]).passed
    assert _process(cfg, obs)["existed"] is True  # a whole chip is still skipped


def _cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """cog_translate that returns normally with only half the file written (as GDAL does when the
    disk fills), here with plenty of space left: a clear ChipError, not a disk-full one."""
    real = chipping.cog_translate

    def translate(src, dst, *args, **kwargs):  # noqa: ANN001, ANN202
        real(src, dst, *args, **kwargs)
        with open(dst, "r+b") as fh:
            fh.truncate(Path(dst).stat().st_size // 2)

    monkeypatch.setattr(chipping, "cog_translate", translate)


def test_cog_cut_short_never_reaches_the_final_path(cfg, observations, monkeypatch):
    obs, path = _first_kept(cfg, observations)
    path.unlink()
    _cut_short(monkeypatch)
    with pytest.raises(chipping.ChipError, match="does not read back"):
        _process(cfg, obs)
    assert list((cfg.dataset_root / "chips").rglob("*.tif")) == []
    assert list((cfg.dataset_root / "chips").rglob(TEMP_GLOB)) == []


def test_chip_on_a_nearly_full_disk_is_one_disk_full_error_and_nothing_partial(cfg, observations, small_fs):  # noqa: F811
    """Case 27 for real, no patch: 12 KB free. GDAL only logs "_tiffSeekProc: No space left on
    device" and cog_translate returns; the chip did not read back, so it is never renamed into place."""
    ballast = fill(small_fs, 12 << 10)
    outcomes = []
    for obs in observations:
        try:
            rec = chipping.process_observation(obs, small_fs, cfg.bands, cfg.section("tiling"), cfg.section("gate"))
            outcomes.append(rec["status"])
        except DiskFullError as exc:
            assert str(exc).startswith("disk full writing ") and " bytes free" in str(exc)
            outcomes.append("disk_full")
    assert outcomes.count("disk_full") == 3 and "kept" not in outcomes  # the demo day's three chips
    assert list(small_fs.rglob("*.tif")) == [] and list(small_fs.rglob(TEMP_GLOB)) == []
    ballast.unlink()  # case 28: with space again, the same run writes whole chips
    recs = [chipping.process_observation(o, small_fs, cfg.bands, cfg.section("tiling"), cfg.section("gate"))
            for o in observations]
    paths = [Path(r["path"]) for r in recs if r["status"] == "kept"]
    assert len(paths) == 3 and validation.chips_are_cogs(paths).passed


@pytest.mark.parametrize("via", ["sqlite3", "sqlalchemy"])
def test_sqlite_full_fails_once_without_retry(small_fs, instance, via):  # noqa: F811
    """A real SQLITE_FULL: the database sits on a tmpfs that is then filled."""
    db = small_fs / "ocean_assets.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (v BLOB)"))
    fill(small_fs, 0)
    calls = []

    @daily_asset(name="retry_store_writer", group="ship_chips", remote=True, kinds={"sqlite"},
                 description="writes a row to a database on a full disk")
    def retry_store_writer(day: Day) -> DayOutput:
        calls.append(day.key)
        if via == "sqlite3":
            with sqlite3.connect(db) as conn:
                conn.execute("INSERT INTO t VALUES (?)", (b"x" * (1 << 20),))
        else:
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": b"x" * (1 << 20)})
        return DayOutput(files=[])

    result = dg.materialize([retry_store_writer], instance=instance, partition_key="2024-03-05",
                            raise_on_error=False)
    assert not result.success
    assert calls == ["2024-03-05"]  # once: no step retry
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = str(failure.event_specific_data.error.message)
    assert "disk full" in message and "database or disk is full" in message, message
