"""config/platform.yaml: the daily QA report, failure alerts and drift (seasonal anomaly) checks."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from ocean_assets.config_models._base import Positive, PositiveInt, Section


class QaReport(Section):
    window_days: PositiveInt = Field(7, description="the QA report covers this many days ending on its partition")


class Alerts(Section):
    webhook_url_env: str = Field("OCEAN_ASSETS_ALERT_WEBHOOK_URL", pattern=r"^[A-Z_][A-Z0-9_]*$",
                                 description="environment variable holding the webhook URL (a secret)")
    timeout_seconds: Positive = Field(10.0, description="webhook request timeout (s)")
    remember: PositiveInt = Field(2000, description="open failures kept in the sensor cursor (de-duplication)")


class DriftSettings(Section):
    """One figure's drift settings; unset keys take the defaults (core.drift.score.DriftParams)."""

    threshold: float | None = Field(None, gt=0, description="WARN when |value - expected| > threshold x robust spread")
    doy_window: int | None = Field(None, ge=1, le=182, description="+- days of year around the day, in past years")
    min_past_years: int | None = Field(None, ge=1, description="fewer past years: a trailing window instead")
    trailing_days: int | None = Field(None, ge=7, description="baseline days for the spread (and the trailing line)")
    level_days: int | None = Field(None, ge=1, description="days of the recent-level term")
    line_days: int | None = Field(None, ge=3, description="days of the trailing robust line")
    line_horizon: int | None = Field(None, ge=1, description="days the trailing line is extrapolated at most")
    min_points: int | None = Field(None, ge=3, description="fewest baseline points to score a day")
    spread_floor_abs: float | None = Field(None, ge=0, description="smallest spread (figure units)")
    spread_floor_rel: float | None = Field(None, ge=0, description="smallest spread (fraction of the level)")
    integer_floor: float | None = Field(None, ge=0, description="smallest spread of a count")
    episode_gap: int | None = Field(None, ge=1, description="flags this many days apart are one episode")
    envelope_threshold: float | None = Field(None, gt=0, description="threshold of the seasonal envelope (slow ramps)")
    envelope_min_years: int | None = Field(None, ge=1, description="past years the envelope needs")
    clip_flagged: bool | None = Field(None, description="clip flagged days into the baseline instead of dropping them")
    persistence: bool | None = Field(None, description="short-memory (AR(1)) term on the residuals")
    stuck_days: int | None = Field(None, ge=2, description="zero day-to-day change this many days warns")
    accept_after: int | None = Field(None, ge=1, description="a shift flagged this many days in a row becomes normal")


# Daily assets whose per-day checks record figures (reef_conditions and health_scores record none yet).
DriftAsset = Literal["sst", "currents", "acidity", "microplastics", "sst_texture", "validated_funding_files",
                     "ship_chips", "chip_index"]
DRIFT_ASSETS: tuple[str, ...] = get_args(DriftAsset)


class Drift(Section):
    defaults: DriftSettings = Field(DriftSettings(), description="settings of every figure")
    figures: dict[str, DriftSettings] = Field({}, description="per figure ('asset/check/figure' or 'figure') overrides")
    history_days: PositiveInt = Field(1200, description="history read for one day's score (days)")
    assets: list[DriftAsset] | None = Field(None, description="daily assets with a drift check (default: all of these)")


class PlatformConfig(Section):
    qa_report: QaReport = Field(QaReport(), description="daily QA report")
    alerts: Alerts = Field(Alerts(), description="failure alerts")
    drift: Drift = Field(Drift(), description="seasonal anomaly checks on every check's figures (docs/drift.md)")
