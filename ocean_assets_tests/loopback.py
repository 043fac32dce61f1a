"""Servers on 127.0.0.1 (ephemeral ports) that speak real protocols, for testing live clients."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import xarray as xr

Handler = Callable[[BaseHTTPRequestHandler], None]


@contextlib.contextmanager
def http_server(handle: Handler) -> Iterator[str]:
    """Serve GET requests with ``handle(request)`` on 127.0.0.1; yields the base URL."""

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            handle(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send(request: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "application/x-netcdf",
         headers: dict[str, str] | None = None) -> None:
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    request.end_headers()
    request.wfile.write(body)


_CONSTRAINT = re.compile(r"\[\(([^)]*)\):(\d+):\(([^)]*)\)\]")


class ErddapGriddap:
    """A minimal ERDDAP griddap endpoint over an in-memory dataset (time, latitude, longitude).

    Parses ``/griddap/{id}.nc?var[(t0):1:(t1)][(lat0):1:(lat1)][(lon0):1:(lon1)],...`` like ERDDAP:
    constraints in the dataset's own axis order (so a latitude-descending dataset is queried north
    to south), answers NetCDF with time in seconds since 1970, and 404 "Your query produced no
    matching results" when a constraint selects nothing.
    """

    def __init__(self, datasets: dict[str, xr.Dataset], workdir: Path) -> None:
        self.datasets = datasets
        self.workdir = workdir
        self.requests: list[str] = []

    def __call__(self, request: BaseHTTPRequestHandler) -> None:
        self.requests.append(request.path)
        m = re.fullmatch(r"/griddap/([^/.]+)\.nc\?(.*)", request.path)
        if not m or m.group(1) not in self.datasets:
            send(request, 404, b"Error {\n code=404;\n message=\"Not Found: dataset\";\n}", "text/plain")
            return
        ds = self.datasets[m.group(1)]
        query = unquote(m.group(2))
        parts = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]*\])+)", query)
        try:
            selected = self._select(ds, parts)
        except LookupError:
            send(request, 404, b'Error {\n code=404;\n message="Not Found: Your query produced no matching results. (nRows = 0)";\n}',
                 "text/plain")
            return
        path = self.workdir / f"resp_{len(self.requests)}.nc"
        selected.to_netcdf(path, encoding={"time": {"units": "seconds since 1970-01-01T00:00:00Z", "dtype": "float64"}})
        send(request, 200, path.read_bytes())

    @staticmethod
    def _select(ds: xr.Dataset, parts: list[tuple[str, str]]) -> xr.Dataset:
        variables, sel = [], {}
        for var, constraints in parts:
            variables.append(var)
            ranges = _CONSTRAINT.findall(constraints)
            for dim, (lo, _stride, hi) in zip(ds[var].dims, ranges, strict=True):
                if dim == "time":
                    a, b = pd.Timestamp(lo.rstrip("Z")), pd.Timestamp(hi.rstrip("Z"))
                else:
                    a, b = float(lo), float(hi)
                axis = ds[dim].values
                descending = axis.size > 1 and axis[0] > axis[-1]
                if (descending and a < b) or (not descending and a > b):
                    raise LookupError("constraint against the axis order")
                sel[dim] = slice(a, b)
        out = ds[variables].sel(sel)
        if any(out.sizes[d] == 0 for d in out.dims):
            raise LookupError("nothing selected")
        return out


def mur_like_dataset(days: list[str], latitude_descending: bool = False) -> xr.Dataset:
    """A small MUR-like SST grid in degree_C, times stamped 09:00Z (as jplMURSST41 on ERDDAP)."""
    lat = np.arange(30.0, 45.01, 0.5)
    lon = np.arange(-80.0, -59.99, 0.5)
    if latitude_descending:
        lat = lat[::-1]
    times = pd.to_datetime([f"{d}T09:00:00" for d in days])
    rng = np.random.default_rng(0)
    data = 20 + rng.normal(0, 1, (len(times), lat.size, lon.size)).astype("float32")
    data[:, :3, :5] = np.nan  # a patch of land
    ds = xr.Dataset({"analysed_sst": (("time", "latitude", "longitude"), data, {"units": "degree_C"})},
                    coords={"time": times, "latitude": ("latitude", lat, {"units": "degrees_north"}),
                            "longitude": ("longitude", lon, {"units": "degrees_east"})})
    return ds
