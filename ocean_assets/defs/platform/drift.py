"""Drift checks: one WARN check ``drift`` per daily asset with recorded figures, scored per day
partition from the history table (core.drift). The figures are recorded by every per-day check
(dagster_support.checks); the drift check runs after them in the same run (lowest priority), and
the ``drift_daily`` sensor re-scores yesterday once a day, after every run of the day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dagster as dg

from ocean_assets.config_models.platform import DRIFT_ASSETS as DEFAULT_ASSETS
from ocean_assets.partitions import daily_partitions

DRIFT_CHECK = "drift"
# config/platform.yaml drift.assets narrows DEFAULT_ASSETS (its model refuses any other name).


def _assets() -> tuple[str, ...]:
    from ocean_assets.core.drift.settings import drift_config

    try:
        configured = drift_config().get("assets")
    except Exception:  # noqa: BLE001 (a broken config must not stop the code location loading)
        configured = None
    return tuple(configured) if configured else DEFAULT_ASSETS


def drift_metadata(results: list[Any]) -> dict[str, Any]:
    """Per figure: value, expected, band low/high, score, flagged (JSON), plus the headline numbers."""
    figures = {r.key: {k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.score.to_dict().items()
                       if k in ("value", "expected", "low", "high", "score", "flagged", "stuck", "mode")}
               for r in results}
    scored = [r for r in results if r.score.expected is not None]
    flagged = sorted(r.key for r in results if r.score.flagged)
    scores = [abs(r.score.score) for r in results if r.score.score is not None]
    return {"figures_recorded": len(results), "figures_scored": len(scored), "figures_flagged": len(flagged),
            "max_abs_score": round(max(scores), 3) if scores else 0.0,
            "flagged": dg.MetadataValue.json(flagged), "figures": dg.MetadataValue.json(figures)}


def _evaluation(key: dg.AssetKey, day: str, results: list[Any]) -> dg.AssetCheckEvaluation:
    flagged = [r for r in results if r.score.flagged]
    if not results:
        message = f"no figures recorded for {key.to_user_string()} on {day}"
    elif flagged:
        message = "; ".join(f"{r.key} stuck at {r.score.value:.6g}" if r.score.stuck or r.score.low is None
                            else f"{r.key} {r.score.value:.6g} outside {r.score.low:.6g}..{r.score.high:.6g}"
                            for r in flagged[:5])
    else:
        scored = sum(r.score.expected is not None for r in results)
        message = (f"{scored} figure(s) within their expected band"
                   + (f"; {len(results) - scored} with too little history to score" if scored < len(results) else ""))
    return dg.AssetCheckEvaluation(asset_key=key, check_name=DRIFT_CHECK, passed=not flagged,
                                   severity=dg.AssetCheckSeverity.WARN, partition=day, description=message,
                                   metadata={"message": message, **drift_metadata(results)})


def build_drift_check(asset: str) -> dg.AssetChecksDefinition:
    key = dg.AssetKey(asset)
    spec = dg.AssetCheckSpec(DRIFT_CHECK, asset=key, partitions_def=daily_partitions, blocking=False,
                             description="WARN when a recorded figure leaves its seasonal expected band or "
                                         "sticks (robust score over the figure's history; docs/drift.md).")

    # lowest priority: in a run that also evaluates the asset's own checks, those (which record the
    # day's figures) go first when the executor has the choice
    @dg.multi_asset_check(name=f"{key.to_python_identifier()}_drift", specs=[spec],
                          op_tags={"dagster/priority": "-100"})
    def _drift(context):  # noqa: ANN001, ANN202 (Dagster inspects this annotation at runtime)
        from ocean_assets.core.drift.evaluate import asset_days
        from ocean_assets.core.drift.history import engine_for
        from ocean_assets.dagster_support.common import run_partition_keys
        from ocean_assets.dagster_support.continuation import skip_days

        leave = skip_days(context, key)  # a follow-up run checks only the days its parent recorded
        keys = [k for k in run_partition_keys(context) if k not in leave]
        try:
            scored = asset_days(engine_for(), key.to_user_string(), [dt.date.fromisoformat(k) for k in keys])
        except Exception as exc:  # noqa: BLE001 (no database: the check says so, the run goes on)
            from ocean_assets.core.redact import redact

            message = f"drift not scored: {type(exc).__name__}: {redact(str(exc)).strip()[:200]}"
            for day in keys:
                yield dg.AssetCheckEvaluation(asset_key=key, check_name=DRIFT_CHECK, passed=False,
                                              severity=dg.AssetCheckSeverity.WARN, partition=day,
                                              description=message, metadata={"message": message})
        else:
            for day in keys:
                yield _evaluation(key, day, scored[dt.date.fromisoformat(day)])
        yield dg.Output(None, output_name=f"{key.to_python_identifier()}_{DRIFT_CHECK}")

    return _drift


drift_checks = [build_drift_check(a) for a in _assets()]


def drift_evaluations(day: str, assets: tuple[str, ...] | None = None) -> list[dg.AssetCheckEvaluation]:
    """The drift evaluations of one day for every drift asset (no run needed)."""
    from ocean_assets.core.drift.evaluate import asset_days
    from ocean_assets.core.drift.history import engine_for

    when = dt.date.fromisoformat(day)
    engine = engine_for()
    return [_evaluation(dg.AssetKey(a), day, asset_days(engine, a, [when])[when]) for a in assets or _assets()]


@dg.sensor(name="drift_daily", minimum_interval_seconds=3600, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Once a day after 10:00 UTC, re-scores yesterday's drift checks once every run of the "
                       "day has recorded its figures (check evaluations without a run).")
def drift_daily_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    return drift_tick(context.cursor, dt.datetime.now(dt.UTC))


def drift_tick(cursor: str | None, now: dt.datetime) -> dg.SensorResult | dg.SkipReason:
    day = (now.date() - dt.timedelta(days=1)).isoformat()
    if now.hour < 10 or cursor == day:
        return dg.SkipReason(f"drift of {day} already scored" if cursor == day else "before 10:00 UTC")
    return dg.SensorResult(asset_events=drift_evaluations(day), cursor=day)
