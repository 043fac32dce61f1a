"""Asset checks on the migration, one evaluation per partition, re-derived from the zones."""

from __future__ import annotations

from ocean_assets.core.raw_zone import audit
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.defs.raw_zone.assets import validated_funding_files
from ocean_assets.defs.raw_zone.resources import RESOURCE_KEY
from ocean_assets.partitions import daily_partitions

RULES = [
    CheckRule(audit.ACCOUNTED, "Every entry under the raw zone of the day (found by its own walk, "
              "links and nested folders included) is in validated or quarantine with the same "
              "sha256, or listed as ignored with its rule in the day's report.", blocking=True),
    CheckRule(audit.REASONS, "Every quarantined file has a machine-readable reason.", blocking=True),
    CheckRule(audit.VALIDATED_VALID, "Every validated file passes the JSON Schema and the pandera "
              "table schema.", blocking=True),
    CheckRule(audit.QUARANTINE_RATE, "WARN when a large share of the day's files is quarantined."),
    CheckRule(audit.IGNORED, "WARN when raw entries were not migrated (links, nested folders, "
              "bad names, dates outside the partitions); each is listed with its rule."),
    CheckRule(audit.DUPLICATE_IDS, "WARN when a record id of the day is also in another "
              "validated file; both file names are listed."),
]


def _evaluate(context, key: str):  # noqa: ANN001 (Dagster context)
    raw_zone = getattr(context.resources, RESOURCE_KEY)
    limit = raw_zone.settings()["checks"]["max_quarantine_fraction"]
    return audit.audit_day(raw_zone.zones(), key, raw_zone.partitions(), raw_zone.schema(), limit)


validated_funding_checks = partitioned_checks(
    name="validated_funding_files_checks",
    asset=validated_funding_files,
    rules=RULES,
    partitions_def=daily_partitions,
    evaluate=_evaluate,
    required_resource_keys={RESOURCE_KEY},
)
