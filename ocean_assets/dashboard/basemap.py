"""The dashboard's map, offline: reefs as coloured points over a bundled Natural Earth coastline
(public domain, ``coastline/README.md``), drawn with pydeck and no tile server."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import pandas as pd

COASTLINE = "coastline/ne_110m_coastline.geojson"


@cache
def coastline_paths() -> list[list[list[float]]]:
    """The coastline as lines of [lon, lat] points (one per MultiLineString part)."""
    data = json.loads(files("ocean_assets.dashboard").joinpath(COASTLINE).read_text())
    paths: list[list[list[float]]] = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        parts = geometry["coordinates"] if geometry["type"] == "MultiLineString" else [geometry["coordinates"]]
        paths.extend([list(map(list, part)) for part in parts])
    return paths


def _rgb(colour: str) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i:i + 2], 16) for i in (0, 2, 4)]


def reef_map(reefs: pd.DataFrame, colours: dict[int, str]) -> Any:
    """A pydeck map of ``reefs`` (latitude, longitude, alert_level, reef_id) coloured by alert level
    (``colours``: level -> "#rrggbb"; grey if unknown), over the coastline, centred on the reefs."""
    import pydeck as pdk

    points = reefs.assign(rgb=[_rgb(colours.get(int(code), "#808080")) for code in reefs["alert_level"]])
    coast = pdk.Layer("PathLayer", data=[{"path": p} for p in coastline_paths()], get_path="path",
                      get_color=[70, 90, 110], width_min_pixels=1, pickable=False)
    dots = pdk.Layer("ScatterplotLayer", data=points[["reef_id", "latitude", "longitude", "alert_level", "rgb"]],
                     get_position=["longitude", "latitude"], get_fill_color="rgb", get_radius=20000,
                     radius_min_pixels=3, pickable=True)
    view = pdk.ViewState(latitude=float(points["latitude"].mean()), longitude=float(points["longitude"].mean()),
                         zoom=3 if len(points) else 0)
    return pdk.Deck(layers=[coast, dots], initial_view_state=view, map_provider=None, map_style=None,
                    tooltip={"text": "{reef_id}\nalert level {alert_level}"})
