"""raw -> validated migration: sensor pick-up, skip, replace with backup, quarantine, checksum
mismatch, rollback, archive, pre-flight — through Dagster where Dagster does the work."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.cli._common import load_definitions
from ocean_assets.core.io import sha256_file
from ocean_assets.core.raw_zone import migrate as migrate_module
from ocean_assets.core.raw_zone.migrate import PreflightError, preflight
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.defs.raw_zone.resources import RawZoneResource
from ocean_assets.defs.raw_zone.sensors import raw_zone_sensor

GOOD = [{"record_id": "nsf-0001", "source": "nsf_ocean", "funder": "NSF", "recipient": "WHOI",
         "amount": 125000.0, "currency": "USD", "award_date": "2024-03-01",
         "start_date": "2024-04-01", "end_date": "2026-03-31", "country": "US"}]


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


@pytest.fixture
def zones(data_root: Path) -> Zones:
    return Zones(data_root)


def put(zones: Zones, key: str, records: list[dict] | str) -> Path:
    path = zones.raw_file(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(records if isinstance(records, str) else json.dumps(records))
    return path


def tick(defs, instance, cursor=None):
    return raw_zone_sensor(dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor,
                                                   resources={"raw_zone": RawZoneResource()}))


def run_requests(defs, instance, result) -> list[dg.ExecuteInProcessResult]:
    """Do what the daemon does with a sensor result: add partitions, launch the requested runs."""
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    job = defs.resolve_job_def("raw_zone_migrate")
    return [job.execute_in_process(instance=instance, partition_key=r.partition_key, raise_on_error=False)
            for r in result.run_requests]


def outcome(run: dg.ExecuteInProcessResult) -> str:
    return run.asset_materializations_for_node("validated_funding")[0].metadata["outcome"].value


def test_new_file_is_picked_up_then_skipped_then_replaced_with_backup(defs, instance, zones):
    key = "nsf_ocean/awards_2024-03.json"
    raw = put(zones, key, GOOD)
    first = tick(defs, instance)
    assert [r.partition_key for r in first.run_requests] == [key]
    [run] = run_requests(defs, instance, first)
    assert run.success and outcome(run) == "validated"
    assert zones.validated_file(key).read_bytes() == raw.read_bytes()
    # same content again: the sensor asks Dagster's records (data version = sha256) and skips it
    assert isinstance(tick(defs, instance), dg.SkipReason)
    # upstream corrects the file: backed up, then replaced
    old = zones.validated_file(key).read_bytes()
    put(zones, key, [dict(GOOD[0], amount=130000.0)])
    [run] = run_requests(defs, instance, tick(defs, instance))
    assert outcome(run) == "validated"
    backup = run.asset_materializations_for_node("validated_funding")[0].metadata["backup"].value
    assert (zones.data_root / backup).read_bytes() == old
    assert json.loads(zones.validated_file(key).read_text())[0]["amount"] == 130000.0
    checks = [e.event_specific_data for e in run.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert all(c.passed for c in checks) and len(checks) == 3


@pytest.mark.parametrize("content, reason", [
    ([dict(GOOD[0], amount=-5.0)], "less than the minimum of 0"),
    ([{k: v for k, v in GOOD[0].items() if k != "funder"}], "'funder' is a required property"),
    ([GOOD[0], GOOD[0]], "field_uniqueness"),
    ('{"records": [ {"record_id": ', "malformed JSON"),
    ([dict(GOOD[0], start_date="2026-01-01", end_date="2025-01-01")], "end_date is before start_date"),
])
def test_invalid_file_lands_in_quarantine_with_reason(defs, instance, zones, content, reason):
    key = "noaa_grants/export.json"
    put(zones, key, content)
    [run] = run_requests(defs, instance, tick(defs, instance))
    assert run.success and outcome(run) == "quarantined"
    assert not zones.validated_file(key).exists()
    info = json.loads(zones.reason_file(key).read_text())
    assert reason in info["reason"] and info["sha256"] == sha256_file(zones.raw_file(key))
    assert info["errors"] and {"rule", "record", "message"} <= set(info["errors"][0])
    evals = {e.event_specific_data.check_name: e.event_specific_data for e in run.all_events
             if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert not evals["schema_valid"].passed and evals["reason_recorded"].passed


def test_csv_is_validated_too(defs, instance, zones):
    header = ",".join(GOOD[0])
    put(zones, "eu_horizon/a.csv", header + "\n" + ",".join(str(v) for v in GOOD[0].values()) + "\n")
    put(zones, "eu_horizon/b.csv", header + "\n" + ",".join(str(v) for v in dict(GOOD[0], currency="eur").values()) + "\n")
    runs = run_requests(defs, instance, tick(defs, instance))
    assert sorted(outcome(r) for r in runs) == ["quarantined", "validated"]


def test_checksum_mismatch_at_write_leaves_old_file(defs, instance, zones, monkeypatch):
    key = "nsf_ocean/awards.json"
    put(zones, key, GOOD)
    run_requests(defs, instance, tick(defs, instance))
    before = zones.validated_file(key).read_bytes()
    put(zones, key, [dict(GOOD[0], amount=1.0)])
    real_write = migrate_module._write_bytes

    def flaky_disk(path, data):  # a bit flips between memory and disk
        real_write(path, data[:-2] + b"X]")

    monkeypatch.setattr(migrate_module, "_write_bytes", flaky_disk)
    [run] = run_requests(defs, instance, tick(defs, instance))
    assert not run.success
    failure = next(e for e in run.all_events if e.event_type_value == "STEP_FAILURE")
    assert "checksum mismatch" in str(failure.event_specific_data.error)
    assert zones.validated_file(key).read_bytes() == before
    assert not [p for p in zones.validated_file(key).parent.iterdir() if p.name.endswith(".tmp")]


def test_disk_full_is_a_clear_error_and_keeps_previous(defs, instance, zones, monkeypatch):
    key = "nsf_ocean/awards.json"
    put(zones, key, GOOD)
    run_requests(defs, instance, tick(defs, instance))
    before = zones.validated_file(key).read_bytes()
    put(zones, key, [dict(GOOD[0], amount=2.0)])

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(migrate_module, "_write_bytes", full)
    [run] = run_requests(defs, instance, tick(defs, instance))
    assert not run.success and zones.validated_file(key).read_bytes() == before


def test_rollback_restores_byte_identical(defs, instance, zones):
    key = "nsf_ocean/awards.json"
    put(zones, key, GOOD)
    run_requests(defs, instance, tick(defs, instance))
    original = zones.validated_file(key).read_bytes()
    put(zones, key, [dict(GOOD[0], recipient="Someone else")])
    run_requests(defs, instance, tick(defs, instance))
    assert zones.validated_file(key).read_bytes() != original
    [stamp] = os.listdir(zones.backups)
    result = CliRunner().invoke(cli, ["raw-zone", "rollback", "--to", stamp], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert zones.validated_file(key).read_bytes() == original
    assert len(os.listdir(zones.backups)) == 2  # what was replaced is backed up, so rollback can be undone
    bad = CliRunner().invoke(cli, ["raw-zone", "rollback", "--to", "19990101T000000Z"])
    assert bad.exit_code == 1 and "available:" in bad.output


def test_archive_moves_migrated_files_and_logs(defs, instance, zones):
    done = put(zones, "nsf_ocean/old.json", GOOD)
    pending = put(zones, "nsf_ocean/unmigrated.json", GOOD)
    run_requests(defs, instance, dg.SensorResult(
        run_requests=[r for r in tick(defs, instance).run_requests if r.partition_key == "nsf_ocean/old.json"],
        dynamic_partitions_requests=tick(defs, instance).dynamic_partitions_requests))
    old = dt.datetime(2023, 6, 1).timestamp()
    for path in (done, pending):
        os.utime(path, (old, old))
    result = CliRunner().invoke(cli, ["raw-zone", "archive", "--year", "2023"], catch_exceptions=False)
    assert result.exit_code == 0 and "archived 1 file(s)" in result.output
    assert not done.exists() and pending.exists()
    assert (zones.archive / "2023" / "nsf_ocean" / "old.json").read_text() == json.dumps(GOOD)
    log = [json.loads(line) for line in (zones.archive / "ARCHIVE_LOG.jsonl").read_text().splitlines()]
    assert log[-1]["year"] == 2023 and log[-1]["moved"][0]["key"] == "nsf_ocean/old.json"
    assert log[-1]["not_migrated"] == ["nsf_ocean/unmigrated.json"]


def test_preflight_refuses_low_disk_and_concurrent_migration(zones):
    with pytest.raises(PreflightError, match="insufficient disk space: 10.0% free"), preflight(zones, 0.2, free=0.10):
        pass
    with (preflight(zones, 0.2, free=0.5),
          pytest.raises(PreflightError, match="another raw-zone migration"),
          preflight(zones, 0.2, free=0.5)):
        pass


def test_demo_day_through_main_command(data_root, zones):
    result = CliRunner().invoke(cli, ["materialize", "--domain", "raw_zone", "--date", "2024-03-05"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(list(zones.validated.rglob("*.*"))) == 6
    assert len(list(zones.quarantine.rglob("*.reason.json"))) == 3
    again = CliRunner().invoke(cli, ["materialize", "--domain", "raw_zone", "--date", "2024-03-05"])
    assert "0 new or changed file(s)" in again.output
