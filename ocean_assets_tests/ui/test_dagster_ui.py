"""The Dagster UI in a real browser: `dagster dev` on loopback, headless Chromium (Debian's package,
driven by playwright) sees every asset group and a partitioned asset's passing checks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ocean_assets.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
DAY = "2024-03-05"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dagster_dev(tmp_path: Path, data_root: Path):
    """Materialize one ocean day into a fresh instance, then serve it with `dagster dev`."""
    _require_chromium()
    home = Path(os.environ["DAGSTER_HOME"])
    # the daemon runs with the UI; queue its sensor runs instead of launching them during the test
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\nconcurrency:\n  runs:\n"
                                       "    max_concurrent_runs: 0\n")
    result = subprocess.run([sys.executable, "-m", "ocean_assets", "materialize", "--domain", "ocean",
                             "--date", DAY], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    port = _free_port()
    log = open(tmp_path / "dagster_dev.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("dagster dev did not come up:\n" + (tmp_path / "dagster_dev.log").read_text()[-3000:])
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_asset_graph_groups_and_partitioned_checks(dagster_dev: str):
    from playwright.sync_api import sync_playwright

    from ocean_assets.location import load_definitions

    graph = load_definitions().resolve_asset_graph()
    groups = sorted({graph.get(k).group_name for k in graph.get_all_asset_keys()})
    assert {"ocean", "conus404", "ship_chips", "reef_health", "raw_zone", "platform"} <= set(groups)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(f"{dagster_dev}/asset-groups")
        page.wait_for_load_state("networkidle")
        skip = page.get_by_role("button", name="Skip")  # first-visit community dialog
        if skip.count():
            skip.first.click()
        for group in groups:
            page.get_by_text(group, exact=True).first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "asset-graph.png"))
        page.goto(f"{dagster_dev}/assets/sst?view=checks")
        page.wait_for_load_state("networkidle")
        page.get_by_text("nan_fraction", exact=True).first.wait_for()
        page.get_by_role("tab", name="Execution history").click()
        # the partition materialized above, with its evaluation (the daemon's sensor runs stay queued)
        page.get_by_text(DAY, exact=True).first.wait_for()
        body = page.inner_text("body")
        assert "Passed" in body or "Succeeded" in body, body[-3000:]
        page.screenshot(path=str(ARTIFACTS / "sst-checks.png"))
        browser.close()
