"""The dashboard's map works offline: the bundled Natural Earth coastline loads (from the package, as
installed) and is drawn under the reefs with no tile server."""

from __future__ import annotations

import fnmatch
import json
import tomllib

import pandas as pd

from ocean_assets.dashboard.basemap import COASTLINE, coastline_paths, reef_map
from ocean_assets.settings import PROJECT_ROOT


def test_coastline_loads_and_is_the_world() -> None:
    paths = coastline_paths()
    assert len(paths) > 100
    points = [pt for path in paths for pt in path]
    assert len(points) > 5000
    assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points)
    # Queensland's coast behind the Great Barrier Reef, and the Florida Keys' mainland, are there
    assert any(145 <= lon <= 150 and -20 <= lat <= -15 for lon, lat in points)
    assert any(-82 <= lon <= -79 and 25 <= lat <= 27 for lon, lat in points)


def test_coastline_is_package_data() -> None:
    patterns = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert any(fnmatch.fnmatch(COASTLINE, p) for p in patterns["ocean_assets.dashboard"])


def test_reef_map_draws_reefs_over_the_coastline_without_a_tile_server() -> None:
    reefs = pd.DataFrame({"reef_id": ["reef-000000000001", "reef-000000000002"], "latitude": [-16.5, -18.2],
                          "longitude": [146.0, 147.5], "alert_level": [0, 7]})
    deck = reef_map(reefs, {0: "#c8fafa", 7: "#ff0000"})
    spec = json.loads(deck.to_json())
    assert [layer["@@type"] for layer in spec["layers"]] == ["PathLayer", "ScatterplotLayer"]
    assert len(spec["layers"][0]["data"]) == len(coastline_paths())
    assert [row["rgb"] for row in spec["layers"][1]["data"]] == [[200, 250, 250], [255, 0, 0]]
    assert spec.get("mapProvider") in (None, "") and not spec.get("mapStyle")
    assert "http" not in json.dumps({k: v for k, v in spec.items() if k != "layers"})
