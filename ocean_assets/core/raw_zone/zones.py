"""The zones of the raw -> validated migration, all under the data root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Zones:
    data_root: Path

    @property
    def raw(self) -> Path:
        return self.data_root / "raw" / "funding_sources"

    @property
    def archive(self) -> Path:
        return self.data_root / "raw" / "_archive"

    @property
    def validated(self) -> Path:
        return self.data_root / "transformed" / "validated"

    @property
    def quarantine(self) -> Path:
        return self.data_root / "transformed" / "quarantine"

    @property
    def backups(self) -> Path:
        return self.data_root / "_backups"

    def raw_file(self, key: str) -> Path:
        return self.raw / key

    def validated_file(self, key: str) -> Path:
        return self.validated / key

    def quarantine_file(self, key: str) -> Path:
        return self.quarantine / key

    def reason_file(self, key: str) -> Path:
        return self.quarantine / f"{key}.reason.json"


def file_key(zones: Zones, path: Path) -> str:
    """``{source}/{filename}``: the partition key of a raw file."""
    rel = Path(path).relative_to(zones.raw)
    if len(rel.parts) != 2:
        raise ValueError(f"raw files live at raw/funding_sources/{{source}}/{{file}}, not {rel}")
    return rel.as_posix()


def scan_raw(zones: Zones, patterns: list[str]) -> list[Path]:
    if not zones.raw.exists():
        return []
    files = {p for pattern in patterns for p in zones.raw.glob(f"*/{pattern}") if p.is_file()}
    return sorted(p for p in files if not p.name.startswith("."))
