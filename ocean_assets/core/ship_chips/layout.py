"""Where each output of the domain lives under the dataset root (paths from the runbook)."""

from __future__ import annotations

from pathlib import Path


def compact(day: str) -> str:
    return day.replace("-", "")


def schedule_path(root: Path, day: str) -> Path:
    return root / "plan" / f"overpass_schedule_{compact(day)}.csv"


def ais_dir(root: Path, day: str) -> Path:
    return root / "ais" / compact(day)


def scenes_path(root: Path, day: str) -> Path:
    return root / "scenes" / f"items_{compact(day)}.json"


def records_path(root: Path, day: str) -> Path:
    """Every observation of the day with its gate result or failure (kept, rejected, failed)."""
    return root / "records" / f"chips_{compact(day)}.parquet"


def manifest_path(root: Path) -> Path:
    return root / "manifests" / "dataset_manifest.json"


def qa_path(root: Path, day: str) -> Path:
    return root / "QA" / "reports" / f"{day}.html"
