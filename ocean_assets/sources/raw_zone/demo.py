"""Deterministic demo twin of the funding exports: realistic JSON and CSV files per source and day,
some invalid in known ways (so quarantine has something to show)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import zlib
from pathlib import Path
from typing import Protocol

from ocean_assets.core.io import atomic_write_text
from ocean_assets.core.raw_zone.zones import Zones

FUNDERS = {"nsf_ocean": ("National Science Foundation", "USD", "US"),
           "noaa_grants": ("NOAA Climate Program Office", "USD", "US"),
           "eu_horizon": ("European Commission Horizon Europe", "EUR", "BE")}
RECIPIENTS = ["Scripps Institution of Oceanography", "Woods Hole Oceanographic Institution",
              "GEOMAR Helmholtz Centre", "Ifremer", "University of Tasmania", "Plymouth Marine Laboratory"]
PROGRAMS = ["Ocean acidification", "Coral reef resilience", "Marine debris", "Sea surface temperature records"]
# Defects the generator plants, each failing a different rule.
DEFECTS = ("negative_amount", "missing_funder", "bad_currency", "malformed_json", "duplicate_id", "dates_reversed")
FIELDS = ["record_id", "source", "funder", "recipient", "program", "amount", "currency",
          "award_date", "start_date", "end_date", "country"]


class RawFileSource(Protocol):
    def deliver(self, zones: Zones, day: dt.date) -> list[Path]:
        """Make the day's raw files available under the raw zone; returns the paths delivered."""
        ...


class LiveRawFiles:
    """Upstream systems drop exports into raw/funding_sources/{source}/ themselves: nothing to fetch."""

    def deliver(self, zones: Zones, day: dt.date) -> list[Path]:
        return []


def _record(source: str, day: dt.date, i: int, rng: random.Random) -> dict:
    funder, currency, country = FUNDERS.get(source, (source.replace("_", " ").title(), "USD", "US"))
    start = day + dt.timedelta(days=rng.randint(10, 90))
    return {"record_id": f"{source}-{day:%Y%m%d}-{i:04d}", "source": source, "funder": funder,
            "recipient": rng.choice(RECIPIENTS), "program": rng.choice(PROGRAMS),
            "amount": round(rng.uniform(5e3, 2.5e6), 2), "currency": currency, "award_date": day.isoformat(),
            "start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=rng.randint(180, 1460))).isoformat(),
            "country": country}


def demo_files(source: str, day: dt.date, count: int) -> dict[str, bytes]:
    """``{filename: bytes}`` for one source and day; file 2 of every 2nd day carries a defect."""
    rng = random.Random(zlib.crc32(f"{source}:{day}".encode()))
    out: dict[str, bytes] = {}
    for n in range(count):
        records = [_record(source, day, n * 100 + i, rng) for i in range(rng.randint(5, 25))]
        defect = DEFECTS[(day.toordinal() + zlib.crc32(source.encode())) % len(DEFECTS)] \
            if n == 1 and day.toordinal() % 2 == 0 else None
        if defect == "negative_amount":
            records[2]["amount"] = -1250.0
        elif defect == "missing_funder":
            del records[0]["funder"]
        elif defect == "bad_currency":
            records[1]["currency"] = "usd"
        elif defect == "duplicate_id":
            records[3]["record_id"] = records[1]["record_id"]
        elif defect == "dates_reversed":
            records[0]["start_date"], records[0]["end_date"] = records[0]["end_date"], records[0]["start_date"]
        name = f"{source}_{day:%Y%m%d}_{n}"
        if n % 2 == 0 and defect != "malformed_json":
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
            out[f"{name}.csv"] = buf.getvalue().encode()
        else:
            text = json.dumps({"records": records}, indent=1)
            out[f"{name}.json"] = (text[: len(text) // 2] if defect == "malformed_json" else text).encode()
    return out


class DemoRawFiles:
    def __init__(self, sources: list[str], files_per_day: int = 3) -> None:
        self.sources = sources
        self.files_per_day = files_per_day

    def deliver(self, zones: Zones, day: dt.date) -> list[Path]:
        paths = []
        for source in self.sources:
            for name, data in demo_files(source, day, self.files_per_day).items():
                path = zones.raw / source / name
                if not path.exists():  # raw is immutable: never rewrite a delivered file
                    atomic_write_text(path, data.decode())
                paths.append(path)
        return paths
