"""Daily-partitioned assets: schedule -> AIS + scenes -> chips -> index -> STAC, manifest, QA."""

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import rasterio

from ocean_assets.core.io import atomic_path, atomic_write_text, sha256_file, writing
from ocean_assets.core.ship_chips import index as idx
from ocean_assets.core.ship_chips import layout, overpass, report, retry_store
from ocean_assets.core.ship_chips.chipping import (
    ChipError,
    match_observations,
    process_observation,
    scene_problem,
)
from ocean_assets.core.ship_chips.stac import build_catalog, now_iso
from ocean_assets.dagster_support import (
    REMOTE_RETRY,
    fail_permanently,
    file_metadata,
    run_partition_keys,
)
from ocean_assets.defs.ship_chips.resources import ShipChipsResource
from ocean_assets.partitions import DAILY_FRESHNESS, daily_partitions

GROUP = "ship_chips"
COMMON: dict[str, Any] = {"partitions_def": daily_partitions, "group_name": GROUP,
                          "backfill_policy": dg.BackfillPolicy.single_run(), "freshness_policy": DAILY_FRESHNESS,
                          "owners": ["team:ship-chips"], "code_version": "1"}


def _day_bounds(day: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC)
    return start, start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)


def _version(paths: list[Path]) -> dg.DataVersion:
    """sha256 of the written file (or of the files' sha256s when a range wrote several)."""
    shas = [sha256_file(p) for p in paths if p.exists()]
    if len(shas) == 1:
        return dg.DataVersion(shas[0])
    return dg.DataVersion(hashlib.sha256("".join(shas).encode()).hexdigest())


def _preview(frame: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "_empty_")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with fail_permanently(), atomic_path(path) as tmp:  # disk full: no retry
        frame.to_csv(tmp, index=False)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    with fail_permanently(), atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def schedule_for(env: ShipChipsResource, day: str) -> pd.DataFrame:
    cfg = env.config()
    track = cfg.section("satellite_tracking")
    mode = track.get("mode", "backfill")
    date = dt.date.fromisoformat(day)
    if mode == "tle":
        tles = track.get("tle")
        if track.get("tle_file"):  # e.g. a CelesTrak download kept next to the config
            tle_path = Path(track["tle_file"])
            tle_path = tle_path if tle_path.is_absolute() else env_config_dir() / tle_path
            tles = overpass.parse_tle_file(tle_path.read_text())
        return overpass.tle_passes(tles, cfg.aois, date, float(track.get("swath_km", 290)),
                                   int(track.get("step_s", 30)))
    if mode == "esa_plan":
        plan = Path(track["esa_plan"])
        plan = plan if plan.is_absolute() else env_config_dir() / plan
        swaths = (overpass.parse_esa_csv(plan) if plan.suffix.lower() == ".csv"
                  else overpass.parse_esa_kml(plan.read_text()))
        return overpass.plan_passes(swaths, cfg.aois, date)
    if mode != "backfill":
        raise overpass.PlanError(f"satellite_tracking.mode must be backfill|tle|esa_plan, got {mode!r}")
    start, end = _day_bounds(day)
    scenes, cc = env.scenes(), float(cfg.section("stac").get("cloud_cover_max", 100))
    return overpass.backfill_passes({a.tile: scenes.search(a, start, end, cc) for a in cfg.aois})


def env_config_dir() -> Path:
    from ocean_assets.settings import get_settings

    return get_settings().config_dir


@dg.asset(**COMMON, retry_policy=REMOTE_RETRY, pool="ship_chips_stac",
          description="Predicted Sentinel-2 overpasses per area of interest (backfill | tle | esa_plan).")
def overpass_schedule(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    paths, frames = [], []
    for day in run_partition_keys(context):
        with fail_permanently(f"overpasses for {day}: ", also=(overpass.PlanError,)):
            frame = schedule_for(ship_chips_env, day)
        path = layout.schedule_path(root, day)
        _write_csv(frame, path)
        paths.append(path)
        frames.append(frame)
    allf = pd.concat(frames, ignore_index=True) if frames else overpass.empty_schedule()
    return dg.MaterializeResult(
        metadata={"passes": len(allf), "days": len(paths), "tiles": sorted(allf["tile"].unique().tolist()),
                  "preview": _preview(allf), **(file_metadata(paths[-1], root) if len(paths) == 1 else {})},
        data_version=_version(paths))


def _active_windows(schedule: pd.DataFrame, pad: dt.timedelta) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    out: dict[str, list] = {}
    for row in schedule.itertuples():
        start = pd.Timestamp(row.start).tz_convert("UTC").to_pydatetime() if pd.Timestamp(row.start).tzinfo \
            else pd.Timestamp(row.start, tz="UTC").to_pydatetime()
        end = pd.Timestamp(row.end).tz_convert("UTC").to_pydatetime() if pd.Timestamp(row.end).tzinfo \
            else pd.Timestamp(row.end, tz="UTC").to_pydatetime()
        out.setdefault(row.tile, []).append((start - pad, end + pad))
    return out


def _read_schedule(root: Path, day: str) -> pd.DataFrame:
    path = layout.schedule_path(root, day)
    if not path.exists():
        raise FileNotFoundError(f"no overpass schedule for {day}; materialize overpass_schedule first")
    frame = pd.read_csv(path)
    return frame if len(frame) else overpass.empty_schedule()


@dg.asset(**COMMON, deps=[overpass_schedule], retry_policy=REMOTE_RETRY, pool="ship_chips_ais",
          description="AIS position reports per active tile and day, restricted to the scheduled windows.")
def ais_snapshots(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    cfg, root = ship_chips_env.config(), ship_chips_env.dataset_root()
    pad = dt.timedelta(minutes=float(cfg.section("ais").get("window_min", 5)))
    aois = {a.tile: a for a in cfg.aois}
    source = ship_chips_env.ais()
    paths, counts = [], {}
    for day in run_partition_keys(context):
        for tile, windows in _active_windows(_read_schedule(root, day), pad).items():
            if tile not in aois:
                continue
            with fail_permanently():  # e.g. a rejected API key: retrying cannot help
                frame = source.positions(aois[tile], windows)
            path = layout.ais_dir(root, day) / f"{tile}.parquet"
            _write_parquet(frame, path)
            paths.append(path)
            counts[f"{day} {tile}"] = len(frame)
    return dg.MaterializeResult(
        metadata={"reports": sum(counts.values()), "files": len(paths),
                  "reports_per_tile_day": dg.MetadataValue.json(counts)},
        data_version=_version(paths))


@dg.asset(**COMMON, deps=[overpass_schedule], retry_policy=REMOTE_RETRY, pool="ship_chips_stac",
          description="Sentinel-2 L2A items (Earth Search or the demo twin) per active tile and day.")
def s2_scenes(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    cfg, root = ship_chips_env.config(), ship_chips_env.dataset_root()
    stac = cfg.section("stac")
    pad = dt.timedelta(hours=float(stac.get("search_window_hours", 12)) / 2)
    aois = {a.tile: a for a in cfg.aois}
    source = ship_chips_env.scenes()
    paths, rows, skipped = [], [], []
    for day in run_partition_keys(context):
        items: dict[str, dict] = {}
        for tile, windows in _active_windows(_read_schedule(root, day), pad).items():
            if tile in aois:
                start, end = min(w[0] for w in windows), max(w[1] for w in windows)
                with fail_permanently(f"STAC search for {tile} {day}: "):
                    found = source.search(aois[tile], start, end, float(stac.get("cloud_cover_max", 100)))
                for item in found:
                    if problem := scene_problem(item, cfg.bands):
                        skipped.append({"day": day, "id": str(item.get("id")), "reason": problem})
                        context.log.warning(f"{day}: skipping STAC item {item.get('id')!r}: {problem}")
                        continue
                    items[item["id"]] = item
        path = layout.scenes_path(root, day)
        with fail_permanently():
            atomic_write_text(path, json.dumps(list(items.values()), indent=1))
        paths.append(path)
        rows += [{"day": day, "id": i["id"], "cloud_cover": i["properties"].get("eo:cloud_cover"),
                  "datetime": i["properties"]["datetime"]} for i in items.values()]
    return dg.MaterializeResult(metadata={"scenes": len(rows), "preview": _preview(pd.DataFrame(rows)),
                                          "skipped_items": dg.MetadataValue.json(skipped[:50])},
                                data_version=_version(paths))


def _read_ais(root: Path, day: str) -> pd.DataFrame:
    files = sorted(layout.ais_dir(root, day).glob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame(
        columns=["mmsi", "time_utc", "latitude", "longitude"])


def _thumbnail(path: Path) -> bytes | None:
    """A quick look for metadata; an unreadable chip is left to the chip_format check to report."""
    try:
        return report.thumbnail_png(path, 64)
    except (rasterio.errors.RasterioIOError, ValueError):
        return None


def chip_day(env: ShipChipsResource, day: str, now: dt.datetime) -> pd.DataFrame:
    """Match, gate and chip one day; failures go to the retry table. Returns the day's records."""
    cfg, root = env.config(), env.dataset_root()
    scenes = json.loads(layout.scenes_path(root, day).read_text())
    obs = match_observations(_read_ais(root, day), scenes, float(cfg.section("match")["time_tol_min"]))
    engine, backoff = env.engine(), env.backoff()
    max_retries = int(cfg.section("retries").get("max_retries", 5))
    records = []
    for o in obs:
        key = {"obs_id": f"{day}/{o.chip_id}", "day": day, "mmsi": o.mmsi, "scene_id": o.scene_id}
        try:
            rec = process_observation(o, root, cfg.bands, cfg.section("tiling"), cfg.section("gate"))
            retry_store.record_success(engine, **key, now=now)
        except ChipError as exc:
            count = retry_store.record_failure(engine, **key, error=str(exc), now=now, backoff=backoff,
                                               max_retries=max_retries)
            rec = {"chip_id": o.chip_id, "mmsi": o.mmsi, "scene_id": o.scene_id, "status": "failed",
                   "reason": "error", "error": str(exc), "retry_count": count, "path": ""}
        if rec.get("path"):
            rec["path"] = str(Path(rec["path"]).relative_to(root))
        records.append(rec)
    frame = pd.DataFrame(records)
    for col in ("status", "reason", "path", "error"):
        if col not in frame:
            frame[col] = pd.Series(dtype="object")
    return frame


@dg.asset(**COMMON, deps=[ais_snapshots, s2_scenes], retry_policy=REMOTE_RETRY, pool="ship_chips_stac",
          description="COG chips around AIS-reported vessels (windowed reads), gated on the centre window.")
def ship_chips(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    now = dt.datetime.now(dt.UTC)
    paths, frames = [], []
    for day in run_partition_keys(context):
        with fail_permanently(f"chips for {day}: "):  # e.g. disk full while writing a COG
            frame = chip_day(ship_chips_env, day, now)
        path = layout.records_path(root, day)
        # "existed" only describes this run; leave it out so a re-run writes identical records.
        _write_parquet(frame.drop(columns=["existed"], errors="ignore"), path)
        paths.append(path)
        frames.append(frame)
    allf = pd.concat(frames, ignore_index=True)
    kept = allf[allf["status"] == "kept"]
    reasons = allf[allf["status"] == "rejected"]["reason"].value_counts().to_dict()
    written = int((~kept["existed"].eq(True)).sum()) if "existed" in kept else len(kept)
    chip_bytes = sum((root / p).stat().st_size for p in kept["path"])
    cols = [c for c in ("chip_id", "status", "reason", "cloud_fraction", "land_fraction", "ndwi", "split")
            if c in allf]
    thumbs = " ".join(f"![{p}](data:image/png;base64,{base64.b64encode(png).decode()})"
                      for p in kept["path"].head(6) if (png := _thumbnail(root / p)))
    return dg.MaterializeResult(
        metadata={**(file_metadata(paths[0], root) if len(paths) == 1 else {}),
                  "thumbnails": dg.MetadataValue.md(thumbs or "_no kept chips_"),"observations": len(allf), "kept": len(kept), "written": written,
                  "skipped_existing": len(kept) - written,
                  "rejected_by_reason": dg.MetadataValue.json({str(k): int(v) for k, v in reasons.items()}),
                  "failed": int((allf["status"] == "failed").sum()), "chip_bytes": chip_bytes,
                  "preview": _preview(allf[cols], 20)},
        data_version=_version(paths))


# Assets rewriting dataset-wide files (index, catalog, manifest) share one pool; set its limit to 1
# (`dagster instance concurrency set ship_chips_index 1`) to queue them; correctness does not depend on
# it: the index's read-modify-write and the builds derived from it hold idx.index_lock.
INDEX_POOL = "ship_chips_index"


@dg.asset(**COMMON, deps=[ship_chips], pool=INDEX_POOL,
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


@dg.asset(**COMMON, deps=[chip_index], pool=INDEX_POOL,
          description="STAC catalog (pystac) of the chips under stac/, derived_from links to scenes.")
def stac_catalog(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    cfg, root = ship_chips_env.config(), ship_chips_env.dataset_root()
    # one whole state of the index; disk full while writing stac/ fails at once (no retry)
    with idx.index_lock(root), fail_permanently(), writing(root / "stac"):
        index = idx.read_index(root)
        catalog = build_catalog(index, root, (cfg.section("stac_publish") or {}).get("base_url"))
    return dg.MaterializeResult(metadata={"items": len(index), **file_metadata(catalog, root)},
                                data_version=dg.DataVersion(sha256_file(catalog)))


@dg.asset(**COMMON, deps=[chip_index], pool=INDEX_POOL, description="Dataset manifest JSON: counts and sample rows.")
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


@dg.asset(**COMMON, deps=[ship_chips], description="Daily QA report (HTML): KPIs, rejections, failures, thumbnails.")
def qa_report(context: dg.AssetExecutionContext, ship_chips_env: ShipChipsResource) -> dg.MaterializeResult:
    root = ship_chips_env.dataset_root()
    engine = ship_chips_env.engine()
    paths = []
    for day in run_partition_keys(context):
        records = pd.read_parquet(layout.records_path(root, day))
        path = layout.qa_path(root, day)
        atomic_write_text(path, report.qa_html(day, records, retry_store.failures(engine, day), root))
        paths.append(path)
    return dg.MaterializeResult(metadata={"reports": len(paths), "path": dg.MetadataValue.path(str(paths[-1]))},
                                data_version=_version(paths))
