"""AIS from aisstream.io: the websocket capture (live), the demo twin's synthetic frames, and the
parsing of both into position and static tables.

aisstream is live only (no history): frames are captured during predicted overpass windows and kept
raw in the capture store; the daily ``ais_snapshots`` asset parses the stored frames later. The demo
twin produces frames of the same shape (``PositionReport`` and ``ShipStaticData``), so demo and live
share one parsing path.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd
import websockets

from ocean_assets.core.retry import PermanentError
from ocean_assets.core.ship_chips.settings import Aoi
from ocean_assets.sources.ship_chips.demo_scenario import RES_M, scenario

AIS_COLUMNS = ["mmsi", "ship_name", "time_utc", "latitude", "longitude", "sog", "cog", "true_heading",
               "nav_status", "tile"]
STATIC_COLUMNS = ["mmsi", "time_utc", "ship_name", "imo", "call_sign", "ship_type", "length_m", "beam_m",
                  "tile"]
MESSAGE_TYPES = ("PositionReport", "ShipStaticData")
Window = tuple[dt.datetime, dt.datetime]

# "Not available" codes of ITU-R M.1371-5 (Annex 8, messages 1-3 and 5), as aisstream decodes them:
# speed over ground 1023 (1/10 kn) -> 102.3; course over ground 3600 (1/10 deg) -> 360.0;
# dimensions A/B/C/D 0; type of ship 0 (1-19 and 100-255 are reserved, not ship types).
SOG_NOT_AVAILABLE = 102.3
COG_NOT_AVAILABLE = 360.0


@dataclass
class Capture:
    """Raw frames (JSON text, as received) of one capture window, and what was dropped."""

    frames: list[str] = field(default_factory=list)
    malformed: int = 0
    reconnects: int = 0


class AisSource(Protocol):
    def capture(self, aoi: Aoi, start: dt.datetime, end: dt.datetime) -> Capture:
        """Frames (PositionReport, ShipStaticData) inside the AOI box from ``start`` to ``end``."""


def parse_time_utc(value: str) -> pd.Timestamp:
    """aisstream's ``2026-04-25 09:47:25.26746452 +0000 UTC`` -> UTC timestamp (ns precision)."""
    text = value.replace(" UTC", "").strip()
    date_part, time_part, *_ = text.split(" ")
    return pd.Timestamp(f"{date_part}T{time_part}", tz="UTC").as_unit("ns")


def format_time_utc(when: dt.datetime) -> str:
    """The inverse of ``parse_time_utc`` (nanosecond digits, as aisstream writes them)."""
    when = when.astimezone(dt.UTC)
    return f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond:06d}000 +0000 UTC"


class MalformedFrame(ValueError):
    """A frame with missing, mistyped or out-of-range fields."""


def clean_text(value: Any) -> str:
    """AIS 6-bit text: '@' pads unused characters; drop it, control characters and edge spaces."""
    text = "" if value is None else str(value)
    return "".join(c for c in text if c.isprintable()).replace("@", " ").strip()


def _mmsi(meta: dict) -> int:
    mmsi = int(meta["MMSI"])
    if not 0 < mmsi <= 999_999_999:
        raise MalformedFrame(f"MMSI {mmsi} is not a 9-digit number")
    return mmsi


def _available(value: Any, not_available: float) -> float:
    number = float(value)
    return math.nan if not math.isfinite(number) or number >= not_available else number


def frame_to_row(frame: dict, tile: str) -> dict | None:
    """A position row, None for other message types; MalformedFrame if the report is unusable."""
    if not isinstance(frame, dict):
        raise MalformedFrame(f"frame is a {type(frame).__name__}, not an object")
    if frame.get("MessageType") != "PositionReport":
        return None
    try:
        meta, report = frame.get("MetaData", {}), frame.get("Message", {}).get("PositionReport", {})
        row = {"mmsi": _mmsi(meta), "ship_name": clean_text(meta.get("ShipName", "")),
               "time_utc": parse_time_utc(meta["time_utc"]),
               "latitude": float(report.get("Latitude", meta.get("latitude"))),
               "longitude": float(report.get("Longitude", meta.get("longitude"))),
               "sog": _available(report.get("Sog", math.nan), SOG_NOT_AVAILABLE),
               "cog": _available(report.get("Cog", math.nan), COG_NOT_AVAILABLE),
               "true_heading": int(report.get("TrueHeading", 511)),
               "nav_status": int(report.get("NavigationalStatus", 15)), "tile": tile}
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise MalformedFrame(f"{type(exc).__name__}: {exc}") from exc
    if not (-90 <= row["latitude"] <= 90 and -180 <= row["longitude"] <= 180):
        raise MalformedFrame(f"position ({row['latitude']}, {row['longitude']}) is out of range")
    return row


def _dimension(a: Any, b: Any) -> float | None:
    """A + B (length) or C + D (beam) in metres; None when both are 0 ("not available")."""
    first, second = int(a or 0), int(b or 0)
    if first < 0 or second < 0:
        raise MalformedFrame(f"negative dimension ({first}, {second})")
    return float(first + second) if first + second > 0 else None


def _ship_type(code: Any) -> int | None:
    """Type of ship and cargo: 20-99 are ship types; 0 is "not available", the rest reserved."""
    value = int(code or 0)
    return value if 20 <= value <= 99 else None


def static_from_frame(frame: dict, tile: str) -> dict | None:
    """A static row (length A+B, beam C+D, ship type; None where not available) from a
    ``ShipStaticData`` frame; None for other message types; MalformedFrame if unusable."""
    if not isinstance(frame, dict):
        raise MalformedFrame(f"frame is a {type(frame).__name__}, not an object")
    if frame.get("MessageType") != "ShipStaticData":
        return None
    try:
        meta, body = frame.get("MetaData", {}), frame.get("Message", {}).get("ShipStaticData", {})
        dims = body.get("Dimension") or {}
        imo = int(body.get("ImoNumber") or 0)
        return {"mmsi": _mmsi(meta), "time_utc": parse_time_utc(meta["time_utc"]),
                "ship_name": clean_text(body.get("Name", meta.get("ShipName", ""))),
                "imo": imo if imo > 0 else None, "call_sign": clean_text(body.get("CallSign", "")),
                "ship_type": _ship_type(body.get("Type")),
                "length_m": _dimension(dims.get("A"), dims.get("B")),
                "beam_m": _dimension(dims.get("C"), dims.get("D")), "tile": tile}
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise MalformedFrame(f"{type(exc).__name__}: {exc}") from exc


def to_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=AIS_COLUMNS)
    frame["time_utc"] = pd.to_datetime(frame["time_utc"], utc=True)
    return frame.astype({"mmsi": "int64"})


def to_static_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=STATIC_COLUMNS)
    frame["time_utc"] = pd.to_datetime(frame["time_utc"], utc=True)
    return frame.astype({"mmsi": "int64", "ship_type": "Int64", "imo": "Int64",
                         "length_m": "float64", "beam_m": "float64"})


@dataclass
class Parsed:
    positions: pd.DataFrame
    static: pd.DataFrame
    malformed: int


def parse_frames(frames: Iterable[str | dict], tile: str,
                 bbox: tuple[float, float, float, float] | None = None) -> Parsed:
    """Position and static tables from raw frames; bad frames are counted, never fatal. Positions
    outside ``bbox`` are dropped (the subscription box is the AOI's)."""
    positions, static, malformed = [], [], 0
    for raw in frames:
        try:
            frame = json.loads(raw) if isinstance(raw, str | bytes) else raw
            row = frame_to_row(frame, tile)
            srow = static_from_frame(frame, tile) if row is None else None
        except (ValueError, MalformedFrame):
            malformed += 1
            continue
        if row and (bbox is None or _in_box(row, bbox)):
            positions.append(row)
        elif srow:
            static.append(srow)
    return Parsed(to_frame(positions), to_static_frame(static), malformed)


def _in_box(row: dict, bbox: tuple[float, float, float, float]) -> bool:
    w, s, e, n = bbox
    return w <= row["longitude"] <= e and s <= row["latitude"] <= n


def latest_static(static: pd.DataFrame) -> pd.DataFrame:
    """One row per MMSI: its latest static report (static data rarely changes within a day)."""
    if static.empty:
        return static
    return static.sort_values("time_utc").groupby("mmsi", as_index=False).last()


class LiveAis:
    """aisstream.io: subscribe to the AOI box (position and static messages) and keep the frames
    until the window ends."""

    def __init__(self, endpoint: str, api_key: str, max_messages: int = 5000, max_reconnects: int = 5):
        self.endpoint, self._key = endpoint, api_key
        self.max_messages, self.max_reconnects = max_messages, max_reconnects
        self.reconnects = self.malformed = 0

    def capture(self, aoi: Aoi, start: dt.datetime, end: dt.datetime) -> Capture:
        """Collect from now until ``end`` (wall clock). A window that is already over yields an
        empty capture: the stream has no history."""
        seconds = (end - dt.datetime.now(dt.UTC)).total_seconds()
        if seconds <= 0:
            return Capture()
        frames = asyncio.run(self._collect(aoi, seconds))
        return Capture(frames, self.malformed, self.reconnects)

    async def _collect(self, aoi: Aoi, seconds: float) -> list[str]:
        """Collect until the deadline; an abnormal drop reconnects (bounded, with backoff),
        malformed frames are counted and skipped, a refused key is permanent."""
        w, s, e, n = aoi.bbox
        subscription = {"APIKey": self._key, "BoundingBoxes": [[[s, w], [n, e]]],
                        "FilterMessageTypes": list(MESSAGE_TYPES)}
        frames: list[str] = []
        rows: list[dict] = []
        self.reconnects = self.malformed = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while len(frames) < self.max_messages and deadline - loop.time() > 0:
            try:
                async with websockets.connect(self.endpoint, open_timeout=10) as ws:
                    await ws.send(json.dumps(subscription))
                    while len(frames) < self.max_messages and (left := deadline - loop.time()) > 0:
                        try:
                            raw = await asyncio.wait_for(ws.recv(), timeout=left)
                        except (TimeoutError, websockets.ConnectionClosedOK):
                            return frames
                        if self._take(raw, aoi, rows):
                            frames.append(raw if isinstance(raw, str) else raw.decode("utf-8", "replace"))
                    return frames
            except (websockets.ConnectionClosedError, OSError) as exc:
                self.reconnects += 1
                if self.reconnects > self.max_reconnects:
                    raise ConnectionError(f"aisstream dropped {self.reconnects} times; last: {type(exc).__name__}") from None
                await asyncio.sleep(min(0.5 * 2 ** (self.reconnects - 1), 10.0))
        return frames

    def _take(self, raw: str | bytes, aoi: Aoi, rows: list[dict]) -> bool:
        """Parse one message: a position inside the AOI goes to ``rows``; True if the frame is worth
        keeping (a usable position or static report)."""
        try:
            frame = json.loads(raw)
        except ValueError:
            self.malformed += 1
            return False
        if isinstance(frame, dict) and "error" in frame:
            raise PermanentError(f"aisstream refused the subscription: {frame['error']}")
        try:
            row = frame_to_row(frame, aoi.tile)
            static = static_from_frame(frame, aoi.tile) if row is None else None
        except MalformedFrame:
            self.malformed += 1
            return False
        if row and _in_box(row, aoi.bbox):
            rows.append(row)
            return True
        return static is not None


class DemoAis:
    """The capture role in demo mode: synthetic frames (aisstream's shape) of the demo vessels, one
    position report every 10 s (class A under way) and one static report per window."""

    def __init__(self, size_px: int = 1024, vessels: int = 9):
        self.size_px, self.vessels = size_px, vessels

    def capture(self, aoi: Aoi, start: dt.datetime, end: dt.datetime) -> Capture:
        scen = scenario(aoi, (start + (end - start) / 2).date(), self.size_px, self.vessels)  # the pass's day

        def where(v: Any, t: dt.datetime) -> tuple[float, float]:
            dist_px = v.sog_kn * 0.514444 * (t - scen.sensing).total_seconds() / RES_M
            col = v.col + dist_px * math.sin(math.radians(v.cog_deg))
            row = v.row - dist_px * math.cos(math.radians(v.cog_deg))
            lon, lat = scen.lonlat(col, row)
            return lat, lon

        frames = []
        for k, v in enumerate(scen.vessels):
            when = start + dt.timedelta(seconds=30 + k)
            frames.append(json.dumps(_static_frame(v, when, *where(v, when))))
            t = start + dt.timedelta(seconds=3 * k % 10)  # reports are not aligned with the sensing time
            while t <= end:
                frames.append(json.dumps(_position_frame(v, t, *where(v, t))))
                t += dt.timedelta(seconds=10)
        return Capture(frames)

    def positions(self, aoi: Aoi, windows: Sequence[Window]) -> pd.DataFrame:
        """Position table of the windows (what the pipeline parses from the captured frames)."""
        tables = [parse_frames(self.capture(aoi, s, e).frames, aoi.tile).positions for s, e in windows]
        return pd.concat(tables, ignore_index=True) if tables else to_frame([])


def _meta(v: Any, when: dt.datetime, lat: float, lon: float) -> dict:
    return {"MMSI": v.mmsi, "MMSI_String": v.mmsi, "ShipName": f"{v.name:<20}", "latitude": lat,
            "longitude": lon, "time_utc": format_time_utc(when)}


def _position_frame(v: Any, when: dt.datetime, lat: float, lon: float) -> dict:
    report = {"Cog": round(v.cog_deg, 1), "CommunicationState": 0, "Latitude": lat, "Longitude": lon,
              "MessageID": 1, "NavigationalStatus": 5 if v.kind == "coast" else 0, "PositionAccuracy": True,
              "Raim": False, "RateOfTurn": 0, "RepeatIndicator": 0, "Sog": round(v.sog_kn, 1), "Spare": 0,
              "SpecialManoeuvreIndicator": 0, "Timestamp": when.second, "TrueHeading": int(v.cog_deg),
              "UserID": v.mmsi, "Valid": True}
    return {"Message": {"PositionReport": report}, "MessageType": "PositionReport",
            "MetaData": _meta(v, when, lat, lon)}


def _static_frame(v: Any, when: dt.datetime, lat: float, lon: float) -> dict:
    a, b, c, d = v.dimension
    body = {"AisVersion": 1, "CallSign": "", "Destination": "", "Dimension": {"A": a, "B": b, "C": c, "D": d},
            "Dte": False, "Eta": {"Day": 0, "Hour": 24, "Minute": 60, "Month": 0}, "FixType": 1,
            "ImoNumber": 0, "MaximumStaticDraught": 0, "MessageID": 5, "Name": f"{v.name:<20}",
            "RepeatIndicator": 0, "Spare": False, "Type": v.ship_type, "UserID": v.mmsi, "Valid": True}
    return {"Message": {"ShipStaticData": body}, "MessageType": "ShipStaticData",
            "MetaData": _meta(v, when, lat, lon)}

