"""One raw-zone migration run in its own process, for the kill and concurrency tests.

    python -m ocean_assets_tests.reliability.raw_zone_worker DAY [--pause-after N]

Uses the environment it inherits (DAGSTER_HOME, OCEAN_ASSETS_DATA_ROOT, OCEAN_ASSETS_CONFIG_DIR).
With ``--pause-after N`` it prints ``paused {pid}`` when the migration starts validating its
N-th file and waits for a line on stdin (so a test can kill it there, or let it go on).
It ends by printing one JSON line: success, the migration's counts or the step failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import dagster as dg

from ocean_assets.core.raw_zone import migrate
from ocean_assets.defs.raw_zone import assets
from ocean_assets_tests.raw_zone.conftest import raw_zone_definitions


def pause_at(n: int) -> None:
    real = migrate.validate_bytes
    calls = []

    def validate(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == n:
            print(f"paused {os.getpid()}", flush=True)
            sys.stdin.readline()
        return real(*args, **kwargs)

    migrate.validate_bytes = validate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("day")
    parser.add_argument("--pause-after", type=int, default=0)
    args = parser.parse_args()
    if args.pause_after:
        pause_at(args.pause_after)
    result = raw_zone_definitions().resolve_job_def("raw_zone_daily").execute_in_process(
        instance=dg.DagsterInstance.get(), partition_key=args.day, raise_on_error=False,
        asset_selection=[assets.validated_funding_files.key])
    mats = result.asset_materializations_for_node("validated_funding_files") if result.success else []
    counts = {k: v.value for k, v in mats[0].metadata.items()
              if k in ("migrated", "replaced", "unchanged", "quarantined")} if mats else {}
    errors = [str(e.event_specific_data.error.message).strip().splitlines()[0]
              for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    print(json.dumps({"success": result.success, "run_id": result.run_id, "counts": counts,
                      "errors": errors}), flush=True)


if __name__ == "__main__":
    main()
