"""Corruption sweep over every ocean product file (the reference's comprehensive_corruption_check).

Results are cached per file by (size, mtime_ns), so a daily sweep re-validates only new or
changed files; the cache is rewritten atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ocean_assets.core.io import atomic_write_text
from ocean_assets.core.ocean.paths import product_files
from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.ocean.validate import day_from_name, validate_file

CACHE_NAME = ".corruption_cache.json"
# Rules whose failure means the file is corrupt or unusable (soft rules are reported, not counted).
HARD_RULES = ("integrity", "schema", "coordinates", "time", "units")


def _load_cache(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def sweep(data_root: Path, products: dict[str, ProductSpec]) -> dict[str, Any]:
    """Validate every product file under ``data_root``; a report of counts and failing files."""
    data_root = Path(data_root)
    cache_path = data_root / "ocean" / "reports" / CACHE_NAME
    cache = _load_cache(cache_path)
    new_cache: dict[str, Any] = {}
    failing: list[dict[str, Any]] = []
    by_product: dict[str, dict[str, int]] = {}
    revalidated = 0
    for name, spec in products.items():
        counts = {"files": 0, "failing": 0}
        for path in product_files(data_root, name):
            rel = str(path.relative_to(data_root))
            stat = path.stat()
            stamp = [stat.st_size, stat.st_mtime_ns]
            entry = cache.get(rel)
            if not entry or entry.get("stamp") != stamp:
                outcomes = validate_file(path, spec, day_from_name(path))
                bad = [o for o in outcomes if not o.passed and (o.rule in HARD_RULES or o.severity == "ERROR")]
                entry = {"stamp": stamp, "failed_rules": [o.rule for o in bad],
                         "reason": "; ".join(o.message for o in bad)}
                revalidated += 1
            new_cache[rel] = entry
            counts["files"] += 1
            if entry["failed_rules"]:
                counts["failing"] += 1
                failing.append({"file": rel, "failed_rules": entry["failed_rules"], "reason": entry["reason"]})
        by_product[name] = counts
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(cache_path, json.dumps(new_cache))
    return {
        "files_checked": sum(c["files"] for c in by_product.values()),
        "files_revalidated": revalidated,
        "failing_files": failing,
        "by_product": by_product,
    }
