"""API under load on loopback: requests/s and p50/p99 latency of /data/timeseries on SQLite and
PostgreSQL, against the trivial /ping endpoint of the same server (the ceiling), bounded in time."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench._util import table


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(url: str, days: int, reefs: int) -> None:
    import numpy as np
    import pandas as pd

    from ocean_assets.core.reef_health.store import upsert_scores
    from ocean_assets.db import get_engine, migrate

    migrate(url)
    rng = np.random.default_rng(0)
    start = dt.date(2024, 1, 1)
    for d in range(days):
        frame = pd.DataFrame({
            "date": start + dt.timedelta(days=d), "reef_id": [f"reef-{i:012x}" for i in range(reefs)],
            "latitude": rng.uniform(-25, -10, reefs), "longitude": rng.uniform(142, 154, reefs), "area_sqkm": 5.0,
            "sst": rng.uniform(24, 30, reefs), "sst_anomaly": rng.normal(0.5, 0.5, reefs), "dhw": rng.uniform(0, 6, reefs),
            "alert_level": rng.integers(0, 4, reefs), "ph": rng.uniform(7.9, 8.1, reefs), "score": 50.0,
            "stress_score": rng.uniform(40, 100, reefs), "method": "stress", "anomaly": rng.random(reefs) < 0.2})
        upsert_scores(get_engine(url), frame)


def _load(base: str, path: str, seconds: float, concurrency: int) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=10) as client:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = client.get(path)
                latencies.append(time.perf_counter() - t0)
                errors += response.status_code != 200

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(worker)
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, q[49] * 1000, q[98] * 1000, errors


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench api")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--reefs", type=int, default=200)
    parser.add_argument("--pg-url", default=os.environ.get("OCEAN_ASSETS_TEST_POSTGRES",
                                                          "postgresql+psycopg2://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    import tempfile

    import sqlalchemy as sa

    rows = [("database", "endpoint", "req/s", "p50 ms", "p99 ms", "errors", "vs /ping")]
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db", None)]
        name = f"oa_bench_{uuid.uuid4().hex[:8]}"
        try:
            admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            targets.append(("postgresql", args.pg_url.rsplit("/", 1)[0] + f"/{name}", admin))
        except Exception as exc:  # noqa: BLE001
            print(f"PostgreSQL skipped: {exc}")
        for label, url, admin in targets:
            _seed(url, args.days, args.reefs)
            port = _free_port()
            env = {**os.environ, "DATABASE_URL": url}
            server = subprocess.Popen([sys.executable, "-m", "ocean_assets", "api", "--port", str(port)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            try:
                for _ in range(100):
                    try:
                        httpx.get(base + "/ping", timeout=1)
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                ping = _load(base, "/ping", args.seconds, args.concurrency)
                series = _load(base, "/data/timeseries?days=30", args.seconds, args.concurrency)
                rows.append((label, "/ping", f"{ping[0]:.0f}", f"{ping[1]:.1f}", f"{ping[2]:.1f}", str(ping[3]), "1.00"))
                rows.append((label, "/data/timeseries?days=30", f"{series[0]:.0f}", f"{series[1]:.1f}",
                             f"{series[2]:.1f}", str(series[3]), f"{series[0] / ping[0]:.2f}"))
            finally:
                server.terminate()
                server.wait(10)
                if admin is not None:
                    from ocean_assets.db import get_engine

                    get_engine(url).dispose()
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(table(rows))
    print(f"({args.concurrency} concurrent clients, {args.seconds:.0f} s per endpoint, {args.days} days x "
          f"{args.reefs} reefs; client and server share the 2 cores)")
