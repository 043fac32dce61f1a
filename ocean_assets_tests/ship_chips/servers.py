"""Loopback servers speaking the services' protocols for the ship_chips tests: a STAC API (POST
/search over given items) and an aisstream-like websocket replaying frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pandas as pd
from websockets.asyncio.server import serve

CONFORMS = ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search",
            "https://api.stacspec.org/v1.0.0/item-search#query"]


def stac_handler(items: list[dict[str, Any]], seen: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            self._send({"type": "Catalog", "id": "loopback", "stac_version": "1.0.0", "description": "test",
                        "conformsTo": CONFORMS,
                        "links": [{"rel": "self", "href": base + "/"}, {"rel": "root", "href": base + "/"},
                                  {"rel": "search", "href": base + "/search", "method": "POST",
                                   "type": "application/geo+json"}]})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            start, end = (pd.Timestamp(t) for t in body["datetime"].split("/"))
            lt = body.get("query", {}).get("eo:cloud_cover", {}).get("lt", 101)
            hits = [i for i in items if start <= pd.Timestamp(i["properties"]["datetime"]) <= end
                    and i["properties"]["eo:cloud_cover"] < lt and i["collection"] in body["collections"]]
            self._send({"type": "FeatureCollection", "features": hits, "links": []})

    return Handler


@contextlib.contextmanager
def ws_server(frames: list[dict[str, Any]], custom=None) -> Iterator[tuple[str, list[dict[str, Any]]]]:  # noqa: ANN001
    """An aisstream-like websocket server on 127.0.0.1 (ephemeral port) replaying ``frames``
    (or running the ``custom`` connection handler instead)."""
    subscriptions: list[dict[str, Any]] = []

    async def replay(ws) -> None:
        sub = json.loads(await asyncio.wait_for(ws.recv(), 3))
        subscriptions.append(sub)
        if sub.get("APIKey") != "good-key":
            await ws.send(json.dumps({"error": "Api Key Is Not Valid"}))
            await ws.close()
            return
        for f in frames:
            await ws.send(json.dumps(f))
        await ws.close()

    ready, port = threading.Event(), []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        async with serve(custom or replay, "127.0.0.1", 0) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(5)
    try:
        yield f"ws://127.0.0.1:{port[0]}", subscriptions
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)
