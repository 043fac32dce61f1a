"""Loopback servers that replay the real artefacts in ``ocean_assets_tests/contracts/``.

- ``MurErddap``: ERDDAP griddap for ``jplMURSST41``: ``info/jplMURSST41/index.json`` is the contract
  fixture; a ``.nc`` query is checked against those axes the way ERDDAP checks it (a constraint may
  lie at most half an axis step beyond the axis, else 404 "... is greater than the axis
  maximum=89.99 (and even 89.995)"), and answered on the real 0.01 degree grid in degree_C, times
  09:00Z.
- ``Cmr``: NASA CMR ``search/granules.umm_json`` answering from the CMR fixtures (real schema).
- ``cygnss_granule``: a CYGNSS L3 microplastic V3.2 granule as published: ``mp_concentration`` on
  (time, lat, lon), 0.25 degree, latitudes -39.875..39.875, longitudes 0.125..359.875, stamped
  12:00:00, units as the catalogue states them ("#/km^2").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pandas as pd
import xarray as xr

from ocean_assets_tests.loopback import send

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
MUR_INFO = CONTRACTS / "erddap_mur" / "info_jplMURSST41_index.json"
CMR_CYGNSS = CONTRACTS / "cygnss" / "cmr_granules_cygnss_l3_microplastic_v3.2.json"
CMR_EMPTY = CONTRACTS / "cygnss" / "cmr_granules_empty.json"
REAL_GRANULE = "cyg.ddmi.s20250907-120000-e20250907-120000.l3.grid-microplastic.a32.d33"
REAL_DAY = dt.date(2025, 9, 7)
MAX_CELLS = 2_000_000  # a test never needs more; ERDDAP itself refuses responses over 2 GB

_CONSTRAINT = re.compile(r"\[\(([^)]*)\):(\d+):\(([^)]*)\)\]")


def mur_axes() -> dict[str, tuple[float, float, float]]:
    """(min, max, spacing) of latitude/longitude from the info fixture."""
    table = json.loads(MUR_INFO.read_text())["table"]
    dims = {r[1]: r[4] for r in table["rows"] if r[0] == "dimension"}
    out = {}
    for r in table["rows"]:
        if r[0] == "attribute" and r[2] == "actual_range" and r[1] in ("latitude", "longitude"):
            lo, hi = (float(v) for v in r[4].split(","))
            spacing = float(re.search(r"averageSpacing=([-0-9.]+)", dims[r[1]]).group(1))
            out[r[1]] = (lo, hi, spacing)
    return out


class MurErddap:
    """ERDDAP serving jplMURSST41 with its real axes and its real refusals: of out-of-range
    constraints (404), and of a response over ``max_bytes`` (413 "Payload Too Large", ERDDAP's .nc
    limit is 2 GB; a test lowers it). Values are a function of the cell (20 degC + 0.001 lat +
    0.0001 lon), so bands fetched separately join seamlessly."""

    def __init__(self, workdir: Path, max_bytes: int = 2_000_000_000) -> None:
        self.workdir = workdir
        self.requests: list[str] = []
        self.axes = mur_axes()
        self.max_bytes = max_bytes

    def __call__(self, request: BaseHTTPRequestHandler) -> None:
        self.requests.append(request.path)
        if request.path == "/info/jplMURSST41/index.json":
            send(request, 200, MUR_INFO.read_bytes(), "application/json")
            return
        m = re.fullmatch(r"/griddap/jplMURSST41\.nc\?(.*)", request.path)
        if not m:
            send(request, 404, b'Error {\n code=404;\n message="Not Found: dataset";\n}', "text/plain")
            return
        var, constraints = re.fullmatch(r"([A-Za-z_]\w*)((?:\[[^\]]*\])+)", unquote(m.group(1))).groups()
        (t0, _, _t1), lat, lon = _CONSTRAINT.findall(constraints)
        try:
            lat_values = self._axis("latitude", float(lat[0]), float(lat[2]))
            lon_values = self._axis("longitude", float(lon[0]), float(lon[2]))
        except LookupError as exc:
            body = ('Error {\n code=404;\n message="Not Found: Your query produced no matching results. '
                    f'Query error: For variable={var} {exc}";\n}}')
            send(request, 404, body.encode(), "text/plain")
            return
        size = lat_values.size * lon_values.size * 4  # float32
        if size > self.max_bytes or lat_values.size * lon_values.size > MAX_CELLS:
            body = ('Error {\n    code=413;\n    message="Payload Too Large: Your query produced too much data.  '
                    f'Try to request less data.  {size / 1e6:.0f} MB is more than the .nc limit of '
                    f'{self.max_bytes / 1e6:.0f} MB.";\n}}\n')
            send(request, 413, body.encode(), "text/plain")
            return
        day = pd.Timestamp(t0.rstrip("Z")).normalize()
        data = (20 + 0.001 * lat_values[:, None] + 0.0001 * lon_values[None, :])[None].astype("float32")
        ds = xr.Dataset(
            {var: (("time", "latitude", "longitude"), data,
                   {"units": "degree_C", "long_name": "Analysed Sea Surface Temperature",
                    "standard_name": "sea_surface_foundation_temperature",
                    "actual_range": np.array([float(data.min()), float(data.max())], "float32")})},
            coords={"time": [day + pd.Timedelta(hours=9)],
                    "latitude": ("latitude", lat_values, {"units": "degrees_north"}),
                    "longitude": ("longitude", lon_values, {"units": "degrees_east"})})
        path = self.workdir / f"mur_{len(self.requests)}.nc"
        ds.to_netcdf(path, encoding={"time": {"units": "seconds since 1970-01-01T00:00:00Z", "dtype": "float64"}})
        send(request, 200, path.read_bytes())

    def _axis(self, name: str, start: float, stop: float) -> np.ndarray:
        lo, hi, step = self.axes[name]
        half = abs(step) / 2
        for label, value in (('"Start"', start), ('"Stop"', stop)):
            if value > hi + half:
                raise LookupError(f'axis {name} {label} is greater than the axis maximum={hi:g} (and even {hi + half:g}).')
            if value < lo - half:
                raise LookupError(f'axis {name} {label} is less than the axis minimum={lo:g} (and even {lo - half:g}).')
        if start > stop:
            raise LookupError(f"axis {name} start {start:g} is after stop {stop:g} for an ascending axis.")
        first = int(round((max(start, lo) - lo) / step))
        last = int(round((min(stop, hi) - lo) / step))
        return np.round(lo + step * np.arange(first, last + 1), 2)


class Cmr:
    """CMR granule search: the CYGNSS fixture for the day it describes, the empty answer otherwise;
    its data link is rewritten to ``files_base`` (the loopback file server)."""

    def __init__(self, files_base: str, days: dict[dt.date, str] | None = None) -> None:
        self.files_base = files_base.rstrip("/")
        self.days = days if days is not None else {REAL_DAY: REAL_GRANULE}
        self.requests: list[dict[str, list[str]]] = []

    def __call__(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        self.requests.append({"path": [url.path], "auth": [request.headers.get("Authorization") or ""], **query})
        if url.path != "/search/granules.umm_json":
            send(request, 404, b'{"errors":["Not Found"]}', "application/json")
            return
        start = query.get("temporal", [""])[0].split(",")[0]
        day = dt.date.fromisoformat(start[:10]) if start else None
        if query.get("short_name") != ["CYGNSS_L3_MICROPLASTIC_V3.2"] or day not in self.days:
            send(request, 200, CMR_EMPTY.read_bytes(), "application/json")
            return
        name = self.days[day]
        text = CMR_CYGNSS.read_text().replace(REAL_GRANULE, name)
        text = text.replace("https://archive.podaac.earthdata.nasa.gov", self.files_base)
        send(request, 200, text.encode(), "application/json")


def granule_name(day: dt.date) -> str:
    """The real naming: start and end both stamped 12:00:00 of the day."""
    return f"cyg.ddmi.s{day:%Y%m%d}-120000-e{day:%Y%m%d}-120000.l3.grid-microplastic.a32.d33"


def cygnss_granule(day: dt.date, path: Path) -> bytes:
    """A granule on the real CYGNSS L3 grid (see module docstring), NaN poleward of ~38 degrees."""
    lat = np.arange(-39.875, 39.876, 0.25)
    lon = np.arange(0.125, 360.0, 0.25)
    rng = np.random.default_rng(3)
    data = (10 ** (4 + 0.3 * rng.random((1, lat.size, lon.size)))).astype("float32")
    data[:, np.abs(lat) > 38.0, :] = np.nan
    ds = xr.Dataset({"mp_concentration": (("time", "lat", "lon"), data, {"units": "#/km^2"})},
                    coords={"time": pd.to_datetime([f"{day.isoformat()}T12:00:00"]),
                            "lat": ("lat", lat, {"units": "degrees_north"}),
                            "lon": ("lon", lon, {"units": "degrees_east"})})
    ds.to_netcdf(path)
    return path.read_bytes()
