from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ocean_assets.core.io import sha256_file
from ocean_assets.core.raw_zone import copying, preflight
from ocean_assets.core.raw_zone.archive import archive_year
from ocean_assets.core.raw_zone.backups import BackupError, list_backups, new_stamp, rollback
from ocean_assets.core.raw_zone.inventory import scan_raw
from ocean_assets.core.raw_zone.migrate import migrate_file
from ocean_assets.core.raw_zone.status import zone_status
from ocean_assets.core.raw_zone.zones import arrival_date
from ocean_assets_tests.raw_zone.conftest import funding_json, put_raw, record

NAME = "2024-03-01_nsf_awards.json"


def _migrate(zones, schema, **kw):
    [raw] = scan_raw(zones)
    return migrate_file(zones, raw, schema, new_stamp(), **kw)


def test_new_file_is_validated_then_skipped(zones, schema):
    put_raw(zones, "nsf", NAME, funding_json(record(1)))
    first = _migrate(zones, schema)
    assert (first.status, first.zone, first.records) == ("migrated", "validated", 1)
    assert sha256_file(zones.validated_path("nsf", NAME)) == first.sha256
    again = _migrate(zones, schema)
    assert again.status == "unchanged" and not list_backups(zones)


def test_changed_file_is_backed_up_then_replaced(zones, schema):
    path = put_raw(zones, "nsf", NAME, old := funding_json(record(1)))
    _migrate(zones, schema)
    path.write_bytes(funding_json(record(1), record(2)))
    outcome = _migrate(zones, schema)
    assert outcome.status == "replaced" and outcome.backup
    assert (zones.backups / outcome.backup / "nsf" / NAME).read_bytes() == old
    assert zones.validated_path("nsf", NAME).read_bytes() == path.read_bytes()


def test_invalid_file_goes_to_quarantine_with_reason_never_validated(zones, schema):
    put_raw(zones, "nsf", NAME, funding_json(record(1, amount=-1.0)))
    outcome = _migrate(zones, schema)
    assert outcome.status == "quarantined" and not zones.validated_path("nsf", NAME).exists()
    reason = json.loads(zones.reason_path("nsf", NAME).read_text())
    assert reason["valid"] is False and reason["sha256"] == outcome.sha256
    assert reason["problems"][0] == {"rule": "json_schema", "record": 0, "field": "amount",
                                     "message": "-1.0 is less than or equal to the minimum of 0"}
    assert zones.quarantine_path("nsf", NAME).read_bytes() == zones.raw.joinpath("nsf", NAME).read_bytes()


def test_invalid_new_version_keeps_previous_validated_file(zones, schema):
    path = put_raw(zones, "nsf", NAME, good := funding_json(record(1)))
    _migrate(zones, schema)
    path.write_bytes(funding_json(record(1, currency="dollars")))
    assert _migrate(zones, schema).status == "quarantined"
    assert zones.validated_path("nsf", NAME).read_bytes() == good


def test_checksum_mismatch_at_write_leaves_old_file(zones, schema, monkeypatch):
    path = put_raw(zones, "nsf", NAME, old := funding_json(record(1)))
    _migrate(zones, schema)
    path.write_bytes(funding_json(record(1), record(2)))
    monkeypatch.setattr(copying, "_write_bytes", lambda p, data: p.write_bytes(data[:-1] + b"!"))
    outcome = _migrate(zones, schema)
    assert outcome.status == "checksum_mismatch" and "checksum mismatch" in outcome.message
    assert zones.validated_path("nsf", NAME).read_bytes() == old
    assert not [p for p in zones.validated.rglob("*") if p.name.endswith(".tmp")]


def test_rollback_restores_byte_identical_content(zones, schema):
    path = put_raw(zones, "nsf", NAME, v1 := funding_json(record(1)))
    _migrate(zones, schema)
    path.write_bytes(v2 := funding_json(record(1), record(2)))
    stamp = _migrate(zones, schema).backup
    restored = rollback(zones, stamp)
    assert zones.validated_path("nsf", NAME).read_bytes() == v1
    # the overwritten v2 went into a fresh backup: the rollback itself can be undone
    assert restored[0].safety_backup and rollback(zones, restored[0].safety_backup)
    assert zones.validated_path("nsf", NAME).read_bytes() == v2


def test_rollback_refuses_unknown_or_damaged_backup(zones, schema):
    path = put_raw(zones, "nsf", NAME, funding_json(record(1)))
    _migrate(zones, schema)
    path.write_bytes(funding_json(record(2)))
    stamp = _migrate(zones, schema).backup
    with pytest.raises(BackupError, match="no backup"):
        rollback(zones, "20990101T000000.000000Z")
    (zones.backups / stamp / "nsf" / NAME).write_bytes(b"tampered")
    current = zones.validated_path("nsf", NAME).read_bytes()
    with pytest.raises(BackupError, match="damaged"):
        rollback(zones, stamp)
    assert zones.validated_path("nsf", NAME).read_bytes() == current


def test_reprocess_moves_now_invalid_content_out_of_validated(zones, schema):
    put_raw(zones, "nsf", NAME, funding_json(record(1)))
    _migrate(zones, schema)
    stricter = json.loads(json.dumps(schema))
    stricter["properties"]["currency"]["enum"] = ["EUR"]
    outcome = _migrate(zones, stricter, force=True)
    assert outcome.status == "quarantined" and outcome.backup
    assert not zones.validated_path("nsf", NAME).exists()
    assert (zones.backups / outcome.backup / "nsf" / NAME).exists()


def test_archive_moves_migrated_files_of_the_year_and_logs(zones, schema):
    put_raw(zones, "nsf", NAME, data := funding_json(record(1)))
    _migrate(zones, schema)
    put_raw(zones, "nsf", "2024-05-01_nsf_awards.json", funding_json(record(3)))  # not migrated
    put_raw(zones, "nsf", "2025-01-02_nsf_awards.json", funding_json(record(4)))  # other year
    result = archive_year(zones, 2024)
    assert [m["file"] for m in result.moved] == [f"nsf/{NAME}"]
    assert result.kept == ["nsf/2024-05-01_nsf_awards.json"]
    assert not (zones.raw / "nsf" / NAME).exists()
    assert (zones.archive / "2024" / "nsf" / NAME).read_bytes() == data
    [entry] = [json.loads(line) for line in zones.archive_log.read_text().splitlines()]
    assert entry["year"] == 2024 and entry["files"][0]["sha256"] == sha256_file(
        zones.archive / "2024" / "nsf" / NAME)
    assert sorted(p.name for p in (zones.raw / "nsf").iterdir()) == [
        "2024-05-01_nsf_awards.json", "2025-01-02_nsf_awards.json"]


def test_arrival_date_from_name_else_mtime(tmp_path: Path):
    named = tmp_path / "2023-07-04_x.csv"
    named.write_text("a")
    other = tmp_path / "awards.csv"
    other.write_text("a")
    os.utime(other, (1700000000, 1700000000))  # 2023-11-14 UTC
    assert (arrival_date(named), arrival_date(other)) == ("2023-07-04", "2023-11-14")


def test_preflight_refuses_low_disk(monkeypatch, tmp_path):
    monkeypatch.setattr(preflight, "free_fraction", lambda path: 0.12)
    with pytest.raises(preflight.PreflightError, match=r"only 12.0% .* at least 20%"):
        preflight.check_disk(tmp_path, 0.2)


def test_status_counts_and_reasons(zones, schema):
    put_raw(zones, "nsf", NAME, funding_json(record(1)))
    put_raw(zones, "eu_horizon", "2024-03-01_eu.json", funding_json(record(1, source="eu_horizon", amount=0)))
    for raw in scan_raw(zones):
        migrate_file(zones, raw, schema, new_stamp())
    info = zone_status(zones)
    assert info["raw"] == {"eu_horizon": 1, "nsf": 1}
    assert info["validated"] == {"nsf": 1} and info["quarantine"] == {"eu_horizon": 1}
    assert info["quarantine_rules"] == {"json_schema": 1}
    assert info["disk_bytes"]["raw"] > 0 and 0 < info["free_fraction"] <= 1
