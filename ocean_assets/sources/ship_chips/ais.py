"""AIS positions: aisstream.io websocket client (live) and the synthetic tracks of the demo scenario."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Protocol

import pandas as pd
import websockets

from ocean_assets.core.retry import PermanentError
from ocean_assets.core.ship_chips.settings import Aoi
from ocean_assets.sources.ship_chips.demo_scenario import RES_M, scenario

AIS_COLUMNS = ["mmsi", "ship_name", "time_utc", "latitude", "longitude", "sog", "cog", "true_heading",
               "nav_status", "tile"]
Window = tuple[dt.datetime, dt.datetime]


class AisSource(Protocol):
    def positions(self, aoi: Aoi, windows: Sequence[Window]) -> pd.DataFrame:
        """Position reports inside the AOI bounding box during the windows (columns AIS_COLUMNS)."""


def parse_time_utc(value: str) -> pd.Timestamp:
    """aisstream's ``2026-04-25 09:47:25.26746452 +0000 UTC`` -> UTC timestamp (ns precision)."""
    text = value.replace(" UTC", "").strip()
    date_part, time_part, *_ = text.split(" ")
    return pd.Timestamp(f"{date_part}T{time_part}", tz="UTC").as_unit("ns")


class MalformedFrame(ValueError):
    """A PositionReport frame with missing, mistyped or out-of-range fields."""


def frame_to_row(frame: dict, tile: str) -> dict | None:
    """A position row, None for other message types; MalformedFrame if the report is unusable."""
    if not isinstance(frame, dict):
        raise MalformedFrame(f"frame is a {type(frame).__name__}, not an object")
    if frame.get("MessageType") != "PositionReport":
        return None
    try:
        meta, report = frame.get("MetaData", {}), frame.get("Message", {}).get("PositionReport", {})
        row = {"mmsi": int(meta["MMSI"]), "ship_name": str(meta.get("ShipName", "")).strip(),
               "time_utc": parse_time_utc(meta["time_utc"]),
               "latitude": float(report.get("Latitude", meta.get("latitude"))),
               "longitude": float(report.get("Longitude", meta.get("longitude"))),
               "sog": float(report.get("Sog", math.nan)), "cog": float(report.get("Cog", math.nan)),
               "true_heading": int(report.get("TrueHeading", 511)),
               "nav_status": int(report.get("NavigationalStatus", 15)), "tile": tile}
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise MalformedFrame(f"{type(exc).__name__}: {exc}") from exc
    if not 0 < row["mmsi"] <= 999_999_999:
        raise MalformedFrame(f"MMSI {row['mmsi']} is not a 9-digit number")
    if not (-90 <= row["latitude"] <= 90 and -180 <= row["longitude"] <= 180):
        raise MalformedFrame(f"position ({row['latitude']}, {row['longitude']}) is out of range")
    return row


def to_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=AIS_COLUMNS)
    frame["time_utc"] = pd.to_datetime(frame["time_utc"], utc=True)
    return frame.astype({"mmsi": "int64"})


class LiveAis:
    """aisstream.io: subscribe to the AOI bounding boxes, collect for ``capture_s`` seconds."""

    def __init__(self, endpoint: str, api_key: str, capture_s: float = 60, max_messages: int = 5000,
                 max_reconnects: int = 5):
        self.endpoint, self._key = endpoint, api_key
        self.capture_s, self.max_messages, self.max_reconnects = capture_s, max_messages, max_reconnects
        self.reconnects = self.malformed = 0

    def positions(self, aoi: Aoi, windows: Sequence[Window]) -> pd.DataFrame:
        return to_frame(asyncio.run(self._collect(aoi)))

    async def _collect(self, aoi: Aoi) -> list[dict]:
        """Collect until the capture window ends; an abnormal drop reconnects (bounded, with backoff),
        malformed frames are counted and skipped, a refused key is permanent."""
        w, s, e, n = aoi.bbox
        subscription = {"APIKey": self._key, "BoundingBoxes": [[[s, w], [n, e]]],
                        "FilterMessageTypes": ["PositionReport"]}
        rows: list[dict] = []
        self.reconnects = self.malformed = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.capture_s
        while len(rows) < self.max_messages and deadline - loop.time() > 0:
            try:
                async with websockets.connect(self.endpoint, open_timeout=10) as ws:
                    await ws.send(json.dumps(subscription))
                    while len(rows) < self.max_messages and (left := deadline - loop.time()) > 0:
                        try:
                            raw = await asyncio.wait_for(ws.recv(), timeout=left)
                        except (TimeoutError, websockets.ConnectionClosedOK):
                            return rows
                        self._take(raw, aoi, rows)
                    return rows
            except (websockets.ConnectionClosedError, OSError) as exc:
                self.reconnects += 1
                if self.reconnects > self.max_reconnects:
                    raise ConnectionError(f"aisstream dropped {self.reconnects} times; last: {type(exc).__name__}") from None
                await asyncio.sleep(min(0.5 * 2 ** (self.reconnects - 1), 10.0))
        return rows

    def _take(self, raw: str | bytes, aoi: Aoi, rows: list[dict]) -> None:
        w, s, e, n = aoi.bbox
        try:
            frame = json.loads(raw)
        except ValueError:
            self.malformed += 1
            return
        if isinstance(frame, dict) and "error" in frame:
            raise PermanentError(f"aisstream refused the subscription: {frame['error']}")
        try:
            row = frame_to_row(frame, aoi.tile)
        except MalformedFrame:
            self.malformed += 1
            return
        if row and w <= row["longitude"] <= e and s <= row["latitude"] <= n:
            rows.append(row)


class DemoAis:
    """Synthetic tracks: one report every 10 s per demo vessel (class A under way) across each window."""

    def __init__(self, size_px: int = 1024, vessels: int = 9):
        self.size_px, self.vessels = size_px, vessels

    def positions(self, aoi: Aoi, windows: Sequence[Window]) -> pd.DataFrame:
        rows = []
        for start, end in windows:
            scen = scenario(aoi, start.date(), self.size_px, self.vessels)
            for k, v in enumerate(scen.vessels):
                offset_s = 3 * k % 10  # reports are not aligned with the sensing time
                t = start + dt.timedelta(seconds=offset_s)
                while t <= end:
                    dt_s = (t - scen.sensing).total_seconds()
                    dist_px = v.sog_kn * 0.514444 * dt_s / RES_M
                    col = v.col + dist_px * math.sin(math.radians(v.cog_deg))
                    row = v.row - dist_px * math.cos(math.radians(v.cog_deg))
                    lon, lat = scen.lonlat(col, row)
                    rows.append({"mmsi": v.mmsi, "ship_name": v.name, "time_utc": pd.Timestamp(t),
                                 "latitude": lat, "longitude": lon, "sog": v.sog_kn, "cog": v.cog_deg,
                                 "true_heading": int(v.cog_deg), "nav_status": 5 if v.kind == "coast" else 0,
                                 "tile": aoi.tile})
                    t += dt.timedelta(seconds=10)
        return to_frame(rows)
