"""Checks per migrated file: checksum of the landed copy, schema validity, reason recorded."""

import json

from ocean_assets.core.io import sha256_file
from ocean_assets.core.outcome import fail, ok
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.defs.raw_zone.assets import raw_files, validated_funding
from ocean_assets.defs.raw_zone.resources import RawZoneResource


def _evaluate(context, key: str):  # noqa: ANN001
    raw_zone: RawZoneResource = context.resources.raw_zone
    zones = raw_zone.zones()
    raw, validated, reason = zones.raw_file(key), zones.validated_file(key), zones.reason_file(key)
    raw_sha = sha256_file(raw) if raw.exists() else None
    if reason.exists():
        info = json.loads(reason.read_text())
        landed = zones.quarantine_file(key)
        quarantined = info.get("sha256") == raw_sha
        return {
            "checksum_verified": (ok("checksum_verified", "quarantined copy matches the raw file")
                                  if not landed.exists() or sha256_file(landed) == info.get("sha256")
                                  else fail("checksum_verified", "quarantined copy differs from the raw file")),
            "schema_valid": (fail("schema_valid", f"quarantined: {info.get('reason')}", severity="WARN")
                             if quarantined else ok("schema_valid", "valid", severity="WARN")),
            "reason_recorded": ok("reason_recorded", f"reason file {reason.name} with {len(info.get('errors') or [])} error(s)"),
        }
    if not validated.exists():
        missing = fail("checksum_verified", f"neither validated nor quarantined: {key}")
        return {"checksum_verified": missing,
                "schema_valid": fail("schema_valid", "not migrated", severity="WARN"),
                "reason_recorded": fail("reason_recorded", "no validated file and no quarantine reason")}
    same = sha256_file(validated) == raw_sha
    return {
        "checksum_verified": (ok("checksum_verified", "validated copy sha256 equals the raw file's") if same
                              else fail("checksum_verified", "validated copy differs from the raw file")),
        "schema_valid": ok("schema_valid", "all records valid", severity="WARN"),
        "reason_recorded": ok("reason_recorded", "not quarantined"),
    }


migration_checks = partitioned_checks(
    name="validated_funding_checks",
    asset=validated_funding,
    rules=[CheckRule("checksum_verified", "The landed copy's sha256 equals the raw file's.", True),
           CheckRule("schema_valid", "Every record passes funding_data_v1 (JSON Schema + pandera); WARN if quarantined."),
           CheckRule("reason_recorded", "A quarantined file has a machine-readable reason.", True)],
    partitions_def=raw_files,
    evaluate=_evaluate,
    required_resource_keys={"raw_zone"},
)
