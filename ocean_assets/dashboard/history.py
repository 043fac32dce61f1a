"""The days before a demo day that ``make demo`` also scores, so the dashboard's time series has a line.

``python -m ocean_assets.dashboard.history [DAY] N`` prints ``FIRST...LAST`` (a ``--partition-range``
for ``dg launch``): the N days before DAY (default yesterday, UTC), never before the first daily
partition; nothing when there are no such days.
"""

from __future__ import annotations

import datetime as dt
import sys

from ocean_assets.partitions import DAILY_START


def history_range(day: dt.date, days: int) -> str | None:
    first = max(day - dt.timedelta(days=days), dt.date.fromisoformat(DAILY_START))
    last = day - dt.timedelta(days=1)
    return f"{first.isoformat()}...{last.isoformat()}" if days > 0 and first <= last else None


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m ocean_assets.dashboard.history [DAY|''] N", file=sys.stderr)
        return 2
    try:
        day = dt.date.fromisoformat(argv[0]) if argv[0] else dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
        days = int(argv[1])
    except ValueError as exc:
        print(f"history: {exc}", file=sys.stderr)
        return 2
    if found := history_range(day, days):
        print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
