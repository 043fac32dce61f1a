"""Live AIS is captured ahead of time, chipping happens later (the ship-chips runbook's scheduling):

- ``ais_capture_sensor`` reads the overpass schedule of today and tomorrow (the materialized
  ``overpass_schedule`` file, or the same prediction when it is not materialized yet) and launches
  one short ``ais_capture`` run per predicted window, from ``capture.lead_min`` before it to its
  end; each run writes the raw aisstream frames to the capture store (``ais_capture/``).
- ``ship_chips_after_l2a_lag`` runs ``ship_chips_daily`` every morning for the day
  ``schedule.l2a_lag_days`` ago, when its L2A scenes are published; ``ais_snapshots`` then reads
  what was captured.
Both start stopped: turn them on for live operation (demo mode needs neither).
"""


import datetime as dt

import dagster as dg
import pandas as pd

from ocean_assets.core.ship_chips import capture, layout
from ocean_assets.dagster_support import fail_permanently
from ocean_assets.defs.ship_chips.jobs import ship_chips_daily
from ocean_assets.defs.ship_chips.per_day import schedule_for
from ocean_assets.defs.ship_chips.resources import ShipChipsResource


class CaptureWindowConfig(dg.Config):
    """One predicted window (UTC ISO times): the padded capture window and the pass itself."""

    tile: str
    start: str
    end: str
    pass_start: str
    pass_end: str

    def window(self) -> capture.CaptureWindow:
        return capture.CaptureWindow(layout.safe_name(self.tile, "tile"), *(
            pd.Timestamp(v).tz_convert("UTC").to_pydatetime()
            for v in (self.start, self.end, self.pass_start, self.pass_end)))


def capture_window(env: ShipChipsResource, window: capture.CaptureWindow) -> dict:
    """Collect the tile's frames until the window ends and store them; the numbers of the run."""
    aoi = {a.tile: a for a in env.config().aois}.get(window.tile)
    if aoi is None:
        raise dg.Failure(f"tile {window.tile} is not an area of interest in ship_chips.yaml", allow_retries=False)
    started = dt.datetime.now(dt.UTC)
    if started >= window.end:
        raise dg.Failure(f"window {window.describe()} ended at {window.end:%H:%M:%S}Z before the capture "
                         "started: aisstream has no history, this pass cannot be captured any more",
                         allow_retries=False)
    got = env.ais().capture(aoi, window.start, window.end)
    path = capture.write_capture(env.dataset_root(), window, got.frames, captured_from=started,
                                 captured_to=dt.datetime.now(dt.UTC), malformed=got.malformed,
                                 reconnects=got.reconnects, source="aisstream" if env.is_live() else "demo")
    return {"frames": len(got.frames), "malformed": got.malformed, "reconnects": got.reconnects,
            "path": path.relative_to(env.dataset_root()).as_posix()}


@dg.op(description="Capture aisstream frames over one tile during one predicted overpass window.")
def capture_ais_window(context: dg.OpExecutionContext, config: CaptureWindowConfig,
                       ship_chips_env: ShipChipsResource) -> dg.Output:
    with fail_permanently(f"AIS capture {config.tile} {config.pass_start}: "):  # e.g. a refused key
        result = capture_window(ship_chips_env, config.window())
    context.log.info(f"captured {result['frames']} frames for {config.tile} into {result['path']}")
    return dg.Output(None, metadata=result)


@dg.job(description="One short AIS collection run during a predicted Sentinel-2 overpass window.",
        tags={"ocean_assets/capture": "ais"})
def ais_capture():
    capture_ais_window()


def upcoming_windows(env: ShipChipsResource, now: dt.datetime) -> list[capture.CaptureWindow]:
    """Windows of today and tomorrow from the overpass schedule (file if materialized, else predicted)."""
    cfg = env.config()
    pad = dt.timedelta(minutes=cfg.section("ais")["window_min"])
    windows = []
    for day in (now.date(), now.date() + dt.timedelta(days=1)):
        path = layout.schedule_path(env.dataset_root(), day.isoformat())
        schedule = pd.read_csv(path) if path.exists() else schedule_for(env, day.isoformat())
        windows += capture.capture_windows(schedule, pad) if len(schedule) else []
    tiles = {a.tile for a in cfg.aois}
    return [w for w in windows if w.tile in tiles]


def capture_requests(env: ShipChipsResource, now: dt.datetime) -> list[dg.RunRequest] | dg.SkipReason:
    """One run per window due now (from ``capture.lead_min`` before its start until its end); the
    run key is the window, so each window is captured once."""
    if not env.is_live():
        return dg.SkipReason("demo mode: the demo twin plays the capture role in ais_snapshots")
    cfg = env.config()
    if cfg.section("satellite_tracking")["mode"] == "backfill":
        return dg.SkipReason("satellite_tracking.mode is backfill: passes are known only once scenes exist; "
                             "set mode tle or esa_plan to capture live AIS ahead of the passes")
    lead = dt.timedelta(minutes=cfg.section("capture")["lead_min"])
    due = capture.due_windows(upcoming_windows(env, now), now, lead)
    if not due:
        return dg.SkipReason("no predicted window is due for capture")
    return [dg.RunRequest(
        run_key=f"ais-capture-{w.key}", tags={"ocean_assets/capture_window": w.key},
        run_config={"ops": {"capture_ais_window": {"config": {
            "tile": w.tile, "start": w.start.isoformat(), "end": w.end.isoformat(),
            "pass_start": w.pass_start.isoformat(), "pass_end": w.pass_end.isoformat()}}}})
        for w in due]


@dg.sensor(job=ais_capture, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Launch an AIS capture run for each predicted overpass window (live mode).")
def ais_capture_sensor(context: dg.SensorEvaluationContext, ship_chips_env: ShipChipsResource):
    return capture_requests(ship_chips_env, dt.datetime.now(dt.UTC))


def lagged_partition(env: ShipChipsResource, scheduled: dt.datetime) -> str:
    lag = env.config().section("schedule")["l2a_lag_days"]
    return (scheduled.astimezone(dt.UTC).date() - dt.timedelta(days=lag)).isoformat()


@dg.schedule(job=ship_chips_daily, cron_schedule="0 6 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Chip the day schedule.l2a_lag_days ago, once its L2A scenes are published.")
def ship_chips_after_l2a_lag(context: dg.ScheduleEvaluationContext, ship_chips_env: ShipChipsResource):
    day = lagged_partition(ship_chips_env, context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"ship_chips-{day}", partition_key=day)
