"""Issue 14, class 1: names from the drop box are checked before they become paths.

A live drop box on 127.0.0.1 lists hostile sources and file names; ``raw_funding_files`` must
refuse the day in one line, without retries, writing nothing anywhere (inside the data root or
outside it). The bearer token never goes to a host the listing names.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dagster as dg
import pytest

from ocean_assets.core.io import sha256_bytes
from ocean_assets.core.names import UnsafeName
from ocean_assets.core.raw_zone.landing import land_files
from ocean_assets.core.raw_zone.zones import Zones
from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.defs.raw_zone import assets
from ocean_assets.sources.raw_zone import FundingFile, HttpFundingSource
from ocean_assets_tests.loopback import http_server, send
from ocean_assets_tests.raw_zone.conftest import funding_json, raw_zone_definitions, record

DAY = "2024-03-05"
TOKEN = "raw-zone-FAKE-token-9c4d"
BODY = funding_json(record(1))


def drop_box(listing: list[dict], seen: list[tuple[str, str | None]]):  # noqa: ANN201
    def handle(request) -> None:  # noqa: ANN001
        seen.append((request.path, request.headers.get("Authorization")))
        url = urlparse(request.path)
        if url.path.endswith("/files") and parse_qs(url.query).get("date") == [DAY]:
            send(request, 200, json.dumps({"files": listing}).encode(), "application/json")
        else:
            send(request, 200, BODY, "application/octet-stream")
    return handle


def entry(source: object, name: object, url: str = "blobs/x") -> dict:
    return {"source": source, "name": name, "url": url, "sha256": sha256_bytes(BODY)}


@pytest.fixture
def land(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: dg.DagsterInstance):  # noqa: ANN201
    monkeypatch.setenv("OCEAN_ASSETS_MODE", "live")
    monkeypatch.setenv("RAW_ZONE_LIVE_TOKEN", TOKEN)
    defs = raw_zone_definitions()

    def run(listing: list[dict], seen: list | None = None) -> dg.ExecuteInProcessResult:
        with http_server(drop_box(listing, seen if seen is not None else [])) as base:
            monkeypatch.setenv("RAW_ZONE_LIVE_URL", f"{base}/drop/")
            return defs.resolve_job_def("raw_zone_daily").execute_in_process(
                instance=instance, partition_key=DAY, raise_on_error=False,
                asset_selection=[assets.raw_funding_files.key])
    return run


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and "dagster_home" not in p.parts
            and "instance" not in p.parts]


HOSTILE = [
    entry("../../escaped", f"{DAY}_x.json"),
    entry("/tmp/escaped_abs", f"{DAY}_x.json"),
    entry("nsf", "../../../escaped.json"),
    entry("nsf", "/etc/cron.d/escaped"),
    entry("nsf/../../..", "escaped.json"),
    entry("nsf", "a/../../../../escaped.json"),
    entry("nsf", f"{DAY}_x.json\0.txt"),
    entry("nsf", f"{DAY}_x\n.json"),
    entry("nsf", "x" * 300 + ".json"),
    entry("nѕf", f"{DAY}_x.json"),  # Cyrillic dze: a folder that looks like nsf
    entry("NSF", f"{DAY}_x.json"),
    entry("nsf", ".."),
    entry("nsf", f"{DAY}_x.json.reason.json"),
    entry(None, f"{DAY}_x.json"),
    entry(["nsf"], f"{DAY}_x.json"),
]


@pytest.mark.parametrize("bad", HOSTILE, ids=[repr(e["source"])[:20] + "/" + repr(e["name"])[:30]
                                              for e in HOSTILE])
def test_the_live_client_refuses_a_hostile_listing_before_downloading(tmp_path, bad):
    seen: list[tuple[str, str | None]] = []
    with http_server(drop_box([entry("nsf", f"{DAY}_good.json"), bad], seen)) as base:
        client = HttpFundingSource(f"{base}/drop/", TOKEN, backoff=Backoff(attempts=1))
        with pytest.raises(UnsafeName) as err:
            client.fetch(dt.date.fromisoformat(DAY))
    assert isinstance(err.value, PermanentError) and len(str(err.value).splitlines()) == 1
    assert [path.split("?")[0] for path, _ in seen] == ["/drop/files"]  # nothing downloaded


@pytest.mark.parametrize("bad", HOSTILE, ids=[repr(e["source"])[:20] + "/" + repr(e["name"])[:30]
                                              for e in HOSTILE])
def test_landing_refuses_hostile_names_from_any_source_and_writes_nothing(tmp_path, data_root, bad):
    before = set(files_under(tmp_path))
    delivered = [FundingFile("nsf", f"{DAY}_good.json", BODY), FundingFile(bad["source"], bad["name"], BODY)]
    with pytest.raises(UnsafeName):
        land_files(Zones(data_root), delivered)
    assert set(files_under(tmp_path)) == before  # not even the good file: the listing is refused
    assert not list(Path("/tmp").glob("escaped*"))


@pytest.mark.parametrize("bad", HOSTILE[:3], ids=["dotdot-source", "absolute-source", "dotdot-name"])
def test_a_hostile_listing_fails_the_day_in_one_line_without_retries(land, tmp_path, bad):
    before = set(files_under(tmp_path))
    result = land([entry("nsf", f"{DAY}_good.json"), bad])
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1 and not [e for e in result.all_events
                                       if e.event_type_value == "STEP_UP_FOR_RETRY"]
    message = failures[0].event_specific_data.error.message.strip()
    assert message.startswith("dagster._core.definitions.events.Failure: drop box 2024-03-05: refused")
    assert len(message.splitlines()) == 1 and TOKEN not in message
    assert set(files_under(tmp_path)) == before
    assert not list(Path("/tmp").glob("escaped*"))


def test_names_that_differ_only_by_case_are_refused(data_root):
    delivered = [FundingFile("nsf", f"{DAY}_Awards.json", BODY),
                 FundingFile("nsf", f"{DAY}_awards.json", BODY)]
    with pytest.raises(UnsafeName, match="differ only by case"):
        land_files(Zones(data_root), delivered)
    assert not list(data_root.rglob("*.json"))


def test_the_token_is_sent_to_the_drop_box_only(land, data_root):
    other: list[tuple[str, str | None]] = []
    with http_server(drop_box([], other)) as elsewhere:
        seen: list[tuple[str, str | None]] = []
        result = land([entry("nsf", f"{DAY}_cdn.json", url=f"{elsewhere}/cdn/blob")], seen)
    assert result.success
    assert other == [("/cdn/blob", None)]  # the file came from the other host, without the token
    assert seen and all(auth == f"Bearer {TOKEN}" for _, auth in seen)
    assert (data_root / "raw" / "funding_sources" / "nsf" / f"{DAY}_cdn.json").read_bytes() == BODY


def test_a_listing_url_other_than_http_is_refused():
    listing = [entry("nsf", f"{DAY}_x.json", url="file:///etc/passwd")]
    with http_server(drop_box(listing, [])) as base, pytest.raises(UnsafeName, match="http or https"):
        HttpFundingSource(f"{base}/drop/", TOKEN).fetch(dt.date.fromisoformat(DAY))
