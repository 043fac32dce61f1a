"""The conus404 config (config/conus404.yaml) as typed, validated objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocean_assets.config import ConfigError, load_config, require, validate
from ocean_assets.core.conus404.projection import LambertConformal
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
    buckets: dict[str, tuple[str | None, float]]  # variable -> (counter variable or None, size)
    plausibility: dict[str, Limits]
    max_concurrent_reads: int
    backoff: Backoff
    complevel: int
    demo_grid: tuple[int, int]
    window_start: dt.date
    window_end: dt.date
    max_per_tick: int
    impossible: dict[str, Limits] = field(default_factory=dict)
    plausibility_max_fraction: float = 0.01
    projection: LambertConformal | None = None
    rotate_winds: bool = True
    wind_pairs: tuple[tuple[str, str], ...] = (("U10", "V10"),)

    @property
    def input_variables(self) -> list[str]:
        """Every hourly variable a day needs (bucket counters included)."""
        names = list(self.aggregation)
        names += [counter for counter, _ in self.buckets.values() if counter]
        return list(dict.fromkeys(names))

    @property
    def qc_variables(self) -> tuple[str, ...]:
        """Aggregated variables with impossible or plausible limits (their values are counted)."""
        return tuple(v for v in self.aggregation if v in self.impossible or v in self.plausibility)


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


def parse_options(raw: dict[str, Any], where: str = "conus404.yaml") -> Conus404Options:
    raw = validate("conus404", raw, f"config/{where}" if "/" not in where else where)  # ranges, defaults
    archive = require(raw, "archive", where)
    live = require(raw, "live", where)
    reads = raw["reads"]
    catchup = raw["catchup"]
    aggregation: dict[str, tuple[str, ...]] = {}
    for var, aggs in require(raw, "aggregation", where).items():
        aggs = tuple(aggs or ())
        bad = [a for a in aggs if a not in AGGREGATES]
        if bad or not aggs:
            raise ConfigError(f"{where}: aggregation.{var}: {aggs} (allowed: {AGGREGATES})")
        aggregation[var] = aggs
    buckets = {var: _bucket(spec, f"{where}: buckets.{var}")
               for var, spec in raw["buckets"].items()}
    for var, aggs in aggregation.items():
        if "bucket_diff" in aggs and var not in buckets:
            raise ConfigError(f"{where}: {var} uses bucket_diff but has no buckets.{var} entry")
        if "bucket_diff" in aggs and len(aggs) > 1:
            raise ConfigError(f"{where}: aggregation.{var}: a running total has only bucket_diff, "
                              f"got {list(aggs)}")
    plaus = _limits(raw.get("plausibility"), f"{where}: plausibility")
    impossible = _limits(raw.get("impossible"), f"{where}: impossible")
    fraction = raw["plausibility_max_fraction"]
    winds = raw["winds"]
    pairs = tuple(tuple(str(n) for n in pair) for pair in winds["pairs"])
    if any(len(pair) != 2 for pair in pairs):
        raise ConfigError(f"{where}: winds.pairs: each pair is [x component, y component], got {pairs}")
    grid = tuple(raw["demo"]["grid"])
    opts = Conus404Options(
        archive_start=_date(require(archive, "start", where), f"{where}: archive.start"),
        archive_end=_date(require(archive, "end", where), f"{where}: archive.end"),
        stac_url=str(require(live, "stac_url", where)),
        collection=live["collection"],
        asset=live["asset"],
        aggregation=aggregation,
        buckets=buckets,
        plausibility=plaus,
        max_concurrent_reads=reads["max_concurrent_reads"],
        backoff=Backoff(
            attempts=reads["attempts"],
            base_seconds=reads["backoff_base_seconds"],
            max_seconds=reads["backoff_max_seconds"],
        ),
        complevel=raw["output"]["netcdf_complevel"],
        demo_grid=(grid[0], grid[1]),
        window_start=_date(catchup["window_start"] or archive["start"], f"{where}: catchup"),
        window_end=_date(catchup["window_end"] or archive["end"], f"{where}: catchup"),
        max_per_tick=catchup["max_per_tick"],
        impossible=impossible,
        plausibility_max_fraction=fraction,
        projection=_projection(raw.get("projection"), f"{where}: projection"),
        rotate_winds=winds["rotate_to_earth"],
        wind_pairs=pairs,  # type: ignore[arg-type]
    )
    if opts.max_concurrent_reads < 1:
        raise ConfigError(f"{where}: reads.max_concurrent_reads must be >= 1")
    if opts.archive_end < opts.archive_start:
        raise ConfigError(f"{where}: archive.end is before archive.start")
    return opts


def _number(value: Any, where: str, lo: float | None = None, hi: float | None = None) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {value!r} is not a number") from None
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise ConfigError(f"{where}: {number:g} is outside [{lo}, {hi}]")
    return number


def _limits(raw: Any, where: str) -> dict[str, Limits]:
    out: dict[str, Limits] = {}
    for var, spec in (raw or {}).items():
        if not isinstance(spec, dict) or not set(spec) <= {"min", "max"}:
            raise ConfigError(f"{where}.{var}: expected {{min: number, max: number}}, got {spec!r}")
        lo = None if spec.get("min") is None else _number(spec["min"], f"{where}.{var}.min")
        hi = None if spec.get("max") is None else _number(spec["max"], f"{where}.{var}.max")
        if lo is not None and hi is not None and hi < lo:
            raise ConfigError(f"{where}.{var}: max {hi:g} is below min {lo:g}")
        out[str(var)] = Limits(lo, hi)
    return out


def _bucket(spec: dict[str, Any], where: str) -> tuple[str | None, float]:
    return spec["counter"] or None, spec["size"]  # types and ranges: config_models.conus404.Bucket


def _projection(raw: dict[str, Any] | None, where: str) -> LambertConformal | None:
    """Ranges (latitudes, longitudes, dx/dy > 0, map_proj 1) are checked by config_models.conus404."""
    if not raw:
        return None
    return LambertConformal(**{k: v for k, v in raw.items() if k != "map_proj"})


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
