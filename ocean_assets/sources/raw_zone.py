"""Funding-file sources for the raw zone: a Protocol, the live HTTP drop client and the demo twin.

Live: an HTTP "drop box" that lists a day's files and serves them:
  GET {base_url}/files?date=YYYY-MM-DD -> {"files": [{"source", "name", "url", "sha256"}]}
  GET {url} (absolute, or relative to base_url)    -> the file's bytes
An optional bearer token comes from the environment only, and is sent to the drop box's own
origin only (a listing naming another host never receives it). Listed names are checked
(``ocean_assets.core.names``) before anything is downloaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests

from ocean_assets.core.io import sha256_bytes
from ocean_assets.core.names import UnsafeName, shown
from ocean_assets.core.raw_zone.landing import checked_names
from ocean_assets.core.retry import Backoff, PermanentError, call_with_retry

FUNDERS = {
    "nsf": ("NSF", "National Science Foundation", "USD", "US", ".json"),
    "noaa_grants": ("NOAA", "NOAA Climate Program Office", "USD", "US", ".csv"),
    "eu_horizon": ("EUHZ", "European Commission Horizon Europe", "EUR", "BE", ".json"),
}
RECIPIENTS = [("Woods Hole Oceanographic Institution", "US"), ("Scripps Institution of Oceanography", "US"),
              ("GEOMAR Helmholtz Centre", "DE"), ("Ifremer", "FR"), ("University of Tasmania", "AU"),
              ("National Oceanography Centre", "GB"), ("Institute of Marine Research", "NO"),
              ("Dalhousie University", "CA"), ("JAMSTEC", "JP"), ("ETH Zurich", "CH")]
PROGRAMS = ["Ocean Observing", "Coral Reef Conservation", "Climate Variability", "Marine Debris",
            "Polar Programs", "Blue Economy"]
TOPICS = ["ocean acidification", "reef resilience", "microplastic transport", "sea-level rise",
          "marine heatwaves", "deep-sea mapping", "kelp restoration", "Arctic sea ice"]
# Known defects of the demo twin, each caught by a named rule (see docs/raw_zone.md).
DEFECTS = ("negative_amount", "missing_funder", "bad_currency", "end_before_start",
           "duplicate_id", "truncated_file")
DEFECT_RATE = 0.2
LIVE_BACKOFF = Backoff(attempts=3, base_seconds=1.0)


@dataclass(frozen=True)
class FundingFile:
    source: str
    name: str
    data: bytes
    defect: str | None = None  # demo only: the known defect injected, if any


class FundingSource(Protocol):
    def fetch(self, day: dt.date) -> list[FundingFile]:
        """All funding files delivered for ``day``."""
        ...


def _record(rng: random.Random, source: str, day: dt.date, serial: int) -> dict[str, Any]:
    prefix, funder, currency, _, _ = FUNDERS.get(source, (source.upper()[:8], source, "USD", "US", ".json"))
    recipient, country = rng.choice(RECIPIENTS)
    start = day + dt.timedelta(days=rng.randint(14, 120))
    return {
        "id": f"{prefix}-{day.year}-{serial:05d}",
        "source": source,
        "funder": funder,
        "program": rng.choice(PROGRAMS),
        "title": f"{rng.choice(TOPICS).capitalize()} study {serial}",
        "recipient": {"name": recipient, "country": country},
        "amount": round(rng.lognormvariate(12, 1.0), 2),
        "currency": currency,
        "award_date": day.isoformat(),
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=365 * rng.randint(1, 5))).isoformat(),
    }


def _inject(rng: random.Random, records: list[dict[str, Any]], defect: str) -> None:
    victim = records[rng.randrange(len(records))]
    if defect == "negative_amount":
        victim["amount"] = -abs(victim["amount"])
    elif defect == "missing_funder":
        del victim["funder"]
    elif defect == "bad_currency":
        victim["currency"] = victim["currency"].lower()
    elif defect == "end_before_start":
        victim["end_date"] = (dt.date.fromisoformat(victim["start_date"]) - dt.timedelta(days=30)).isoformat()
    elif defect == "duplicate_id":
        records.append(dict(victim))


def _to_csv(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = ["id", "source", "funder", "program", "title", "recipient_name", "recipient_country",
               "amount", "currency", "award_date", "start_date", "end_date"]
    writer.writerow(columns)
    for r in records:
        flat = {**r, "recipient_name": r["recipient"]["name"], "recipient_country": r["recipient"]["country"]}
        writer.writerow([flat.get(c, "") for c in columns])
    return out.getvalue().encode()


def encode(records: list[dict[str, Any]], suffix: str) -> bytes:
    if suffix == ".csv":
        return _to_csv(records)
    return json.dumps({"schema_version": "1", "records": records}, indent=1).encode()


class DemoFundingSource:
    """Deterministic funding files (seeded from the date and source), some invalid in known ways."""

    def __init__(self, sources: list[str] | None = None, defect_rate: float = DEFECT_RATE) -> None:
        self.sources = list(sources or FUNDERS)
        self.defect_rate = defect_rate

    def fetch(self, day: dt.date) -> list[FundingFile]:
        files = []
        for index, source in enumerate(self.sources):
            rng = random.Random(day.toordinal() * 1009 + index)
            suffix = FUNDERS.get(source, ("", "", "", "", ".json"))[4]
            records = [_record(rng, source, day, day.timetuple().tm_yday * 100 + i)
                       for i in range(rng.randint(5, 25))]
            defect = rng.choice(DEFECTS) if rng.random() < self.defect_rate else None
            if defect and defect != "truncated_file":
                _inject(rng, records, defect)
            data = encode(records, suffix)
            if defect == "truncated_file":
                data = data[: len(data) // 2]
            files.append(FundingFile(source, f"{day.isoformat()}_{source}_awards{suffix}", data, defect))
        return files


class HttpFundingSource:
    """The live client: the HTTP drop box (requests), with retries and sha256 verification."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0,
                 backoff: Backoff = LIVE_BACKOFF) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.backoff = backoff
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _origin(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        return parts.scheme, parts.netloc

    def _get(self, url: str, **params: str) -> requests.Response:
        # the token goes to the drop box only; another origin gets no Authorization header
        headers = None if self._origin(url) == self._origin(self.base_url) else {"Authorization": None}

        def call() -> requests.Response:
            response = self.session.get(url, params=params or None, timeout=self.timeout,
                                        headers=headers)
            if response.status_code in (401, 403, 404):
                raise PermanentError(f"GET {response.url.split('?')[0]} answered {response.status_code}")
            response.raise_for_status()
            return response

        return call_with_retry(call, self.backoff, retry_on=(requests.RequestException,))

    def _listing(self, day: dt.date) -> list[tuple[str, str, str, str | None]]:
        """(source, name, absolute url, sha256) per listed file; names checked, nothing fetched."""
        try:
            entries = self._get(urljoin(self.base_url, "files"), date=day.isoformat()).json()["files"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentError(f"drop-box listing for {day} is not {{\"files\": [...]}}: "
                                 f"{type(exc).__name__}") from None
        checked = []
        for index, entry in enumerate(entries if isinstance(entries, list) else [None]):
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                raise UnsafeName(f"drop-box listing entry {index} is not an object with "
                                 "source, name, url and sha256")
            url = urljoin(self.base_url, entry["url"])
            if urlsplit(url).scheme not in ("http", "https"):
                raise UnsafeName(f"drop-box listing entry {index}: refused url {shown(entry['url'])} "
                                 "(http or https only)")
            checked.append((*checked_names(entry.get("source"), entry.get("name")), url,
                            entry.get("sha256")))
        return checked

    def fetch(self, day: dt.date) -> list[FundingFile]:
        files = []
        for source, name, url, sha in self._listing(day):
            data = self._get(url).content
            if sha and sha256_bytes(data) != sha:
                raise OSError(f"{source}/{name}: download does not match the listed sha256")
            files.append(FundingFile(source, name, data))
        return files


def make_source(mode: str, sources: list[str], live_cfg: dict[str, str], env: dict[str, str],
                ) -> FundingSource:
    """Demo twin or live client; the live URL and token come from the environment only."""
    if mode == "demo":
        return DemoFundingSource(sources)
    url = env.get(live_cfg.get("base_url_env", "RAW_ZONE_LIVE_URL"))
    if not url:
        raise ValueError(f"live mode needs the drop-box URL in ${live_cfg.get('base_url_env')}")
    return HttpFundingSource(url, env.get(live_cfg.get("token_env", "RAW_ZONE_LIVE_TOKEN")))
