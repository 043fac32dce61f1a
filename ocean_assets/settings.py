"""Run-time settings from the environment (read when asked, never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MODES = ("demo", "live")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_root: Path
    mode: str
    database_url: str
    config_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        mode = os.environ.get("OCEAN_ASSETS_MODE", "demo").strip().lower() or "demo"
        if mode not in MODES:
            raise ValueError(f"OCEAN_ASSETS_MODE must be one of {MODES}, got {mode!r}")
        data_root = Path(os.environ.get("OCEAN_ASSETS_DATA_ROOT", "./data")).expanduser()
        db_default = f"sqlite:///{(data_root / 'ocean_assets.db').resolve()}"
        return cls(
            data_root=data_root.resolve(),
            mode=mode,
            database_url=os.environ.get("DATABASE_URL", db_default),
            config_dir=Path(
                os.environ.get("OCEAN_ASSETS_CONFIG_DIR", PROJECT_ROOT / "config")
            ).resolve(),
        )


def get_settings() -> Settings:
    return Settings.from_env()
