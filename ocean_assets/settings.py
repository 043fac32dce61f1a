"""Run-time settings from the environment (read when asked, never at import time).

Every environment variable the project reads is declared once, in ``ENV_VARS`` (name, type,
default, meaning, whether it is a secret); docs/configuration.md and ``ocean-assets doctor`` are
generated from it. One precedence rule holds everywhere: **environment over config file over
default** -- a variable that is set wins over the value in ``config/*.yaml``, which wins over the
built-in default (e.g. OCEAN_ASSETS_CONUS404_GRID over conus404.yaml ``demo.grid``; OCEAN_ASSETS_MODE
is the default of a per-product ``mode`` and of every resource's empty ``mode``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MODES = ("demo", "live")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class EnvVar:
    name: str
    type: str
    default: str
    meaning: str
    secret: bool = False
    live_required: bool = False  # doctor fails in live mode when it is unset


ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar("OCEAN_ASSETS_MODE", "demo | live", "demo",
           "demo: deterministic offline twins of every source; live: the real services"),
    EnvVar("OCEAN_ASSETS_DATA_ROOT", "path", "./data", "where every product, index and report is written"),
    EnvVar("OCEAN_ASSETS_CONFIG_DIR", "path", "<project>/config", "folder of the YAML files documented below"),
    EnvVar("DATABASE_URL", "SQLAlchemy URL", "sqlite:///{data_root}/ocean_assets.db",
           "project database (reef scores, fetch stats, ship-chip retries)", secret=True),
    EnvVar("DAGSTER_HOME", "path", "./.dagster_home (CLI)", "Dagster instance (run history, schedules, sensors)"),
    EnvVar("DAGSTER_PG_URL", "PostgreSQL URL", "(unset)",
           "Dagster instance storage in deploy/dagster-postgres.yaml (read by Dagster)", secret=True),
    EnvVar("OCEAN_ASSETS_MEMORY_BUDGET_MB", "number > 0", "1024",
           "memory budget of one ocean day's arrays; larger days are validated in chunks"),
    EnvVar("OCEAN_ASSETS_CONUS404_GRID", "full | NYxNX", "(conus404.yaml demo.grid)",
           "demo grid of conus404; overrides demo.grid; full = 1015x1367"),
    EnvVar("OCEAN_ASSETS_CONUS404_ZARR", "path or URL", "(unset)",
           "read conus404 from this Zarr mirror instead of the demo twin or the live archive"),
    EnvVar("AISSTREAM_API_KEY", "text", "(unset)", "aisstream.io key for live AIS (ship_chips)",
           secret=True, live_required=True),
    EnvVar("EARTHDATA_TOKEN", "text", "(unset)", "NASA Earthdata bearer token for live CYGNSS granules",
           secret=True),
    EnvVar("COPERNICUSMARINE_SERVICE_USERNAME", "text", "(unset)",
           "Copernicus Marine login for live ocean products (read by copernicusmarine)", secret=True),
    EnvVar("COPERNICUSMARINE_SERVICE_PASSWORD", "text", "(unset)",
           "Copernicus Marine password (read by copernicusmarine)", secret=True),
    EnvVar("OCEAN_ASSETS_ALERT_WEBHOOK_URL", "URL", "(unset: no alerts)",
           "Slack-compatible webhook for failure alerts (name set by platform.yaml alerts.webhook_url_env)",
           secret=True),
    EnvVar("RAW_ZONE_LIVE_URL", "URL", "(unset)",
           "live raw-zone drop endpoint (name set by raw_zone.yaml live.base_url_env)"),
    EnvVar("RAW_ZONE_LIVE_TOKEN", "text", "(unset)",
           "bearer token of the drop endpoint (name set by raw_zone.yaml live.token_env)", secret=True),
    EnvVar("OCEAN_ASSETS_API_URL", "URL", "http://127.0.0.1:8000", "the API the dashboard reads"),
)
ENV_BY_NAME = {v.name: v for v in ENV_VARS}


def _env(name: str) -> str:
    """The value of a declared variable ('' when unset)."""
    if name not in ENV_BY_NAME:
        raise KeyError(f"{name} is not declared in ocean_assets.settings.ENV_VARS")
    return os.environ.get(name, "").strip()


def _memory_budget_mb(raw: str) -> float:
    try:
        mb = float(raw) if raw else 1024.0
    except ValueError:
        raise ValueError(f"OCEAN_ASSETS_MEMORY_BUDGET_MB must be a number of MB, got {raw!r}") from None
    if mb <= 0:
        raise ValueError(f"OCEAN_ASSETS_MEMORY_BUDGET_MB must be positive, got {raw!r}")
    return mb


@dataclass(frozen=True)
class Settings:
    data_root: Path
    mode: str
    database_url: str
    config_dir: Path
    conus404_grid: str = ""  # '' = conus404.yaml demo.grid
    conus404_zarr: str = ""
    ais_api_key: str = ""
    earthdata_token: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        mode = _env("OCEAN_ASSETS_MODE").lower() or "demo"
        if mode not in MODES:
            raise ValueError(f"OCEAN_ASSETS_MODE must be one of {MODES}, got {mode!r}")
        data_root = Path(_env("OCEAN_ASSETS_DATA_ROOT") or "./data").expanduser()
        db_default = f"sqlite:///{(data_root / 'ocean_assets.db').resolve()}"
        return cls(
            data_root=data_root.resolve(),
            mode=mode,
            database_url=os.environ.get("DATABASE_URL", db_default),
            config_dir=Path(_env("OCEAN_ASSETS_CONFIG_DIR") or PROJECT_ROOT / "config").resolve(),
            conus404_grid=_env("OCEAN_ASSETS_CONUS404_GRID").lower(),
            conus404_zarr=_env("OCEAN_ASSETS_CONUS404_ZARR"),
            ais_api_key=_env("AISSTREAM_API_KEY"),
            earthdata_token=_env("EARTHDATA_TOKEN"),
        )

    @property
    def memory_budget_mb(self) -> float:
        """Checked when used, so a bad value fails the step that needs it, not every command."""
        return _memory_budget_mb(_env("OCEAN_ASSETS_MEMORY_BUDGET_MB"))


def get_settings() -> Settings:
    return Settings.from_env()


def environment_rows() -> list[dict[str, str]]:
    """Every declared variable with its current value; secrets are shown only as set / not set."""
    rows = []
    for var in ENV_VARS:
        value = os.environ.get(var.name)
        if value is None or value == "":
            shown = "(not set)"
        elif var.secret:
            shown = "(set, secret hidden)"
        else:
            shown = value
        rows.append({"name": var.name, "value": shown, "type": var.type, "default": var.default,
                     "meaning": var.meaning})
    return rows
