"""The conus404 config (config/conus404.yaml) as typed, validated objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocean_assets.config import ConfigError, load_config, require
from ocean_assets.core.conus404.projection import LAMBERT, LambertConformal
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
    buckets = {var: _bucket(spec, f"{where}: buckets.{var}")
               for var, spec in (raw.get("buckets") or {}).items()}
    for var, aggs in aggregation.items():
        if "bucket_diff" in aggs and var not in buckets:
            raise ConfigError(f"{where}: {var} uses bucket_diff but has no buckets.{var} entry")
        if "bucket_diff" in aggs and len(aggs) > 1:
            raise ConfigError(f"{where}: aggregation.{var}: a running total has only bucket_diff, "
                              f"got {list(aggs)}")
    plaus = _limits(raw.get("plausibility"), f"{where}: plausibility")
    impossible = _limits(raw.get("impossible"), f"{where}: impossible")
    fraction = _number(raw.get("plausibility_max_fraction", 0.01),
                       f"{where}: plausibility_max_fraction", 0.0, 1.0)
    winds = raw.get("winds") or {}
    pairs = tuple(tuple(str(n) for n in pair) for pair in winds.get("pairs", [["U10", "V10"]]))
    if any(len(pair) != 2 for pair in pairs):
        raise ConfigError(f"{where}: winds.pairs: each pair is [x component, y component], got {pairs}")
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
        impossible=impossible,
        plausibility_max_fraction=fraction,
        projection=_projection(raw.get("projection"), f"{where}: projection"),
        rotate_winds=bool(winds.get("rotate_to_earth", True)),
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


def _bucket(spec: Any, where: str) -> tuple[str | None, float]:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expected {{counter: name or null, size: number}}, got {spec!r}")
    counter = spec.get("counter")
    return (str(counter) if counter else None), _number(spec.get("size", 1e9), f"{where}.size", 0.0)


def _projection(raw: Any, where: str) -> LambertConformal | None:
    if not raw:
        return None
    if int(raw.get("map_proj", LAMBERT)) != LAMBERT:
        raise ConfigError(f"{where}.map_proj: only {LAMBERT} (Lambert conformal) is supported")
    lat = {"truelat1", "truelat2", "cen_lat"}
    values = {}
    for key in ("truelat1", "truelat2", "stand_lon", "cen_lat", "cen_lon", "dx", "dy"):
        lo, hi = (-90.0, 90.0) if key in lat else (-180.0, 180.0) if "lon" in key else (1e-9, None)
        values[key] = _number(require(raw, key, where), f"{where}.{key}", lo, hi)
    values["earth_radius"] = _number(raw.get("earth_radius", 6_370_000.0), f"{where}.earth_radius", 1.0)
    return LambertConformal(**values)


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
