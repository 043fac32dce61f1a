"""Sensor tick cost: the ocean availability and recovery sensors on an instance that knows N
partitions per product (materializations + integrity check evaluations, ~1% failing), against
the same ticks on an empty instance measured in the same run.

Events are recorded cheaply as runless events (no runs are executed). Three recovery ticks are
timed: the first (no cursor: every check partition is read), a steady tick (cursor at the newest
event: nothing new) and a tick after one new failure. ``--profile`` prints the hottest functions of
the steady tick.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import os
import pstats
import shutil
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg

from bench._util import scratch_env, table, timed
from ocean_assets.core.ocean import validate as rules
from ocean_assets.core.ocean.paths import PRODUCTS
from ocean_assets.core.ocean.recovery import RecoveryState
from ocean_assets.defs.ocean.resources import OceanResource
from ocean_assets.defs.ocean.sensors import ocean_availability_sensor, ocean_recovery_sensor
from ocean_assets.partitions import DAILY_START
from ocean_assets.settings import PROJECT_ROOT


def tick_ms(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, defs: dg.Definitions,
            cursor: str | None, repeat: int) -> tuple[float, object]:
    """Median wall time of one evaluation (fresh context each time), and the last result."""
    times, result = [], None
    for _ in range(repeat):
        context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs,
                                          resources={"ocean": OceanResource()})
        start = time.perf_counter()
        result = sensor(context)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def record_partitions(instance: dg.DagsterInstance, keys: list[str], fail_every: int) -> int:
    """A materialization and an integrity evaluation per product and partition; returns failures."""
    failed = 0
    for product in PRODUCTS:
        asset = dg.AssetKey(product)
        for i, key in enumerate(keys):
            instance.report_runless_asset_event(dg.AssetMaterialization(asset, partition=key))
            passed = i % fail_every != 0
            failed += not passed
            instance.report_runless_asset_event(dg.AssetCheckEvaluation(
                asset_key=asset, check_name=rules.INTEGRITY, passed=passed, partition=key,
                severity=dg.AssetCheckSeverity.ERROR))
    return failed


@contextlib.contextmanager
def _instance(storage: str, pg_url: str) -> Iterator[dg.DagsterInstance]:
    if storage == "memory":
        yield dg.DagsterInstance.ephemeral()
    elif storage == "sqlite":
        with dg.DagsterInstance.get() as instance:
            yield instance
    else:
        with _throwaway_postgres(pg_url) as home, dg.DagsterInstance.from_config(str(home)) as instance:
            yield instance


@contextlib.contextmanager
def _throwaway_postgres(server_url: str) -> Iterator[Path]:
    """deploy/dagster-postgres.yaml on a new database (dropped afterwards) in DAGSTER_HOME."""
    import sqlalchemy as sa

    name = f"oa_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    home = Path(os.environ["DAGSTER_HOME"])
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster-postgres.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_PG_URL"] = server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield home
    finally:
        os.environ.pop("DAGSTER_PG_URL", None)
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def profile(fn: Callable[[], object], top: int = 12) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench sensor")
    parser.add_argument("--partitions", type=int, default=2_500,
                        help="days per product (default: 4 products x 2 500 = 10 000 partitions known)")
    parser.add_argument("--storage", choices=("memory", "sqlite", "postgres"), default="memory",
                        help="event log: in-memory SQLite (fast to fill), the SQLite files of DAGSTER_HOME, "
                             "or PostgreSQL (a throwaway database on --pg-url; ~10 ms per recorded event)")
    parser.add_argument("--pg-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test",
                        help="server for --storage postgres (a database is created and dropped)")
    parser.add_argument("--fail-every", type=int, default=100, help="every Nth integrity check fails")
    parser.add_argument("--repeat", type=int, default=5, help="ticks per measurement (median)")
    parser.add_argument("--profile", action="store_true", help="profile the steady recovery tick")
    args = parser.parse_args(argv)

    from ocean_assets.location import load_definitions

    defs = load_definitions()
    start = dt.date.fromisoformat(DAILY_START)
    keys = [(start + dt.timedelta(days=i)).isoformat() for i in range(args.partitions)]
    with scratch_env(), _instance(args.storage, args.pg_url) as instance:
        base_avail, _ = tick_ms(ocean_availability_sensor, instance, defs, None, args.repeat)
        base_rec, _ = tick_ms(ocean_recovery_sensor, instance, defs, None, args.repeat)

        with timed() as t_fill:
            failed = record_partitions(instance, keys, args.fail_every)
        events = 2 * len(PRODUCTS) * len(keys)
        print(f"recorded {events} runless events in {args.storage} storage ({len(PRODUCTS)} products x {len(keys)} partitions, "
              f"{failed} failing checks) in {t_fill['seconds']:.1f}s", flush=True)

        avail, _ = tick_ms(ocean_availability_sensor, instance, defs, None, args.repeat)
        first, result = tick_ms(ocean_recovery_sensor, instance, defs, None, args.repeat)
        requested = len(result.run_requests)
        # failures beyond the per-tick cap wait in the cursor: tick until they are all requested
        cursor, drain_ticks = result.cursor, 0
        while RecoveryState.from_cursor(cursor).pending:
            _, drained = tick_ms(ocean_recovery_sensor, instance, defs, cursor, 1)
            cursor, drain_ticks = drained.cursor, drain_ticks + 1
        steady, _ = tick_ms(ocean_recovery_sensor, instance, defs, cursor, args.repeat)
        new_key = (start + dt.timedelta(days=len(keys))).isoformat()  # runless: one evaluation per key
        instance.report_runless_asset_event(dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(PRODUCTS[0]), check_name=rules.INTEGRITY, passed=False,
            partition=new_key, severity=dg.AssetCheckSeverity.ERROR))
        new_fail, after = tick_ms(ocean_recovery_sensor, instance, defs, cursor, 1)
        assert [r.partition_key for r in after.run_requests] == [new_key], "the new failure must be requested"

        rows = [("tick", "empty instance (ms)", f"{len(keys)} partitions (ms)", "ratio")]
        rows.append(("availability", f"{base_avail:.1f}", f"{avail:.1f}", f"{avail / base_avail:.2f}x"))
        for name, ms in (("recovery, first (no cursor)", first), ("recovery, steady (nothing new)", steady),
                         ("recovery, one new failure", new_fail)):
            rows.append((name, f"{base_rec:.1f}", f"{ms:.1f}", f"{ms / base_rec:.2f}x"))
        print(table(rows))
        print(f"first recovery tick requested {requested} runs ({drain_ticks} more tick(s) for those past the "
              f"per-tick cap); cursor {len(cursor)} bytes")
        if args.profile:
            print(profile(lambda: ocean_recovery_sensor(dg.build_sensor_context(
                instance=instance, cursor=cursor, definitions=defs,
                resources={"ocean": OceanResource()}))))
