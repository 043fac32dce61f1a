"""Asset checks on the migration, one evaluation per partition, re-derived from the zones."""

from __future__ import annotations

from ocean_assets.core.raw_zone import audit
from ocean_assets.core.raw_zone.zones import scan_raw
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.defs.raw_zone.assets import validated_funding_files
from ocean_assets.defs.raw_zone.resources import RESOURCE_KEY
from ocean_assets.partitions import daily_partitions

RULES = [
    CheckRule(audit.ACCOUNTED, "Every raw file of the day is in validated or quarantine with the "
              "same sha256 (nothing silently dropped).", blocking=True),
    CheckRule(audit.REASONS, "Every quarantined file has a machine-readable reason.", blocking=True),
    CheckRule(audit.VALIDATED_VALID, "Every validated file passes the JSON Schema and the pandera "
              "table schema.", blocking=True),
    CheckRule(audit.QUARANTINE_RATE, "WARN when a large share of the day's files is quarantined."),
]


def _evaluate(context, key: str):  # noqa: ANN001 (Dagster context)
    raw_zone = getattr(context.resources, RESOURCE_KEY)
    limit = float(raw_zone.settings().get("checks", {}).get("max_quarantine_fraction", 0.5))
    zones = raw_zone.zones()
    return audit.audit_day(zones, scan_raw(zones, days={key}), raw_zone.schema(), limit)


validated_funding_checks = partitioned_checks(
    name="validated_funding_files_checks",
    asset=validated_funding_files,
    rules=RULES,
    partitions_def=daily_partitions,
    evaluate=_evaluate,
    required_resource_keys={RESOURCE_KEY},
)
