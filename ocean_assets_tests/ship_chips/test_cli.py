"""``ocean-assets doctor``, ``vacuum`` and ``ship-chips publish-stac`` / ``prune``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.core.ship_chips import index as idx


def test_doctor_reports_without_printing_secrets(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AISSTREAM_API_KEY", "top-secret-key")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://u:hunter2@127.0.0.1:1/nope")
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    assert "top-secret-key" not in result.output and "hunter2" not in result.output
    rows = {r["rule"]: r for r in json.loads(result.output)}
    assert rows["env:AISSTREAM_API_KEY"]["message"].startswith("set")
    assert not rows["database"]["passed"] and result.exit_code == 1  # unreachable database is an error
    assert rows["dep:rasterio"]["passed"] and "GDAL" in json.dumps(rows["dep:GDAL"])


def test_doctor_live_mode_needs_the_ais_key(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OCEAN_ASSETS_MODE", "live")
    monkeypatch.delenv("AISSTREAM_API_KEY", raising=False)
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    rows = {r["rule"]: r for r in json.loads(result.output)}
    assert not rows["env:AISSTREAM_API_KEY"]["passed"] and result.exit_code == 1


def test_vacuum_compacts_and_removes_only_empty_folders(data_root: Path):
    (data_root / "a" / "b" / "c").mkdir(parents=True)
    (data_root / "keep").mkdir()
    (data_root / "keep" / "file.txt").write_text("x")
    dry = CliRunner().invoke(cli, ["vacuum", "--dry-run"])
    assert dry.exit_code == 0 and "would remove 3" in dry.output and (data_root / "a").exists()
    result = CliRunner().invoke(cli, ["vacuum"])
    assert result.exit_code == 0, result.output
    assert "vacuumed" in result.output and not (data_root / "a").exists()
    assert (data_root / "keep" / "file.txt").exists() and (data_root / "ocean_assets.db").exists()


def test_publish_absolute_and_prune_keep_files_index_and_catalog_together(cfg, demo_day, data_root: Path):
    from .test_core import _index

    index = _index(cfg, demo_day)
    # AIS snapshots as the pipeline writes them; one vessel's reports moved 5 km away.
    ais = demo_day[1].copy()
    victim = index.iloc[0]
    ais.loc[ais["mmsi"] == victim["mmsi"], "latitude"] += 0.05
    (cfg.dataset_root / "ais" / "20260410").mkdir(parents=True)
    ais.to_parquet(cfg.dataset_root / "ais" / "20260410" / "31UFU.parquet")
    result = CliRunner().invoke(cli, ["ship-chips", "publish-stac", "--base-url", "https://example.com/ds"])
    assert result.exit_code == 0, result.output
    item = json.loads(next((cfg.dataset_root / "stac").glob("*/*.json")).read_text())
    assert item["assets"]["image"]["href"].startswith("https://example.com/ds/chips/")
    result = CliRunner().invoke(cli, ["ship-chips", "prune"])
    assert result.exit_code == 0 and "pruned 1 chips" in result.output
    assert len(idx.read_index(cfg.dataset_root)) == len(index) - 1
    assert not (cfg.dataset_root / "stac" / victim["chip_id"]).exists()
    manifest = json.loads((cfg.dataset_root / "manifests" / "dataset_manifest.json").read_text())
    assert manifest["counts"]["chips"] == len(index) - 1
