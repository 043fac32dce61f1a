"""The numbers of a check's metadata: its figures (pure, no database)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

MAX_FIGURES = 64  # per check and day: a metadata mapping with thousands of numbers is not a figure set


def numeric_figures(metadata: Mapping[str, Any], prefix: str = "", depth: int = 3) -> dict[str, float]:
    """The finite numbers of a check's metadata, nested mappings flattened with dots
    (``{"stats": {"sst": {"mean": 1}}}`` -> ``stats.sst.mean``); booleans, text and lists are not figures."""
    out: dict[str, float] = {}
    for key, value in metadata.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth > 1:
            out.update(numeric_figures(value, f"{name}.", depth - 1))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value)):
            out[name] = float(value)
    return out if prefix or len(out) <= MAX_FIGURES else dict(sorted(out.items())[:MAX_FIGURES])
