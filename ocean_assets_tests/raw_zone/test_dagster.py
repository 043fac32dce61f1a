"""The sensor, the job and the checks, end to end on a test instance."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from ocean_assets.core.raw_zone import audit, copying
from ocean_assets.core.raw_zone.lock import hold
from ocean_assets.defs.raw_zone import assets, resources, sensors
from ocean_assets_tests.raw_zone.conftest import funding_json, put_raw, raw_zone_definitions, record

DAY = "2024-03-01"
NAME = f"{DAY}_nsf_awards.json"
KEY = assets.validated_funding_files.key


@pytest.fixture
def defs() -> dg.Definitions:
    return raw_zone_definitions()


def tick(defs, instance, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs,
                                      resources=defs.resources)
    result = sensors.raw_zone_new_files.evaluate_tick(context)
    return result.run_requests or [], result.skip_message, result.cursor


def run(defs, instance, request):
    job = defs.resolve_job_def("raw_zone_daily")
    return job.execute_in_process(instance=instance, partition_key=request.partition_key,
                                  asset_selection=list(request.asset_selection),
                                  raise_on_error=False)


def checks_of(result):
    return {e.event_specific_data.check_name: e.event_specific_data.passed
            for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}


def latest_metadata(instance):
    event = instance.get_latest_materialization_event(KEY)
    return event.asset_materialization.metadata


def test_sensor_migrates_new_file_skips_it_again_and_replaces_changed_file(defs, instance, zones):
    path = put_raw(zones, "nsf", NAME, v1 := funding_json(record(1)))
    [request], _, cursor = tick(defs, instance)
    assert request.partition_key == DAY and list(request.asset_selection) == [KEY]
    result = run(defs, instance, request)
    assert result.success and all(checks_of(result).values())
    assert zones.validated_path("nsf", NAME).read_bytes() == v1
    meta = latest_metadata(instance)
    assert meta["migrated"].value == 1 and meta[assets.MIGRATED_FILES].value == {
        f"nsf/{NAME}": result.asset_materializations_for_node("validated_funding_files")[0]
        .metadata[assets.MIGRATED_FILES].value[f"nsf/{NAME}"]}

    requests, skip, cursor = tick(defs, instance, cursor)  # same file again: skipped
    assert requests == [] and "1 already migrated" in skip

    path.write_bytes(v2 := funding_json(record(1), record(2)))
    [request], _, cursor = tick(defs, instance, cursor)
    result = run(defs, instance, request)
    meta = latest_metadata(instance)
    stamp = meta["backup_stamp"].value
    assert result.success and meta["replaced"].value == 1 and stamp
    assert (zones.backups / stamp / "nsf" / NAME).read_bytes() == v1
    assert zones.validated_path("nsf", NAME).read_bytes() == v2
    assert tick(defs, instance, cursor)[0] == []


def test_invalid_file_lands_in_quarantine_and_checks_record_it(defs, instance, zones):
    put_raw(zones, "nsf", NAME, funding_json(record(1, end_date="2020-01-01")))
    [request], _, _ = tick(defs, instance)
    result = run(defs, instance, request)
    assert result.success
    assert checks_of(result) == {"every_file_accounted": True, "quarantine_has_reason": True,
                                 "validated_files_valid": True, "quarantine_rate": False,
                                 "no_ignored_files": True, "record_ids_unique": True}
    reason = json.loads(zones.reason_path("nsf", NAME).read_text())
    assert reason["problems"][0]["message"] == "end_date must not be before start_date"
    assert not zones.validated_path("nsf", NAME).exists()
    assert tick(defs, instance)[0] == []  # quarantined content counts as handled


def test_checksum_mismatch_fails_the_partition_and_keeps_old_file(defs, instance, zones, monkeypatch):
    path = put_raw(zones, "nsf", NAME, v1 := funding_json(record(1)))
    [request], _, _ = tick(defs, instance)
    assert run(defs, instance, request).success
    path.write_bytes(funding_json(record(1), record(2)))
    honest = copying._write_bytes
    monkeypatch.setattr(copying, "_write_bytes", lambda p, data: p.write_bytes(data + b" "))
    [request], _, _ = tick(defs, instance)
    first_key = request.run_key
    result = run(defs, instance, request)
    assert not result.success
    failure = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"][0]
    assert "checksum verification" in failure.event_specific_data.error.message
    assert zones.validated_path("nsf", NAME).read_bytes() == v1
    monkeypatch.setattr(copying, "_write_bytes", honest)
    [retry], _, _ = tick(defs, instance)  # still pending, under a new run key: retried
    assert retry.run_key != first_key
    assert run(defs, instance, retry).success
    assert zones.validated_path("nsf", NAME).read_bytes() == path.read_bytes()


def test_audit_flags_a_file_that_was_dropped(defs, instance, zones, schema):
    put_raw(zones, "nsf", NAME, funding_json(record(1)))
    [request], _, _ = tick(defs, instance)
    assert run(defs, instance, request).success
    zones.validated_path("nsf", NAME).unlink()  # someone removes the validated copy by hand
    outcomes = audit.audit_day(zones, DAY, resources.current_partitions(), schema, 0.5)
    assert not outcomes[audit.ACCOUNTED].passed
    assert outcomes[audit.ACCOUNTED].metadata["unaccounted_files"] == [f"nsf/{NAME}"]


def test_range_run_demo_day_lands_and_migrates_each_partition(defs, instance, zones):
    job = defs.resolve_job_def("raw_zone_daily")
    result = job.execute_in_process(instance=instance, tags={
        "dagster/asset_partition_range_start": "2024-03-01",
        "dagster/asset_partition_range_end": "2024-03-03"})
    assert result.success
    evaluations = [e.event_specific_data for e in result.all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert {e.partition for e in evaluations} == {"2024-03-01", "2024-03-02", "2024-03-03"}
    assert len(list(zones.raw.rglob("*_awards.*"))) == 9
    assert len(list(zones.reports.glob("*.json"))) == 3
    assert tick(defs, instance)[0] == []  # everything landed was migrated in this run


def test_migration_refuses_to_run_beside_another_or_on_a_full_disk(defs, instance, zones, monkeypatch,
                                                                  no_lock_wait):
    put_raw(zones, "nsf", NAME, funding_json(record(1)))
    [request], _, _ = tick(defs, instance)
    with hold(zones, "migration", run_id="0123456789abcdef"):  # held on another open file
        result = run(defs, instance, request)
    failure = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"][0]
    message = failure.event_specific_data.error.message
    assert "the raw zone is locked by pid" in message and "run 01234567, migration" in message
    from ocean_assets.core.raw_zone import preflight

    monkeypatch.setattr(preflight, "free_fraction", lambda path: 0.05)
    result = run(defs, instance, request)
    failure = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"][0]
    assert "only 5.0%" in failure.event_specific_data.error.message
    assert not zones.validated_path("nsf", NAME).exists()


def test_rerunning_a_day_is_idempotent(defs, instance, zones):
    job = defs.resolve_job_def("raw_zone_daily")
    first = job.execute_in_process(instance=instance, partition_key=DAY)
    def zone_files() -> dict:  # the zones' files (not run reports, not the platform's figure history)
        return {p: p.read_bytes() for p in zones.data_root.rglob("*") if p.is_file()
                and "_reports" not in p.parts and not p.name.startswith("ocean_assets.db")}

    files = zone_files()
    second = job.execute_in_process(instance=instance, partition_key=DAY)
    assert zone_files() == files

    def versions(result):
        return [m.tags.get("dagster/data_version") for m in
                result.asset_materializations_for_node("validated_funding_files")]

    assert versions(first) == versions(second)
    landed = second.asset_materializations_for_node("raw_funding_files")[0].metadata
    assert (landed["already_present"].value, landed["landed"].value) == (3, 0)
    assert not list(zones.backups.glob("*"))


def test_sensor_ignores_days_outside_the_partitions_and_reuses_hashes(defs, instance, zones,
                                                                     monkeypatch):
    put_raw(zones, "nsf", "2099-01-01_nsf_awards.json", funding_json(record(1)))  # no partition yet
    put_raw(zones, "nsf", "2019-12-31_nsf_awards.json", funding_json(record(2)))  # before the start
    requests, skip, cursor = tick(defs, instance)  # landed today: reported once today's day opens
    assert requests == [] and "no new or changed" in skip
    put_raw(zones, "nsf", "2024-03-02_nsf_awards.json", funding_json(record(4)))
    [request], _, cursor = tick(defs, instance, cursor)
    assert set(json.loads(cursor)) == {"nsf/2024-03-02_nsf_awards.json"}  # hashes cached
    assert run(defs, instance, request).success
    put_raw(zones, "nsf", NAME, funding_json(record(3)))
    calls = []
    real = sensors.sha256_file
    monkeypatch.setattr(sensors, "sha256_file", lambda p: calls.append(p.name) or real(p))
    [request], _, _ = tick(defs, instance, cursor)
    assert request.partition_key == DAY and calls == [NAME]  # unchanged files are not re-hashed
