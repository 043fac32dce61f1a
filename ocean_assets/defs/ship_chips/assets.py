"""Daily-partitioned assets: schedule -> AIS + scenes -> chips -> index -> STAC, manifest, QA.
Each body loops over the run's days and calls the day's function in ``per_day``."""

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import rasterio

from ocean_assets.config import ConfigError
from ocean_assets.core.io import atomic_write_text, sha256_file
from ocean_assets.core.ship_chips import index as idx
from ocean_assets.core.ship_chips import layout, overpass, report, retry_store
from ocean_assets.core.ship_chips.stac import build_catalog, now_iso
from ocean_assets.dagster_support import (
    REMOTE_RETRY,
    fail_permanently,
    file_metadata,
    run_partition_keys,
)
from ocean_assets.defs.ship_chips.per_day import (
    ais_for_day,
    chip_day,
    day_notes,
    scenes_for_day,
    schedule_for,
    write_csv,
    write_parquet,
)
from ocean_assets.defs.ship_chips.resources import ShipChipsResource
from ocean_assets.partitions import DAILY_FRESHNESS, daily_partitions

GROUP = "ship_chips"
COMMON: dict[str, Any] = {"partitions_def": daily_partitions, "group_name": GROUP,
                          "backfill_policy": dg.BackfillPolicy.single_run(), "freshness_policy": DAILY_FRESHNESS,
                          "owners": ["team:ship-chips"], "code_version": "1"}


def _version(paths: list[Path]) -> dg.DataVersion:
    """sha256 of the written file (or of the files' sha256s when a range wrote several)."""
    shas = [sha256_file(p) for p in paths if p.exists()]
    if len(shas) == 1:
        return dg.DataVersion(shas[0])
    return dg.DataVersion(hashlib.sha256("".join(shas).encode()).hexdigest())


def _preview(frame: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "_empty_")


@dg.asset(**COMMON, retry_policy=REMOTE_RETRY, pool="ship_chips_stac", kinds={"csv"},
          description="Predicted Sentinel-2 overpasses per area of interest (backfill | tle | esa_plan).")
def overpass_schedule(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    paths, frames = [], []
    for day in run_partition_keys(context):
        with fail_permanently(f"overpasses for {day}: ", also=(overpass.PlanError,)):
            frame = schedule_for(ship_chips_env, day)
        path = layout.schedule_path(root, day)
        write_csv(frame, path)
        paths.append(path)
        frames.append(frame)
    allf = pd.concat(frames, ignore_index=True) if frames else overpass.empty_schedule()
    return dg.MaterializeResult(
        metadata={"passes": len(allf), "days": len(paths), "tiles": sorted(allf["tile"].unique().tolist()),
                  "preview": _preview(allf), **(file_metadata(paths[-1], root) if len(paths) == 1 else {})},
        data_version=_version(paths))


@dg.asset(**COMMON, deps=[overpass_schedule], retry_policy=REMOTE_RETRY, pool="ship_chips_ais", kinds={"parquet"},
          description="AIS position and static reports per active tile and day, parsed from the frames "
                      "captured during the predicted windows (live: ais_capture_sensor; demo: the twin).")
def ais_snapshots(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    results = {}
    for day in run_partition_keys(context):
        with fail_permanently(also=(layout.UnsafeName, ConfigError)):  # no capture, bad config: retrying cannot help
            results[day] = ais_for_day(ship_chips_env, day)
    counts = {k: v for r in results.values() for k, v in r["counts"].items()}
    missing = {d: r["missing"] for d, r in results.items() if r["missing"]}
    for day, windows in missing.items():
        context.log.warning(f"{day}: no AIS captured for {'; '.join(windows)} (ais.on_missing_capture: skip)")
    paths = sorted(p for day in results for p in layout.ais_dir(root, day).rglob("*.parquet"))
    return dg.MaterializeResult(
        metadata={"reports": sum(counts.values()), "files": len(paths),
                  "reports_per_tile_day": dg.MetadataValue.json(counts),
                  "malformed_frames": sum(r["malformed"] for r in results.values()),
                  "missing_captures": dg.MetadataValue.json(missing)},
        data_version=_version(paths))


@dg.asset(**COMMON, deps=[overpass_schedule], retry_policy=REMOTE_RETRY, pool="ship_chips_stac", kinds={"json"},
          description="Sentinel-2 L2A items (Earth Search or the demo twin) per active tile and day.")
def s2_scenes(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    paths, rows, skipped = [], [], []
    for day in run_partition_keys(context):
        with fail_permanently(f"STAC search for {day}: "):
            items, day_skipped = scenes_for_day(ship_chips_env, day)
        for s in day_skipped:
            context.log.warning(f"{day}: skipping STAC item {s['id']!r}: {s['reason']}")
        path = layout.scenes_path(root, day)
        atomic_write_text(path, json.dumps(items, indent=1))
        paths.append(path)
        skipped += day_skipped
        rows += [{"day": day, "id": i["id"], "cloud_cover": i["properties"].get("eo:cloud_cover"),
                  "datetime": i["properties"]["datetime"],
                  "processing_baseline": i["properties"].get("s2:processing_baseline")} for i in items]
    return dg.MaterializeResult(metadata={"scenes": len(rows), "preview": _preview(pd.DataFrame(rows)),
                                          "skipped_items": dg.MetadataValue.json(skipped[:50])},
                                data_version=_version(paths))


def _thumbnail(path: Path) -> bytes | None:
    """A quick look for metadata; an unreadable chip is left to the chip_format check to report."""
    try:
        return report.thumbnail_png(path, 64)
    except (rasterio.errors.RasterioIOError, ValueError):
        return None


@dg.asset(**COMMON, deps=[ais_snapshots, s2_scenes], retry_policy=REMOTE_RETRY, pool="ship_chips_stac",
          kinds={"cog", "parquet"},
          description="COG chips around AIS-reported vessels (windowed reads), gated on the centre window.")
def ship_chips(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    now = dt.datetime.now(dt.UTC)
    paths, frames = [], []
    for day in run_partition_keys(context):
        frame = chip_day(ship_chips_env, day, now)
        path = layout.records_path(root, day)
        # "existed" only describes this run; leave it out so a re-run writes identical records.
        write_parquet(frame.drop(columns=["existed"], errors="ignore"), path)
        paths.append(path)
        frames.append(frame)
    allf = pd.concat(frames, ignore_index=True)
    kept = allf[allf["status"] == "kept"]
    reasons = allf[allf["status"] == "rejected"]["reason"].value_counts().to_dict()
    methods = allf["position_method"].value_counts().to_dict() if "position_method" in allf else {}
    written = int((~kept["existed"].eq(True)).sum()) if "existed" in kept else len(kept)
    chip_bytes = sum((root / p).stat().st_size for p in kept["path"])
    cols = [c for c in ("chip_id", "status", "reason", "position_method", "ais_offset_s", "length_m",
                        "ship_type", "ndwi", "split") if c in allf]
    thumbs = " ".join(f"![{p}](data:image/png;base64,{base64.b64encode(png).decode()})"
                      for p in kept["path"].head(6) if (png := _thumbnail(root / p)))
    return dg.MaterializeResult(
        metadata={**(file_metadata(paths[0], root) if len(paths) == 1 else {}),
                  "thumbnails": dg.MetadataValue.md(thumbs or "_no kept chips_"),
                  "observations": len(allf), "kept": len(kept), "written": written,
                  "skipped_existing": len(kept) - written,
                  "rejected_by_reason": dg.MetadataValue.json({str(k): int(v) for k, v in reasons.items()}),
                  "position_methods": dg.MetadataValue.json({str(k): int(v) for k, v in methods.items()}),
                  "failed": int((allf["status"] == "failed").sum()), "chip_bytes": chip_bytes,
                  "preview": _preview(allf[cols], 20)},
        data_version=_version(paths))


# Assets rewriting dataset-wide files (index, catalog, manifest) share one pool; set its limit to 1
# (`dagster instance concurrency set ship_chips_index 1`) to queue them; correctness does not depend on
# it: the index's read-modify-write and the builds derived from it hold idx.index_lock.
INDEX_POOL = "ship_chips_index"


@dg.asset(**COMMON, deps=[ship_chips], pool=INDEX_POOL, kinds={"parquet", "geojson"},
          description="indexes/tiles.parquet (GeoParquet of kept chips) and daily footprints GeoJSON.")
def chip_index(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    merged, footprints = None, []
    for day in run_partition_keys(context):
        records = pd.read_parquet(layout.records_path(root, day))
        day_rows = idx.to_geoframe(records, day)
        merged = idx.upsert_day(root, day_rows, day)
        footprints.append(idx.write_footprints(day_rows, root, day))
    path = idx.index_path(root)
    return dg.MaterializeResult(
        metadata={"index_rows": len(merged) if merged is not None else 0, **file_metadata(path, root),
                  "footprint_files": len(footprints),
                  "preview": _preview(pd.DataFrame(merged.drop(columns="geometry")) if merged is not None
                                      else pd.DataFrame())},
        data_version=dg.DataVersion(sha256_file(path)))


@dg.asset(**COMMON, deps=[chip_index], pool=INDEX_POOL, kinds={"stac", "json"},
          description="STAC catalog (pystac) of the chips under stac/, derived_from links to scenes.")
def stac_catalog(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    cfg, root = ship_chips_env.config(), ship_chips_env.dataset_root()
    with idx.index_lock(root):  # the catalog reflects one whole state of the index
        index = idx.read_index(root)
        catalog = build_catalog(index, root, (cfg.section("stac_publish") or {}).get("base_url"))
    return dg.MaterializeResult(metadata={"items": len(index), **file_metadata(catalog, root)},
                                data_version=dg.DataVersion(sha256_file(catalog)))


@dg.asset(**COMMON, deps=[chip_index], pool=INDEX_POOL, kinds={"json"},
          description="Dataset manifest JSON: counts and sample rows.")
def dataset_manifest(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    cfg, root = ship_chips_env.config(), ship_chips_env.dataset_root()
    path = layout.manifest_path(root)
    with idx.index_lock(root):
        index = idx.read_index(root)
        doc = report.manifest(index, int(cfg.section("manifest").get("sample_limit", 100)), now_iso())
        atomic_write_text(path, json.dumps(doc, indent=1, default=str))
    return dg.MaterializeResult(metadata={"chips": doc["counts"]["chips"],
                                          "counts": dg.MetadataValue.json(doc["counts"]),
                                          **file_metadata(path, root)},
                                data_version=dg.DataVersion(sha256_file(path)))


@dg.asset(**COMMON, deps=[ship_chips], kinds={"html"},
          description="Daily QA report (HTML): KPIs, rejections, failures, AIS capture gaps, thumbnails.")
def qa_report(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    engine = ship_chips_env.engine()
    paths = []
    for day in run_partition_keys(context):
        records = pd.read_parquet(layout.records_path(root, day))
        path = layout.qa_path(root, day)
        atomic_write_text(path, report.qa_html(day, records, retry_store.failures(engine, day), root,
                                               notes=day_notes(root, day)))
        paths.append(path)
    return dg.MaterializeResult(metadata={"reports": len(paths), "path": dg.MetadataValue.path(str(paths[-1]))},
                                data_version=_version(paths))
