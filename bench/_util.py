"""Small helpers for benchmarks: timing, peak memory, temporary data roots and instances."""

from __future__ import annotations

import contextlib
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def timed() -> Iterator[dict[str, float]]:
    out: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield out
    finally:
        out["seconds"] = time.perf_counter() - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def scratch_env(prefix: str = "oa-bench-") -> Iterator[Path]:
    """A temporary data root and DAGSTER_HOME, restored afterwards."""
    old = {k: os.environ.get(k) for k in ("OCEAN_ASSETS_DATA_ROOT", "DAGSTER_HOME", "OCEAN_ASSETS_MODE")}
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        (root / "home").mkdir()
        (root / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        os.environ.update({"OCEAN_ASSETS_DATA_ROOT": str(root / "data"), "DAGSTER_HOME": str(root / "home"),
                           "OCEAN_ASSETS_MODE": "demo"})
        try:
            yield root
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
