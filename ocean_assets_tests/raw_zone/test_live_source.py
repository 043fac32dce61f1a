"""The live HTTP drop-box client against a server on 127.0.0.1 (ephemeral port), real requests."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from ocean_assets.core.io import sha256_bytes
from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.sources.raw_zone import DemoFundingSource, HttpFundingSource, make_source

DAY = dt.date(2024, 3, 5)
TOKEN = "s3cret-token"


class DropBox(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    corrupt = False
    hits: list[str] = []

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _send(self, code: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        self.hits.append(self.path)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, b'{"error": "unauthorized"}')
        url = urlparse(self.path)
        if url.path == "/drop/files":
            day = parse_qs(url.query)["date"][0]
            listing = [{"source": k.split("/")[0], "name": k.split("/")[1],
                        "url": f"blobs/{k}", "sha256": sha256_bytes(v)}
                       for k, v in self.files.items() if k.split("/")[1].startswith(day)]
            return self._send(200, json.dumps({"files": listing}).encode())
        key = url.path.removeprefix("/drop/blobs/")
        if key in self.files:
            body = self.files[key] + (b"x" if self.corrupt else b"")
            return self._send(200, body, "application/octet-stream")
        return self._send(404, b"{}")


@pytest.fixture
def server() -> Iterator[str]:
    DropBox.files = {f"{f.source}/{f.name}": f.data for f in DemoFundingSource().fetch(DAY)}
    DropBox.corrupt = False
    DropBox.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), DropBox)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/drop"
    httpd.shutdown()
    httpd.server_close()


FAST = Backoff(attempts=2, base_seconds=0.01, jitter=False)


def test_live_client_returns_what_the_demo_twin_returns(server):
    files = HttpFundingSource(server, TOKEN, backoff=FAST).fetch(DAY)
    demo = DemoFundingSource().fetch(DAY)
    assert [(f.source, f.name, f.data) for f in files] == [(f.source, f.name, f.data) for f in demo]
    assert HttpFundingSource(server, TOKEN, backoff=FAST).fetch(DAY - dt.timedelta(days=1)) == []


def test_live_client_rejects_bad_token_without_retrying_or_leaking_it(server):
    with pytest.raises(PermanentError) as err:
        HttpFundingSource(server, "wrong", backoff=FAST).fetch(DAY)
    assert "401" in str(err.value) and "wrong" not in str(err.value)
    assert len(DropBox.hits) == 1


def test_live_client_detects_corrupted_download(server):
    DropBox.corrupt = True
    with pytest.raises(OSError, match="does not match the listed sha256"):
        HttpFundingSource(server, TOKEN, backoff=FAST).fetch(DAY)


def test_make_source_reads_url_and_token_from_environment_only(server):
    live = {"base_url_env": "RAW_ZONE_LIVE_URL", "token_env": "RAW_ZONE_LIVE_TOKEN"}
    source = make_source("live", [], live, {"RAW_ZONE_LIVE_URL": server, "RAW_ZONE_LIVE_TOKEN": TOKEN})
    assert len(source.fetch(DAY)) == 3
    with pytest.raises(ValueError, match=r"\$RAW_ZONE_LIVE_URL"):
        make_source("live", [], live, {})
    assert isinstance(make_source("demo", ["nsf"], live, {}), DemoFundingSource)
