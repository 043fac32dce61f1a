"""config/ocean.yaml: the daily NetCDF products, the SST texture, automation, the sweep and retries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ocean_assets.config_models._base import (
    Attempts,
    Fraction,
    NonNegative,
    NonNegativeInt,
    Positive,
    PositiveInt,
    Region,
    Section,
)

ProductName = Literal["sst", "currents", "acidity", "microplastics"]
SourceName = Literal["copernicus", "erddap", "cygnss"]


class Variable(Section):
    units: str = Field(description="units as written to the product file (UDUNITS)")
    standard_name: str | None = Field(None, description="CF standard name (table v93)")
    long_name: str | None = Field(None, description="CF long_name")
    min: float | None = Field(None, description="plausible minimum: a few cells below WARN, the whole field ERROR")
    max: float | None = Field(None, description="plausible maximum")
    physical_min: float | None = Field(None, description="no instrument can produce less: any cell below is an ERROR")
    physical_max: float | None = Field(None, description="no instrument can produce more: any cell above is an ERROR")


class Coords(Section):
    lat: str = Field("latitude", description="name of the latitude coordinate")
    lon: str = Field("longitude", description="name of the longitude coordinate")


class Depth(Section):
    min: NonNegative = Field(description="shallowest depth kept (m)")
    max: NonNegative = Field(description="deepest depth kept (m)")


class Speed(Section):
    u: str = Field(description="eastward component variable")
    v: str = Field(description="northward component variable")
    max: Positive = Field(description="current speed (m/s) at or above which cells WARN")


class Erddap(Section):
    server: str = Field(description="ERDDAP server URL (alternative live source)")
    dataset_id: str = Field(description="ERDDAP dataset id")
    latitude_descending: bool = Field(False, description="fallback only: the axis order is read from the dataset info")
    max_request_mb: float = Field(500, gt=0, lt=2000, description="largest response asked for at once (MB); "
                                  "a day is fetched in latitude bands under it (ERDDAP refuses over 2 GB)")


class Product(Section):
    title: str | None = Field(None, description="product title (default: its name)")
    source: SourceName = Field(description="live client used when OCEAN_ASSETS_MODE=live")
    dataset_id: str = Field(description="the source's dataset id")
    expected_step: str = Field("P1D", pattern=r"^P(\d+M)?(\d+D)?(T(\d+H)?)?$",
                               description="ISO-8601 cadence the product needs (compared with the catalogue)")
    variables: dict[str, Variable] = Field(min_length=1, description="variables each file must contain")
    optional_variables: list[str] = Field([], description="variables kept when present")
    dims: list[str] = Field(description="dimension order of each variable")
    coords: Coords = Field(Coords(), description="coordinate names")
    region: Region = Field(description="subset requested from the source")
    depth: Depth | None = Field(None, description="depth range kept (products with a depth axis)")
    demo_resolution: Positive = Field(0.25, description="grid step (degrees) of the deterministic demo twin")
    max_nan_fraction: Fraction = Field(0.5, description="share of (sea) cells that may be NaN before the file fails")
    land_mask_variable: str | None = Field(None, description="variable marking open sea (NaNs counted over sea only)")
    speed: Speed | None = Field(None, description="current speed rule")
    erddap: Erddap | None = Field(None, description="alternative ERDDAP source (source: erddap)")
    cmr_url: str | None = Field(None, description="NASA CMR granule search (null: url_template only)")
    url_template: str | None = Field(None, description="granule URL template, {day} a date")
    mode: Literal["demo", "live"] | None = Field(None, description="per-product override of OCEAN_ASSETS_MODE")
    summary: str | None = Field(None, description="ACDD summary attribute")
    license: str | None = Field(None, description="ACDD license attribute")


class Texture(Section):
    width: PositiveInt = Field(2048, description="texture width in pixels (equirectangular: 2 x height)")
    height: PositiveInt = Field(1024, description="texture height in pixels")
    colormap: str = Field("turbo", description="matplotlib colormap name")
    vmin_celsius: float = Field(-2.0, description="temperature at the bottom of the colormap (degC)")
    vmax_celsius: float = Field(32.0, description="temperature at the top of the colormap (degC)")
    min_ocean_coverage: Fraction = Field(0.5, description="share of pixels that must be opaque ocean with data")

    @model_validator(mode="after")
    def _ordered(self) -> Texture:
        if self.vmax_celsius <= self.vmin_celsius:
            raise ValueError("vmax_celsius must be above vmin_celsius")
        return self


class Automation(Section):
    lookback_days: PositiveInt = Field(3, description="days the availability sensor's first tick requests")
    max_requests_per_tick: PositiveInt = Field(7, description="runs the availability sensor requests per tick")
    recovery_budget: NonNegativeInt = Field(3, description="re-materializations a failed partition may get, ever")
    recovery_max_runs_per_tick: PositiveInt = Field(20, description="recovery runs per tick (more wait in the cursor)")
    recovery_max_tracked: PositiveInt = Field(5000, description="partitions whose attempt counts the cursor keeps")


class Corruption(Section):
    reverify_per_sweep: NonNegativeInt = Field(100, le=100000,
                                               description="files re-read in full (sha256) per sweep")


class Retry(Section):
    attempts: Attempts = Field(4, description="tries per download (1 = no retry)")
    base_seconds: NonNegative = Field(2.0, description="first backoff wait (s)")
    max_seconds: Positive = Field(60.0, description="longest backoff wait (s)")


class OceanConfig(Section):
    products: dict[ProductName, Product] = Field(description="one entry per daily NetCDF product")
    unit_aliases: dict[str, list[str]] = Field({}, description="unit spellings that mean the same unit")
    texture: Texture = Field(Texture(), description="the daily SST texture")
    automation: Automation = Field(Automation(), description="availability and recovery sensors")
    corruption: Corruption = Field(Corruption(), description="the corruption sweep")
    retry: Retry = Field(Retry(), description="downloads")
