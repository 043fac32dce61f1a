"""config/platform.yaml: the daily QA report and failure alerts."""

from __future__ import annotations

from pydantic import Field

from ocean_assets.config_models._base import Positive, PositiveInt, Section


class QaReport(Section):
    window_days: PositiveInt = Field(7, description="the QA report covers this many days ending on its partition")


class Alerts(Section):
    webhook_url_env: str = Field("OCEAN_ASSETS_ALERT_WEBHOOK_URL", pattern=r"^[A-Z_][A-Z0-9_]*$",
                                 description="environment variable holding the webhook URL (a secret)")
    timeout_seconds: Positive = Field(10.0, description="webhook request timeout (s)")
    remember: PositiveInt = Field(2000, description="open failures kept in the sensor cursor (de-duplication)")


class PlatformConfig(Section):
    qa_report: QaReport = Field(QaReport(), description="daily QA report")
    alerts: Alerts = Field(Alerts(), description="failure alerts")
