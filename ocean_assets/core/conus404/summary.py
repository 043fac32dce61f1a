"""Per-day summary table (domain min/mean/max per daily variable) and its pandera schema."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pandera.pandas as pa
import xarray as xr

from ocean_assets.core.conus404.aggregate import OUTPUT_SUFFIX
from ocean_assets.core.outcome import Outcome, fail, ok

COLUMNS = ["date", "variable", "source_variable", "aggregate", "units", "min", "mean", "max",
           "nan_fraction"]
_AGG_BY_SUFFIX = {v: k for k, v in OUTPUT_SUFFIX.items()}


def summarize(daily: xr.Dataset, day: dt.date) -> pd.DataFrame:
    rows = []
    for name, da in daily.data_vars.items():
        if "source_variable" not in da.attrs:
            continue  # time bounds, the grid mapping
        values = np.asarray(da.values, dtype=np.float64)
        finite = values[np.isfinite(values)]
        var = str(da.attrs.get("source_variable", name))
        rows.append({
            "date": pd.Timestamp(day),
            "variable": str(name),
            "source_variable": var,
            "aggregate": _AGG_BY_SUFFIX.get(str(name)[len(var) + 1:], "unknown"),
            "units": str(da.attrs.get("units", "")),
            "min": float(finite.min()) if finite.size else np.nan,
            "mean": float(finite.mean()) if finite.size else np.nan,
            "max": float(finite.max()) if finite.size else np.nan,
            "nan_fraction": float(1 - finite.size / values.size) if values.size else 1.0,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


SUMMARY_SCHEMA = pa.DataFrameSchema(
    {
        "date": pa.Column("datetime64[ns]"),
        "variable": pa.Column(str, unique=True),
        "source_variable": pa.Column(str),
        "aggregate": pa.Column(str, pa.Check.isin(list(OUTPUT_SUFFIX))),
        "units": pa.Column(str),
        "min": pa.Column(float, nullable=False),
        "mean": pa.Column(float, nullable=False),
        "max": pa.Column(float, nullable=False),
        "nan_fraction": pa.Column(float, pa.Check.in_range(0.0, 1.0)),
    },
    checks=[
        pa.Check(lambda df: df["min"] <= df["mean"], error="min <= mean"),
        pa.Check(lambda df: df["mean"] <= df["max"], error="mean <= max"),
        pa.Check(lambda df: df["date"].nunique() == 1, error="one date per table"),
    ],
    strict=True,
    coerce=False,
)


def validate_summary(df: pd.DataFrame, rule: str = "summary_schema") -> Outcome:
    try:
        SUMMARY_SCHEMA.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        msgs = [f"{r.column}: {r.check} ({r.failure_case})" for r in cases.head(5).itertuples()]
        return fail(rule, f"{len(cases)} schema failures: " + "; ".join(msgs), failures=len(cases))
    return ok(rule, f"{len(df)} rows match the summary schema", rows=len(df))
