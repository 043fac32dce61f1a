"""The ocean resource: product specs from config, and the live or demo source for each product."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from ocean_assets.config import load_config
from ocean_assets.core.ocean.products import ProductSpec, load_products
from ocean_assets.core.ocean.texture import TextureSpec
from ocean_assets.core.retry import Backoff
from ocean_assets.settings import get_settings
from ocean_assets.sources.ocean import Catalogue, ProductSource, catalogue_for, source_for


class OceanResource(dg.ConfigurableResource):
    """Where ocean products come from. ``mode`` empty = OCEAN_ASSETS_MODE (default demo)."""

    mode: str = ""

    def resolved_mode(self, spec: ProductSpec | None = None) -> str:
        return (spec.mode if spec and spec.mode else None) or self.mode or get_settings().mode

    def config(self) -> dict:
        return load_config("ocean")

    def products(self) -> dict[str, ProductSpec]:
        return load_products(self.config())

    def product(self, name: str) -> ProductSpec:
        return self.products()[name]

    def backoff(self) -> Backoff:
        retry = self.config()["retry"]
        return Backoff(attempts=retry["attempts"], base_seconds=retry["base_seconds"],
                       max_seconds=retry["max_seconds"])

    def source(self, spec: ProductSpec) -> ProductSource:
        return source_for(spec, self.resolved_mode(spec), self.backoff())

    def catalogue(self, spec: ProductSpec) -> Catalogue:
        return catalogue_for(self.resolved_mode(spec))

    def data_root(self) -> Path:
        return get_settings().data_root

    def texture_spec(self) -> tuple[TextureSpec, float]:
        cfg = dict(self.config()["texture"])
        min_cov = cfg.pop("min_ocean_coverage")
        return TextureSpec(**cfg), min_cov

    def automation(self) -> dict:
        return dict(self.config()["automation"])

    def latest_available(self) -> dt.date:
        """The newest day every enabled product can deliver."""
        specs = self.products().values()
        return min(self.source(s).latest_available(s) for s in specs)


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"ocean": OceanResource()})
