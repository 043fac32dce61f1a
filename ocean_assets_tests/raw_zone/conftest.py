"""raw_zone fixtures: zones in the per-test data root, a valid record factory, plenty of disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from ocean_assets.core.raw_zone import preflight
from ocean_assets.core.raw_zone.validation import load_schema
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.settings import PROJECT_ROOT


@pytest.fixture(autouse=True)
def plenty_of_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared machine's free space varies; tests that need a full disk patch this again."""
    monkeypatch.setattr(preflight, "free_fraction", lambda path: 0.5)


def set_raw_zone_config(config_dir: Path, section: str, **values: Any) -> None:
    path = config_dir / "raw_zone.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg.setdefault(section, {}).update(values)
    path.write_text(yaml.safe_dump(cfg))


@pytest.fixture
def no_lock_wait(config_dir: Path) -> Path:
    """Runs refuse at once (one line naming the holder) instead of waiting for the lock."""
    set_raw_zone_config(config_dir, "preflight", lock_wait_seconds=0)
    return config_dir


@pytest.fixture
def zones(data_root: Path) -> Zones:
    return Zones(data_root)


@pytest.fixture
def schema() -> dict[str, Any]:
    return load_schema(PROJECT_ROOT / "config" / "schemas" / "funding_data_v1.json")


def record(serial: int = 1, source: str = "nsf", **changes: Any) -> dict[str, Any]:
    base = {
        "id": f"NSF-2024-{serial:05d}", "source": source, "funder": "National Science Foundation",
        "program": "Ocean Observing", "title": "Reef resilience",
        "recipient": {"name": "Scripps Institution of Oceanography", "country": "US"},
        "amount": 125000.0 + serial, "currency": "USD", "award_date": "2024-03-01",
        "start_date": "2024-04-01", "end_date": "2026-03-31",
    }
    base.update(changes)
    return base


def funding_json(*records: dict[str, Any]) -> bytes:
    return json.dumps({"schema_version": "1", "records": list(records)}).encode()


def raw_zone_definitions() -> dg.Definitions:
    """The raw_zone domain alone: both assets, the checks, the sensor, the job, the resource."""
    from ocean_assets.defs.raw_zone import assets, checks, jobs, resources, sensors

    return dg.Definitions(
        assets=[assets.raw_funding_files, assets.validated_funding_files],
        asset_checks=[checks.validated_funding_checks, *jobs.raw_zone_freshness], jobs=[jobs.raw_zone_daily],
        sensors=[sensors.raw_zone_new_files],
        resources={resources.RESOURCE_KEY: resources.RawZoneResource()})


def put_raw(zones: Zones, source: str, name: str, data: bytes) -> Path:
    path = zones.raw / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
