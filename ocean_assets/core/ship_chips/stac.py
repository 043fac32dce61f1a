"""STAC catalog of the chips (pystac): one item per chip, ``derived_from`` the source scene."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pystac
import rasterio
from pystac.validation import RegisteredValidator
from shapely.geometry import mapping

PROJ = "https://stac-extensions.github.io/projection/v2.0.0/schema.json"
EO = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
RASTER = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
COMMON = {"blue": "blue", "green": "green", "red": "red", "nir": "nir", "swir16": "swir16",
          "swir22": "swir22"}


def chip_item(row: Any, dataset_root: Path) -> pystac.Item:
    chip = dataset_root / row.path
    with rasterio.open(chip) as src:
        names = [d or f"b{i}" for i, d in enumerate(src.descriptions, start=1)]
        proj = {"proj:code": src.crs.to_string(), "proj:shape": [src.height, src.width],
                "proj:transform": list(src.transform)[:6]}
        nodata, dtype = src.nodata, src.dtypes[0]
    geom = row.geometry
    item = pystac.Item(id=row.chip_id, geometry=mapping(geom), bbox=list(geom.bounds),
                       datetime=pd.Timestamp(row.scene_time).to_pydatetime(),
                       properties={"mmsi": int(row.mmsi), "split": row.split, "tile": row.tile,
                                   "ais_time": pd.Timestamp(row.ais_time).isoformat(),
                                   "ship_chips:gate": row.gate, **proj},
                       stac_extensions=[PROJ, EO, RASTER])
    item.add_asset("image", pystac.Asset(
        href=str(chip), media_type=pystac.MediaType.COG, roles=["data"],
        extra_fields={
            "eo:bands": [{"name": n, "common_name": COMMON.get(n, n)} for n in names],
            "raster:bands": [{"nodata": nodata, "data_type": dtype, "scale": 0.0001, "offset": -0.1,
                              "spatial_resolution": 10} for _ in names],
        }))
    item.add_link(pystac.Link("derived_from", row.scene_href, media_type=pystac.MediaType.JSON))
    return item


def build_catalog(index: pd.DataFrame, dataset_root: Path, base_url: str | None = None) -> Path:
    """Write ``stac/`` from the index (relative hrefs, or absolute under ``base_url``); swapped in atomically."""
    final = dataset_root / "stac"
    tmp = dataset_root / f".stac.{uuid.uuid4().hex[:8]}.tmp"
    catalog = pystac.Catalog(id="ship-chips", description="Sentinel-2 L2A chips around AIS-reported vessels",
                             title="Sentinel-2 ship chips")
    for row in index.itertuples():
        catalog.add_item(chip_item(row, dataset_root))
    try:
        if base_url:
            catalog.normalize_hrefs(base_url.rstrip("/") + "/stac")
            for item in catalog.get_items():
                asset = item.assets["image"]
                asset.href = base_url.rstrip("/") + "/" + os.path.relpath(asset.href, dataset_root)
            catalog.save(pystac.CatalogType.ABSOLUTE_PUBLISHED, dest_href=str(tmp))
        else:
            catalog.normalize_hrefs(str(final))
            for item in catalog.get_items():
                asset = item.assets["image"]
                asset.href = os.path.relpath(asset.href, final / item.id)
            catalog.save(pystac.CatalogType.SELF_CONTAINED, dest_href=str(tmp))
        old = dataset_root / f".stac.{uuid.uuid4().hex[:8]}.old"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final / "catalog.json"


def validate_catalog(catalog_json: Path) -> list[str]:
    """Validate catalog and items against the STAC core JSON schemas (bundled with pystac, offline)."""
    validator = RegisteredValidator.get_validator()
    errors: list[str] = []
    catalog = pystac.Catalog.from_file(str(catalog_json))
    objects: list[pystac.STACObject] = [catalog, *catalog.get_items(recursive=True)]
    for obj in objects:
        d = obj.to_dict(transform_hrefs=False)
        try:
            validator.validate_core(d, obj.STAC_OBJECT_TYPE, pystac.get_stac_version(), obj.get_self_href())
        except pystac.STACValidationError as exc:
            errors.append(f"{obj.id}: {str(exc)[:200]}")
        if isinstance(obj, pystac.Item):
            href = obj.assets["image"].get_absolute_href()
            if href and not href.startswith("http") and not Path(href).exists():
                errors.append(f"{obj.id}: asset {href} missing")
    return errors


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
