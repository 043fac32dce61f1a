"""The reef-health dashboard in headless Chromium: Streamlit served on loopback, reading the API."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from ocean_assets.settings import PROJECT_ROOT
from ocean_assets_tests.ui.test_dagster_ui import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _free_port,
    _require_chromium,
)


def _wait(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {seconds:.0f} s")


def test_dashboard_screenshot(tmp_path):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    from ocean_assets.core.reef_health import store
    from ocean_assets.db import get_engine, migrate
    from ocean_assets_tests.reef_health.conftest import scored

    url = f"sqlite:///{tmp_path / 'dash.db'}"
    migrate(url)
    for i in range(7):
        store.upsert_scores(get_engine(url), scored(dt.date(2024, 3, 1) + dt.timedelta(days=i), anomalies=i % 3))
    api_port, ui_port = _free_port(), _free_port()
    env = {**os.environ, "DATABASE_URL": url, "OCEAN_ASSETS_API_URL": f"http://127.0.0.1:{api_port}"}
    api = subprocess.Popen([sys.executable, "-m", "ocean_assets", "api", "--port", str(api_port)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ui = subprocess.Popen([sys.executable, "-m", "ocean_assets", "dashboard", "--port", str(ui_port)], env=env,
                          cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True)
    try:
        _wait(f"http://127.0.0.1:{api_port}/health")
        _wait(f"http://127.0.0.1:{ui_port}/")
        ARTIFACTS.mkdir(exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{ui_port}/")
            page.get_by_text("Coral reef health").first.wait_for()
            page.get_by_text("Anomalous").first.wait_for()
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
            page.get_by_role("tab", name="Statistics").click()
            page.get_by_text("Records").first.wait_for()
            assert "35" in page.inner_text("body")  # 7 days x 5 reefs
            browser.close()
    finally:
        for proc in (ui, api):
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
