"""Every benchmark runs through its documented entry point (``python -m bench NAME -- ARGS``) at its
smallest size: the entry points stay callable and their own assertions hold. No timing is asserted
(timings belong in bench/, never in tests)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.__main__ import available
from ocean_assets.settings import PROJECT_ROOT

# the smallest useful size of each benchmark; PostgreSQL is pointed at a closed port so it is skipped
SMALLEST: dict[str, list[str]] = {
    "api": ["--seconds", "0.5", "--concurrency", "1", "--days", "2", "--reefs", "2",
            "--pg-url", "postgresql+psycopg2://postgres@127.0.0.1:9/none"],
    "conus404": ["--days", "1", "--grid", "12x16"],
    "drift": ["--years", "1.5", "--per-figure", "2", "--warmup", "60"],
    "orchestration": ["--days", "1", "--per-day-sample", "0", "--storage", "pooled"],
    "raw_zone": ["--days", "1"],
    "sensor": ["--partitions", "30", "--fail-every", "2", "--repeat", "1"],
    "ship_chips": ["--size", "256", "--vessels", "3", "--chip", "32", "--repeat", "1"],
    "validate": ["--files", "11", "--product", "acidity"],
}


def test_every_benchmark_has_a_smallest_size() -> None:
    assert sorted(SMALLEST) == available()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALLEST))
def test_bench_entry_point_runs(name: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "bench", name, "--", *SMALLEST[name]], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert f"=== bench {name} ===" in result.stdout
    assert "Traceback" not in result.stderr
