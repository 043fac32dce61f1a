"""``tiles.parquet`` (GeoParquet of kept chips, all days) and the daily footprint GeoJSON."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa
from shapely import wkt
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from ocean_assets.core.io import atomic_path, atomic_write_text, file_lock
from ocean_assets.core.ship_chips.chipping import SPLITS

INDEX_COLUMNS = ["chip_id", "mmsi", "ship_name", "ais_time", "scene_time", "scene_id", "tile",
                 "split", "lon", "lat", "cloud_fraction", "land_fraction", "ndwi", "gate", "path", "scene_href",
                 "day", "position_method", "ais_offset_s", "boa_add_offset", "length_m", "beam_m", "ship_type",
                 "geometry"]
# lon/lat: the vessel at the sensing time (scene_time), interpolated or dead-reckoned
# (position_method) from AIS reports; ais_offset_s: nearest report time minus sensing time;
# boa_add_offset: the DN offset applied to the source scene's DNs (0 when Earth Search already removed
# it, earthsearch:boa_offset_applied true; else -1000 from processing baseline 04.00, 0 before);
# length_m / beam_m / ship_type: from ShipStaticData, None where AIS says "not available".
POSITION_METHODS = ("interpolated", "dead_reckoned")


def index_path(dataset_root: Path) -> Path:
    return dataset_root / "indexes" / "tiles.parquet"


def footprints_path(dataset_root: Path, day: str) -> Path:
    return dataset_root / "indexes" / f"tiles_{day.replace('-', '')}.geojson"


def to_geoframe(records: pd.DataFrame, day: str) -> gpd.GeoDataFrame:
    """Kept chips of one day as index rows (paths relative to the dataset root)."""
    kept = records[records["status"] == "kept"].copy() if not records.empty else records.copy()
    if kept.empty:
        return gpd.GeoDataFrame({c: [] for c in INDEX_COLUMNS[:-1]}, geometry=[], crs="EPSG:4326")
    kept["gate"] = "keep"
    kept["day"] = day
    for col in INDEX_COLUMNS[:-1]:  # records of older runs lack the newer columns
        if col not in kept:
            kept[col] = None
    geometry = [wkt.loads(w) for w in kept["footprint_wkt"]]
    frame = kept[INDEX_COLUMNS[:-1]].reset_index(drop=True)
    frame["ship_type"] = frame["ship_type"].astype("Int64")
    for col in ("length_m", "beam_m", "ais_offset_s"):
        frame[col] = frame[col].astype("float64")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def read_index(dataset_root: Path) -> gpd.GeoDataFrame:
    path = index_path(dataset_root)
    if not path.exists():
        return gpd.GeoDataFrame({c: [] for c in INDEX_COLUMNS[:-1]}, geometry=[], crs="EPSG:4326")
    return gpd.read_parquet(path)


def write_index(frame: gpd.GeoDataFrame, dataset_root: Path) -> Path:
    path = index_path(dataset_root)
    with atomic_path(path) as tmp:
        frame.reset_index(drop=True).to_parquet(tmp, index=False)
    return path


def index_lock(dataset_root: Path):  # noqa: ANN201
    """Held while the index is read and rewritten, or read to derive the catalog and manifest, so
    runs of different days at once never lose each other's rows (whatever the pool settings)."""
    return file_lock(index_path(dataset_root))


def upsert_day(dataset_root: Path, day_rows: gpd.GeoDataFrame, day: str) -> gpd.GeoDataFrame:
    """Replace the rows of ``day`` in the index (idempotent per partition; safe from concurrent runs)."""
    with index_lock(dataset_root):
        current = read_index(dataset_root)
        keep = current[current["day"] != day] if len(current) else current
        merged = pd.concat([keep, day_rows], ignore_index=True) if len(keep) else day_rows
        merged = gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326").sort_values("chip_id")
        write_index(merged, dataset_root)
    return merged


def _right_hand(geom):  # noqa: ANN001, ANN202
    """RFC 7946 section 3.1.6: exterior rings counter-clockwise, holes clockwise."""
    if isinstance(geom, Polygon):
        return orient(geom, sign=1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])
    return geom


def write_footprints(day_rows: gpd.GeoDataFrame, dataset_root: Path, day: str) -> Path:
    """The day's chips as an RFC 7946 FeatureCollection: WGS84 lon/lat, no ``crs`` member,
    right-hand rule rings."""
    path = footprints_path(dataset_root, day)
    out = day_rows.to_crs("EPSG:4326") if day_rows.crs is not None else day_rows.copy()
    out = out.set_geometry([_right_hand(g) for g in out.geometry], crs="EPSG:4326")
    for col in ("ais_time", "scene_time"):
        if col in out:
            out[col] = out[col].astype(str)
    atomic_write_text(path, out.to_json(drop_id=True, na="null"))
    return path


def index_schema(dataset_root: Path) -> pa.DataFrameSchema:
    """Rules for tiles.parquet: unique ids, valid geometries, existing paths, known splits."""
    return pa.DataFrameSchema(
        {
            "chip_id": pa.Column(str, unique=True),
            "mmsi": pa.Column(int, pa.Check.in_range(100_000_000, 999_999_999)),
            "split": pa.Column(str, pa.Check.isin(SPLITS)),
            "path": pa.Column(str, pa.Check(lambda s: s.map(lambda p: (dataset_root / p).exists()),
                                            element_wise=False, error="chip file missing")),
            "geometry": pa.Column(checks=pa.Check(lambda s: s.map(lambda g: g is not None and g.is_valid and not g.is_empty),
                                                  error="invalid geometry")),
            "lon": pa.Column(float, pa.Check.in_range(-180, 180)),
            "lat": pa.Column(float, pa.Check.in_range(-90, 90)),
            "position_method": pa.Column(str, pa.Check.isin(POSITION_METHODS), required=False),
            "boa_add_offset": pa.Column(checks=pa.Check.isin([0, -1000]), required=False),
            "length_m": pa.Column(float, pa.Check.gt(0), nullable=True, required=False),
            "beam_m": pa.Column(float, pa.Check.gt(0), nullable=True, required=False),
            "scene_href": pa.Column(str, pa.Check(lambda s: ~s.str.startswith("/") & ~s.str.startswith("file:"),
                                                  error="scene_href is a local path"), required=False),
        },
        coerce=False,
    )
