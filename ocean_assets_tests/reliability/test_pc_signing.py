"""Planetary Computer signing under faults: the real planetary-computer library asks a loopback SAS
token endpoint (PC_SDK_SAS_URL) for the CONUS404 container's token. Transient faults (5xx, 429,
reset) end in the same signed asset as a clean run; a refusal or a broken answer is a SourceError
that says what happened and never shows the token or the subscription key."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator

import planetary_computer
import pytest
from planetary_computer.settings import Settings

from ocean_assets.sources.conus404 import SourceError, StacZarrSource
from ocean_assets_tests.loopback import (
    Faulty,
    http_server,
    reset_fault,
    send,
    status_fault,
    truncated_fault,
)

ACCOUNT, CONTAINER = "pcfakeaccount", "hytest"
TOKEN = "st=2026-11-22&se=2099-01-01&sp=rl&sig=FAKE-sas-signature-5d1e"
KEY = "pc-FAKE-subscription-key-93b1"
TOKEN_PATH = f"/api/sas/v1/token/{ACCOUNT}/{CONTAINER}"


def stac_routes(base: str) -> dict[str, dict]:
    """A STAC API whose conus404 collection carries Planetary Computer's abfs Zarr asset."""
    collection = {
        "type": "Collection", "stac_version": "1.0.0", "id": "conus404", "description": "loopback",
        "license": "CC0-1.0", "links": [{"rel": "self", "href": f"{base}/collections/conus404"}],
        "extent": {"spatial": {"bbox": [[-139, 17, -57, 57]]},
                   "temporal": {"interval": [["1979-10-01T00:00:00Z", None]]}},
        "assets": {"zarr-abfs": {
            "href": f"abfs://{CONTAINER}/conus404/conus404_hourly.zarr", "type": "application/vnd+zarr",
            "roles": ["data", "zarr"], "xarray:storage_options": {"account_name": ACCOUNT},
            "xarray:open_kwargs": {"consolidated": True}}},
    }
    landing = {"type": "Catalog", "stac_version": "1.0.0", "id": "loopback", "description": "test API",
               "conformsTo": ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/collections"],
               "links": [{"rel": "self", "href": f"{base}/"}, {"rel": "data", "href": f"{base}/collections"}]}
    return {"/": landing, "/collections/conus404": collection}


def token_endpoint(request) -> None:  # noqa: ANN001
    if request.headers.get("Ocp-Apim-Subscription-Key") != KEY:
        send(request, 401, b'{"message": "Access denied due to invalid subscription key"}', "application/json")
        return
    body = {"msft:expiry": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(), "token": TOKEN}
    send(request, 200, json.dumps(body).encode(), "application/json")


@pytest.fixture
def planetary(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """start(token_handler) -> the base URL of a STAC API + SAS token endpoint on 127.0.0.1."""
    monkeypatch.setenv("PC_SDK_SUBSCRIPTION_KEY", KEY)

    def fresh_library_state() -> None:  # the library caches its settings and tokens per process
        Settings.get.cache_clear()
        planetary_computer.sas.TOKEN_CACHE.clear()

    with contextlib.ExitStack() as servers:
        def start(token_handler):  # noqa: ANN001, ANN202
            routes: dict[str, dict] = {}

            def handle(request) -> None:  # noqa: ANN001
                path = request.path.split("?")[0]
                if path.startswith("/api/sas/"):
                    token_handler(request)
                elif path in routes:
                    send(request, 200, json.dumps(routes[path]).encode(), "application/json")
                else:
                    send(request, 404, b'{"code": "NotFound"}', "application/json")

            base = servers.enter_context(http_server(handle))
            routes.update(stac_routes(base))
            monkeypatch.setenv("PC_SDK_SAS_URL", f"{base}/api/sas/v1/token")
            fresh_library_state()
            return base

        yield start
    fresh_library_state()


def signed_store(base: str):  # noqa: ANN201
    return StacZarrSource(base, "conus404", "zarr-abfs").store


def test_clean_signing_puts_the_token_in_the_storage_options(planetary):
    store = signed_store(planetary(token_endpoint))
    assert store.href == f"abfs://{CONTAINER}/conus404/conus404_hourly.zarr"
    assert store.storage_options == {"account_name": ACCOUNT, "credential": TOKEN}


@pytest.mark.parametrize("faults", [
    [status_fault(500)],
    [status_fault(503, headers={"Retry-After": "1"}), status_fault(429, headers={"Retry-After": "1"})],
    [reset_fault()],
    [status_fault(502), reset_fault()],
], ids=["500", "503_429_retry_after", "reset", "502_reset"])
def test_transient_token_faults_end_in_the_same_signed_asset(planetary, faults):
    clean = signed_store(planetary(token_endpoint)).storage_options
    flaky = Faulty(token_endpoint, faults)
    store = signed_store(planetary(flaky))
    assert store.storage_options == clean
    assert [r["path"] for r in flaky.requests] == [TOKEN_PATH] * (len(faults) + 1)
    assert all(r.get("Ocp-Apim-Subscription-Key") == KEY for r in flaky.requests)


@pytest.mark.parametrize(("handler", "expected"), [
    (lambda r: send(r, 403, f'{{"message": "key {KEY} is not allowed"}}'.encode(), "application/json"),
     r"signing refused: HTTP 403 from http://127\.0\.0\.1:\d+/api/sas/v1/token/.* \(check PC_SDK_SUBSCRIPTION_KEY\)"),
    (lambda r: send(r, 200, b'{"token": "sv=1"', "application/json"), r"signing of conus404/zarr-abfs failed: "),
    (lambda r: send(r, 200, b'{"expiry_missing": true}', "application/json"), r"signing of conus404/zarr-abfs failed: "),
    (Faulty(token_endpoint, [truncated_fault(0.5)] * 20), r"signing of conus404/zarr-abfs failed: "),
], ids=["403_echoing_the_key", "truncated_json", "no_token_field", "always_truncated"])
def test_refused_or_broken_signing_is_a_clear_error_without_secrets(planetary, handler, expected):
    with pytest.raises(SourceError, match=expected) as info:
        signed_store(planetary(handler))
    error = info.value  # what a traceback (and Dagster's error display) shows: the error and its chain
    chain = [error, error.__cause__, None if error.__suppress_context__ else error.__context__]
    text = " ".join(repr(e) for e in chain if e is not None)
    assert KEY not in text and TOKEN[-12:] not in text


def test_a_bad_subscription_key_is_refused_once_and_named(planetary, monkeypatch):
    monkeypatch.setenv("PC_SDK_SUBSCRIPTION_KEY", "pc-FAKE-wrong-key-0000")
    seen: list[str] = []
    base = planetary(lambda r: (seen.append(r.path), token_endpoint(r)))
    monkeypatch.setenv("PC_SDK_SUBSCRIPTION_KEY", "pc-FAKE-wrong-key-0000")
    Settings.get.cache_clear()
    with pytest.raises(SourceError, match=r"HTTP 401 .*check PC_SDK_SUBSCRIPTION_KEY.*invalid subscription key"):
        signed_store(base)
    assert len(seen) == 1  # 4xx is not retried
