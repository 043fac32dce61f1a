"""The QA report is read from recorded check history and shows an injected failure with its reason;
failed ERROR checks and failed runs reach a webhook once (de-duplicated)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.core.platform.qa_report import CheckRecord, build_report
from ocean_assets.defs.platform.alerts import alert_on_check_failure, alert_on_run_failure
from ocean_assets.location import load_definitions
from ocean_assets_tests.faults import all_nan_sst

WEEK = ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-09", "2024-03-10"]
BAD_DAY = "2024-03-06"


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


@pytest.fixture
def receiver():
    """A Slack-compatible webhook receiver on 127.0.0.1 that records every POSTed JSON body."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/B000/XXXX", received
    server.shutdown()
    server.server_close()


def demo_week_with_failure(defs, instance, monkeypatch, days=WEEK[1:4]) -> dg.ExecuteInProcessResult:
    """Good days for ``days`` (one single-run backfill), then a failed all-NaN SST on BAD_DAY."""
    job = defs.resolve_job_def("ocean_daily")
    assert job.execute_in_process(instance=instance, tags={
        "dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1]}).success
    original = all_nan_sst(monkeypatch)
    failed = job.execute_in_process(instance=instance, partition_key=BAD_DAY, raise_on_error=False,
                                    asset_selection=[dg.AssetKey("sst")])
    from ocean_assets.sources.ocean import demo

    monkeypatch.setattr(demo, "demo_dataset", original)
    assert not failed.success
    return failed


def test_build_report_takes_latest_and_worst():
    records = [
        CheckRecord("sst", "integrity", "2024-03-05", False, "ERROR", "truncated", timestamp=1),
        CheckRecord("sst", "integrity", "2024-03-05", True, "ERROR", "ok", timestamp=2),   # recovered
        CheckRecord("sst", "values", "2024-03-05", False, "WARN", "too hot", timestamp=2),
        CheckRecord("sst", "integrity", "2024-03-06", False, "ERROR", "empty file", timestamp=3),
        CheckRecord("sst", "integrity", "2024-04-01", False, "ERROR", "outside range", timestamp=3),
    ]
    report = build_report(records, __import__("datetime").date(2024, 3, 5), __import__("datetime").date(2024, 3, 7),
                          assets=["sst", "acidity"])
    assert report.grid["sst"] == {"2024-03-05": "warn", "2024-03-06": "fail", "2024-03-07": "missing"}
    assert report.grid["acidity"]["2024-03-05"] == "missing"
    assert [(r.partition, r.check) for r in report.failures] == [("2024-03-05", "values"), ("2024-03-06", "integrity")]
    assert report.trends["sst.integrity"]["2024-03-05"] == 1.0 and report.trends["sst.integrity"]["2024-03-06"] == 0.0


def test_qa_report_for_a_demo_week_shows_the_injected_failure(defs, instance, monkeypatch, tmp_path):
    demo_week_with_failure(defs, instance, monkeypatch, days=WEEK)
    out = tmp_path / "qa.html"
    monkeypatch.setattr("ocean_assets.cli._common.get_instance", lambda: instance)
    result = CliRunner().invoke(cli, ["qa-report", "--start", WEEK[0], "--end", WEEK[-1], "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "FAIL 2024-03-06 sst.nan_fraction: analysed_sst is entirely NaN" in result.output
    html = out.read_text()
    assert 'title="sst 2024-03-06: fail"' in html and 'title="sst 2024-03-05: pass"' in html
    assert "analysed_sst is entirely NaN" in html and "data:image/png;base64," in html
    # the daily asset builds the same report from the instance, with every checked asset of the code
    # location (a row per asset, a cell per day), read from the run's context: nothing is reloaded
    def no_reload():
        raise AssertionError("the code location was loaded again at run time")

    monkeypatch.setattr("ocean_assets.location.load_definitions", no_reload)
    job = defs.resolve_job_def("platform_daily")
    daily = job.execute_in_process(instance=instance, partition_key=WEEK[-1])
    mat = daily.asset_materializations_for_node("platform_qa_report")[0]
    assert mat.metadata["fail"].value >= 1 and "entirely NaN" in mat.metadata["preview"].value
    checked = {k.asset_key for k in defs.resolve_asset_graph().asset_check_keys}
    cells = sum(mat.metadata[s].value for s in ("pass", "warn", "fail", "not_checked"))
    assert len(checked) > 10 and cells == len(checked) * 7


def test_check_failure_alert_is_posted_once_until_it_clears(defs, instance, monkeypatch, receiver):
    url, received = receiver
    monkeypatch.setenv("OCEAN_ASSETS_ALERT_WEBHOOK_URL", url)
    demo_week_with_failure(defs, instance, monkeypatch)

    def tick(cursor):
        return alert_on_check_failure(dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs))

    first = tick(None)
    assert len(received) == 1
    payload = received[0]
    assert "sst.nan_fraction [2024-03-06]" in payload["text"]
    assert "entirely NaN" in json.dumps(payload["blocks"])
    second = tick(first.cursor)
    assert len(received) == 1 and "no new failed" in second.skip_reason.skip_message
    # the check passes again (re-run), then fails again: a new alert
    job = defs.resolve_job_def("ocean_daily")
    job.execute_in_process(instance=instance, partition_key=BAD_DAY, asset_selection=[dg.AssetKey("sst")])
    third = tick(second.cursor)
    all_nan_sst(monkeypatch)
    job.execute_in_process(instance=instance, partition_key=BAD_DAY, raise_on_error=False,
                           asset_selection=[dg.AssetKey("sst")])
    tick(third.cursor)
    assert len(received) == 2
    assert url not in json.dumps(received)  # the secret URL never ends up in a payload


def test_no_webhook_configured_skips_cleanly(defs, instance, monkeypatch):
    monkeypatch.delenv("OCEAN_ASSETS_ALERT_WEBHOOK_URL", raising=False)
    demo_week_with_failure(defs, instance, monkeypatch)
    result = alert_on_check_failure(dg.build_sensor_context(instance=instance, definitions=defs))
    assert "no alert webhook configured (1 alert(s) not sent)" in result.skip_reason.skip_message


def test_run_failure_alert(defs, instance, monkeypatch, receiver):
    url, received = receiver
    monkeypatch.setenv("OCEAN_ASSETS_ALERT_WEBHOOK_URL", url)
    failed = demo_week_with_failure(defs, instance, monkeypatch)
    run = instance.get_run_by_id(failed.run_id)
    from dagster._core.events import DagsterEventType

    failure = instance.all_logs(failed.run_id, of_type=DagsterEventType.RUN_FAILURE)[0].dagster_event
    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure", dagster_event=failure, dagster_instance=instance, dagster_run=run,
    ).for_run_failure()
    alert_on_run_failure(context)
    assert len(received) == 1
    assert received[0]["text"].endswith("Run failed: ocean_daily")
    assert BAD_DAY in json.dumps(received[0]["blocks"])
