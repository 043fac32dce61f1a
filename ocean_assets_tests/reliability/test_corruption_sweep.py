"""Corruption after a file was written (class 5 of issue 14): bit rot that keeps size and mtime, a
deleted NetCDF product or texture of a materialized day. The sweep (asset ``ocean_corruption_report``)
verifies content against the sha256 recorded at materialization, reports missing files, re-reads a
bounded number of files per sweep, and does not re-validate files the checks already passed; the
recovery sensor re-materializes what the sweep found, one run per day, within its budget."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import dagster as dg
import pytest

from ocean_assets.core.io import sha256_file
from ocean_assets.core.ocean import corruption
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import product_path, report_path, texture_path
from ocean_assets.core.ocean.products import load_products
from ocean_assets.defs.ocean.resources import OceanResource
from ocean_assets.defs.ocean.sensors import RECOVERY_TAG, ocean_recovery_sensor
from ocean_assets.sources.ocean.demo import demo_dataset
from ocean_assets_tests.reliability.conftest import DAY

KEY = DAY.isoformat()
SST_DAY = [dg.AssetKey("sst"), dg.AssetKey("sst_texture")]
REPORT = dg.AssetKey("ocean_corruption_report")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from ocean_assets.location import load_definitions

    return load_definitions()


def rot(path: Path, offset_fraction: float = 0.6) -> None:
    """Flip one bit in the middle of the file and put size and mtime back as they were."""
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(int(st.st_size * offset_fraction))
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x10]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def run(defs: dg.Definitions, instance: dg.DagsterInstance, assets: list[dg.AssetKey],
        key: str = KEY) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("ocean_daily").execute_in_process(
        instance=instance, partition_key=key, asset_selection=assets, raise_on_error=False)


def report_of(result: dg.ExecuteInProcessResult, data_root: Path, key: str = KEY) -> dict:
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
              and e.event_specific_data.check_name == "no_corrupt_files"]
    report = json.loads(report_path(data_root, key).read_text())
    report["check_passed"] = [c.passed for c in checks]
    return report


def tick(defs, instance, cursor=None):  # noqa: ANN001, ANN201
    return ocean_recovery_sensor(dg.build_sensor_context(
        instance=instance, definitions=defs, cursor=cursor, resources={"ocean": OceanResource()}))


def test_bit_rot_with_same_size_and_mtime_is_found_and_repaired(defs, instance, data_root):
    assert run(defs, instance, [*SST_DAY, REPORT]).success
    first = report_of(run(defs, instance, [REPORT]), data_root)
    assert first["failing_files"] == [] and first["check_passed"] == [True]
    product, texture = product_path(data_root, "sst", KEY), texture_path(data_root, KEY)
    good = sha256_file(product), sha256_file(texture)
    rot(product)
    rot(texture, 0.5)

    report = report_of(run(defs, instance, [REPORT]), data_root)
    found = {f["file"]: f for f in report["failing_files"]}
    rel = str(product.relative_to(data_root)), str(texture.relative_to(data_root))
    assert set(found) == set(rel), report["failing_files"]
    assert all("sha256" in found[r]["failed_rules"] for r in rel)
    assert "recorded at materialization" in found[rel[0]]["reason"]
    assert report["check_passed"] == [False]
    assert report["repair"] == [["sst", KEY], ["sst_texture", KEY]]

    # the recovery sensor re-materializes the day's product and texture in one run
    request = tick(defs, instance).run_requests
    assert [(r.partition_key, sorted(k.to_user_string() for k in r.asset_selection), r.tags[RECOVERY_TAG])
            for r in request] == [(KEY, ["sst", "sst_texture"], "1")]
    assert run(defs, instance, request[0].asset_selection).success
    assert (sha256_file(product), sha256_file(texture)) == good  # demo days are byte-identical
    assert report_of(run(defs, instance, [REPORT]), data_root)["failing_files"] == []


def test_deleted_product_and_texture_are_reported_and_repaired(defs, instance, data_root):
    other = "2024-03-04"
    for key in (KEY, other):
        assert run(defs, instance, SST_DAY, key).success
    product_path(data_root, "sst", KEY).unlink()
    texture_path(data_root, other).unlink()

    report = report_of(run(defs, instance, [REPORT]), data_root)
    missing = sorted((f["asset"], f["partition"]) for f in report["failing_files"] if f["failed_rules"] == ["missing"])
    assert missing == [("sst", KEY), ("sst_texture", other)]
    assert report["files_missing"] == 2 and report["check_passed"] == [False]

    first = tick(defs, instance)
    asked = {r.partition_key: [k.to_user_string() for k in r.asset_selection] for r in first.run_requests}
    assert asked == {KEY: ["sst"], other: ["sst_texture"]}
    assert not tick(defs, instance, first.cursor).run_requests  # nothing new: no second request
    for request in first.run_requests:
        assert run(defs, instance, request.asset_selection, request.partition_key).success
    assert product_path(data_root, "sst", KEY).exists() and texture_path(data_root, other).exists()
    after = report_of(run(defs, instance, [REPORT]), data_root)
    assert after["failing_files"] == [] and after["files_missing"] == 0


def test_sweep_repairs_stay_within_budget_and_per_tick_cap(defs, instance, data_root, tmp_path, monkeypatch):
    days = ["2024-03-01", "2024-03-02", "2024-03-03"]
    for key in days:
        assert run(defs, instance, SST_DAY, key).success
    config = tmp_path / "config"
    config.mkdir()
    text = (Path(__file__).resolve().parents[2] / "config" / "ocean.yaml").read_text()
    (config / "ocean.yaml").write_text(text.replace("recovery_budget: 3", "recovery_budget: 1")
                                       .replace("recovery_max_runs_per_tick: 20", "recovery_max_runs_per_tick: 2"))
    monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(config))
    for key in days:
        product_path(data_root, "sst", key).unlink()
    assert report_of(run(defs, instance, [REPORT], days[-1]), data_root, days[-1])["files_missing"] == 3
    first = tick(defs, instance)
    assert [r.partition_key for r in first.run_requests] == ["2024-03-03", "2024-03-02"]  # newest first, cap 2
    second = tick(defs, instance, first.cursor)
    assert [r.partition_key for r in second.run_requests] == ["2024-03-01"]  # the deferred one
    # the repairs are never run: the next sweep finds the same files missing; the budget (1) is spent
    assert report_of(run(defs, instance, [REPORT], days[-1]), data_root, days[-1])["check_passed"] == [False]
    third = tick(defs, instance, second.cursor)
    assert not third.run_requests and "out of budget" in third.skip_reason.skip_message


def _three_days(root: Path) -> dict[tuple[str, str], str | None]:
    spec = load_products()["sst"]
    recorded = {}
    for key in ("2024-03-04", "2024-03-05", "2024-03-06"):
        path = write_product(demo_dataset(spec, dt.date.fromisoformat(key)),
                             product_path(root, "sst", key), spec, source="demo")
        recorded[("sst", key)] = sha256_file(path)
    return recorded


def test_full_reread_is_bounded_and_rotates_through_the_archive(tmp_path):
    products = {"sst": load_products()["sst"]}
    recorded = corruption.Recorded(_three_days(tmp_path))
    first = corruption.sweep(tmp_path, products, recorded, reverify=1, now=1.0)
    assert first["files_reread"] == 3 and first["failing_files"] == []  # new files: read once each
    target = product_path(tmp_path, "sst", "2024-03-05")
    rot(target)
    seen = []
    for n in range(2, 6):  # one file per sweep, longest unverified first: found within 3 sweeps
        report = corruption.sweep(tmp_path, products, recorded, reverify=1, now=float(n))
        assert report["files_reread"] == 1
        seen.append([f["file"] for f in report["failing_files"]])
    rel = str(target.relative_to(tmp_path))
    assert [rel] in seen[:3] and seen[-1] == [rel]  # once found, it stays reported until repaired


def test_bit_rot_without_a_recorded_digest_is_found_against_the_first_verification(tmp_path):
    products = {"sst": load_products()["sst"]}
    _three_days(tmp_path)
    assert corruption.sweep(tmp_path, products, reverify=3, now=1.0)["failing_files"] == []
    rot(product_path(tmp_path, "sst", "2024-03-06"))
    report = corruption.sweep(tmp_path, products, reverify=3, now=2.0)
    assert [f["failed_rules"][0] for f in report["failing_files"]] == ["sha256"]
    assert "size and mtime stayed the same" in report["failing_files"][0]["reason"]


def test_files_the_checks_passed_are_not_validated_again(defs, instance, data_root, monkeypatch):
    assert run(defs, instance, [dg.AssetKey("sst"), dg.AssetKey("acidity")]).success
    calls = []
    real = corruption.validate_file
    monkeypatch.setattr(corruption, "validate_file", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    report = report_of(run(defs, instance, [REPORT]), data_root)
    assert report["failing_files"] == [] and report["files_checked"] == 2
    assert calls == []  # sha256 equals the recorded one and the checks passed: their verdict is reused
    assert report["checks_reused"] == 2


def test_a_directory_named_like_a_product_is_reported_and_the_other_days_succeed(defs, instance, data_root):
    """Issue 15 case 3: ``mkdir data/ocean/sst/2024/sst_20240306.nc`` crashed the sweep on every day."""
    days = ["2024-03-04", "2024-03-05"]
    for key in days:
        assert run(defs, instance, SST_DAY, key).success
    stray = product_path(data_root, "sst", "2024-03-06")
    stray.mkdir(parents=True)
    result = defs.resolve_job_def("ocean_daily").execute_in_process(
        instance=instance, asset_selection=[REPORT], raise_on_error=False,
        tags={"dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1]})
    recorded = {e.partition for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"}
    assert recorded == set(days)  # every day of the range got its report
    report = json.loads(report_path(data_root, days[-1]).read_text())
    failing = {f["file"]: f for f in report["failing_files"]}
    assert list(failing) == [str(stray.relative_to(data_root))]
    assert "not a regular file" in failing[str(stray.relative_to(data_root))]["reason"]
    assert report["repair"] == []  # a re-run cannot write over a directory: an operator removes it
    assert report["files_checked"] == 5  # 2 products + 2 textures + the stray entry


def test_an_unreadable_file_is_reported_and_the_sweep_goes_on(tmp_path, monkeypatch):
    products = {"sst": load_products()["sst"]}
    _three_days(tmp_path)
    locked = product_path(tmp_path, "sst", "2024-03-05")
    real = corruption.sha256_file

    def sha(path):  # noqa: ANN001, ANN202 - the tests run as root: chmod 000 would not stop a read
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(corruption, "sha256_file", sha)
    report = corruption.sweep(tmp_path, products, reverify=3, now=1.0)
    assert report["files_checked"] == 3
    assert [(f["file"], f["failed_rules"]) for f in report["failing_files"]] == [
        (str(locked.relative_to(tmp_path)), ["unreadable"])]
    assert "Permission denied" in report["failing_files"][0]["reason"]
