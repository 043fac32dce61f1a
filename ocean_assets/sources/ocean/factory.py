"""Choosing live or demo sources per product: OCEAN_ASSETS_MODE, overridable per product."""

from __future__ import annotations

from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.retry import Backoff
from ocean_assets.sources.ocean.base import Catalogue, ProductSource


def source_for(spec: ProductSpec, mode: str, backoff: Backoff | None = None) -> ProductSource:
    if mode == "demo":
        from ocean_assets.sources.ocean.demo import DemoProductSource

        return DemoProductSource()
    if mode != "live":
        raise ValueError(f"mode must be demo or live, got {mode!r}")
    if spec.source == "copernicus":
        from ocean_assets.sources.ocean.copernicus import CopernicusMarineSource

        return CopernicusMarineSource()
    if spec.source == "erddap":
        from ocean_assets.sources.ocean.erddap import ErddapGriddapSource

        return ErddapGriddapSource(backoff=backoff)
    if spec.source == "cygnss":
        from ocean_assets.sources.ocean.cygnss import CygnssMicroplasticSource

        return CygnssMicroplasticSource(backoff=backoff)
    raise ValueError(f"product {spec.name}: unknown source {spec.source!r}")


def catalogue_for(mode: str) -> Catalogue:
    if mode == "demo":
        from ocean_assets.sources.ocean.demo import DemoCatalogue

        return DemoCatalogue()
    from ocean_assets.sources.ocean.copernicus import CopernicusMarineCatalogue

    return CopernicusMarineCatalogue()
