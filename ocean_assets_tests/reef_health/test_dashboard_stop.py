"""Stopping ``ocean-assets dashboard`` stops its Streamlit server: a real process on loopback gets
SIGTERM (what a service manager or `kill` sends), exits, and the port is free again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_dashboard_and_frees_its_port(sig: signal.Signals) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ocean_assets", "dashboard", "--port", str(port),
                             "--api-url", "http://127.0.0.1:9"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not _listening(port):
            assert proc.poll() is None, f"dashboard exited early ({proc.returncode})"
            assert time.monotonic() < deadline, "the dashboard did not listen within 90 s"
            time.sleep(0.3)
        os.kill(proc.pid, sig)  # the command's own pid only, as `kill PID` or Ctrl-C in its terminal would
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _listening(port), "something still serves the dashboard's port"
        with pytest.raises(ProcessLookupError):  # no process left in its session (no orphaned child)
            os.killpg(proc.pid, 0)
    finally:  # whatever is left in the session (a regression's orphaned server too)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
