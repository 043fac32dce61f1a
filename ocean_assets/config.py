"""Loading the YAML files under config/ (dataset ids, variables, regions, thresholds)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ocean_assets.settings import get_settings


class ConfigError(ValueError):
    """A config file is missing or malformed; the message names the file and the key."""


@lru_cache(maxsize=32)
def _load(path: Path, mtime: float) -> dict[str, Any]:
    with path.open() as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    return data


def load_config(name: str, config_dir: Path | None = None) -> dict[str, Any]:
    """Load ``config/{name}.yaml``; cached until the file changes."""
    directory = config_dir or get_settings().config_dir
    path = Path(directory) / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    return _load(path, path.stat().st_mtime)


def require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise ConfigError(f"{where}: missing key {key!r}")
    return mapping[key]
