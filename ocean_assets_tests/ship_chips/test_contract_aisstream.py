"""The aisstream client and parsers on real frames (PositionReport, ShipStaticData and others) as the
service sent them, replayed by a loopback websocket server."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math

import pandas as pd

from ocean_assets.core.ship_chips import chipping
from ocean_assets.core.ship_chips.settings import Aoi
from ocean_assets.sources.ship_chips.ais import (
    MESSAGE_TYPES,
    LiveAis,
    frame_to_row,
    parse_frames,
    static_from_frame,
)

from .contracts import aisstream_frames
from .servers import ws_server

ROTTERDAM = Aoi("31UFU", 32631, (3.0, 51.0, 6.0, 53.5))


def test_real_position_report_parses_with_its_units():
    row = frame_to_row(aisstream_frames()["PositionReport"], "31UFU")
    assert row["mmsi"] == 538009327 and row["ship_name"] == "NORDIC QINNGUA"
    assert row["time_utc"] == pd.Timestamp("2023-10-15T09:51:08.143077274Z")
    assert (row["latitude"], row["longitude"]) == (51.967933333333335, 4.1139600000000005)
    assert (row["sog"], row["cog"], row["true_heading"], row["nav_status"]) == (4.2, 296.1, 307, 0)


def test_real_ship_static_data_gives_length_beam_and_type():
    static = static_from_frame(aisstream_frames()["ShipStaticData"], "31UFU")
    # Dimension A12 B10 C2 D3 -> length A+B, beam C+D (ITU-R M.1371); Type 99 "other type".
    assert (static["mmsi"], static["length_m"], static["beam_m"], static["ship_type"]) == (244660640, 22.0, 5.0, 99)
    assert static["ship_name"] == "RVE 56" and static["imo"] is None  # ImoNumber 0 = not available
    assert static["time_utc"] == pd.Timestamp("2023-10-15T09:51:08.150552564Z")


def test_not_available_codes_become_none():
    frame = copy.deepcopy(aisstream_frames()["ShipStaticData"])
    body = frame["Message"]["ShipStaticData"]
    body["Dimension"] = {"A": 0, "B": 0, "C": 0, "D": 0}  # 0 = not available
    body["Type"] = 0  # not available
    body["Name"] = "KRAFT@@@@"  # '@' pads 6-bit AIS text
    static = static_from_frame(frame, "31UFU")
    assert static["length_m"] is None and static["beam_m"] is None and static["ship_type"] is None
    assert static["ship_name"] == "KRAFT"
    body["Type"] = 150  # 100-199: reserved for regional use, not a ship type
    assert static_from_frame(frame, "31UFU")["ship_type"] is None
    position = copy.deepcopy(aisstream_frames()["PositionReport"])
    position["Message"]["PositionReport"].update(Sog=102.3, Cog=360.0)  # 1023 and 3600: not available
    row = frame_to_row(position, "31UFU")
    assert math.isnan(row["sog"]) and math.isnan(row["cog"])


def test_other_message_types_are_neither_positions_nor_static():
    frames = aisstream_frames()
    for kind in ("StaticDataReport", "StandardClassBPositionReport", "AidsToNavigationReport"):
        assert frame_to_row(frames[kind], "31UFU") is None and static_from_frame(frames[kind], "31UFU") is None


def test_live_capture_subscribes_to_both_types_and_keeps_the_real_frames():
    frames = list(aisstream_frames().values())
    with ws_server(frames) as (url, subs):
        now = dt.datetime.now(dt.UTC)
        got = LiveAis(url, "good-key").capture(ROTTERDAM, now, now + dt.timedelta(seconds=10))
    w, s, e, n = ROTTERDAM.bbox
    assert subs[-1]["BoundingBoxes"] == [[[s, w], [n, e]]]
    assert subs[-1]["FilterMessageTypes"] == list(MESSAGE_TYPES) == ["PositionReport", "ShipStaticData"]
    kept = [json.loads(f)["MessageType"] for f in got.frames]
    assert kept == ["PositionReport", "ShipStaticData"] and got.malformed == 0
    parsed = parse_frames(got.frames, "31UFU", ROTTERDAM.bbox)
    assert list(parsed.positions["mmsi"]) == [538009327] and list(parsed.static["mmsi"]) == [244660640]


def test_a_window_already_over_captures_nothing():
    """The stream is live only: asking for a past window cannot collect anything."""
    past = dt.datetime(2023, 10, 15, 9, 50, tzinfo=dt.UTC)
    assert LiveAis("ws://127.0.0.1:9", "key").capture(ROTTERDAM, past, past + dt.timedelta(minutes=10)).frames == []


def test_static_data_is_joined_to_the_observation():
    """The real static report joins (by MMSI) the vessel's positions around a scene."""
    frames = aisstream_frames()
    static = parse_frames([frames["ShipStaticData"]], "31UFU").static
    report = copy.deepcopy(frames["PositionReport"])
    report["MetaData"]["MMSI"] = report["Message"]["PositionReport"]["UserID"] = 244660640
    positions = parse_frames([report], "31UFU").positions
    t0 = positions["time_utc"][0]
    scene = {"id": "S2A_31UFU_20231015_0_L2A", "bbox": [3.0, 51.0, 6.0, 53.5],
             "properties": {"datetime": t0.isoformat()}, "assets": {}}
    [obs] = chipping.match_observations(positions, [scene], 10, static=static)
    assert (obs.length_m, obs.beam_m, obs.ship_type) == (22.0, 5.0, 99)
    unknown = chipping.match_observations(positions, [scene], 10, static=static.iloc[0:0])
    assert (unknown[0].length_m, unknown[0].beam_m, unknown[0].ship_type) == (None, None, None)
