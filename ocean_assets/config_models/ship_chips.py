"""config/ship_chips.yaml: Sentinel-2 chips around AIS-reported vessels."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ocean_assets.config_models._base import (
    Fraction,
    Latitude,
    Longitude,
    NonNegative,
    NonNegativeInt,
    Positive,
    PositiveInt,
    Section,
)

Resampling = Literal["nearest", "bilinear", "cubic", "cubic_spline", "lanczos", "average", "mode"]
Compression = Literal["deflate", "lzw", "zstd", "packbits", "lzma", "jpeg", "webp", "raw"]


class SatelliteTracking(Section):
    mode: Literal["backfill", "tle", "esa_plan"] = Field("backfill", description="how passes are predicted")
    swath_km: Positive = Field(290.0, description="Sentinel-2 swath width (km)")
    step_s: PositiveInt = Field(30, description="orbit propagation step (s)")
    esa_plan: str | None = Field(None, description="ESA acquisition plan KML or CSV (relative to config/)")
    tle_file: str | None = Field(None, description="CelesTrak 3-line TLE file (relative to config/); overrides tle")
    tle: dict[str, tuple[str, str]] | None = Field(None, description="pinned TLEs per satellite")


class Aoi(Section):
    tile: str = Field(pattern=r"^\d{1,2}[C-X][A-Z]{2}$", description="Sentinel-2 MGRS tile such as 31UFU")
    epsg: int = Field(ge=1024, le=32767, description="EPSG code of the tile's UTM zone")
    bbox: tuple[Longitude, Latitude, Longitude, Latitude] = Field(description="lon/lat box [west, south, east, north]")


class Ais(Section):
    endpoint: str = Field(description="AIS websocket (aisstream.io)")
    window_min: Positive = Field(5.0, description="capture window = predicted pass +- this many minutes")
    max_messages: PositiveInt = Field(5000, description="frames kept per capture run at most")
    on_missing_capture: Literal["fail", "skip"] = Field("fail", description="a live day whose window has no capture")


class Capture(Section):
    lead_min: NonNegative = Field(2.0, description="the capture sensor launches this many minutes before a window")


class Schedule(Section):
    l2a_lag_days: NonNegativeInt = Field(2, description="the schedule chips the day this many days ago")


class Stac(Section):
    endpoint: str = Field(description="STAC API of the Sentinel-2 scenes")
    collection: str = Field("sentinel-2-l2a", description="STAC collection")
    cloud_cover_max: float = Field(100.0, ge=0, le=100, description="scenes above this cloud cover (%) are skipped")
    search_window_hours: Positive = Field(12.0, description="scene search window around a pass (h)")


class Split(Section):
    train: Fraction = Field(1.0, description="share of vessels in train")
    val: Fraction = Field(0.0, description="share of vessels in val")
    test: Fraction = Field(0.0, description="share of vessels in test")

    @model_validator(mode="after")
    def _sums_to_one(self) -> Split:
        if abs(self.train + self.val + self.test - 1.0) > 1e-6:
            raise ValueError("train + val + test must be 1")
        return self


class Tiling(Section):
    chip_size_px: PositiveInt = Field(description="chip side (pixels)")
    bands_core: list[str] = Field(min_length=1, description="bands in every chip")
    bands_swir: list[str] = Field([], description="SWIR bands added when include_swir")
    include_swir: bool = Field(False, description="add bands_swir")
    resample_method: Resampling = Field("bilinear", description="resampling of coarser bands")
    block_size: PositiveInt = Field(256, description="COG internal tile size (pixels)")
    overviews: list[PositiveInt] = Field([], description="overview levels")
    compression: Compression = Field("deflate", description="COG compression")
    split: Split = Field(Split(), description="train/val/test split per vessel")


class Gate(Section):
    center_px: PositiveInt = Field(16, description="side of the centre window the gate looks at")
    max_cloud_fraction: Fraction = Field(description="reject chips with more cloud (SCL 8, 9, 10)")
    max_land_fraction: Fraction = Field(description="reject chips with more land (SCL 4, 5)")
    min_ndwi: float = Field(ge=-1, le=1, description="reject chips whose NDWI is not above this")


class Match(Section):
    time_tol_min: Positive = Field(description="AIS reports within this many minutes of sensing are used")
    max_interp_gap_s: Positive = Field(600.0, description="interpolate between reports at most this far apart (s)")
    max_dead_reckon_s: NonNegative = Field(60.0, description="else dead-reckon from one report this far away (s)")
    dist_tol_m: Positive = Field(description="prune: a chip's vessel must be within this distance (m)")


class Retries(Section):
    base_seconds: NonNegative = Field(300.0, description="first wait before a failed day is retried (s)")
    max_seconds: Positive = Field(86400.0, description="longest wait (s)")
    max_retries: NonNegativeInt = Field(5, description="retries of a failed day")
    sensor_limit: PositiveInt = Field(10, description="retry runs the sensor requests per tick")


class StacPublish(Section):
    base_url: str | None = Field(None, description="absolute hrefs under this URL (null: relative)")


class Manifest(Section):
    sample_limit: NonNegativeInt = Field(100, description="sample chips listed in the manifest")


class Demo(Section):
    size_px: PositiveInt = Field(1024, description="demo scene side (pixels)")
    vessels: NonNegativeInt = Field(9, description="vessels in a demo scene")


class ShipChipsConfig(Section):
    dataset_root: str | None = Field(None, description="default {data_root}/ship_chips")
    satellite_tracking: SatelliteTracking = Field(SatelliteTracking(), description="pass prediction")
    aois: list[Aoi] = Field(min_length=1, description="areas of interest = Sentinel-2 MGRS tiles")
    ais: Ais = Field(description="AIS capture")
    capture: Capture = Field(Capture(), description="capture sensor")
    schedule: Schedule = Field(Schedule(), description="daily schedule")
    stac: Stac = Field(description="scene search")
    tiling: Tiling = Field(description="chips")
    gate: Gate = Field(description="quality gate")
    match: Match = Field(description="AIS matching")
    retries: Retries = Field(Retries(), description="retry of failed days")
    stac_publish: StacPublish = Field(StacPublish(), description="STAC catalogue")
    manifest: Manifest = Field(Manifest(), description="manifest")
    demo: Demo = Field(Demo(), description="demo twin")
