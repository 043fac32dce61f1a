"""Live NASA CYGNSS L3 microplastic client (PO.DAAC ``CYGNSS_L3_MICROPLASTIC_V3.2``).

A day's granule is found through NASA CMR granule search (collection short name = the product's
dataset id, temporal = the UTC day); its data link is the answer's https ``GET DATA`` URL. Real
granules are stamped at noon, start = end
(``cyg.ddmi.s20250907-120000-e20250907-120000.l3.grid-microplastic.a32.d33.nc``); when CMR cannot
be reached the configured ``url_template`` (that real pattern) is the fallback. A day with no
granule is ``GranuleNotPublished`` ("not published (yet)"), never a bare 404. The file is
downloaded with an Earthdata bearer token from ``EARTHDATA_TOKEN`` (never sent to CMR, never logged)
and normalized to the product grid: lat/lon renamed, longitudes 0..360 wrapped to -180..180,
sorted, subset to the region, units respelled ("#/km^2" -> "km-2", the same quantity).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import xarray as xr

from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.retry import Backoff, PermanentError
from ocean_assets.settings import get_settings
from ocean_assets.sources.ocean.http import HTTPStatusError, RetryableHTTPError, download

log = logging.getLogger(__name__)
LATENCY_DAYS = 6  # PO.DAAC: CYGNSS L3 V3.2 "with an approximate 6 day latency"


class GranuleNotPublished(PermanentError):
    """The service has no granule for the day (not published yet, or never)."""


def cmr_search_url(cmr_url: str, short_name: str, day: dt.date) -> str:
    """CMR granule search for one collection over one UTC day."""
    temporal = f"{day:%Y-%m-%d}T00:00:00Z,{day:%Y-%m-%d}T23:59:59Z"
    return f"{cmr_url}?{urlencode({'short_name': short_name, 'temporal': temporal, 'page_size': 10})}"


def granule_links(answer: dict[str, Any], schemes: tuple[str, ...] = ("https://",)) -> list[str]:
    """The download links (RelatedUrls of Type "GET DATA", https: the token is never sent in clear;
    not the s3:// ones) of every granule in a UMM-JSON answer."""
    links = []
    for item in answer.get("items") or []:
        for related in (item.get("umm") or {}).get("RelatedUrls") or []:
            url = str(related.get("URL", ""))
            if related.get("Type") == "GET DATA" and url.startswith(schemes) and url.endswith(".nc"):
                links.append(url)
    return links


def link_for_day(answer: dict[str, Any], day: dt.date, schemes: tuple[str, ...] = ("https://",)) -> str | None:
    """The granule of ``day`` (its name starts the day: ``s{YYYYMMDD}-``), if CMR listed one."""
    stamp = f".s{day:%Y%m%d}-"
    return next((url for url in granule_links(answer, schemes) if stamp in url.rsplit("/", 1)[-1]), None)


def normalize_grid(ds: xr.Dataset, spec: ProductSpec) -> xr.Dataset:
    """Rename lat/lon to the product's names, wrap longitudes to -180..180, sort, subset the region,
    keep the product's variables and respell their units to the configured spelling."""
    renames = {old: new for old, new in (("lat", spec.lat), ("lon", spec.lon)) if old in ds.dims and old != new}
    if renames:
        ds = ds.rename(renames)
    keep = [v for v in (*spec.variable_names, *spec.optional_variables) if v in ds.data_vars]
    ds = ds[keep] if keep else ds
    lon = ds[spec.lon]
    if float(lon.max()) > 180:
        ds = ds.assign_coords({spec.lon: ((lon + 180) % 360) - 180})
    ds = ds.sortby([spec.lat, spec.lon])
    r = spec.region
    ds = ds.sel({spec.lat: slice(r.min_lat, r.max_lat), spec.lon: slice(r.min_lon, r.max_lon)})
    for var in spec.variables:
        if var.name in ds and str(ds[var.name].attrs.get("units")) in spec.accepted_units(var.units):
            ds[var.name].attrs["units"] = var.units
    return ds


class CygnssMicroplasticSource:
    name = "cygnss"

    def __init__(self, url_template: str | None = None, token: str | None = None,
                 backoff: Backoff | None = None, today: dt.date | None = None,
                 timeout: float = 60.0, cmr_url: str | None = None) -> None:
        """``url_template`` given here: that template only (no discovery); else the product's
        ``cmr_url`` (discovery) with its ``url_template`` as the fallback."""
        self.url_template = url_template
        self.cmr_url = cmr_url
        self._token = token
        self.backoff = backoff or Backoff()
        self._today = today
        self.timeout = timeout

    def granule_url(self, spec: ProductSpec, day: dt.date, workdir: Path) -> tuple[str, bool]:
        """The day's data link, and whether it was templated (not listed by CMR)."""
        template = self.url_template or spec.url_template
        cmr_url = None if self.url_template else (self.cmr_url or spec.cmr_url)
        if cmr_url:
            try:
                path = download(cmr_search_url(cmr_url, spec.dataset_id, day), Path(workdir) / "cmr_granules.json",
                                backoff=self.backoff, timeout=self.timeout)
            except (RetryableHTTPError, OSError) as exc:
                if not template:
                    raise
                log.warning("CMR granule search unreachable (%s); using the documented name pattern", exc)
                return template.format(day=day), True
            try:
                answer = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError) as exc:
                raise PermanentError(f"CMR granule search answer for {spec.dataset_id} is not JSON: {exc}") from None
            # plain-http links only from a plain-http (loopback) CMR; the real CMR is https
            schemes = ("https://",) if cmr_url.startswith("https://") else ("https://", "http://")
            link = link_for_day(answer, day, schemes)
            if link is None:
                raise GranuleNotPublished(
                    f"{spec.dataset_id} {day}: not published (yet): CMR lists no granule for this UTC day "
                    f"(granules appear about {LATENCY_DAYS} days after the day)")
            return link, False
        if not template:
            raise ValueError(f"product {spec.name}: neither cmr_url nor url_template configured")
        return template.format(day=day), True

    def fetch(self, spec: ProductSpec, day: dt.date, workdir: Path) -> xr.Dataset:
        url, templated = self.granule_url(spec, day, workdir)
        token = self._token or get_settings().earthdata_token
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            path = download(url, Path(workdir) / f"{spec.name}_{day:%Y%m%d}.granule.nc",
                            headers=headers, backoff=self.backoff, timeout=self.timeout)
        except HTTPStatusError as exc:
            if templated and exc.status == 404:
                raise GranuleNotPublished(
                    f"{spec.dataset_id} {day}: not published (yet): no granule {url.rsplit('/', 1)[-1]} "
                    f"(HTTP 404; granules appear about {LATENCY_DAYS} days after the day)") from None
            raise
        with xr.open_dataset(path) as ds:
            return normalize_grid(ds.load(), spec)

    def latest_available(self, spec: ProductSpec) -> dt.date:
        return (self._today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=LATENCY_DAYS)
