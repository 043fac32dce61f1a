"""The domain's configuration (config/ship_chips.yaml) as a typed object."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocean_assets.config import ConfigError, validate
from ocean_assets.core.ship_chips.layout import UnsafeName, safe_name


@dataclass(frozen=True)
class Aoi:
    tile: str
    epsg: int
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class ChipConfig:
    raw: dict[str, Any]
    dataset_root: Path

    @classmethod
    def from_dict(cls, raw: dict[str, Any], data_root: Path) -> ChipConfig:
        """``raw`` checked and completed by config_models.ship_chips (sections, ranges, names)."""
        raw = validate("ship_chips", raw)
        root = raw["dataset_root"]
        return cls(raw=raw, dataset_root=Path(root) if root else data_root / "ship_chips")

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.raw[name] or {})

    @property
    def aois(self) -> list[Aoi]:
        try:
            return [Aoi(safe_name(a["tile"], "tile"), int(a["epsg"]), _bbox(a["bbox"]))
                    for a in self.raw["aois"]]
        except UnsafeName as exc:
            raise ConfigError(f"ship_chips.yaml: aois.tile: {exc} (an MGRS tile such as 31UFU)") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"ship_chips.yaml: bad aois entry ({exc})") from exc

    @property
    def bands(self) -> list[str]:
        tiling = self.section("tiling")
        bands = list(tiling["bands_core"])
        if tiling["include_swir"]:
            bands += list(tiling["bands_swir"])
        return bands


def _bbox(values: Any) -> tuple[float, float, float, float]:
    """[west, south, east, north] as four floats; anything else is a ValueError."""
    west, south, east, north = (float(v) for v in values)
    return west, south, east, north
