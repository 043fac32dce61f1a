"""The work of one day for each ship_chips asset, as plain functions the asset bodies call
(``<thing>_for_day(env, day)``): schedule, captured AIS, scenes, chips, report notes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ocean_assets.config import ConfigError
from ocean_assets.core.io import atomic_path, atomic_write_text
from ocean_assets.core.retry import PermanentError
from ocean_assets.core.ship_chips import capture, layout, overpass, retry_store
from ocean_assets.core.ship_chips.chipping import (
    ChipError,
    match_observations,
    process_observation,
    scene_problem,
)
from ocean_assets.defs.ship_chips.resources import ShipChipsResource
from ocean_assets.sources.ship_chips.ais import STATIC_COLUMNS, parse_frames, to_static_frame


class MissingCapture(PermanentError):
    """Live AIS was not captured during a predicted window; aisstream has no history to ask later."""


def day_bounds(day: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC)
    return start, start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def plan_file(value: Any, key: str, config_dir: Path, root: Path) -> Path:
    """A plan or TLE file named in the config: a strict file name, relative to the config folder (or
    absolute), resolving (symlinks followed) inside the config folder or the dataset's ``plan/``."""
    path = Path(str(value))
    try:
        layout.safe_name(path.name, "plan_file")
    except layout.UnsafeName as exc:
        raise overpass.PlanError(f"ship_chips.yaml: satellite_tracking.{key}: {exc}") from None
    path = path if path.is_absolute() else config_dir / path
    for zone in (config_dir, root / "plan"):
        try:
            return layout.inside(zone, path)
        except layout.UnsafeName:
            continue
    raise overpass.PlanError(f"ship_chips.yaml: satellite_tracking.{key}: {value} must be inside "
                             f"{config_dir} or {root / 'plan'}")


def schedule_for(env: ShipChipsResource, day: str) -> pd.DataFrame:
    cfg = env.config()
    track = cfg.section("satellite_tracking")
    mode = track["mode"]
    date = dt.date.fromisoformat(day)
    config_dir, root = env.config_dir(), cfg.dataset_root
    if mode == "tle":
        tles = track["tle"]
        if track["tle_file"]:  # e.g. a CelesTrak download kept next to the config
            tles = overpass.parse_tle_file(plan_file(track["tle_file"], "tle_file", config_dir, root).read_text())
        return overpass.tle_passes(tles, cfg.aois, date, track["swath_km"],
                                   track["step_s"])
    if mode == "esa_plan":
        plan = plan_file(track["esa_plan"], "esa_plan", config_dir, root)
        swaths = (overpass.parse_esa_csv(plan) if plan.suffix.lower() == ".csv"
                  else overpass.parse_esa_kml(plan.read_text()))
        return overpass.plan_passes(swaths, cfg.aois, date)
    if mode != "backfill":
        raise overpass.PlanError(f"satellite_tracking.mode must be backfill|tle|esa_plan, got {mode!r}")
    start, end = day_bounds(day)
    scenes, cc = env.scenes(), cfg.section("stac")["cloud_cover_max"]
    return overpass.backfill_passes({a.tile: scenes.search(a, start, end, cc) for a in cfg.aois})


def read_schedule(root: Path, day: str) -> pd.DataFrame:
    path = layout.schedule_path(root, day)
    if not path.exists():
        raise FileNotFoundError(f"no overpass schedule for {day}; materialize overpass_schedule first")
    frame = pd.read_csv(path)
    return frame if len(frame) else overpass.empty_schedule()


def capture_windows_for_day(env: ShipChipsResource, day: str) -> list[capture.CaptureWindow]:
    pad = dt.timedelta(minutes=env.config().section("ais")["window_min"])
    tiles = {a.tile for a in env.config().aois}
    return [w for w in capture.capture_windows(read_schedule(env.dataset_root(), day), pad) if w.tile in tiles]


def ais_for_day(env: ShipChipsResource, day: str) -> dict[str, Any]:
    """Parse the AIS captured for the day's windows into ``ais/{day}/{tile}.parquet`` (positions)
    and ``ais/{day}/static/{tile}.parquet`` (ShipStaticData).

    Demo: the twin plays the capture role for windows that have no capture yet. Live: AIS can only
    have been captured while the satellite passed (the ``ais_capture`` sensor); a window without a
    capture fails the day with the reason (``ais.on_missing_capture: fail``, the default) or is
    recorded in ``capture_status.json`` and reported downstream (``skip``): never zero chips unsaid.
    """
    cfg, root = env.config(), env.dataset_root()
    policy = cfg.section("ais")["on_missing_capture"]
    if policy not in ("fail", "skip"):
        raise ConfigError(f"ship_chips.yaml: ais.on_missing_capture must be fail or skip, got {policy!r}")
    aois = {a.tile: a for a in cfg.aois}
    windows = capture_windows_for_day(env, day)
    by_tile: dict[str, list[capture.CaptureWindow]] = {}
    for w in windows:
        by_tile.setdefault(w.tile, []).append(w)
    missing = []
    for tile, tile_windows in by_tile.items():
        stored = capture.read_captures(root, {w.start.date().isoformat() for w in tile_windows}, tile)
        for w in tile_windows:
            if any(meta.covers(w) for meta, _ in stored):
                continue
            if env.is_live():
                missing.append(w.describe())
                continue
            got = env.ais().capture(aois[tile], w.start, w.end)
            capture.write_capture(root, w, got.frames, captured_from=w.start, captured_to=w.end,
                                  malformed=got.malformed, source="demo")
    if missing and policy == "fail":
        raise MissingCapture(
            f"{day}: no AIS was captured for {len(missing)} predicted window(s): {'; '.join(missing[:5])}. "
            "aisstream has no history, so these passes cannot be matched now; run the ais_capture_sensor "
            "(live) during the passes, or set ais.on_missing_capture: skip to chip the day without them")
    counts, malformed = {}, 0
    for tile, tile_windows in by_tile.items():
        stored = capture.read_captures(root, {w.start.date().isoformat() for w in tile_windows}, tile)
        files = [path for meta, path in stored if any(meta.covers(w) for w in tile_windows)]
        parsed = parse_frames(capture.frames_of(files), tile, aois[tile].bbox)
        positions = parsed.positions.drop_duplicates(["mmsi", "time_utc"]).sort_values(["mmsi", "time_utc"])
        static = parsed.static.drop_duplicates(["mmsi", "time_utc"]).sort_values(["mmsi", "time_utc"])
        write_parquet(positions.reset_index(drop=True), layout.ais_path(root, day, tile))
        write_parquet(static.reset_index(drop=True), layout.static_path(root, day, tile))
        counts[f"{day} {tile}"] = len(positions)
        malformed += parsed.malformed
    status = {"day": day, "windows": [w.describe() for w in windows], "missing": missing, "policy": policy}
    atomic_write_text(layout.ais_status_path(root, day), json.dumps(status, indent=1))
    return {"counts": counts, "missing": missing, "malformed": malformed, "windows": len(windows)}


def ais_status(root: Path, day: str) -> dict[str, Any]:
    path = layout.ais_status_path(root, day)
    return json.loads(path.read_text()) if path.exists() else {"missing": [], "windows": []}


def scenes_for_day(env: ShipChipsResource, day: str) -> tuple[list[dict], list[dict]]:
    """Items of the day's active tiles (kept) and the items skipped with their reason."""
    cfg, root = env.config(), env.dataset_root()
    stac = cfg.section("stac")
    pad = dt.timedelta(hours=stac["search_window_hours"] / 2)
    aois = {a.tile: a for a in cfg.aois}
    source = env.scenes()
    items: dict[str, dict] = {}
    skipped: list[dict] = []
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for w in capture.capture_windows(read_schedule(root, day), pad):
        if w.tile in aois:  # one search per tile over all of its passes
            lo, hi = spans.get(w.tile, (w.start, w.end))
            spans[w.tile] = (min(lo, w.start), max(hi, w.end))
    for tile, (start, end) in spans.items():
        for item in source.search(aois[tile], start, end, stac["cloud_cover_max"]):
            if problem := scene_problem(item, cfg.bands):
                skipped.append({"day": day, "id": str(item.get("id"))[:80], "reason": problem})
                continue
            items[item["id"]] = item
    return list(items.values()), skipped


def read_ais(root: Path, day: str) -> pd.DataFrame:
    files = sorted(layout.ais_dir(root, day).glob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame(
        columns=["mmsi", "time_utc", "latitude", "longitude", "sog", "cog", "ship_name"])


def read_static(root: Path, day: str) -> pd.DataFrame:
    files = sorted((layout.ais_dir(root, day) / "static").glob("*.parquet"))
    frames = [pd.read_parquet(f) for f in files]
    return pd.concat(frames, ignore_index=True) if frames else to_static_frame([]).reindex(columns=STATIC_COLUMNS)


def chip_day(env: ShipChipsResource, day: str, now: dt.datetime) -> pd.DataFrame:
    """Match, gate and chip one day; failures go to the retry table. Returns the day's records."""
    cfg, root = env.config(), env.dataset_root()
    scenes = json.loads(layout.scenes_path(root, day).read_text())
    match = cfg.section("match")
    obs = match_observations(read_ais(root, day), scenes, float(match["time_tol_min"]),
                             match["max_interp_gap_s"], match["max_dead_reckon_s"],
                             read_static(root, day))
    engine, backoff = env.engine(), env.backoff()
    max_retries = cfg.section("retries")["max_retries"]
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
                   "reason": "error", "error": str(exc), "retry_count": count, "path": "",
                   "position_method": o.position_method, "ais_offset_s": o.ais_offset_s}
        if rec.get("path"):
            rec["path"] = Path(rec["path"]).relative_to(root).as_posix()
        records.append(rec)
    frame = pd.DataFrame(records)
    for col in ("status", "reason", "path", "error"):
        if col not in frame:
            frame[col] = pd.Series(dtype="object")
    return frame


def day_notes(root: Path, day: str) -> list[str]:
    """What the QA report should say about the day's AIS (windows without a capture)."""
    missing = ais_status(root, day).get("missing") or []
    return [f"AIS not captured for {len(missing)} predicted window(s): {'; '.join(missing[:5])}"] if missing else []
