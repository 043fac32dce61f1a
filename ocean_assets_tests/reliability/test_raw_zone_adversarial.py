"""Issue 14, raw zone: what a hostile operator tried after the fixes, each kept as a test
(deep folders, hard links, a deleted or replaced lock file, damaged state files, hostile
manifests and CLI input)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.core.raw_zone import audit, lock
from ocean_assets.core.raw_zone.backups import MANIFEST, BackupError, rollback
from ocean_assets.core.raw_zone.inventory import Partitions, walk_raw
from ocean_assets.core.raw_zone.migration_run import MigrationRun
from ocean_assets.core.raw_zone.preflight import PreflightError
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets_tests.raw_zone.conftest import funding_json, put_raw, record, schema  # noqa: F401

DAY = "2024-03-01"
PARTS = Partitions("2020-01-01", "2024-03-10")


@pytest.fixture
def zones(data_root: Path) -> Zones:
    return Zones(data_root)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["raw-zone", *args], catch_exceptions=False)


def test_a_folder_nested_deeper_than_python_recursion_is_walked(zones):
    folders = [zones.raw / "nsf"]
    folders[0].mkdir(parents=True)
    for _ in range(1100):  # os.walk in Python 3.11 recurses: RecursionError at ~1000 levels
        folders.append(folders[-1] / "a")
        os.mkdir(folders[-1])
    (folders[-1] / f"{DAY}_x.json").write_bytes(b"{}")
    try:
        [entry] = walk_raw(zones, PARTS)
        assert entry.rule == "nested" and entry.day == DAY
        assert [f.relpath for f in audit.every_entry(zones.raw)] == [entry.relpath]
    finally:  # pytest's own clean-up (shutil.rmtree) recurses too
        (folders[-1] / f"{DAY}_x.json").unlink()
        for folder in reversed(folders):
            os.rmdir(folder)


def test_a_hard_link_is_not_migrated(zones, schema, tmp_path):  # noqa: F811
    secret = tmp_path / "secret.json"
    secret.write_bytes(funding_json(record(1)))
    (zones.raw / "nsf").mkdir(parents=True)
    os.link(secret, zones.raw / "nsf" / f"{DAY}_linked.json")
    result = MigrationRun(zones, schema, PARTS).migrate_day(DAY)
    assert result.outcomes == [] and result.ignored[0]["rule"] == "hard_link"
    assert not zones.validated.exists() and not zones.quarantine.exists()
    assert audit.audit_day(zones, DAY, PARTS, schema, 0.5)[audit.ACCOUNTED].passed


def test_deleting_the_lock_file_while_a_waiter_holds_it_open_does_not_split_the_lock(zones):
    """A waiter that opened the old file before an operator's `rm` must not lock that orphan."""
    first = lock.hold(zones, "migration", run_id="first")
    first.__enter__()
    waiting = threading.Event()
    real_sleep = lock.sleep

    def sleep(seconds: float) -> None:
        waiting.set()
        real_sleep(min(seconds, 0.05))

    lock.sleep = sleep
    try:
        got = []
        second = lock.hold(zones, "migration", run_id="second", wait_seconds=60)
        thread = threading.Thread(target=lambda: got.append(second.__enter__()))
        thread.start()
        assert waiting.wait(60)
        zones.lock_path.unlink()  # the operator "clears a stale lock" by hand
        with lock.hold(zones, "migration", run_id="third"):  # a new file: a new holder
            first.__exit__(None, None, None)  # the old file is unlocked; the waiter must not win
            thread.join(0.5)
            assert got == []  # still waiting: it re-opened the current lock file
        thread.join(60)
        assert got == [None] and lock.recorded_holder(zones).run_id == "second"
        second.__exit__(None, None, None)
    finally:
        lock.sleep = real_sleep


@pytest.mark.parametrize("damage", ["symlink", "directory"])
def test_a_replaced_lock_file_is_one_clear_line(zones, damage):
    zones.lock_path.parent.mkdir(parents=True)
    if damage == "symlink":
        os.symlink("/etc/passwd", zones.lock_path)
    else:
        zones.lock_path.mkdir()
    with pytest.raises(PreflightError, match="cannot open the raw-zone lock file"), \
            lock.hold(zones, "migration"):
        pass
    for command in ("lock", "unlock"):
        result = invoke(command)
        assert result.exit_code == 1 and "cannot open the raw-zone lock file" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert "lock: unknown: cannot open" in invoke("status").output.replace("\n", " ")
    if damage == "symlink":
        assert Path("/etc/passwd").stat().st_size > 0  # never truncated through the link


def test_a_garbled_lock_record_does_not_stop_the_next_holder(zones):
    zones.lock_path.parent.mkdir(parents=True)
    zones.lock_path.write_bytes(b"\x00garbage{")
    assert "unreadable holder record" in invoke("lock").output
    with lock.hold(zones, "migration") as previous:
        assert previous.purpose == "unreadable holder record"
    assert invoke("lock").output.strip() == "free"


def test_a_damaged_record_id_cache_is_rebuilt_from_the_files(zones, schema):  # noqa: F811
    put_raw(zones, "nsf", "2024-03-01_a.json", funding_json(record(1)))
    run = MigrationRun(zones, schema, PARTS)
    run.migrate_day("2024-03-01")
    run.finish()
    zones.record_ids_path.write_text(json.dumps({"nsf/2024-03-01_a.json": "x", "junk": [1, 2, [3]]}))
    put_raw(zones, "nsf", "2024-03-02_b.json", funding_json(record(1)))
    result = MigrationRun(zones, schema, PARTS).migrate_day("2024-03-02")
    assert [d["files"] for d in result.duplicate_ids] == [["nsf/2024-03-01_a.json",
                                                           "nsf/2024-03-02_b.json"]]


def test_a_damaged_report_makes_ignored_entries_unaccounted(zones, schema):  # noqa: F811
    put_raw(zones, "nsf", f"{DAY}_ok.json", funding_json(record(1)))
    put_raw(zones, "nsf", f"sub/{DAY}_nested.json", b"{}")
    MigrationRun(zones, schema, PARTS).migrate_day(DAY)
    assert audit.audit_day(zones, DAY, PARTS, schema, 0.5)[audit.ACCOUNTED].passed
    zones.report_path(DAY).write_text("[1, 2")
    outcome = audit.audit_day(zones, DAY, PARTS, schema, 0.5)[audit.ACCOUNTED]
    assert not outcome.passed and outcome.metadata["unaccounted_files"] == [f"nsf/sub/{DAY}_nested.json"]


@pytest.mark.parametrize("relpath", ["../../outside.json", "nsf/../../x.json", "/etc/passwd",
                                     "nsf/sub/x.json", "x.json"])
def test_a_backup_manifest_with_hostile_names_restores_nothing(zones, relpath):
    stamp = "20240301T000000.000000Z"
    backup = zones.backups / stamp
    backup.mkdir(parents=True)
    (backup / MANIFEST).write_text(json.dumps({relpath: "0" * 64}))
    with pytest.raises(BackupError, match=f"backup {stamp} is damaged"):
        rollback(zones, stamp)
    result = invoke("rollback", "--to", stamp)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert not zones.validated.exists()


def test_a_backup_manifest_that_is_not_an_object_is_one_line(zones):
    stamp = "20240301T000000.000000Z"
    (zones.backups / stamp).mkdir(parents=True)
    (zones.backups / stamp / MANIFEST).write_text("[]")
    result = invoke("rollback", "--to", stamp)
    assert result.exit_code == 1 and "is not a {file: sha256} object" in result.output


@pytest.mark.parametrize("args", [("rollback", "--to", "../../etc"), ("reprocess", "--source", "../x"),
                                  ("archive", "--year", "99999")])
def test_hostile_cli_input_is_refused_in_one_line(args):
    result = invoke(*args)
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error:")
