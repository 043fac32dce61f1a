"""Loaders of the real service artefacts under ``ocean_assets_tests/contracts/`` (see its READMEs)
and loopback servers that replay them."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ocean_assets_tests.loopback import http_server, send

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
EARTH_SEARCH = "https://earth-search.aws.element84.com/v1"
PRE_04 = "S2A_33TWN_20220122_0_L2A"  # baseline 03.01, acquired before 2022-01-25
POST_04 = ("S2B_33TWN_20220130_0_L2A", "S2B_33TWN_20220226_0_L2A", "S2A_32TMS_20221207_0_L2A")
FLAG_FALSE = "S2B_33TWN_20220226_0_L2A"  # baseline 04.00 but earthsearch:boa_offset_applied false
APPLIED = ("S2B_33TWN_20220130_0_L2A", "S2A_32TMS_20221207_0_L2A")  # flag true: Earth Search removed the offset
CONFORMS = ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search",
            "https://api.stacspec.org/v1.0.0/item-search#query"]


def earth_search_item(item_id: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / "earth_search" / f"{item_id}.json").read_text())


def earth_search_page() -> dict[str, Any]:
    return json.loads((CONTRACTS / "earth_search" / "items_page_sentinel-2-l1c.json").read_text())


def aisstream_frames() -> dict[str, dict[str, Any]]:
    """The real frames by MessageType."""
    lines = (CONTRACTS / "aisstream" / "frames.jsonl").read_text().splitlines()
    return {f["MessageType"]: f for f in map(json.loads, lines)}


@contextlib.contextmanager
def earth_search_api(first: list[dict[str, Any]], second: list[dict[str, Any]],
                     ) -> Iterator[tuple[str, list[str]]]:
    """A STAC API on 127.0.0.1 answering ``POST /search`` with ``first`` and the real ``next`` link
    (rebased onto the loopback host; same path, same token) with ``second``, both in the envelope
    of the real Earth Search page. Yields (base URL, requests seen)."""
    pages = [first, second]
    envelope = earth_search_page()
    next_link = next(link for link in envelope["links"] if link["rel"] == "next")
    token = parse_qs(urlsplit(next_link["href"]).query)["next"][0]
    seen: list[str] = []

    def page(base: str, index: int) -> bytes:
        body = copy.deepcopy(envelope)
        body["features"] = pages[index]
        body["numberReturned"] = body["context"]["returned"] = len(pages[index])
        body["links"] = [{**link, "href": link["href"].replace(EARTH_SEARCH, base)} for link in envelope["links"]
                         if link["rel"] != "next" or index == 0]
        return json.dumps(body).encode()

    def handle(request) -> None:  # noqa: ANN001
        base = f"http://{request.headers['Host']}"
        url = urlsplit(request.path)
        seen.append(f"{request.command} {url.path}?{url.query}" if url.query else f"{request.command} {url.path}")
        if request.command == "GET" and url.path == "/":
            send(request, 200, json.dumps({
                "type": "Catalog", "id": "earth-search-aws", "stac_version": "1.0.0", "description": "loopback",
                "conformsTo": CONFORMS,
                "links": [{"rel": "self", "href": base + "/"}, {"rel": "root", "href": base + "/"},
                          {"rel": "search", "href": base + "/search", "method": "POST",
                           "type": "application/geo+json"}]}).encode(), "application/json")
        elif request.command == "POST" and url.path == "/search":
            send(request, 200, page(base, 0), "application/geo+json")
        elif request.command == "GET" and parse_qs(url.query).get("next") == [token]:
            send(request, 200, page(base, 1), "application/geo+json")
        else:
            send(request, 404, b'{"code": "NotFound"}', "application/json")

    with http_server(handle) as base:
        yield base, seen
