"""Partitioned asset checks: one ``AssetCheckEvaluation`` per partition and rule.

``partitioned_checks`` builds a multi-asset check that evaluates each partition of the run (one key or
a whole single-run backfill range) and records one evaluation per partition and rule, so the UI shows
every day as checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from ocean_assets.core.drift.figures import numeric_figures
from ocean_assets.core.outcome import Outcome
from ocean_assets.dagster_support.common import run_partition_keys
from ocean_assets.dagster_support.continuation import skip_days


@dataclass(frozen=True)
class CheckRule:
    """One named asset check: its name, description and whether an ERROR blocks downstream."""

    name: str
    description: str
    blocking: bool = False


def _evaluation(asset_key: dg.AssetKey, rule: CheckRule, outcome: Outcome, partition: str | None,
                ) -> dg.AssetCheckEvaluation:
    severity = dg.AssetCheckSeverity.ERROR if outcome.severity == "ERROR" else dg.AssetCheckSeverity.WARN
    metadata: dict[str, Any] = {"message": outcome.message}
    for key, value in outcome.metadata.items():
        metadata[key] = value if isinstance(value, (int, float, str, bool)) else dg.MetadataValue.json(value)
    for key, value in numeric_figures(outcome.metadata).items():  # nested numbers, flat: Dagster plots them
        metadata.setdefault(key, value)
    return dg.AssetCheckEvaluation(
        asset_key=asset_key,
        check_name=rule.name,
        passed=outcome.passed,
        severity=severity,
        metadata=metadata,
        description=outcome.message if not outcome.passed else rule.description,
        blocking=rule.blocking,
        partition=partition,
    )


def partitioned_checks(
    *,
    name: str,
    asset: dg.AssetsDefinition | dg.AssetKey,
    rules: Sequence[CheckRule],
    partitions_def: dg.PartitionsDefinition,
    evaluate: Callable[[dg.AssetCheckExecutionContext, str], Mapping[str, Outcome]],
    **check_kwargs: Any,
) -> dg.AssetChecksDefinition:
    """Build a multi-asset check that runs ``evaluate(context, partition_key)`` per partition.

    ``evaluate`` returns an ``Outcome`` per rule name. A rule it leaves out is recorded as failed
    (a rule that silently did not run would look like a pass). Failing ERROR outcomes of blocking
    rules stop downstream assets of the same run.
    """
    asset_key = asset.key if isinstance(asset, dg.AssetsDefinition) else asset
    specs = [
        dg.AssetCheckSpec(
            rule.name,
            asset=asset_key,
            description=rule.description,
            blocking=rule.blocking,
            partitions_def=partitions_def,
        )
        for rule in rules
    ]

    @dg.multi_asset_check(name=name, specs=specs, **check_kwargs)
    def _checks(context):  # noqa: ANN001 (Dagster inspects this annotation at runtime)
        leave = skip_days(context, asset_key)
        for key in run_partition_keys(context):
            if key in leave:  # a follow-up run checks only the days its parent recorded
                continue
            outcomes = evaluate(context, key)
            _record_figures(context, asset_key, key, outcomes)
            for rule in rules:
                outcome = outcomes.get(rule.name) or Outcome(
                    rule.name, False, f"rule {rule.name} was not evaluated"
                )
                yield _evaluation(asset_key, rule, outcome, key)
        for spec in specs:
            yield dg.Output(None, output_name=_output_name(spec))

    return _checks


def _record_figures(context: Any, asset_key: dg.AssetKey, partition: str, outcomes: Mapping[str, Outcome],
                    ) -> None:
    """Keep the day's numeric figures for drift checks; never fails the check (core.drift.history)."""
    try:
        from ocean_assets.core.drift.history import record_outcomes
        from ocean_assets.core.redact import redact

        record_outcomes(asset_key.to_user_string(), partition, ((n, o.metadata) for n, o in outcomes.items()))
    except Exception as exc:  # noqa: BLE001 (the database is optional for checks)
        reason = redact(str(exc)).strip().splitlines()[0][:200] if str(exc).strip() else ""
        context.log.warning(f"check figures of {asset_key.to_user_string()} {partition} not recorded: "
                            f"{type(exc).__name__}: {reason}")


def _output_name(spec: dg.AssetCheckSpec) -> str:
    return f"{spec.asset_key.to_python_identifier()}_{spec.name}"
