"""Reef-health checks: scores schema (pandera), rows = reefs covered, anomaly-rate jumps, join coverage,
served CRW alert levels against CRW's definition."""

import datetime as dt

import pandas as pd
import pandera.pandas as pa
import xarray as xr
from sqlalchemy import select

from ocean_assets.core.outcome import fail, ok
from ocean_assets.core.reef_health import alerts
from ocean_assets.core.reef_health.schemas import SCORES_SCHEMA
from ocean_assets.core.reef_health.store import anomaly_rate
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.db.models import ReefHealthScore
from ocean_assets.defs.reef_health.assets import (
    conditions_path,
    crw_daily,
    crw_path,
    health_scores,
    reef_conditions,
)
from ocean_assets.defs.reef_health.resources import ReefHealthResource
from ocean_assets.partitions import daily_partitions


def _scores(context, key: str):  # noqa: ANN001
    r: ReefHealthResource = context.resources.reef_health
    engine = r.engine()
    day = dt.date.fromisoformat(key)
    with engine.connect() as conn:
        frame = pd.read_sql(select(ReefHealthScore.__table__).where(ReefHealthScore.date == day), conn)
    out = {}
    try:
        SCORES_SCHEMA.validate(frame, lazy=True)
        out["scores_schema"] = ok("scores_schema", f"{len(frame)} rows pass the pandera schema")
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = "; ".join(f"{c.column}: {c.check} ({c.failure_case})" for c in cases.head(3).itertuples())
        out["scores_schema"] = fail("scores_schema", f"{len(cases)} schema failure(s): {first}")
    expected = len(pd.read_parquet(conditions_path(r, key), columns=["reef_id"])) if conditions_path(r, key).exists() else None
    out["row_count"] = (ok("row_count", f"{len(frame)} rows = {expected} reefs covered") if expected == len(frame)
                        else fail("row_count", f"{len(frame)} rows in the database, {expected} reefs covered"))
    jump = r.config()["score"]["max_anomaly_jump"]
    today, before = anomaly_rate(engine, day), anomaly_rate(engine, day - dt.timedelta(days=1))
    if today is not None and before is not None and abs(today - before) > jump:
        out["anomaly_jump"] = fail("anomaly_jump", f"anomaly rate {before:.0%} -> {today:.0%} (more than {jump:.0%})",
                                   severity="WARN")
    else:
        out["anomaly_jump"] = ok("anomaly_jump", f"anomaly rate {today if today is not None else 0:.0%}"
                                 f"{'' if before is None else f' (previous day {before:.0%})'}", severity="WARN")
    return out


score_checks = partitioned_checks(
    name="health_scores_checks", asset=health_scores, partitions_def=daily_partitions,
    rules=[CheckRule("scores_schema", "Scores pass the pandera schema (ranges, no nulls, unique (date, reef)).", True),
           CheckRule("row_count", "One row per reef covered by the conditions.", True),
           CheckRule("anomaly_jump", "WARN when the anomaly rate jumps from the previous day.")],
    evaluate=_scores, required_resource_keys={"reef_health"})


def _conditions(context, key: str):  # noqa: ANN001
    r: ReefHealthResource = context.resources.reef_health
    frame = pd.read_parquet(conditions_path(r, key))
    gaps = frame[["sst", "sst_anomaly", "dhw"]].isna().any(axis=1).sum()
    no_ph = frame["ph"].isna().sum()
    return {
        "conditions_complete": (ok("conditions_complete", f"{len(frame)} reefs with SST, anomaly and DHW")
                                if len(frame) and not gaps else
                                fail("conditions_complete", f"{gaps} of {len(frame)} reefs lack CRW values")),
        "ph_joined": (ok("ph_joined", "pH for every reef", severity="WARN") if not no_ph else
                      fail("ph_joined", f"{no_ph} reefs without pH", severity="WARN")),
    }


condition_checks = partitioned_checks(
    name="reef_conditions_checks", asset=reef_conditions, partitions_def=daily_partitions,
    rules=[CheckRule("conditions_complete", "Every reef got CRW values (inside cells or nearest cell).", True),
           CheckRule("ph_joined", "Every reef got a pH from the acidity grid.")],
    evaluate=_conditions, required_resource_keys={"reef_health"})


def _crw(context, key: str):  # noqa: ANN001
    r: ReefHealthResource = context.resources.reef_health
    with xr.open_dataset(crw_path(r, key)) as ds:
        attrs = dict(ds["CRW_BAA"].attrs) if "CRW_BAA" in ds else {}
    rule = "baa_matches_definition"
    if attrs.get(alerts.RECOMPUTED_ATTR) != "yes":
        return {rule: fail(rule, "CRW_BAA kept as served: CRW_HOTSPOT or CRW_DHW missing, its 0-7 coding unverified",
                           severity="WARN")}
    n = int(attrs.get(alerts.DISAGREEING_ATTR, 0))
    if n:
        return {rule: fail(rule, f"{n} cells: the served CRW_BAA differs from CRW's 0-7 levels computed from "
                                 "HotSpot and DHW (old 0-4 coding?); the computed levels are stored",
                           severity="WARN", disagreeing_cells=n)}
    return {rule: ok(rule, "served CRW_BAA equals CRW's 0-7 levels computed from HotSpot and DHW",
                     severity="WARN", disagreeing_cells=0)}


crw_checks = partitioned_checks(
    name="crw_daily_checks", asset=crw_daily, partitions_def=daily_partitions,
    rules=[CheckRule("baa_matches_definition",
                     "WARN when the served alert level disagrees with CRW's definition from HotSpot and DHW.")],
    evaluate=_crw, required_resource_keys={"reef_health"})
