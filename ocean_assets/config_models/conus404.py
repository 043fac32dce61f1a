"""config/conus404.yaml: the CONUS404 hourly archive aggregated to daily files."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from ocean_assets.config_models._base import (
    Attempts,
    Fraction,
    Latitude,
    Longitude,
    NonNegative,
    Positive,
    PositiveInt,
    Section,
)

Aggregate = Literal["mean", "sum", "min", "max", "bucket_diff"]


class Archive(Section):
    start: dt.date = Field(description="first day of the archive (YYYY-MM-DD)")
    end: dt.date = Field(description="last day of the archive, inclusive")

    @model_validator(mode="after")
    def _ordered(self) -> Archive:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class Live(Section):
    stac_url: str = Field(description="STAC API of the live archive")
    collection: str = Field("conus404", description="STAC collection")
    asset: str = Field("zarr-abfs", description="collection asset holding the Zarr store")


class Bucket(Section):
    counter: str | None = Field(None, description="bucket counter variable (null: a plain running total)")
    size: NonNegative = Field(1.0e9, description="units per bucket, as the producer states it")


class Limits(Section):
    min: float | None = Field(None, description="lowest value allowed")
    max: float | None = Field(None, description="highest value allowed")

    @model_validator(mode="after")
    def _ordered(self) -> Limits:
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"max {self.max:g} is below min {self.min:g}")
        return self


class Projection(Section):
    map_proj: Literal[1] = Field(1, description="1 = Lambert conformal (the only projection supported)")
    truelat1: Latitude = Field(description="first true latitude (degrees north)")
    truelat2: Latitude = Field(description="second true latitude (degrees north)")
    stand_lon: Longitude = Field(description="central meridian (degrees east)")
    cen_lat: Latitude = Field(description="projection origin latitude (degrees north)")
    cen_lon: Longitude = Field(description="domain centre longitude (degrees east)")
    dx: Positive = Field(description="grid spacing x (m)")
    dy: Positive = Field(description="grid spacing y (m)")
    earth_radius: float = Field(6_370_000.0, ge=1, description="radius of WRF's sphere (m)")


class Winds(Section):
    rotate_to_earth: bool = Field(True, description="write U10/V10 as eastward/northward wind")
    pairs: list[tuple[str, str]] = Field([("U10", "V10")], description="[grid x component, grid y component]")


class Reads(Section):
    max_concurrent_reads: PositiveInt = Field(4, description="simultaneous hourly reads of one day")
    attempts: Attempts = Field(4, description="tries per hourly read (1 = no retry)")
    backoff_base_seconds: NonNegative = Field(1.0, description="first backoff wait (s)")
    backoff_max_seconds: Positive = Field(30.0, description="longest backoff wait (s)")


class Output(Section):
    netcdf_complevel: int = Field(1, ge=0, le=9, description="zlib level of the daily NetCDF (0 = none)")


class Demo(Section):
    grid: tuple[PositiveInt, PositiveInt] = Field((60, 80), description="demo grid south_north, west_east")


class Catchup(Section):
    window_start: dt.date | None = Field(None, description="the sensor fills missing days from here "
                                                           "(default archive.start)")
    window_end: dt.date | None = Field(None, description="... to here (default archive.end)")
    max_per_tick: PositiveInt = Field(3, description="days the catch-up sensor requests per tick")


class Conus404Config(Section):
    archive: Archive = Field(description="the archive's days")
    live: Live = Field(description="the live archive")
    aggregation: dict[str, list[Aggregate]] = Field(min_length=1, description="daily aggregates of each variable")
    buckets: dict[str, Bucket] = Field({}, description="running totals with bucket counters")
    projection: Projection | None = Field(None, description="the model grid (WRF Lambert conformal)")
    winds: Winds = Field(Winds(), description="wind components")
    impossible: dict[str, Limits] = Field({}, description="values physics rules out (ERROR)")
    plausibility: dict[str, Limits] = Field({}, description="plausible range of each variable (WARN)")
    plausibility_max_fraction: Fraction = Field(0.01, description="share of values outside the plausible range "
                                                                  "that only WARNs")
    reads: Reads = Field(Reads(), description="hourly reads")
    output: Output = Field(Output(), description="daily file")
    demo: Demo = Field(Demo(), description="demo twin")
    catchup: Catchup = Field(Catchup(), description="catch-up sensor")
