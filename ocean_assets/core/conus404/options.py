"""The conus404 config (config/conus404.yaml) as typed, validated objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocean_assets.config import ConfigError, load_config, require
from ocean_assets.core.retry import Backoff

AGGREGATES = ("mean", "sum", "min", "max", "bucket_diff")


@dataclass(frozen=True)
class Limits:
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Conus404Options:
    archive_start: dt.date
    archive_end: dt.date
    stac_url: str
    collection: str
    asset: str
    aggregation: dict[str, tuple[str, ...]]
    buckets: dict[str, tuple[str, float]]  # variable -> (counter variable, bucket size)
    plausibility: dict[str, Limits]
    max_concurrent_reads: int
    backoff: Backoff
    complevel: int
    demo_grid: tuple[int, int]
    window_start: dt.date
    window_end: dt.date
    max_per_tick: int

    @property
    def input_variables(self) -> list[str]:
        """Every hourly variable a day needs (bucket counters included)."""
        names = list(self.aggregation)
        names += [counter for counter, _ in self.buckets.values()]
        return list(dict.fromkeys(names))


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


def parse_options(raw: dict[str, Any], where: str = "conus404.yaml") -> Conus404Options:
    archive = require(raw, "archive", where)
    live = require(raw, "live", where)
    reads = raw.get("reads", {})
    catchup = raw.get("catchup", {})
    aggregation: dict[str, tuple[str, ...]] = {}
    for var, aggs in require(raw, "aggregation", where).items():
        aggs = tuple(aggs or ())
        bad = [a for a in aggs if a not in AGGREGATES]
        if bad or not aggs:
            raise ConfigError(f"{where}: aggregation.{var}: {aggs} (allowed: {AGGREGATES})")
        aggregation[var] = aggs
    buckets = {
        var: (str(require(spec, "counter", f"{where}: buckets.{var}")), float(spec.get("size", 1e9)))
        for var, spec in (raw.get("buckets") or {}).items()
    }
    for var, aggs in aggregation.items():
        if "bucket_diff" in aggs and var not in buckets:
            raise ConfigError(f"{where}: {var} uses bucket_diff but has no buckets.{var} entry")
    plaus = {
        var: Limits(spec.get("min"), spec.get("max"))
        for var, spec in (raw.get("plausibility") or {}).items()
    }
    grid = tuple(int(n) for n in raw.get("demo", {}).get("grid", (60, 80)))
    opts = Conus404Options(
        archive_start=_date(require(archive, "start", where), f"{where}: archive.start"),
        archive_end=_date(require(archive, "end", where), f"{where}: archive.end"),
        stac_url=str(require(live, "stac_url", where)),
        collection=str(live.get("collection", "conus404")),
        asset=str(live.get("asset", "zarr-abfs")),
        aggregation=aggregation,
        buckets=buckets,
        plausibility=plaus,
        max_concurrent_reads=int(reads.get("max_concurrent_reads", 4)),
        backoff=Backoff(
            attempts=int(reads.get("attempts", 4)),
            base_seconds=float(reads.get("backoff_base_seconds", 1.0)),
            max_seconds=float(reads.get("backoff_max_seconds", 30.0)),
        ),
        complevel=int(raw.get("output", {}).get("netcdf_complevel", 1)),
        demo_grid=(grid[0], grid[1]),
        window_start=_date(catchup.get("window_start", archive["start"]), f"{where}: catchup"),
        window_end=_date(catchup.get("window_end", archive["end"]), f"{where}: catchup"),
        max_per_tick=int(catchup.get("max_per_tick", 3)),
    )
    if opts.max_concurrent_reads < 1:
        raise ConfigError(f"{where}: reads.max_concurrent_reads must be >= 1")
    if opts.archive_end < opts.archive_start:
        raise ConfigError(f"{where}: archive.end is before archive.start")
    return opts


def load_options(config_dir: Path | None = None) -> Conus404Options:
    return parse_options(load_config("conus404", config_dir))


def daily_path(data_root: Path, day: dt.date | str) -> Path:
    """data/conus404/daily/conus404_daily_{YYYYMMDD}.nc"""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return Path(data_root) / "conus404" / "daily" / f"conus404_daily_{day:%Y%m%d}.nc"


def summary_path(data_root: Path, day: dt.date | str) -> Path:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return Path(data_root) / "conus404" / "summary" / f"conus404_summary_{day:%Y%m%d}.parquet"
