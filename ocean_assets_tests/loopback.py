"""Servers on 127.0.0.1 (ephemeral ports) that speak real protocols, for testing live clients."""

from __future__ import annotations

import contextlib
import io
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import xarray as xr

Handler = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a fault handler that resets the connection is expected to break the socket


@contextlib.contextmanager
def http_server(handle: Handler) -> Iterator[str]:
    """Serve GET and POST requests with ``handle(request)`` on 127.0.0.1; yields the base URL.
    ``request.body`` holds a POST's body (read before the handler runs)."""

    class _Handler(BaseHTTPRequestHandler):
        body = b""

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            handle(self)

        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            handle(self)

        def log_message(self, *args: object) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), _Handler)
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
        info = re.fullmatch(r"/info/([^/.]+)/index\.json", request.path)
        if info and info.group(1) in self.datasets:
            send(request, 200, erddap_info_json(self.datasets[info.group(1)]), "application/json")
            return
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


def erddap_info_json(ds: xr.Dataset) -> bytes:
    """``info/{id}/index.json`` for an in-memory dataset, in ERDDAP's table format: a dimension row
    (nValues, averageSpacing, negative when descending) and an actual_range row per numeric axis."""
    import json

    rows = []
    for dim in ds.dims:
        values = ds[dim].values
        if not np.issubdtype(values.dtype, np.number):
            continue
        spacing = float((values[-1] - values[0]) / (values.size - 1)) if values.size > 1 else 0.0
        rows.append(["dimension", dim, "", "double", f"nValues={values.size}, evenlySpaced=true, "
                     f"averageSpacing={spacing:.6g}"])
        rows.append(["attribute", dim, "actual_range", "double", f"{values.min():g}, {values.max():g}"])
    table = {"columnNames": ["Row Type", "Variable Name", "Attribute Name", "Data Type", "Value"], "rows": rows}
    return json.dumps({"table": table}).encode()


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


# --- Misbehaving servers (reliability tests): faults applied to the first requests, then the real answer.

Fault = Callable[[BaseHTTPRequestHandler, Handler], None]


class _Recorder:
    """A stand-in request that records what a handler would send (status, headers, body)."""

    def __init__(self, path: str, headers: Mapping[str, str] | None = None, body: bytes = b"",
                 command: str = "GET") -> None:
        self.path, self.body, self.command = path, body, command
        self.headers = headers or {}  # the request's headers, as the handler reads them
        self.status = 0
        self.sent_headers: dict[str, str] = {}
        self.wfile = io.BytesIO()

    def send_response(self, status: int, message: str | None = None) -> None:
        self.status = status

    def send_header(self, key: str, value: str) -> None:
        self.sent_headers[key] = value

    def end_headers(self) -> None:
        pass


def render(handle: Handler, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    """What ``handle`` answers to ``request`` (same path and headers), without a socket."""
    recorder = _Recorder(request.path, request.headers, getattr(request, "body", b""),
                         getattr(request, "command", "GET"))
    handle(recorder)  # type: ignore[arg-type]
    return recorder.status, recorder.sent_headers, recorder.wfile.getvalue()


def _reset(request: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP RST (SO_LINGER 0): the client sees 'connection reset'."""
    request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    request.connection.close()
    request.close_connection = True


def status_fault(code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Fault:
    return lambda request, inner: send(request, code, body, "text/plain", headers)


def reset_fault() -> Fault:
    """Connection reset before any byte of the response."""
    return lambda request, inner: _reset(request)


def reset_mid_body_fault() -> Fault:
    """Headers with the full Content-Length, half the body, then a reset."""

    def fault(request: BaseHTTPRequestHandler, inner: Handler) -> None:
        status, _headers, body = render(inner, request)
        request.send_response(status)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body[: len(body) // 2])
        request.wfile.flush()
        _reset(request)

    return fault


def truncated_fault(keep: float = 0.3) -> Fault:
    """Headers with the full Content-Length, then only part of the body and a clean close."""

    def fault(request: BaseHTTPRequestHandler, inner: Handler) -> None:
        status, _headers, body = render(inner, request)
        request.send_response(status)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body[: int(len(body) * keep)])
        request.close_connection = True

    return fault


def stall_fault(seconds: float) -> Fault:
    """No answer for ``seconds`` (longer than the client's timeout), then close."""

    def fault(request: BaseHTTPRequestHandler, inner: Handler) -> None:
        time.sleep(seconds)
        request.close_connection = True

    return fault


def slow_fault(pieces: int = 8, pause: float = 0.02) -> Fault:
    """The real answer, dribbled out in ``pieces`` with pauses shorter than the client's timeout."""

    def fault(request: BaseHTTPRequestHandler, inner: Handler) -> None:
        status, headers, body = render(inner, request)
        request.send_response(status)
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        step = max(1, len(body) // pieces)
        for start in range(0, len(body), step):
            request.wfile.write(body[start:start + step])
            request.wfile.flush()
            time.sleep(pause)

    return fault


class Faulty:
    """Apply ``faults`` to the first requests (one each), then let ``inner`` answer every later one.
    ``only``: fault only requests whose path contains it (others pass through, still recorded)."""

    def __init__(self, inner: Handler, faults: list[Fault], only: str | None = None) -> None:
        self.inner = inner
        self.faults = list(faults)
        self.only = only
        self.requests: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def hits(self, fragment: str) -> list[dict[str, str]]:
        """The recorded requests whose path contains ``fragment``."""
        return [r for r in self.requests if fragment in r["path"]]

    def __call__(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append({"path": request.path, **dict(request.headers.items())})
            targeted = self.only is None or self.only in request.path
            fault = self.faults.pop(0) if self.faults and targeted else None
        if fault is None:
            self.inner(request)
        else:
            fault(request, self.inner)


class CygnssGranules:
    """PO.DAAC-style HTTPS file server for CYGNSS L3 granules: Bearer token required; a bad token
    gets a 401 whose body echoes the Authorization header (as some gateways do)."""

    def __init__(self, token: str, granule: bytes) -> None:
        self.token = token
        self.granule = granule
        self.requests: list[str] = []

    def __call__(self, request: BaseHTTPRequestHandler) -> None:
        self.requests.append(request.path)
        auth = request.headers.get("Authorization", "")
        if auth != f"Bearer {self.token}":
            send(request, 401, f"HTTP Basic: Access denied. Received: {auth!r}".encode(), "text/plain")
            return
        send(request, 200, self.granule)


def cygnss_like_granule(day: str, path: Path) -> bytes:
    """A small CYGNSS L3 microplastic granule: lat/lon named lat/lon, longitudes 0..360."""
    lat = np.arange(-37.0, 37.01, 1.0)
    lon = np.arange(0.5, 360.0, 1.0)
    rng = np.random.default_rng(1)
    conc = (10 ** (3 + rng.random((1, lat.size, lon.size)))).astype("float32")
    ds = xr.Dataset({"mp_concentration": (("time", "lat", "lon"), conc, {"units": "#/km^2"})},
                    coords={"time": pd.to_datetime([f"{day}T12:00:00"]),
                            "lat": ("lat", lat, {"units": "degrees_north"}),
                            "lon": ("lon", lon, {"units": "degrees_east"})})
    ds.to_netcdf(path)
    return path.read_bytes()


@contextlib.contextmanager
def asgi_server(app: object) -> Iterator[str]:
    """Serve an ASGI app (FastAPI) with uvicorn on 127.0.0.1 in a thread; yields the base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
