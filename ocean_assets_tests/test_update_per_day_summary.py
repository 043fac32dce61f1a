"""`ocean-assets update` over a range where one day fails: the per-day table must agree with the
instance (found by an outside tester: it said "0 recorded" while the instance held the good days)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from click.testing import CliRunner

from ocean_assets.cli import cli


def test_update_summary_counts_the_days_the_instance_recorded(data_root: Path) -> None:
    blocker = data_root / "ocean" / "sst" / "2024" / "sst_20240306.nc"
    blocker.mkdir(parents=True)  # a directory where the file goes: that day's rename fails
    result = CliRunner().invoke(cli, ["update", "--datasets", "sst", "--start", "2024-03-05",
                                      "--end", "2024-03-07"])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if "days recorded" in line)
    row = next(line for line in lines[header:] if line.strip("│ ").startswith("sst "))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells == ["sst", "2", "1", "0"], row
    assert "FAILED sst 2024-03-06: IsADirectoryError" in result.stdout
    instance = dg.DagsterInstance.get()
    status = {r.asset_materialization.partition for r in instance.fetch_materializations(
        dg.AssetKey("sst"), limit=10).records if r.asset_materialization}
    assert status == {"2024-03-05", "2024-03-07"}
