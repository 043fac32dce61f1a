"""`ocean-assets tidy` removes the temp files killed writers leave, and nothing else."""

from __future__ import annotations

import os
import time

from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.core.io import atomic_write_bytes


def test_tidy_removes_only_old_hidden_temp_files(data_root):
    day = data_root / "ocean" / "sst" / "2024"
    product = atomic_write_bytes(day / "sst_20240305.nc", b"product")
    old_temp = day / ".sst_20240305.nc.1a2b3c4d.tmp"
    young_temp = day / ".sst_20240306.nc.5e6f7a8b.tmp"  # a writer may still be busy with it
    visible = day / "notes.tmp"  # not one of ours: not hidden
    for path in (old_temp, young_temp, visible):
        path.write_bytes(b"x" * 1000)
    two_days_ago = time.time() - 48 * 3600
    os.utime(old_temp, (two_days_ago, two_days_ago))
    os.utime(visible, (two_days_ago, two_days_ago))

    dry = CliRunner().invoke(cli, ["tidy", "--dry-run"])
    assert dry.exit_code == 0 and "would remove ocean/sst/2024/.sst_20240305.nc.1a2b3c4d.tmp" in dry.output
    assert old_temp.exists()

    done = CliRunner().invoke(cli, ["tidy"])
    assert done.exit_code == 0, done.output
    assert "1 stale temp file(s)" in done.output
    assert not old_temp.exists() and young_temp.exists() and visible.exists() and product.exists()
    assert CliRunner().invoke(cli, ["tidy", "--older-than-hours", "0.5"]).exit_code == 2  # at least 1 h
