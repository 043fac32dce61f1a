"""The ERDDAP/CYGNSS download path against loopback servers that misbehave on purpose.

Transient faults (429 + Retry-After, 500/503, resets, stalls past the timeout, slow bodies,
truncated bodies) must end in a product file byte-identical to a fault-free run; permanent faults
(404, 401, 403) must fail at once with a clear reason and leave nothing at the final path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_assets.core.io import sha256_file
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import product_path
from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.sources.ocean.cygnss import CygnssMicroplasticSource
from ocean_assets.sources.ocean.erddap import ErddapGriddapSource
from ocean_assets.sources.ocean.http import RetryableHTTPError, download, parse_retry_after
from ocean_assets_tests.loopback import (
    CygnssGranules,
    Faulty,
    cygnss_like_granule,
    http_server,
    reset_fault,
    reset_mid_body_fault,
    send,
    slow_fault,
    stall_fault,
    status_fault,
    truncated_fault,
)
from ocean_assets_tests.reliability.conftest import DAY, FAST

TIMEOUT = 0.5  # client read timeout; stalls last longer, slow pieces much shorter

TRANSIENT = {
    "429_retry_after": [status_fault(429, b"slow down", {"Retry-After": "0"})],
    "500": [status_fault(500, b"Internal Server Error")],
    "503_twice": [status_fault(503, b"busy"), status_fault(503, b"busy")],
    "502_504": [status_fault(502), status_fault(504)],
    "reset_before_response": [reset_fault()],
    "reset_mid_body": [reset_mid_body_fault()],
    "truncated_body": [truncated_fault(0.3)],
    "stall_past_timeout": [stall_fault(TIMEOUT * 2)],
    "slow_body": [slow_fault(pieces=8, pause=0.02)],
    "mixed_three": [status_fault(429, headers={"Retry-After": "0"}), reset_fault(), truncated_fault(0.9)],
}


def _fetch_and_write(handler, spec, out: Path, workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    with http_server(handler) as base:
        source = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST, timeout=TIMEOUT)
        ds = source.fetch(spec, DAY, workdir)
    return write_product(ds, product_path(out, spec.name, DAY), spec, source=source.name)


@pytest.fixture
def baseline(tmp_path, mur_spec, erddap) -> str:
    """sha256 of the product written from a fault-free run."""
    return sha256_file(_fetch_and_write(erddap, mur_spec, tmp_path / "clean", tmp_path / "w0"))


@pytest.mark.parametrize("fault", sorted(TRANSIENT))
def test_transient_fault_gives_the_fault_free_file(tmp_path, mur_spec, erddap, baseline, fault):
    faulty = Faulty(erddap, TRANSIENT[fault], only="/griddap/")
    workdir = tmp_path / "w1"
    path = _fetch_and_write(faulty, mur_spec, tmp_path / "faulty", workdir)
    assert sha256_file(path) == baseline
    # every fault was met and retried once; a slow but complete body needs no retry
    assert len(faulty.hits("/griddap/")) == (1 if fault == "slow_body" else len(TRANSIENT[fault]) + 1)
    assert sorted(p.name for p in workdir.iterdir()) == ["jplMURSST41.info.json", "sst_20240305.erddap.nc"]


def test_retries_run_out_with_a_clear_error_and_no_file(tmp_path, mur_spec, erddap):
    faulty = Faulty(erddap, [status_fault(503)] * 10, only="/griddap/")
    with http_server(faulty) as base:
        source = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST, timeout=TIMEOUT)
        with pytest.raises(RetryableHTTPError, match=r"HTTP 503 for http://127\.0\.0\.1:\d+/griddap/jplMURSST41\.nc$"):
            source.fetch(mur_spec, DAY, tmp_path)
    assert len(faulty.hits("/griddap/")) == FAST.attempts
    assert list(tmp_path.glob("*.nc")) == [] and list(tmp_path.glob(".*.tmp")) == []


@pytest.mark.parametrize(("status", "body", "reason"), [
    (404, b'Error {\n code=404;\n message="Not Found: Your query produced no matching results.";\n}',
     "no data: Your query produced no matching results"),
    (404, b"Error { code=404; message=\"Not Found: dataset\"; }", "HTTP 404"),
    (401, b"Unauthorized", "HTTP 401"),
    (403, b"Forbidden: no access to this collection", "HTTP 403.*Forbidden"),
])
def test_permanent_fault_fails_at_once_without_a_file(tmp_path, mur_spec, erddap, status, body, reason):
    faulty = Faulty(erddap, [status_fault(status, body)], only="/griddap/")
    with http_server(faulty) as base:
        source = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST, timeout=TIMEOUT)
        with pytest.raises(PermanentError, match=reason):
            source.fetch(mur_spec, DAY, tmp_path)
    assert len(faulty.hits("/griddap/")) == 1  # not retried
    assert list(tmp_path.rglob("*.nc")) == [] and list(tmp_path.rglob(".*.tmp")) == []


def test_retry_after_is_honoured_and_bounded(tmp_path):
    waits: list[float] = []
    backoff = Backoff(attempts=4, base_seconds=0.001, max_seconds=30.0, jitter=False)
    faulty = Faulty(lambda r: send(r, 200, b"payload"), [
        status_fault(429, headers={"Retry-After": "7"}),
        status_fault(503, headers={"Retry-After": "86400"}),  # a day: capped at max_seconds
        status_fault(429, headers={"Retry-After": "soon"}),   # unparseable: normal backoff
    ])
    with http_server(faulty) as base:
        path = download(f"{base}/file.nc", tmp_path / "file.nc", backoff=backoff, sleep=waits.append)
    assert path.read_bytes() == b"payload"
    assert waits == [7.0, 30.0, 0.004]


def test_retry_after_http_date():
    import datetime as dt

    now = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:05 GMT", now) == 5.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0  # in the past: no wait
    assert parse_retry_after("", now) is None and parse_retry_after("-3", now) is None


@pytest.mark.parametrize("fault", ["503", "reset_mid_body", "stall_past_timeout"])
def test_cygnss_transient_faults_give_the_fault_free_file(tmp_path, products, fault):
    spec = products["microplastics"]
    granule = cygnss_like_granule("2024-03-05", tmp_path / "granule.nc")
    server = CygnssGranules("tok-123456", granule)
    faults = {"503": [status_fault(503)], "reset_mid_body": [reset_mid_body_fault()],
              "stall_past_timeout": [stall_fault(TIMEOUT * 2)]}[fault]
    shas = []
    for handler, out in ((server, "clean"), (Faulty(server, faults), "faulty")):
        with http_server(handler) as base:
            source = CygnssMicroplasticSource(url_template=base + "/g_{day:%Y%m%d}.nc", token="tok-123456",
                                              backoff=FAST, timeout=TIMEOUT)
            (tmp_path / out).mkdir()
            ds = source.fetch(spec, DAY, tmp_path / out)
        shas.append(sha256_file(write_product(ds, product_path(tmp_path / out, spec.name, DAY), spec, "cygnss")))
    assert shas[0] == shas[1]


def test_error_body_that_breaks_off_is_still_a_clear_permanent_error(tmp_path, mur_spec, erddap):
    def broken_401(request, inner):
        request.send_response(401)
        request.send_header("Content-Length", "5000")
        request.end_headers()
        request.wfile.write(b"Unauthor")
        request.wfile.flush()
        reset_fault()(request, inner)

    faulty = Faulty(erddap, [broken_401])
    with http_server(faulty) as base:
        source = ErddapGriddapSource(server=base, dataset_id="jplMURSST41", backoff=FAST, timeout=TIMEOUT)
        with pytest.raises(PermanentError, match=r"HTTP 401 .*error body unreadable"):
            source.fetch(mur_spec, DAY, tmp_path)
    assert list(tmp_path.rglob("*.nc")) == []
