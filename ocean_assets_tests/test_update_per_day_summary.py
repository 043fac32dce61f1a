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


def test_failed_and_missing_reruns_only_the_failed_day(data_root: Path) -> None:
    blocker = data_root / "ocean" / "sst" / "2024" / "sst_20240306.nc"
    blocker.mkdir(parents=True)
    args = ["update", "--datasets", "sst", "--start", "2024-03-05", "--end", "2024-03-07"]
    assert CliRunner().invoke(cli, args).exit_code == 1
    blocker.rmdir()
    instance = dg.DagsterInstance.get()

    def materialized(asset: str) -> list[str]:
        return sorted(r.asset_materialization.partition for r in instance.fetch_materializations(
            dg.AssetKey(asset), limit=100).records if r.asset_materialization)

    before = {a: materialized(a) for a in ("sst", "sst_texture")}
    again = CliRunner().invoke(cli, [*args, "--failed-and-missing"])
    assert again.exit_code == 0, again.output
    # only 2024-03-06 is new for sst and its texture; the good days are not redone
    assert materialized("sst") == sorted([*before["sst"], "2024-03-06"])
    assert materialized("sst_texture") == sorted([*before["sst_texture"], "2024-03-06"])
    nothing = CliRunner().invoke(cli, [*args, "--failed-and-missing"])
    assert nothing.exit_code == 0 and "nothing to do" in nothing.output


def test_a_failed_update_run_plans_only_its_jobs_steps(data_root: Path) -> None:
    """The UI's "Re-execute from failure" rebuilds a run from its job: a run that planned a step its
    job leaves out (the freshness checks) failed there with "Can not build subset plan from unknown
    step: ocean_freshness" (found by an outside tester)."""
    blocker = data_root / "ocean" / "sst" / "2024" / "sst_20240306.nc"
    blocker.mkdir(parents=True)
    args = ["update", "--datasets", "sst", "--start", "2024-03-05", "--end", "2024-03-07"]
    assert CliRunner().invoke(cli, args).exit_code == 1
    instance = dg.DagsterInstance.get()
    [parent] = [r for r in instance.get_runs() if r.job_name == "ocean_daily"]
    steps = set(parent.step_keys_to_execute or [])
    assert "sst" in steps and not any("freshness" in step for step in steps), steps
