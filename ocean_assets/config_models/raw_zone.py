"""config/raw_zone.yaml: the raw -> validated migration of funding files."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ocean_assets.config_models._base import Fraction, PositiveInt, Section

NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"


class Preflight(Section):
    min_free_fraction: Fraction = Field(0.2, description="refuse to migrate with less free disk than this share")
    pool: str = Field("raw_zone_migration", description="Dagster concurrency pool (set its limit to 1)")
    lock_wait_seconds: float = Field(300.0, ge=0, le=86400, description="wait this long for the raw-zone lock")


class Checks(Section):
    max_quarantine_fraction: Fraction = Field(0.5, description="WARN when more of a day's files are quarantined")


class Sensor(Section):
    interval_seconds: PositiveInt = Field(60, description="raw-zone sensor interval (s)")


class Live(Section):
    base_url_env: str = Field("RAW_ZONE_LIVE_URL", pattern=ENV_NAME,
                              description="environment variable holding the HTTP drop endpoint")
    token_env: str = Field("RAW_ZONE_LIVE_TOKEN", pattern=ENV_NAME,
                           description="environment variable holding the optional bearer token")


class RawZoneConfig(Section):
    schema_: str = Field("funding_data_v1", alias="schema", pattern=NAME,
                         description="config/schemas/{schema}.json validates the records")
    sources: list[Annotated[str, Field(pattern=NAME)]] = Field([], description="sources of the demo twin (one file per source and day)")
    extensions: list[str] = Field([".json", ".csv"], description="file types migrated; others are quarantined")
    preflight: Preflight = Field(Preflight(), description="pre-flight")
    checks: Checks = Field(Checks(), description="asset checks")
    sensor: Sensor = Field(Sensor(), description="sensor")
    live: Live = Field(Live(), description="live drop box")
