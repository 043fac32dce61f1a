"""Property-based "bad input" tests (hypothesis, derandomized, bounded) of the non-ocean parsers and
validators: AIS frames, STAC items and collections, acquisition plans and TLE files, raw-zone funding
files, and the reef-health API's query parameters. Each input either parses to a sane result or ends
in the domain's own error (or a quarantine Problem), never in an incidental crash."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import math
import re
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema
import pandas as pd
import pystac
import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from ocean_assets.api.app import MAX_DAYS, MAX_PAGE, create_app
from ocean_assets.core.raw_zone.validation import (
    MAX_PROBLEMS,
    Validation,
    load_schema,
    validate_bytes,
)
from ocean_assets.core.reef_health import store
from ocean_assets.core.ship_chips import chipping, overpass
from ocean_assets.core.ship_chips.overpass import PlanError
from ocean_assets.core.ship_chips.settings import Aoi
from ocean_assets.db import get_engine, migrate
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets.sources.conus404 import SourceError, StacZarrSource, ZarrStoreSource
from ocean_assets.sources.ship_chips.ais import (
    AIS_COLUMNS,
    LiveAis,
    MalformedFrame,
    frame_to_row,
    to_frame,
)
from ocean_assets_tests.raw_zone.conftest import funding_json, record
from ocean_assets_tests.reef_health.conftest import scored

from .test_properties import bounded

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20))
json_values = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
ABSURD = st.one_of(st.sampled_from([1e9, -1e9, math.nan, math.inf, -math.inf, -1, 0, 10**30, "", "52,1",
                                    "north", None, [], {}, True]), JSON_SCALARS)


def mutate(base: dict[str, Any], paths: list[tuple[str, ...]], edits: list[tuple[int, str, Any]]) -> dict:
    """A deep copy of ``base`` with each (path index, drop|replace, value) edit applied."""
    out = copy.deepcopy(base)
    for which, action, value in edits:
        *parents, key = paths[which % len(paths)]
        node = out
        for p in parents:
            node = node.get(p) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if action == "drop":
            node.pop(key, None)
        else:
            node[key] = value
    return out


def edits(values: st.SearchStrategy = ABSURD, max_size: int = 4) -> st.SearchStrategy:
    return st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["drop", "replace"]), values),
                    min_size=1, max_size=max_size)


def leaf_paths(doc: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(doc, dict):
        return [prefix] if prefix else []
    return [prefix + (k,) for k in doc] + [p for k, v in doc.items() for p in leaf_paths(v, prefix + (k,))
                                           if isinstance(v, dict)]


# --- 1. AIS frames ------------------------------------------------------------------------------

AOI = Aoi(tile="31UFU", epsg=32631, bbox=(3.0, 51.0, 6.0, 53.5))
GOOD_FRAME = {
    "MessageType": "PositionReport",
    "MetaData": {"MMSI": 244660000, "ShipName": "NOORDZEE  ", "latitude": 52.1, "longitude": 4.2,
                 "time_utc": "2026-04-10 10:39:25.26746452 +0000 UTC"},
    "Message": {"PositionReport": {"Latitude": 52.1, "Longitude": 4.2, "Sog": 11.3, "Cog": 87.0,
                                   "TrueHeading": 88, "NavigationalStatus": 0, "UserID": 244660000}},
}
AIS_PATHS = leaf_paths(GOOD_FRAME)
bad_times = st.one_of(st.sampled_from(["", "UTC", "2026-04-10", "2026-13-45 25:61:00 +0000 UTC",
                                       "9999-01-01 00:00:00 +0000 UTC", "0001-01-01 00:00:00 +0000 UTC",
                                       "2026-04-10 10:39:25 +0000", "now later", "NaT NaT"]), st.text(max_size=30))
ais_frames = st.one_of(
    json_values,
    st.builds(mutate, st.just(GOOD_FRAME), st.just(AIS_PATHS), edits(st.one_of(ABSURD, bad_times))),
)


def assert_sane_row(row: dict) -> None:
    assert list(row) == AIS_COLUMNS
    assert 0 < row["mmsi"] <= 999_999_999
    assert -90 <= row["latitude"] <= 90 and -180 <= row["longitude"] <= 180
    assert isinstance(row["time_utc"], pd.Timestamp) and str(row["time_utc"].tz) == "UTC"
    assert row["time_utc"].unit == "ns"


@bounded(150)
@given(frame=ais_frames)
@example(frame=mutate(GOOD_FRAME, AIS_PATHS, [(AIS_PATHS.index(("Message", "PositionReport", "TrueHeading")),
                                               "replace", math.inf)]))
@example(frame=mutate(GOOD_FRAME, AIS_PATHS, [(AIS_PATHS.index(("MetaData", "MMSI")), "replace", 10**30)]))
@example(frame=mutate(GOOD_FRAME, AIS_PATHS, [(AIS_PATHS.index(("MetaData", "MMSI")), "replace", -5)]))
@example(frame=mutate(GOOD_FRAME, AIS_PATHS, [(AIS_PATHS.index(("MetaData", "time_utc")), "replace",
                                               "9999-01-01 00:00:00 +0000 UTC")]))
@example(frame=mutate(GOOD_FRAME, AIS_PATHS, [(AIS_PATHS.index(("Message", "PositionReport", "Latitude")),
                                               "replace", 1e9)]))
def test_ais_frames_give_a_sane_row_none_or_malformed(frame):
    try:
        row = frame_to_row(frame, AOI.tile)
    except MalformedFrame as exc:
        assert str(exc).strip()
        return
    if not (isinstance(frame, dict) and frame.get("MessageType") == "PositionReport"):
        assert row is None
        return
    assert_sane_row(row)
    table = to_frame([row])
    assert list(table.columns) == AIS_COLUMNS and table["mmsi"].dtype == "int64"


@bounded(100)
@given(frames=st.lists(ais_frames, max_size=6), raw_junk=st.lists(st.text(max_size=30), max_size=2))
@example(frames=[mutate(GOOD_FRAME, AIS_PATHS, [(AIS_PATHS.index(("MetaData", "MMSI")), "replace", 10**30)])],
         raw_junk=[])
def test_live_ais_skips_bad_frames_and_keeps_a_loadable_table(frames, raw_junk):
    """The collector's per-message path (LiveAis._take) never raises on bad frames, counts them, and
    what it keeps is inside the AOI and converts to the AIS table."""
    client, rows = LiveAis("ws://127.0.0.1:9", "key"), []
    messages = [json.dumps(f) for f in frames if not (isinstance(f, dict) and "error" in f)] + raw_junk
    for raw in messages:
        client._take(raw, AOI, rows)
    assert len(rows) + client.malformed <= len(messages)
    w, s, e, n = AOI.bbox
    for row in rows:
        assert_sane_row(row)
        assert w <= row["longitude"] <= e and s <= row["latitude"] <= n
    table = to_frame(rows)
    assert len(table) == len(rows) and table["mmsi"].dtype == "int64"


# --- 2. STAC items (ship_chips backfill) and collections (conus404) ----------------------------

GOOD_ITEM = {"type": "Feature", "stac_version": "1.0.0", "id": "S2B_31UFU_20260410_0_L2A",
             "bbox": [3.0, 51.0, 6.0, 53.5],
             "properties": {"datetime": "2026-04-10T10:40:12.345Z", "platform": "sentinel-2b",
                            "eo:cloud_cover": 3.2, "grid:code": "MGRS-31UFU"},
             "assets": {"green": {"href": "/nonexistent/green.tif"}, "nir": {"href": "/nonexistent/nir.tif"}}}
ITEM_PATHS = leaf_paths(GOOD_ITEM)
items = st.one_of(json_values,
                  st.builds(mutate, st.just(GOOD_ITEM), st.just(ITEM_PATHS), edits(st.one_of(ABSURD, bad_times))))


@bounded(120)
@given(tile_items=st.lists(items, max_size=4))
@example(tile_items=[{k: v for k, v in GOOD_ITEM.items() if k != "properties"}])
@example(tile_items=[{**GOOD_ITEM, "properties": {"platform": "sentinel-2b"}}])
@example(tile_items=[{**GOOD_ITEM, "properties": {"datetime": None}}])
@example(tile_items=[{**GOOD_ITEM, "properties": {"datetime": ""}}])
def test_backfill_schedule_from_malformed_items_is_rows_or_plan_error(tile_items):
    try:
        schedule = overpass.backfill_passes({"31UFU": tile_items})
    except PlanError as exc:
        assert "properties.datetime" in str(exc) and "31UFU" in str(exc)
        return
    assert list(schedule.columns) == overpass.COLUMNS and len(schedule) == len(tile_items)
    for when in schedule["start"]:
        assert isinstance(when, dt.datetime) and when.utcoffset() == dt.timedelta(0)


def test_backfill_keeps_well_formed_items():
    schedule = overpass.backfill_passes({"31UFU": [GOOD_ITEM]})
    assert schedule["start"][0] == dt.datetime(2026, 4, 10, 10, 40, 12, 345000, tzinfo=dt.UTC)
    assert schedule["platform"][0] == "sentinel-2b"


BANDS = ["blue", "green", "red", "nir", "swir16", "swir22"]
CHIP_ITEM = {**GOOD_ITEM, "assets": {b: {"href": f"/nonexistent/{b}.tif"} for b in [*BANDS, "scl"]}}
CHIP_ITEM_PATHS = leaf_paths(CHIP_ITEM)
chip_items = st.one_of(json_values, st.builds(mutate, st.just(CHIP_ITEM), st.just(CHIP_ITEM_PATHS),
                                              edits(st.one_of(ABSURD, bad_times))))
AIS_NEAR = pd.DataFrame({"mmsi": [244000001], "ship_name": ["A"], "latitude": [52.0], "longitude": [4.0],
                         "time_utc": [pd.Timestamp("2026-04-10T10:41:00Z")]})


@bounded(150)
@given(item=chip_items)
@example(item={k: v for k, v in CHIP_ITEM.items() if k != "assets"})
@example(item={**CHIP_ITEM, "assets": {"green": {"href": "g.tif"}}})
@example(item={**CHIP_ITEM, "bbox": [3.0, 51.0]})
@example(item={**CHIP_ITEM, "properties": {}})
def test_scenes_missing_parts_are_skipped_with_a_reason(item):
    """s2_scenes keeps an item only if chipping can use it; otherwise it records why."""
    problem = chipping.scene_problem(item, BANDS)
    if problem is not None:
        assert isinstance(problem, str) and problem
        return
    chipping.match_observations(AIS_NEAR, [item], 10)  # everything chipping reads up front is there
    assert all(isinstance(item["assets"][b]["href"], str) for b in [*BANDS, "scl"])


def test_the_real_shape_of_a_scene_is_usable():
    assert chipping.scene_problem(CHIP_ITEM, BANDS) is None
    assert chipping.scene_problem({**CHIP_ITEM, "assets": {}}, BANDS).startswith("missing asset(s) blue, green")


GOOD_COLLECTION = {
    "type": "Collection", "stac_version": "1.0.0", "id": "conus404", "description": "loopback copy",
    "license": "CC-BY-4.0", "links": [],
    "extent": {"spatial": {"bbox": [[-139, 17, -57, 57]]},
               "temporal": {"interval": [["1979-10-01T00:00:00Z", "2022-09-30T23:00:00Z"]]}},
    "assets": {"zarr-abfs": {"href": "/nonexistent/conus404.zarr", "type": "application/vnd+zarr",
                             "roles": ["data"], "xarray:open_kwargs": {"consolidated": True},
                             "xarray:storage_options": {}}},
}
COLLECTION_PATHS = leaf_paths(GOOD_COLLECTION)
local_hrefs = st.sampled_from(["", "/nonexistent/x.zarr", "file:///nonexistent/x.zarr", "nope://x", 7, None])
collection_values = st.one_of(ABSURD, local_hrefs, st.dictionaries(st.text(max_size=8), JSON_SCALARS, max_size=3))


def _no_remote(doc: Any) -> bool:
    text = json.dumps(doc, default=str)
    return not re.search(r"[a-z0-9+]{2,}://", text.replace("file://", "").replace("nope://", ""))


class _Client:
    """What StacZarrSource needs from pystac-client: the collection parsed from the API's JSON."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc

    def get_collection(self, collection_id: str) -> pystac.Collection:
        return pystac.Collection.from_dict(copy.deepcopy(self.doc))


ASSET_PATHS = [p for p in COLLECTION_PATHS if p[0] == "assets" and len(p) == 3]
collections = st.one_of(json_values, *(st.builds(mutate, st.just(GOOD_COLLECTION), st.just(paths), edits(collection_values, n))
                                       for paths, n in ((COLLECTION_PATHS, 4), (ASSET_PATHS, 2))))


@bounded(60)
@given(doc=collections.filter(_no_remote))
@example(doc=mutate(GOOD_COLLECTION, COLLECTION_PATHS,
                    [(COLLECTION_PATHS.index(("assets", "zarr-abfs", "xarray:open_kwargs")), "replace", [1])]))
@example(doc=mutate(GOOD_COLLECTION, COLLECTION_PATHS,
                    [(COLLECTION_PATHS.index(("assets", "zarr-abfs", "xarray:open_kwargs")), "replace",
                      {"no_such_argument": 1})]))
@example(doc=mutate(GOOD_COLLECTION, COLLECTION_PATHS,
                    [(COLLECTION_PATHS.index(("assets", "zarr-abfs", "xarray:storage_options")), "replace", "x")]))
@example(doc={k: v for k, v in GOOD_COLLECTION.items() if k != "assets"})
def test_conus404_collection_errors_are_source_errors(doc):
    """The live source reads the collection's zarr asset; a malformed collection or asset is a
    SourceError (here every href is local and absent, so opening it is one too)."""
    source = StacZarrSource("http://127.0.0.1:9/", "conus404", "zarr-abfs", modifier=lambda obj: None)
    with mock.patch("ocean_assets.sources.stac.open_client", lambda *a, **k: _Client(doc)):
        try:
            opened = source.store
        except SourceError as exc:
            assert str(exc).strip()
            return
    assert isinstance(opened, ZarrStoreSource)
    with pytest.raises(SourceError, match="cannot open the CONUS404 Zarr store"):
        _ = opened.dataset


# --- 3. Acquisition plans (KML, CSV) and TLE files ---------------------------------------------

NS = 'xmlns="http://www.opengis.net/kml/2.2"'
COORDS = "3.0,51.0,0 6.0,51.0,0 6.0,53.5,0 3.0,53.5,0 3.0,51.0,0"


def kml(placemarks: list[dict[str, str | None]]) -> str:
    out = []
    for pm in placemarks:
        data = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in pm.items()
                       if k != "coordinates" and v is not None)
        out.append(f"<Placemark><ExtendedData>{data}</ExtendedData><Polygon><outerBoundaryIs><LinearRing>"
                   f"<coordinates>{pm.get('coordinates') or ''}</coordinates></LinearRing></outerBoundaryIs>"
                   f"</Polygon></Placemark>")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<kml {NS}><Document>{"".join(out)}</Document></kml>'


GOOD_PM = {"ObservationTimeStart": "2026-04-10T10:40:01.000", "ObservationTimeStop": "2026-04-10T10:41:30.000",
           "OrbitRelative": "51", "Platform": "Sentinel-2B", "coordinates": COORDS}
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")).filter(lambda c: c not in "<&"), max_size=40)
coord_text = st.one_of(st.sampled_from(["", "3,51", "3,51 4,52 3,51", "a,b c,d e,f g,h", "3;51 4;52 5;53 3;51",
                                        "nan,nan nan,nan nan,nan nan,nan", "3 51 4 52", "1e999,1 2,2 3,3 1e999,1",
                                        ",,, ,,, ,,, ,,,"]), xml_text)
time_text = st.one_of(st.sampled_from(["", "now", "2026-02-30T10:00:00", "9999-12-31T23:59:59", "10:40",
                                       "2026-04-10T10:40:01+25:00", "0000-00-00"]), xml_text)
PM_KEYS = list(GOOD_PM)
pm_values = {"ObservationTimeStart": time_text, "ObservationTimeStop": time_text, "Platform": xml_text,
             "OrbitRelative": xml_text, "coordinates": coord_text}
placemarks = st.builds(mutate, st.just(GOOD_PM), st.just([(k,) for k in PM_KEYS]), st.lists(
    st.sampled_from(PM_KEYS).flatmap(lambda k: st.tuples(st.just(PM_KEYS.index(k)), st.sampled_from(["drop", "replace"]),
                                                         pm_values[k])), max_size=2))


def assert_swaths(swaths: list[dict[str, Any]]) -> None:
    for s in swaths:
        assert isinstance(s["platform"], str) and s["platform"] == s["platform"].lower()
        for key in ("start", "end"):
            assert isinstance(s[key], dt.datetime) and not pd.isna(s[key])
            assert s[key].utcoffset() == dt.timedelta(0)
        assert s["geometry"].geom_type == "Polygon"


@bounded(120)
@given(pms=st.lists(placemarks, max_size=4))
@example(pms=[{**GOOD_PM, "coordinates": "a,b c,d e,f g,h"}])
@example(pms=[{**GOOD_PM, "coordinates": "3,51 4,52 3,51"}])
@example(pms=[{**GOOD_PM, "coordinates": "3 51 4 52"}])
@example(pms=[{k: v for k, v in GOOD_PM.items() if k != "ObservationTimeStop"}])
@example(pms=[{**GOOD_PM, "ObservationTimeStart": ""}])
@example(pms=[{**GOOD_PM, "ObservationTimeStop": "9999-12-31T23:59:59"}])
def test_real_shaped_kml_with_bad_fields_parses_or_plan_error(pms):
    try:
        swaths = overpass.parse_esa_kml(kml(pms))
    except PlanError as exc:
        assert re.match(r"placemark \d+: \S", str(exc)), str(exc)
        return
    assert_swaths(swaths)
    assert len(swaths) == sum(1 for pm in pms if pm.get("coordinates") and "ObservationTimeStart" in pm)


@bounded(40)
@given(pms=st.lists(st.just(GOOD_PM), min_size=1, max_size=3))
def test_well_formed_kml_parses(pms):
    swaths = overpass.parse_esa_kml(kml(pms))
    assert len(swaths) == len(pms) and swaths[0]["platform"] == "sentinel-2b"
    assert swaths[0]["start"] == dt.datetime(2026, 4, 10, 10, 40, 1, tzinfo=dt.UTC)


@bounded(80)
@given(text=st.one_of(st.text(max_size=300), st.integers(0, 10**6).map(lambda k: kml([GOOD_PM] * 2)[: k % 700]),
                      st.sampled_from(["<kml><unclosed>", "<kml/>", f"<kml {NS}><Placemark/></kml>",
                                       "<?xml version='1.0'?><a><b></a>", "&undefined;", "<a>&#0;</a>",
                                       f"<kml {NS}><Placemark><Polygon><coordinates>1,2</coordinates>"
                                       f"</Polygon></Placemark></kml>"])))
def test_arbitrary_and_truncated_kml_is_a_list_or_plan_error(text):
    try:
        swaths = overpass.parse_esa_kml(text)
    except PlanError as exc:
        assert str(exc).strip()
        return
    assert_swaths(swaths)


csv_cell = st.one_of(st.sampled_from(["", "Sentinel-2B", "2026-04-10T10:40:00Z", "now", "POLYGON((3 51, 6 51, 6 53.5, "
                                      "3 53.5, 3 51))", "POLYGON((3 51))", "POINT(1 2)", "LINESTRING(", "nan", "NaN"]),
                     st.text(max_size=20))
csv_headers = st.one_of(st.just(["platform", "start", "end", "footprint_wkt"]),
                        st.lists(st.sampled_from(["platform", "start", "end", "footprint_wkt", "x", ""]),
                                 min_size=1, max_size=5))


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


GOOD_ROW = ["Sentinel-2B", "2026-04-10T10:40:00Z", "2026-04-10T10:41:00Z", "POLYGON((3 51, 6 51, 6 53.5, 3 53.5, 3 51))"]
csv_rows = st.lists(st.one_of(st.lists(csv_cell, max_size=5), st.lists(st.tuples(st.integers(0, 3), csv_cell), max_size=2)
                              .map(lambda e: [dict(e).get(i, c) for i, c in enumerate(GOOD_ROW)])), max_size=3)


@bounded(100)
@given(text=st.one_of(st.text(max_size=200), st.builds(_csv, csv_headers, csv_rows)))
@example(text=_csv(["platform", "start", "end", "footprint_wkt"], [["S2B", "2026-04-10T10:40:00Z", "now", "LINESTRING("]]))
@example(text=_csv(["platform", "start", "end", "footprint_wkt"], [["S2B", "", "", ""]]))
@example(text="")
@example(text='platform,start,end,footprint_wkt\n"unclosed')
def test_csv_plan_is_a_list_or_plan_error(scratch_dir, text):
    path = scratch_dir / "plan.csv"
    path.write_text(text)
    try:
        swaths = overpass.parse_esa_csv(path)
    except PlanError as exc:
        assert str(exc).startswith("plan.csv")
        return
    for s in swaths:
        for key in ("start", "end"):
            assert isinstance(s[key], dt.datetime) and s[key].utcoffset() == dt.timedelta(0)
        assert s["geometry"] is not None


@pytest.fixture(scope="module")
def scratch_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("plans")


TLE = ["1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
       "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"]


tle_line = st.one_of(st.text(max_size=80), st.sampled_from(["S2A", *TLE, TLE[0][:40], TLE[0][:60] + "x" * 9,
                                                           "1 " + "x" * 67, "2 " + "9" * 67, TLE[1].replace("5", "-")]))
tle_triples = st.lists(st.tuples(st.sampled_from(["S2A", "SENTINEL-2B", " ISS "]), st.one_of(st.just(TLE[0]), tle_line),
                                 st.one_of(st.just(TLE[1]), tle_line)).map(list), max_size=3).map(lambda t: sum(t, []))


@bounded(100)
@given(lines=st.one_of(st.lists(tle_line, max_size=7), tle_triples))
def test_tle_files_give_propagatable_tles_or_plan_error(lines):
    try:
        tles = overpass.parse_tle_file("\n".join(lines))
    except PlanError as exc:
        assert "TLE file has" in str(exc)
        return
    times = [dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC)]
    for tle in tles.values():
        try:
            track = overpass.ground_track(tle, times)
        except PlanError as exc:
            assert str(exc).startswith("bad TLE")
            continue
        assert track.shape == (1, 2)


# --- 4. raw_zone funding files ---------------------------------------------------------------------

SCHEMA = load_schema(PROJECT_ROOT / "config" / "schemas" / "funding_data_v1.json")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
RULES = {"parse", "json_schema", "table_schema", "unsupported"}
RECORD_PATHS = leaf_paths(record())
field_values = st.one_of(ABSURD, st.sampled_from(["2024-02-30", "0001-01-01", "9999-12-31", "usd", "XXX",
                                                 "NSF-2024-1", "nsf", "US", "us", "-1", "1e400"]))


def assert_quarantine_record(result: Validation) -> None:
    assert isinstance(result, Validation)
    assert result.total_problems >= len(result.problems) and len(result.problems) <= MAX_PROBLEMS
    assert result.valid == (not result.problems)
    for p in result.problems:
        assert p.rule in RULES and isinstance(p.message, str) and p.message.strip()
        assert p.record is None or 0 <= p.record < max(result.records, 1)
    json.dumps(result.to_dict())


@bounded(100)
@given(data=st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())),
       suffix=st.sampled_from([".json", ".csv", ".JSON", ".txt", ""]))
@example(data=b"id,amount\n1,2\x00\n", suffix=".csv")
@example(data=b"\xff\xfe", suffix=".json")
@example(data=b"[]", suffix=".json")
@example(data=b"\x80", suffix=".txt")
def test_arbitrary_bytes_are_quarantined_not_raised(data, suffix):
    result = validate_bytes(data, suffix, SCHEMA, source="nsf")
    assert_quarantine_record(result)
    if suffix.lower() not in (".json", ".csv"):
        assert [p.rule for p in result.problems] == ["unsupported"]


records = st.lists(st.tuples(st.integers(1, 99999), st.one_of(st.just([]), edits(field_values, 3))),
                   min_size=1, max_size=4)


def build_records(spec: list[tuple[int, list]]) -> list[dict[str, Any]]:
    return [mutate(record(serial), RECORD_PATHS, changes) for serial, changes in spec]


@bounded(120)
@given(spec=records, wrapped=st.booleans())
@example(spec=[(1, [])], wrapped=True)
@example(spec=[(1, [(RECORD_PATHS.index(("amount",)), "drop", None)])], wrapped=True)
@example(spec=[(1, [(RECORD_PATHS.index(("start_date",)), "replace", "0001-01-01")])], wrapped=False)
@example(spec=[(1, []), (1, [])], wrapped=True)
def test_json_records_breaking_the_schema_are_problems(spec, wrapped):
    recs = build_records(spec)
    data = funding_json(*recs) if wrapped else json.dumps(recs).encode()
    result = validate_bytes(data, ".json", SCHEMA, source="nsf")
    assert_quarantine_record(result)
    assert result.records == len(recs)
    for index, rec in enumerate(recs):
        errors = list(VALIDATOR.iter_errors(rec))
        if errors:
            assert not result.valid
            if result.total_problems <= MAX_PROBLEMS:
                assert any(p.record == index and p.rule == "json_schema" for p in result.problems)
        missing = set(SCHEMA["required"]) - set(rec)
        for name in missing:
            assert any(p.record == index and repr(name) in p.message for p in result.problems)
    if all(not (set(SCHEMA["required"]) - set(r)) for r in recs) and all(not c for _, c in spec) \
            and len({s for s, _ in spec}) == len(spec):
        assert result.valid, result.problems


def _funding_csv(recs: list[dict[str, Any]], drop: list[str]) -> bytes:
    columns = [c for c in ("id", "source", "funder", "program", "title", "recipient_name", "recipient_country",
                           "amount", "currency", "award_date", "start_date", "end_date") if c not in drop]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore")
    writer.writeheader()
    for r in recs:
        recipient = r.get("recipient") if isinstance(r.get("recipient"), dict) else {}
        writer.writerow({**{k: ("" if v is None else v) for k, v in r.items() if not isinstance(v, dict)},
                         "recipient_name": recipient.get("name", ""), "recipient_country": recipient.get("country", "")})
    return out.getvalue().encode()


@bounded(80)
@given(spec=records, drop=st.lists(st.sampled_from(["id", "amount", "currency", "start_date", "recipient_name"]),
                                   max_size=2, unique=True))
@example(spec=[(1, [])], drop=[])
@example(spec=[(1, [])], drop=["amount"])
def test_csv_rows_breaking_the_schema_are_problems(spec, drop):
    data = _funding_csv(build_records(spec), drop)
    result = validate_bytes(data, ".csv", SCHEMA, source="nsf")
    assert_quarantine_record(result)
    if {"id", "amount"} & set(drop):
        assert [p.rule for p in result.problems] == ["parse"] and "CSV header lacks" in result.problems[0].message
    elif not drop and all(not c for _, c in spec) and len({s for s, _ in spec}) == len(spec):
        assert result.valid, result.problems


# --- 5. reef-health API parameters -------------------------------------------------------------

DAY = dt.date(2024, 3, 5)
REEFS = [f"reef-{i:012x}" for i in range(5)]
ROUTES = ["/health", "/data/latest", "/data/timeseries", "/data/anomalies", "/stats", "/reefs", "/metrics", "/ping"]
INJECTIONS = ["x' OR 1=1 --", "reef-000000000000' OR '1'='1", "'; DROP TABLE reef_health_scores; --",
              "reef-000000000000\n", "1; SELECT 1", "%27%20OR%201=1", "reef-00000000000g", "REEF-000000000000"]
param_values = st.one_of(st.integers(-(2**70), 2**70).map(str), st.sampled_from(
    ["0", "1", "366", "367", "1000", "1001", "10000000", "10000001", "-0", "1.5", "1e3", "", " 5", "0x10",
     "NaN", "inf", "٣", "１０", *INJECTIONS, *REEFS]), st.text(max_size=20))
params = st.dictionaries(st.one_of(st.sampled_from(["days", "limit", "offset", "reef_id"]), st.text(max_size=8)),
                         param_values, max_size=5)


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> TestClient:
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'reef.db'}"
    migrate(url)
    engine = get_engine(url)
    for i in range(10):
        store.upsert_scores(engine, scored(DAY + dt.timedelta(days=i), anomalies=i % 3))
    return TestClient(create_app(url), raise_server_exceptions=False)


def _int(value: str | None, default: int) -> int:
    return default if value is None else int(value)


@bounded(150)
@given(route=st.sampled_from(ROUTES), query=params)
@example(route="/data/timeseries", query={"reef_id": "x' OR 1=1 --"})
@example(route="/data/timeseries", query={"reef_id": REEFS[0] + "' OR '1'='1"})
@example(route="/data/latest", query={"limit": str(MAX_PAGE), "offset": "10000000"})
@example(route="/data/anomalies", query={"days": str(MAX_DAYS), "limit": str(2**63)})
def test_api_parameters_are_200_404_or_422_never_500(api, route, query):
    response = api.get(route, params=query)
    assert response.status_code in (200, 404, 422), (response.status_code, response.text[:300])
    if response.status_code == 422:
        assert all(d["loc"][0] == "query" for d in response.json()["detail"])
        return
    if route in ("/metrics",):
        return
    body = response.json()
    if route in ("/data/latest", "/data/anomalies"):
        limit = _int(query.get("limit"), 100)
        assert body["limit"] == limit and len(body["items"]) <= min(limit, MAX_PAGE) <= body["limit"]
        assert body["total"] >= len(body["items"]) and body["offset"] == _int(query.get("offset"), 0)
        assert all(item["reef_id"] in REEFS for item in body["items"])
    elif route == "/reefs":
        assert len(body["items"]) <= min(_int(query.get("limit"), 500), MAX_PAGE)
    elif route == "/data/timeseries":
        days = _int(query.get("days"), 7)
        assert 1 <= days <= MAX_DAYS and len(body) <= min(days, 10)
        reef = query.get("reef_id")
        if reef:
            assert reef in REEFS or not body, (reef, body)
            assert all(r["reefs"] == 1 for r in body)
    elif route == "/stats":
        assert body["records"] <= 50


def test_api_reef_id_injection_never_returns_rows(api):
    for reef in INJECTIONS:
        response = api.get("/data/timeseries", params={"reef_id": reef, "days": 10})
        assert response.status_code == 422 or response.json() == [], reef
    assert api.get("/data/timeseries", params={"reef_id": REEFS[0], "days": 10}).json()[0]["reefs"] == 1
