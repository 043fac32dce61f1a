"""Daily-partitioned assets: schedule -> AIS + scenes -> chips -> index -> STAC, manifest, QA.

Each asset is a function of one day (the day's work is in ``per_day``); ``daily_asset`` runs it over the
run's days with per-day truth."""

import base64
import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import rasterio

from ocean_assets.config import ConfigError
from ocean_assets.core.io import atomic_write_text
from ocean_assets.core.ship_chips import index as idx
from ocean_assets.core.ship_chips import layout, overpass, report, retry_store
from ocean_assets.core.ship_chips.stac import build_catalog, now_iso
from ocean_assets.dagster_support import Day, DayFailure, DayOutput, daily_asset, fail_permanently
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

GROUP = "ship_chips"


def _preview(frame: pd.DataFrame, rows: int = 10) -> str:
    return frame.head(rows).to_markdown(index=False) if len(frame) else "_empty_"


def _needs(path: Path, what: str, day: Day) -> Path:
    if not path.exists():
        raise DayFailure(f"no {path.name} for {day.key}: materialize {what} first")
    return path


@daily_asset(name="overpass_schedule", group=GROUP, remote=True, pool="ship_chips_stac", kinds={"csv"},
             description="Predicted Sentinel-2 overpasses per area of interest (backfill | tle | esa_plan).")
def overpass_schedule(day: Day, ship_chips_env: ShipChipsResource) -> DayOutput:
    with fail_permanently(f"overpasses for {day.key}: ", also=(overpass.PlanError,)):
        frame = schedule_for(ship_chips_env, day.key)
    path = layout.schedule_path(ship_chips_env.dataset_root(), day.key)
    write_csv(frame, path)
    return DayOutput(files=[path], metadata={"passes": len(frame),
                                             "tiles": sorted(frame["tile"].unique().tolist())},
                     preview=_preview(frame))


@daily_asset(name="ais_snapshots", group=GROUP, deps=[overpass_schedule], remote=True, pool="ship_chips_ais",
             kinds={"parquet"},
             description="AIS position and static reports per active tile and day, parsed from the frames "
                         "captured during the predicted windows (live: ais_capture_sensor; demo: the twin).")
def ais_snapshots(day: Day, ship_chips_env: ShipChipsResource) -> DayOutput:
    root = ship_chips_env.dataset_root()
    _needs(layout.schedule_path(root, day.key), "overpass_schedule", day)
    with fail_permanently(also=(layout.UnsafeName, ConfigError)):  # no capture, bad config: retrying cannot help
        result = ais_for_day(ship_chips_env, day.key)
    if result["missing"]:
        day.log.warning(f"{day.key}: no AIS captured for {'; '.join(result['missing'])} "
                        "(ais.on_missing_capture: skip)")
    paths = sorted(layout.ais_dir(root, day.key).rglob("*.parquet"))
    return DayOutput(files=paths, metadata={
        "reports": sum(result["counts"].values()), "windows": result["windows"],
        "reports_per_tile": dg.MetadataValue.json(result["counts"]),
        "malformed_frames": result["malformed"], "missing_captures": len(result["missing"])})


@daily_asset(name="s2_scenes", group=GROUP, deps=[overpass_schedule], remote=True, pool="ship_chips_stac",
             kinds={"stac", "json"},
             description="Sentinel-2 L2A items (Earth Search or the demo twin) per active tile and day.")
def s2_scenes(day: Day, ship_chips_env: ShipChipsResource) -> DayOutput:
    root = ship_chips_env.dataset_root()
    _needs(layout.schedule_path(root, day.key), "overpass_schedule", day)
    with fail_permanently(f"STAC search for {day.key}: "):
        items, skipped = scenes_for_day(ship_chips_env, day.key)
    for s in skipped:
        day.log.warning(f"{day.key}: skipping STAC item {s['id']!r}: {s['reason']}")
    path = layout.scenes_path(root, day.key)
    atomic_write_text(path, json.dumps(items, indent=1))
    rows = [{"id": i["id"], "cloud_cover": i["properties"].get("eo:cloud_cover"),
             "datetime": i["properties"]["datetime"],
             "processing_baseline": i["properties"].get("s2:processing_baseline")} for i in items]
    return DayOutput(files=[path], metadata={"scenes": len(rows),
                                             "skipped_items": dg.MetadataValue.json(skipped[:50])},
                     preview=_preview(pd.DataFrame(rows)))


def _thumbnail(path: Path) -> bytes | None:
    """A quick look for metadata; an unreadable chip is left to the chip_format check to report."""
    try:
        return report.thumbnail_png(path, 64)
    except (rasterio.errors.RasterioIOError, ValueError):
        return None


@daily_asset(name="ship_chips", group=GROUP, deps=[ais_snapshots, s2_scenes], remote=True,
             pool="ship_chips_stac", kinds={"cog", "parquet"},
             description="COG chips around AIS-reported vessels (windowed reads), gated on the centre window.")
def ship_chips(day: Day, ship_chips_env: ShipChipsResource) -> DayOutput:
    root = ship_chips_env.dataset_root()
    _needs(layout.scenes_path(root, day.key), "s2_scenes", day)
    now = day.shared.setdefault("now", dt.datetime.now(dt.UTC))
    frame = chip_day(ship_chips_env, day.key, now)
    path = layout.records_path(root, day.key)
    # "existed" only describes this run; leave it out so a re-run writes identical records.
    write_parquet(frame.drop(columns=["existed"], errors="ignore"), path)
    kept = frame[frame["status"] == "kept"]
    reasons = frame[frame["status"] == "rejected"]["reason"].value_counts().to_dict()
    methods = frame["position_method"].value_counts().to_dict() if "position_method" in frame else {}
    written = int((~kept["existed"].eq(True)).sum()) if "existed" in kept else len(kept)
    cols = [c for c in ("chip_id", "status", "reason", "position_method", "ais_offset_s", "length_m",
                        "ship_type", "ndwi", "split") if c in frame]
    thumbs = " ".join(f"![{p}](data:image/png;base64,{base64.b64encode(png).decode()})"
                      for p in kept["path"].head(6) if (png := _thumbnail(root / p)))
    return DayOutput(files=[path], metadata={
        "observations": len(frame), "kept": len(kept), "written": written,
        "skipped_existing": len(kept) - written,
        "rejected_by_reason": dg.MetadataValue.json({str(k): int(v) for k, v in reasons.items()}),
        "position_methods": dg.MetadataValue.json({str(k): int(v) for k, v in methods.items()}),
        "failed": int((frame["status"] == "failed").sum()),
        "chip_bytes": sum((root / p).stat().st_size for p in kept["path"])},
        preview=(thumbs or "_no kept chips_") + "\n\n" + _preview(frame[cols], 20))


# Assets rewriting dataset-wide files (index, catalog, manifest) share one pool; set its limit to 1
# (`dagster instance concurrency set ship_chips_index 1`) to queue them; correctness does not depend on
# it: the index's read-modify-write and the builds derived from it hold idx.index_lock.
INDEX_POOL = "ship_chips_index"


@daily_asset(name="chip_index", group=GROUP, deps=[ship_chips], pool=INDEX_POOL, kinds={"parquet", "geojson"},
             description="indexes/tiles.parquet (GeoParquet of kept chips) and daily footprints GeoJSON.")
def chip_index(day: Day, ship_chips_env: ShipChipsResource) -> DayOutput:
    root = ship_chips_env.dataset_root()
    records = pd.read_parquet(_needs(layout.records_path(root, day.key), "ship_chips", day))
    day_rows = idx.to_geoframe(records, day.key)
    merged = idx.upsert_day(root, day_rows, day.key)
    footprints = idx.write_footprints(day_rows, root, day.key)
    return DayOutput(files=[footprints], metadata={
        "index_rows": len(merged), "day_rows": len(day_rows),
        "index_path": dg.MetadataValue.path(idx.index_path(root).relative_to(root).as_posix())},
        preview=_preview(pd.DataFrame(merged.drop(columns="geometry"))))


@daily_asset(name="stac_catalog", group=GROUP, deps=[chip_index], pool=INDEX_POOL, kinds={"stac", "json"},
             per_range=True,
             description="STAC catalog (pystac) of the chips under stac/, derived_from links to scenes.")
def stac_catalog(day: Day, ship_chips_env: ShipChipsResource) -> DayOutput:
    """One catalog of the whole index, built once per run and recorded for every day of the run."""
    cfg, root = ship_chips_env.config(), ship_chips_env.dataset_root()
    with idx.index_lock(root):  # the catalog reflects one whole state of the index
        index = idx.read_index(root)
        catalog = build_catalog(index, root, cfg.section("stac_publish")["base_url"])
    return DayOutput(files=[catalog], metadata={"items": len(index)})


@daily_asset(name="dataset_manifest", group=GROUP, deps=[chip_index], pool=INDEX_POOL, kinds={"json"},
             per_range=True, description="Dataset manifest JSON: counts and sample rows.")
def dataset_manifest(day: Day, ship_chips_env: ShipChipsResource) -> DayOutput:
    cfg, root = ship_chips_env.config(), ship_chips_env.dataset_root()
    path = layout.manifest_path(root)
    with idx.index_lock(root):
        index = idx.read_index(root)
        doc = report.manifest(index, cfg.section("manifest")["sample_limit"], now_iso())
        atomic_write_text(path, json.dumps(doc, indent=1, default=str))
    return DayOutput(files=[path], metadata={"chips": doc["counts"]["chips"],
                                             "counts": dg.MetadataValue.json(doc["counts"])})


@daily_asset(name="qa_report", group=GROUP, deps=[ship_chips], kinds={"html"},
             description="Daily QA report (HTML): KPIs, rejections, failures, AIS capture gaps, thumbnails.")
def qa_report(day: Day, ship_chips_env: ShipChipsResource) -> DayOutput:
    root = ship_chips_env.dataset_root()
    records = pd.read_parquet(_needs(layout.records_path(root, day.key), "ship_chips", day))
    if "engine" not in day.shared:
        day.shared["engine"] = ship_chips_env.engine()
    path = layout.qa_path(root, day.key)
    atomic_write_text(path, report.qa_html(day.key, records, retry_store.failures(day.shared["engine"], day.key),
                                           root, notes=day_notes(root, day.key)))
    return DayOutput(files=[path])
