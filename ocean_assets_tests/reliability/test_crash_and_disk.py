"""A write killed with SIGKILL, two writers of the same partition at once, and a full disk:
never a partial file at a final path, previous outputs intact, the next run completes."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import xarray as xr

from ocean_assets.core.io import DiskFullError, sha256_file
from ocean_assets.core.ocean.corruption import sweep
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import product_files, product_path
from ocean_assets.core.ocean.validate import validate_file
from ocean_assets.core.retry import PermanentError
from ocean_assets.location import load_definitions
from ocean_assets.sources.ocean.demo import demo_dataset
from ocean_assets_tests.reliability.conftest import DAY

KEY = DAY.isoformat()

# Writes a ~130 MB incompressible SST product through write_product (seconds of zlib work), so a
# kill lands mid-write. argv: final path.
BIG_WRITER = """
import sys
from pathlib import Path
import numpy as np, pandas as pd, xarray as xr
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.products import load_products
spec = load_products()["sst"]
lat, lon = np.linspace(-79.9, 89.9, 4000), np.linspace(-179.9, 179.9, 8000)
data = np.random.default_rng(0).normal(290, 5, (1, lat.size, lon.size)).astype("float32")
ds = xr.Dataset({"analysed_sst": (("time", "latitude", "longitude"), data, {"units": "K"})},
                coords={"time": pd.to_datetime(["2024-03-05"]), "latitude": lat, "longitude": lon})
write_product(ds, Path(sys.argv[1]), spec, source="big")
print("finished", flush=True)
"""

# Writes the demo SST day ``n`` times to the same path, labelled by argv[2], once ``go`` exists.
LOOP_WRITER = """
import sys, time, datetime as dt
from pathlib import Path
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.products import load_products
from ocean_assets.sources.ocean.demo import demo_dataset
final, label, n, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
spec = load_products()["sst"]
ds = demo_dataset(spec, dt.date(2024, 3, 5))
while not go.exists():
    time.sleep(0.01)
for _ in range(n):
    write_product(ds, final, spec, source=label)
"""


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=os.environ.copy())


def _temps(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.tmp"))


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


@pytest.mark.parametrize("previous", [False, True], ids=["no_previous_file", "previous_file"])
def test_sigkill_mid_write_leaves_no_partial_file(defs, instance, data_root, previous):
    final = product_path(data_root, "sst", DAY)
    before = None
    if previous:
        job = defs.resolve_job_def("ocean_daily")
        assert job.execute_in_process(instance=instance, partition_key=KEY,
                                      asset_selection=[dg.AssetKey("sst")]).success
        before = sha256_file(final)
    proc = _python(BIG_WRITER, str(final))
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size > (1 << 20) for p in _temps(final.parent) if p.exists()):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the writer never started writing"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL and b"finished" not in proc.stdout.read()
    leftovers = _temps(final.parent)
    assert leftovers, "the kill should have landed mid-write"  # a hidden temp file, never the final name
    if previous:
        assert sha256_file(final) == before  # the previous product is untouched
    else:
        assert not final.exists()
    assert product_files(data_root, "sst") == ([final] if previous else [])  # temp files are not products
    # the next run completes and its file is valid; the sweep ignores the dead writer's temp file
    job = defs.resolve_job_def("ocean_daily")
    assert job.execute_in_process(instance=instance, partition_key=KEY,
                                  asset_selection=[dg.AssetKey("sst")]).success
    assert all(o.passed for o in validate_file(final, defs_spec("sst"), DAY))
    report = sweep(data_root, {"sst": defs_spec("sst")})
    assert report["files_checked"] == 1 and report["failing_files"] == []


def defs_spec(name: str):
    from ocean_assets.core.ocean.products import load_products

    return load_products()[name]


def test_two_writers_of_the_same_partition_never_corrupt_it(data_root, tmp_path):
    spec = defs_spec("sst")
    final = product_path(data_root, "sst", DAY)
    expected = {}
    for label in ("writer_a", "writer_b"):  # what each writer's file looks like on its own
        expected[label] = sha256_file(write_product(demo_dataset(spec, DAY), tmp_path / label / "f.nc",
                                                    spec, source=label))
    assert expected["writer_a"] != expected["writer_b"]
    go = tmp_path / "go"
    procs = [_python(LOOP_WRITER, str(final), label, "12", str(go)) for label in expected]
    seen: set[str] = set()
    try:
        time.sleep(0.5)
        go.touch()
        while any(p.poll() is None for p in procs):  # a reader racing the writers
            if final.exists():
                seen.add(sha256_file(final))
            time.sleep(0.01)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0], [p.stderr.read().decode()[-1500:] for p in procs]
    assert seen and seen <= set(expected.values())  # a reader only ever saw one whole file or the other
    assert sha256_file(final) in expected.values()
    assert all(o.passed for o in validate_file(final, spec, DAY))
    assert _temps(final.parent) == []


def _disk_full_after(nbytes: int):
    """A stand-in for Dataset.to_netcdf that writes ``nbytes`` to the target, then fails with ENOSPC."""

    def to_netcdf(self, path=None, *args, **kwargs):  # noqa: ANN001, ANN202
        with open(path, "wb") as fh:
            fh.write(b"\x89HDF\r\n\x1a\n" + b"\0" * nbytes)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    return to_netcdf


def test_disk_full_gives_a_clear_error_and_keeps_the_previous_file(defs, instance, data_root, monkeypatch):
    job = defs.resolve_job_def("ocean_daily")
    selection = [dg.AssetKey("sst"), dg.AssetKey("acidity")]
    assert job.execute_in_process(instance=instance, partition_key=KEY, asset_selection=selection).success
    before = {p: sha256_file(product_path(data_root, p, DAY)) for p in ("sst", "acidity")}
    monkeypatch.setattr(xr.Dataset, "to_netcdf", _disk_full_after(4096))
    result = job.execute_in_process(instance=instance, partition_key=KEY, asset_selection=selection,
                                    raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert {e.step_key for e in failures} == {"sst", "acidity"}
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]  # no futile retries
    for event in failures:
        message = event.event_specific_data.error.message
        path = product_path(data_root, event.step_key, DAY)
        assert f"disk full writing {path}: " in message and "previous file is intact" in message
    for product, sha in before.items():
        path = product_path(data_root, product, DAY)
        assert sha256_file(path) == sha
        assert sorted(path.parent.iterdir()) == [path]  # the partial temp file was removed
    assert len(instance.get_materialized_partitions(dg.AssetKey("sst"))) == 1


def test_disk_full_in_write_product_raises_enospc_and_cleans_up(tmp_path, monkeypatch):
    spec = defs_spec("acidity")
    final = tmp_path / "out" / "acidity_20240305.nc"
    monkeypatch.setattr(xr.Dataset, "to_netcdf", _disk_full_after(1 << 16))
    with pytest.raises(DiskFullError, match="disk full writing") as info:
        write_product(demo_dataset(spec, DAY), final, spec, source="test")
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, PermanentError)
    assert list(final.parent.iterdir()) == []


# Materializes one partition of `acidity` through ocean_daily on the DAGSTER_HOME instance once
# ``go`` exists. argv: partition key, go file.
DAGSTER_RUN = """
import sys, time
from pathlib import Path
import dagster as dg
from ocean_assets.location import load_definitions
job = load_definitions().resolve_job_def("ocean_daily")
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
result = job.execute_in_process(instance=dg.DagsterInstance.get(), partition_key=sys.argv[1],
                                asset_selection=[dg.AssetKey("acidity")], raise_on_error=False)
print("success" if result.success else "failure", flush=True)
"""


def test_two_dagster_runs_of_the_same_partition_at_once(data_root, tmp_path):
    # Create the SQLite instance first: two processes initialising a fresh DAGSTER_HOME at the same
    # moment race in Dagster's schema migration (alembic "more than one head"), not in our writes.
    dg.DagsterInstance.get().dispose()
    go = tmp_path / "go_runs"
    procs = [_python(DAGSTER_RUN, KEY, str(go)) for _ in range(2)]
    try:
        time.sleep(0.2)
        go.touch()
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [o[0].decode().strip() for o in outs] == ["success", "success"], [o[1].decode()[-3000:] for o in outs]
    spec = defs_spec("acidity")
    final = product_path(data_root, "acidity", DAY)
    alone = write_product(demo_dataset(spec, DAY), tmp_path / "alone" / final.name, spec, source="demo")
    assert sha256_file(final) == sha256_file(alone)  # identical to a single run's file
    assert all(o.passed for o in validate_file(final, spec, DAY))
    assert sorted(final.parent.iterdir()) == [final]
    with dg.DagsterInstance.get() as instance:
        records = instance.fetch_materializations(dg.AssetKey("acidity"), limit=10).records
    assert len(records) == 2 and {r.partition_key for r in records} == {KEY}
