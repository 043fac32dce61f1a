"""config/reef_health.yaml: reef polygons, Coral Reef Watch conditions and the health score."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ocean_assets.config_models._base import (
    Attempts,
    Fraction,
    NonNegative,
    Positive,
    PositiveInt,
    Region,
    Section,
)


class Allen(Section):
    wfs_url: str = Field(description="Allen Coral Atlas WFS endpoint")
    type_name: str = Field(description="WFS feature type")
    classes: list[str] | None = Field(None, description="benthic classes kept as reefs (null: all)")
    tile_degrees: Positive = Field(2.0, description="bbox tile size (degrees): the WFS has no paging")
    refresh_days: PositiveInt = Field(7, description="reuse the last polygon fetch this many days")


class Crw(Section):
    server: str = Field(description="ERDDAP server of NOAA Coral Reef Watch")
    dataset_id: str = Field(description="ERDDAP dataset id")
    variables: list[str] = Field(min_length=1, description="variables read")
    latitude_descending: bool = Field(True, description="latitude axis order of the dataset")
    demo_resolution: Positive = Field(0.05, description="grid step of the demo twin (degrees)")


class DatabaseRetry(Section):
    attempts: Attempts = Field(6, description="tries of the whole upsert transaction (1 = no retry)")
    base_seconds: NonNegative = Field(1.0, description="first backoff wait (s)")
    max_seconds: Positive = Field(15.0, description="longest backoff wait (s)")


class Stress(Section):
    baseline: float = Field(100.0, ge=0, le=100, description="stress score's baseline")
    w_anomaly: NonNegative = Field(10.0, description="points lost per degC of SST anomaly above climatology")
    w_dhw: NonNegative = Field(6.0, description="points lost per degree heating week")
    w_alert: NonNegative = Field(8.0, description="points lost per bleaching alert level")


class Score(Section):
    method: Literal["stress", "reference"] = Field("stress", description="which score drives `anomaly`")
    baseline: float = Field(80.0, ge=0, le=100, description="reference score's baseline")
    w_sst: NonNegative = Field(1.5, description="reference score: points lost per degC of SST")
    w_dhw: NonNegative = Field(5.0, description="reference score: points lost per degree heating week")
    anomaly_threshold: float = Field(70.0, ge=0, le=100, description="a reef scoring below this is an anomaly")
    stress: Stress = Field(Stress(), description="the stress score (default method)")
    max_anomaly_jump: Fraction = Field(0.25, description="WARN when the anomaly rate changes more than this in a day")


class ReefHealthConfig(Section):
    region: Region = Field(description="the reefs scored")
    allen: Allen = Field(description="reef polygons (Allen Coral Atlas)")
    crw: Crw = Field(description="daily conditions (NOAA Coral Reef Watch)")
    database_retry: DatabaseRetry = Field(DatabaseRetry(), description="database upserts")
    score: Score = Field(Score(), description="health score")
