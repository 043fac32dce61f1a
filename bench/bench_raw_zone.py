"""Benchmark of the raw_zone migration: validate + verified copy vs a plain copy (the baseline).

    python -m bench raw_zone -- [--days 20] [--records-scale 1]

Prints ratios against the plain-copy baseline measured in the same run, plus the cost of a
re-run where every file is already migrated (the idempotent skip path).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from ocean_assets.core.raw_zone.backups import new_stamp
from ocean_assets.core.raw_zone.inventory import scan_raw
from ocean_assets.core.raw_zone.migrate import migrate_file
from ocean_assets.core.raw_zone.validation import load_schema
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets.sources.raw_zone import DemoFundingSource


def _land(zones: Zones, days: int, scale: int) -> int:
    source = DemoFundingSource()
    count = 0
    for offset in range(days):
        for f in source.fetch(dt.date(2024, 1, 1) + dt.timedelta(days=offset)):
            for copy in range(scale):
                name = f.name if copy == 0 else f.name.replace("_awards", f"_awards{copy}")
                path = zones.raw / f.source / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(f.data)
                count += 1
    return count


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench raw_zone", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20, help="demo days (3 files a day)")
    parser.add_argument("--records-scale", type=int, default=1, help="copies of each file")
    args = parser.parse_args(argv)
    schema = load_schema(PROJECT_ROOT / "config" / "schemas" / "funding_data_v1.json")
    with tempfile.TemporaryDirectory() as tmp:
        zones = Zones(Path(tmp))
        n = _land(zones, args.days, args.records_scale)
        files = scan_raw(zones)
        size = sum(f.path.stat().st_size for f in files)
        baseline = _timed(lambda: [shutil.copyfile(f.path, Path(tmp) / f"copy_{i}")
                                   for i, f in enumerate(files)])
        stamp = new_stamp()
        first = _timed(lambda: [migrate_file(zones, f, schema, stamp) for f in files])
        rerun = _timed(lambda: [migrate_file(zones, f, schema, stamp) for f in files])
    print(f"raw_zone migration: {n} files, {size / 1e6:.2f} MB")
    print(f"  plain copy (baseline)          {baseline * 1e3:8.1f} ms   1.0x")
    print(f"  validate + verified copy       {first * 1e3:8.1f} ms  {first / baseline:6.1f}x"
          f"   ({first / n * 1e3:.1f} ms/file)")
    print(f"  re-run, all already migrated   {rerun * 1e3:8.1f} ms  {rerun / baseline:6.1f}x"
          f"   ({rerun / first:.0%} of the first run)")


if __name__ == "__main__":
    main()
