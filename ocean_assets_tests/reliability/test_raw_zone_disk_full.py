"""Issue 14, classes 2-3 under a full disk: ENOSPC is simulated where real file systems report it
late (at fsync, after a delayed allocation), for chosen files only. A run that hits it fails in
one line without retries, leaves no half-written file, releases the lock, and the re-run after
space is freed finishes the day with every file accounted."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from ocean_assets.core import io
from ocean_assets.core.raw_zone import lock
from ocean_assets.core.raw_zone.preflight import PreflightError
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.defs.raw_zone import assets
from ocean_assets_tests.raw_zone.conftest import funding_json, put_raw, raw_zone_definitions, record

DAY = "2024-03-01"


@pytest.fixture
def defs() -> dg.Definitions:
    return raw_zone_definitions()


def disk_full_for(monkeypatch: pytest.MonkeyPatch, hit: Callable[[str], bool]) -> None:
    """os.fsync in core.io raises ENOSPC for files whose path ``hit`` accepts."""
    real = os.fsync

    def fsync(fd: int) -> None:
        if hit(os.readlink(f"/proc/self/fd/{fd}")):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(io.os, "fsync", fsync)


def run(defs: dg.Definitions, instance: dg.DagsterInstance, asset: dg.AssetsDefinition):  # noqa: ANN201
    return defs.resolve_job_def("raw_zone_daily").execute_in_process(
        instance=instance, partition_key=DAY, raise_on_error=False, asset_selection=[asset.key])


def one_failure(result: dg.ExecuteInProcessResult) -> str:
    assert not result.success
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.message.strip()
    assert len(message.splitlines()) == 1
    return message


def hidden_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if p.is_file() and p.name != ".record_ids.json"]


def all_checks_pass(result: dg.ExecuteInProcessResult) -> bool:
    evaluations = [e.event_specific_data for e in result.all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return bool(evaluations) and all(e.passed for e in evaluations if e.check_name != "quarantine_rate")


@pytest.mark.parametrize("full", ["validated", "quarantine", "reason"])
def test_disk_full_mid_migration_fails_once_and_the_rerun_completes(defs, instance, data_root,
                                                                   monkeypatch, full):
    zones = Zones(data_root)
    put_raw(zones, "nsf", f"{DAY}_a.json", funding_json(record(1)))
    put_raw(zones, "nsf", f"{DAY}_b.json", funding_json(record(2)))
    put_raw(zones, "nsf", f"{DAY}_c.json", funding_json(record(3, currency="usd")))  # invalid
    target = {"validated": f"transformed/validated/nsf/.{DAY}_b.json",
              "quarantine": f"transformed/quarantine/nsf/.{DAY}_c.json.",
              "reason": ".reason.json."}[full]
    with monkeypatch.context() as patch:
        disk_full_for(patch, lambda path: target in path)
        message = one_failure(run(defs, instance, assets.validated_funding_files))
    assert "disk full writing" in message and "Traceback" not in message
    assert hidden_files(zones.data_root / "transformed") == []  # no temp file left behind
    assert not lock.is_held(zones) and lock.recorded_holder(zones) is None  # released cleanly
    assert not zones.report_path(DAY).exists()  # the day is not reported as done
    result = run(defs, instance, assets.validated_funding_files)
    assert result.success and all_checks_pass(result)
    for name in (f"{DAY}_a.json", f"{DAY}_b.json"):
        assert zones.validated_path("nsf", name).read_bytes() == (zones.raw / "nsf" / name).read_bytes()
    assert zones.reason_path("nsf", f"{DAY}_c.json").exists()


def test_disk_full_while_landing_fails_once_without_retries(defs, instance, data_root, monkeypatch):
    disk_full_for(monkeypatch, lambda path: "/raw/funding_sources/" in path)
    message = one_failure(run(defs, instance, assets.raw_funding_files))
    assert "disk full writing" in message
    raw = Zones(data_root).raw
    assert [p for p in raw.rglob("*") if p.is_file()] == []  # nothing half-written


def test_disk_full_when_recording_the_lock_holder_is_one_clear_line(data_root, monkeypatch):
    zones = Zones(data_root)

    def full(fd: int, data: bytes, offset: int) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch, \
            pytest.raises(PreflightError, match="no space left to record the lock holder"):
        patch.setattr(lock.os, "pwrite", full)
        with lock.hold(zones, "migration"):
            pass
    assert not lock.is_held(zones)
    with lock.hold(zones, "migration") as previous:
        assert previous is None
