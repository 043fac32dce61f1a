"""Ocean sources: Copernicus Marine, NOAA ERDDAP griddap, NASA CYGNSS (live) and their demo twin."""

from ocean_assets.sources.ocean.base import Catalogue, ProductSource
from ocean_assets.sources.ocean.factory import catalogue_for, source_for

__all__ = ["Catalogue", "ProductSource", "catalogue_for", "source_for"]
