"""Per-figure drift settings from ``config/platform.yaml`` (``drift:``), with defaults."""

from __future__ import annotations

from typing import Any

from ocean_assets.config import ConfigError, load_config
from ocean_assets.core.drift.score import DriftParams


def drift_config() -> dict[str, Any]:
    """The ``drift:`` section of config/platform.yaml; its defaults when the file is absent (a config
    directory holding only some domains' files)."""
    from ocean_assets.settings import get_settings

    if not (get_settings().config_dir / "platform.yaml").exists():
        from ocean_assets.config_models.platform import Drift

        return Drift().model_dump()
    section = load_config("platform").get("drift") or {}
    if not isinstance(section, dict):
        raise ConfigError("config/platform.yaml: drift must be a mapping")
    return section


def figure_key(asset: str, check: str, figure: str) -> str:
    return f"{asset}/{check}/{figure}"


def params_for(asset: str, check: str, figure: str, section: dict[str, Any] | None = None) -> DriftParams:
    """Defaults, then the figure's own overrides (by full key, else by figure name)."""
    section = drift_config() if section is None else section
    figures = section.get("figures") or {}
    def given(values: dict[str, Any] | None) -> dict[str, Any]:  # the model leaves unset keys None
        return {k: v for k, v in (values or {}).items() if v is not None}

    merged = {**given(section.get("defaults")),
              **given(figures.get(figure)), **given(figures.get(figure_key(asset, check, figure)))}
    try:
        return DriftParams.from_mapping(merged)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config/platform.yaml: drift settings of {figure_key(asset, check, figure)}: {exc}") from None


def history_days(section: dict[str, Any] | None = None) -> int:
    section = drift_config() if section is None else section
    return int(section.get("history_days", 1200))
