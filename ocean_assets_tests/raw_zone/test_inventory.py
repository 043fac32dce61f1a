"""The raw-zone inventory: every entry found without following links, each with its rule and day,
and the migration run that reports ignored entries and duplicate record ids per day."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from ocean_assets.core.raw_zone import audit
from ocean_assets.core.raw_zone.inventory import Partitions, account_day, read_regular, walk_raw
from ocean_assets.core.raw_zone.migration_run import MigrationRun
from ocean_assets_tests.raw_zone.conftest import funding_json, put_raw, record

DAY = "2024-03-01"
TODAY = dt.datetime.now(dt.UTC).date().isoformat()
OPEN_TODAY = Partitions("2020-01-01", TODAY)  # as if today's partition were open


def day_epoch(day: str) -> float:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() + 3600


def test_account_day_puts_every_arrival_somewhere():
    parts = Partitions("2020-01-01", "2024-03-10")
    assert account_day("2024-03-05", "2024-03-09", parts) == "2024-03-05"
    assert account_day("2024-03-11", "2024-03-11", parts) is None  # today: opens tomorrow
    assert account_day("2024-03-12", "2024-03-09", parts) is None  # a producer's time zone
    assert account_day("2099-01-01", "2024-03-09", parts) == "2024-03-09"  # the day it landed
    assert account_day("2019-12-31", "2024-03-09", parts) == "2024-03-09"
    assert account_day("2015-06-01", "2015-06-01", parts) == "2020-01-01"  # nothing older is lost
    assert account_day("2099-01-01", "2024-03-11", parts) is None  # landed today: tomorrow


def test_every_entry_gets_a_rule(zones, tmp_path: Path):
    put_raw(zones, "nsf", f"{DAY}_ok.json", funding_json(record(1)))
    put_raw(zones, "nsf", f"sub/{DAY}_nested.json", b"{}")
    put_raw(zones, "_staging", f"{DAY}_x.json", b"{}")
    put_raw(zones, "nѕf", f"{DAY}_x.json", b"{}")  # Cyrillic dze
    put_raw(zones, "nsf", f"{DAY}_a b.json", b"{}")
    put_raw(zones, "nsf", f"{DAY}_x.json.reason.json", b"{}")
    put_raw(zones, "nsf", f".{DAY}_hidden.json", b"{}")
    (zones.raw / f"{DAY}_root.json").write_bytes(b"{}")
    os.symlink("/etc/passwd", zones.raw / "nsf" / f"{DAY}_passwd.json")
    os.symlink("/nonexistent", zones.raw / "nsf" / f"{DAY}_dangling.json")
    os.symlink("/etc", zones.raw / f"{DAY}_etc")
    os.mkfifo(zones.raw / "nsf" / f"{DAY}_pipe.json")
    rules = {e.relpath: e.rule for e in walk_raw(zones)}
    assert rules == {
        f"nsf/{DAY}_ok.json": None,
        f"nsf/sub/{DAY}_nested.json": "nested",
        f"_staging/{DAY}_x.json": "bad_source",
        f"nѕf/{DAY}_x.json": "bad_source",
        f"nsf/{DAY}_a b.json": "bad_name",
        f"nsf/{DAY}_x.json.reason.json": "bad_name",
        f"nsf/.{DAY}_hidden.json": "hidden",
        f"{DAY}_root.json": "at_zone_root",
        f"nsf/{DAY}_passwd.json": "symlink",
        f"nsf/{DAY}_dangling.json": "symlink",
        f"{DAY}_etc": "symlink",
        f"nsf/{DAY}_pipe.json": "not_a_file",
    }
    assert not any(e.relpath.startswith(f"{DAY}_etc/") for e in walk_raw(zones))  # not entered


def test_read_regular_refuses_a_link_or_fifo_swapped_in(zones):
    os.symlink("/etc/passwd", zones.data_root / "link")
    os.mkfifo(zones.data_root / "fifo")
    with pytest.raises(OSError):
        read_regular(zones.data_root / "link")
    with pytest.raises(OSError, match="no longer a regular file"):
        read_regular(zones.data_root / "fifo")  # and does not block waiting for a writer


def test_dates_outside_the_partitions_are_reported_on_the_day_they_landed(zones, schema):
    put_raw(zones, "nsf", "2099-01-01_future.json", funding_json(record(1)))
    put_raw(zones, "nsf", "2019-12-31_old.json", funding_json(record(2)))
    old = put_raw(zones, "nsf", "awards.json", funding_json(record(3)))  # no prefix: its mtime
    os.utime(old, (day_epoch("2015-06-01"),) * 2)  # `cp -p` of an old file
    run = MigrationRun(zones, schema, OPEN_TODAY)
    result = run.migrate_day(TODAY)
    assert result.outcomes == []
    assert {i["file"]: i["rule"] for i in result.ignored} == {
        "nsf/2099-01-01_future.json": "outside_partitions",
        "nsf/2019-12-31_old.json": "outside_partitions",
        "nsf/awards.json": "outside_partitions"}
    assert "arrival 2099-01-01 is outside 2020-01-01.." in result.ignored[0]["detail"] + \
        result.ignored[1]["detail"] + result.ignored[2]["detail"]
    outcomes = audit.audit_day(zones, TODAY, OPEN_TODAY, schema, 0.5)
    assert outcomes[audit.ACCOUNTED].passed and outcomes[audit.ACCOUNTED].metadata["ignored"] == 3
    assert not outcomes[audit.IGNORED].passed and outcomes[audit.IGNORED].severity == "WARN"


def test_accounting_fails_when_the_migration_drops_a_file_silently(zones, schema, monkeypatch):
    put_raw(zones, "nsf", f"{DAY}_a.json", funding_json(record(1)))
    put_raw(zones, "nsf", f"{DAY}_b.json", funding_json(record(2)))
    from ocean_assets.core.raw_zone import migration_run

    real = migration_run.walk_raw
    monkeypatch.setattr(migration_run, "walk_raw",  # a selection bug: one file never taken
                        lambda *a: [e for e in real(*a) if not e.relpath.endswith("_b.json")])
    MigrationRun(zones, schema, OPEN_TODAY).migrate_day(DAY)
    outcome = audit.audit_day(zones, DAY, OPEN_TODAY, schema, 0.5)[audit.ACCOUNTED]
    assert not outcome.passed and outcome.metadata["unaccounted_files"] == [f"nsf/{DAY}_b.json"]
    assert "1 of 2 raw entries" in outcome.message


def test_a_file_landing_after_the_walk_is_pending_not_lost(zones, schema):
    put_raw(zones, "nsf", f"{DAY}_a.json", funding_json(record(1)))
    run = MigrationRun(zones, schema, OPEN_TODAY)
    put_raw(zones, "nsf", f"{DAY}_late.json", funding_json(record(2)))  # ctime after the walk
    run.migrate_day(DAY)
    placed, _ = audit.account(zones, DAY, OPEN_TODAY)
    assert placed["arrived_later"] == [f"nsf/{DAY}_late.json"] and not placed["unaccounted"]


def test_duplicate_record_ids_are_flagged_with_both_files(zones, schema):
    put_raw(zones, "nsf", "2024-03-01_a.json", funding_json(record(1), record(2)))
    run = MigrationRun(zones, schema, OPEN_TODAY)
    assert run.migrate_day("2024-03-01").duplicate_ids == []
    run.finish()
    put_raw(zones, "nsf", "2024-03-02_b.json", funding_json(record(2), record(3)))
    result = MigrationRun(zones, schema, OPEN_TODAY).migrate_day("2024-03-02")
    assert result.duplicate_ids == [{"id": "NSF-2024-00002",
                                     "files": ["nsf/2024-03-01_a.json", "nsf/2024-03-02_b.json"]}]
    report = json.loads(zones.report_path("2024-03-02").read_text())
    assert report["duplicate_ids_total"] == 1
    outcome = audit.audit_day(zones, "2024-03-02", OPEN_TODAY, schema, 0.5)[audit.DUPLICATE_IDS]
    assert not outcome.passed and outcome.severity == "WARN"
    assert "nsf/2024-03-01_a.json, nsf/2024-03-02_b.json" in outcome.message


def test_record_id_cache_follows_a_rollback_or_hand_edit(zones, schema):
    put_raw(zones, "nsf", "2024-03-01_a.json", funding_json(record(1)))
    run = MigrationRun(zones, schema, OPEN_TODAY)
    run.migrate_day("2024-03-01")
    run.finish()
    validated = zones.validated_path("nsf", "2024-03-01_a.json")
    validated.write_bytes(funding_json(record(7)))  # edited behind the migration's back
    put_raw(zones, "nsf", "2024-03-02_b.json", funding_json(record(7)))
    result = MigrationRun(zones, schema, OPEN_TODAY).migrate_day("2024-03-02")
    assert [d["id"] for d in result.duplicate_ids] == ["NSF-2024-00007"]
