"""The API's one file-serving route, /textures/sst/{day}.png, against path traversal: raw request
lines with dot segments, encoded slashes and backslashes, NUL bytes, absolute paths and symlinks
that leave the data root. Only a real day's texture is ever served; a planted file outside the
data root never appears in any answer. Page sizes are bounded."""

from __future__ import annotations

import datetime as dt
import os
import socket
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocean_assets.api.app import MAX_PAGE, create_app
from ocean_assets.core.ocean.paths import texture_path
from ocean_assets_tests.loopback import asgi_server
from ocean_assets_tests.reliability.test_properties import bounded

DAY = dt.date(2024, 3, 5)
PNG = b"\x89PNG\r\n\x1a\n" + b"texture-bytes" * 10
SECRET = b"OUTSIDE-THE-DATA-ROOT-7c41"

ATTACKS = [
    "/textures/sst/../../../../etc/passwd",
    "/textures/sst/../../secret.png",
    "/textures/sst/..%2F..%2F..%2Fsecret.png",
    "/textures/sst/%2e%2e/%2e%2e/%2e%2e/secret.png",
    "/textures/sst/%2e%2e%2f%2e%2e%2fsecret.png",
    "/textures/sst/..%5C..%5Csecret.png",
    "/textures/sst/2024-03-05%00.png",
    "/textures/sst/2024-03-05/../../secret.png",
    "/textures/sst//etc/passwd.png",
    "/textures/sst/%2Fetc%2Fpasswd.png",
    "/textures/sst/....//....//secret.png",
    "/textures/sst/2024-03-05.png/..",
    "/textures/sst/linked.png",
    "/textures/sst/1999-01-01.png",  # a valid day whose texture is a symlink out of the data root
    "//textures/sst/2024-03-05.png/../../../secret.png",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    base = tmp_path_factory.mktemp("api_files")
    root = base / "data"
    (base / "secret.png").write_bytes(SECRET)
    good = texture_path(root, DAY)
    good.parent.mkdir(parents=True)
    good.write_bytes(PNG)
    escape = texture_path(root, dt.date(1999, 1, 1))
    escape.parent.mkdir(parents=True)
    os.symlink(base / "secret.png", escape)
    app = create_app(f"sqlite:///{base / 'reefs.db'}", data_root=root)
    with asgi_server(app) as url:
        yield url


def raw_get(base: str, target: str) -> tuple[int, bytes]:
    """Send ``GET target`` exactly as written (no client-side normalisation of dot segments)."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_the_day_texture_is_served(server):
    status, body = raw_get(server, "/textures/sst/2024-03-05.png")
    assert status == 200 and body == PNG
    assert raw_get(server, "/textures/sst/2024-03-06.png")[0] == 404  # a day without a texture


@pytest.mark.parametrize("target", ATTACKS)
def test_traversal_attempts_never_leave_the_data_root(server, target):
    status, body = raw_get(server, target)
    assert status in (400, 404, 422), (status, body[:200])
    assert SECRET not in body and b"root:" not in body


@given(st.lists(st.sampled_from(["..", ".", "%2e%2e", "%2F", "%5C", "/", "\\", "%00", "secret.png", "etc",
                                 "passwd", "2024-03-05", ".png", "~", "%252e"]), min_size=1, max_size=8))
@bounded(150)
def test_random_paths_under_the_route_serve_only_the_real_texture(server, parts):
    target = "/textures/sst/" + "".join(parts)
    status, body = raw_get(server, target)
    assert SECRET not in body and b"root:" not in body
    if status == 200:
        assert body == PNG and target == "/textures/sst/2024-03-05.png"


@pytest.mark.parametrize("route", ["/data/latest", "/data/anomalies", "/reefs"])
def test_page_sizes_are_bounded(server, route):
    assert raw_get(server, f"{route}?limit={MAX_PAGE + 1}")[0] == 422
    assert raw_get(server, f"{route}?limit={MAX_PAGE}")[0] == 200
