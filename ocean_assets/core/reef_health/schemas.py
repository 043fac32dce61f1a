"""pandera schema of the scores table (what a day's rows must satisfy)."""

import pandera.pandas as pa

from ocean_assets.core.reef_health import alerts

SCORES_SCHEMA = pa.DataFrameSchema(
    {
        "date": pa.Column("datetime64[ns]", nullable=False, coerce=True),
        "reef_id": pa.Column(str, pa.Check.str_matches(r"^reef-[0-9a-f]{12}$"), nullable=False),
        "latitude": pa.Column(float, pa.Check.in_range(-90, 90)),
        "longitude": pa.Column(float, pa.Check.in_range(-180, 180)),
        "sst": pa.Column(float, pa.Check.in_range(-2, 40)),
        "sst_anomaly": pa.Column(float, pa.Check.in_range(-15, 15)),
        "dhw": pa.Column(float, pa.Check.in_range(0, 60)),
        "alert_level": pa.Column(int, pa.Check.isin(list(alerts.CODES)), coerce=True),
        "ph": pa.Column(float, pa.Check.in_range(7.0, 8.6), nullable=True),
        "score": pa.Column(float, pa.Check.in_range(0, 100), nullable=False),
        "stress_score": pa.Column(float, pa.Check.in_range(0, 100)),
        "anomaly": pa.Column(bool, coerce=True),
    },
    unique=["date", "reef_id"],
    strict=False,
)
