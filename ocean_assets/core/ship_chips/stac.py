"""STAC catalog of the chips (pystac): one item per chip, ``derived_from`` the source scene.

Items declare the projection, eo and raster extensions; ``validate_catalog`` checks the catalog and
every item against the STAC core schema and each declared extension schema, all vendored (offline).
No href in the catalog is a path of the producing machine: relative inside the catalog, or absolute
URLs under ``base_url``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pystac
import rasterio
from pystac.validation.stac_validator import GetSchemaError, JsonSchemaSTACValidator
from shapely.geometry import mapping

from ocean_assets.core.ship_chips import layout
from ocean_assets.core.ship_chips.reflectance import OFFSET_FROM, raster_band

PROJ = "https://stac-extensions.github.io/projection/v2.0.0/schema.json"
EO = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
RASTER = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
SCHEMA_DIR = Path(__file__).parent / "schemas"
VENDORED = {PROJ: "projection-v2.0.0.json", EO: "eo-v1.1.0.json", RASTER: "raster-v1.1.0.json"}
COMMON = {"blue": "blue", "green": "green", "red": "red", "nir": "nir", "swir16": "swir16",
          "swir22": "swir22"}


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA else value


def _add_offset(row: Any) -> int:
    """The chip's BOA_ADD_OFFSET (from the index; rows of older runs: from the acquisition date)."""
    value = _none(getattr(row, "boa_add_offset", None))
    if value is not None:
        return int(value)
    return -1000 if pd.Timestamp(row.scene_time) >= pd.Timestamp(OFFSET_FROM) else 0


def chip_item(row: Any, dataset_root: Path) -> pystac.Item:
    chip = layout.inside(dataset_root, Path(row.path))  # an index row never points out of the dataset
    with rasterio.open(chip) as src:
        names = [d or f"b{i}" for i, d in enumerate(src.descriptions, start=1)]
        proj = {"proj:code": src.crs.to_string(), "proj:shape": [src.height, src.width],
                "proj:transform": list(src.transform)[:6]}
        nodata, dtype = src.nodata, src.dtypes[0]
    geom = row.geometry
    offset = _add_offset(row)
    extra = {f"ship_chips:{k}": _none(getattr(row, k, None))
             for k in ("position_method", "ais_offset_s", "length_m", "beam_m", "ship_type")}
    item = pystac.Item(id=layout.safe_name(row.chip_id, "stac_id"), geometry=mapping(geom), bbox=list(geom.bounds),
                       datetime=pd.Timestamp(row.scene_time).to_pydatetime(),
                       properties={"mmsi": int(row.mmsi), "split": row.split, "tile": row.tile,
                                   "ais_time": pd.Timestamp(row.ais_time).isoformat(),
                                   "ship_chips:gate": row.gate, "ship_chips:boa_add_offset": offset,
                                   **{k: (int(v) if k.endswith("ship_type") and v is not None else v)
                                      for k, v in extra.items()}, **proj},
                       stac_extensions=[PROJ, EO, RASTER])
    item.add_asset("image", pystac.Asset(
        href=str(chip), media_type=pystac.MediaType.COG, roles=["data"],
        extra_fields={
            "eo:bands": [{"name": n, "common_name": COMMON.get(n, n)} for n in names],
            # reflectance = DN * scale + offset: the source scene's processing-baseline offset
            "raster:bands": [{"nodata": nodata, "data_type": dtype, **raster_band(offset),
                              "spatial_resolution": 10} for _ in names],
        }))
    return item


def _derived_from(item: pystac.Item, scene_href: str, dataset_root: Path, final: Path,
                  base_url: str | None) -> None:
    """Link the source scene: its URL as is; a scene stored in the dataset (demo twin) relative to
    the item, or under ``base_url``; nothing when the index holds no usable reference."""
    if not scene_href:
        return
    if scene_href.startswith(("http://", "https://")):
        href = scene_href
    else:
        try:
            local = layout.inside(dataset_root, Path(scene_href))
        except layout.UnsafeName:
            return
        rel = local.relative_to(dataset_root).as_posix()
        href = (f"{base_url.rstrip('/')}/{rel}" if base_url
                else os.path.relpath(local, final / item.id))
    item.add_link(pystac.Link("derived_from", href, media_type=pystac.MediaType.JSON))


def build_catalog(index: pd.DataFrame, dataset_root: Path, base_url: str | None = None) -> Path:
    """Write ``stac/`` from the index (relative hrefs, or absolute under ``base_url``); swapped in atomically."""
    final = dataset_root / "stac"
    tmp = dataset_root / f".stac.{uuid.uuid4().hex[:8]}.tmp"
    catalog = pystac.Catalog(id="ship-chips", description="Sentinel-2 L2A chips around AIS-reported vessels",
                             title="Sentinel-2 ship chips")
    hrefs = {}
    for row in index.itertuples():
        item = chip_item(row, dataset_root)
        hrefs[item.id] = str(getattr(row, "scene_href", "") or "")
        catalog.add_item(item)
    try:
        if base_url:
            catalog.normalize_hrefs(base_url.rstrip("/") + "/stac")
            for item in catalog.get_items():
                asset = item.assets["image"]
                asset.href = base_url.rstrip("/") + "/" + os.path.relpath(asset.href, dataset_root)
                _derived_from(item, hrefs[item.id], dataset_root, final, base_url)
            catalog.save(pystac.CatalogType.ABSOLUTE_PUBLISHED, dest_href=str(tmp))
        else:
            catalog.normalize_hrefs(str(final))
            for item in catalog.get_items():
                asset = item.assets["image"]
                asset.href = os.path.relpath(asset.href, final / item.id)
                _derived_from(item, hrefs[item.id], dataset_root, final, None)
            catalog.save(pystac.CatalogType.SELF_CONTAINED, dest_href=str(tmp))
        old = dataset_root / f".stac.{uuid.uuid4().hex[:8]}.old"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final / "catalog.json"


class OfflineValidator(JsonSchemaSTACValidator):
    """pystac's JSON-schema validator with the vendored extension schemas and no network: a schema
    that is neither bundled with pystac nor vendored here is an error, not a download."""

    def __init__(self) -> None:
        super().__init__()
        self.schema_cache.update(_vendored())

    def _get_schema(self, schema_uri: str) -> dict[str, Any]:
        key = schema_uri.rstrip("#")
        if key in self.schema_cache:
            return self.schema_cache[key]
        raise GetSchemaError(schema_uri, LookupError(f"schema {schema_uri} is not vendored "
                                                     f"(see {SCHEMA_DIR / 'README.md'})"))


@lru_cache(maxsize=1)
def _vendored() -> dict[str, dict[str, Any]]:
    return {uri: json.loads((SCHEMA_DIR / name).read_text()) for uri, name in VENDORED.items()}


def _local_hrefs(doc: dict[str, Any]) -> list[str]:
    """hrefs that are paths of the producing machine (absolute paths, file: URLs)."""
    hrefs = [link.get("href", "") for link in doc.get("links", [])]
    hrefs += [a.get("href", "") for a in (doc.get("assets") or {}).values()]
    return [h for h in hrefs if isinstance(h, str) and (h.startswith("/") or h.startswith("file:"))]


def validate_catalog(catalog_json: Path) -> list[str]:
    """Validate the catalog file and the item files beside it (``*/*.json``) against the STAC core
    schema and every declared extension schema (vendored, offline). Files are read as written, so
    a published catalog (absolute URLs) is checked without fetching anything. Local hrefs and
    missing chip files are errors too."""
    validator = OfflineValidator()
    errors: list[str] = []
    kinds = {"Catalog": pystac.STACObjectType.CATALOG, "Feature": pystac.STACObjectType.ITEM}
    for path in [catalog_json, *sorted(catalog_json.parent.glob("*/*.json"))]:
        try:
            doc = json.loads(path.read_text())
        except ValueError as exc:
            errors.append(f"{path.name}: not JSON ({exc})")
            continue
        name = doc.get("id", path.name) if isinstance(doc, dict) else path.name
        kind = kinds.get(str(doc.get("type"))) if isinstance(doc, dict) else None
        if kind is None:
            errors.append(f"{name}: not a STAC catalog or item")
            continue
        errors += [f"{name}: local path {h!r} in the catalog" for h in _local_hrefs(doc)]
        shown = str(path.relative_to(catalog_json.parent))  # messages name the file inside the catalog
        version = str(doc.get("stac_version"))
        for ext in [None, *doc.get("stac_extensions", [])]:
            try:
                if ext is None:
                    validator.validate_core(doc, kind, version, shown)
                else:
                    validator.validate_extension(doc, kind, version, ext, shown)
            except (pystac.STACValidationError, GetSchemaError) as exc:
                errors.append(f"{name}: {ext or 'STAC core'}: {str(exc)[:300]}")
                break
        href = ((doc.get("assets") or {}).get("image") or {}).get("href")
        local = isinstance(href, str) and not href.startswith(("http:", "https:"))
        if kind == pystac.STACObjectType.ITEM and local and not (path.parent / str(href)).exists():
            errors.append(f"{name}: asset {href} missing")
    return errors


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
