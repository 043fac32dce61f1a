"""The reef polygons file: GeoJSON as RFC 7946 defines it (WGS 84 longitude/latitude, no `crs`
member, exterior rings counterclockwise and holes clockwise: the right-hand rule)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

LAYER = "reef_polygons"  # an explicit layer name, or GDAL names the collection after the temp file


def write(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write ``frame`` (any CRS) to ``path``; GDAL's RFC7946 mode reprojects to EPSG:4326, drops
    the `crs` member and orients the rings."""
    frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON", layer=LAYER, RFC7946="YES")
