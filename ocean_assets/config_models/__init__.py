"""Typed models of the YAML files under config/, one module per domain.

``ocean_assets.config.load_config`` validates every file against its model here, so readers get
checked values with the defaults filled in; ``docs/configuration.md`` is generated from them.
"""

from __future__ import annotations

from pydantic import BaseModel

from ocean_assets.config_models.conus404 import Conus404Config
from ocean_assets.config_models.ocean import OceanConfig
from ocean_assets.config_models.platform import PlatformConfig
from ocean_assets.config_models.raw_zone import RawZoneConfig
from ocean_assets.config_models.reef_health import ReefHealthConfig
from ocean_assets.config_models.ship_chips import ShipChipsConfig

MODELS: dict[str, type[BaseModel]] = {
    "ocean": OceanConfig,
    "conus404": Conus404Config,
    "ship_chips": ShipChipsConfig,
    "reef_health": ReefHealthConfig,
    "raw_zone": RawZoneConfig,
    "platform": PlatformConfig,
}

__all__ = ["MODELS", "Conus404Config", "OceanConfig", "PlatformConfig", "RawZoneConfig",
           "ReefHealthConfig", "ShipChipsConfig"]
