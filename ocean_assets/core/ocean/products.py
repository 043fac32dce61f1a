"""Product specifications parsed from config/ocean.yaml: what each daily file must contain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ocean_assets.config import ConfigError, load_config, require


@dataclass(frozen=True)
class VariableSpec:
    name: str
    units: str
    min: float | None = None
    max: float | None = None
    standard_name: str | None = None


@dataclass(frozen=True)
class Region:
    min_lon: float
    max_lon: float
    min_lat: float
    max_lat: float


@dataclass(frozen=True)
class ProductSpec:
    name: str
    title: str
    source: str
    dataset_id: str
    expected_step: str
    variables: tuple[VariableSpec, ...]
    dims: tuple[str, ...]
    lat: str
    lon: str
    region: Region
    demo_resolution: float
    max_nan_fraction: float
    unit_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    optional_variables: tuple[str, ...] = ()
    land_mask_variable: str | None = None
    speed: dict[str, Any] | None = None
    depth: tuple[float, float] | None = None
    erddap: dict[str, Any] | None = None
    url_template: str | None = None
    mode: str | None = None  # per-product override of OCEAN_ASSETS_MODE (demo | live)

    @property
    def variable_names(self) -> list[str]:
        return [v.name for v in self.variables]

    def accepted_units(self, units: str) -> tuple[str, ...]:
        return self.unit_aliases.get(units, (units,))

    def expected_step_days(self) -> float:
        return iso_duration_days(self.expected_step)


def iso_duration_days(step: str) -> float:
    """Days in a simple ISO-8601 step such as P1D, P1M, PT6H (months count as 30 days)."""
    import re

    m = re.fullmatch(r"P(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?", step.strip().upper())
    if not m or not any(m.groups()):
        raise ConfigError(f"not an ISO-8601 step: {step!r}")
    months, days, hours = (int(g) if g else 0 for g in m.groups())
    return months * 30 + days + hours / 24


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {value!r} is not a number") from None


def _product(name: str, raw: dict[str, Any], aliases: dict[str, tuple[str, ...]]) -> ProductSpec:
    where = f"config/ocean.yaml: products.{name}"
    variables = tuple(
        VariableSpec(
            name=var,
            units=str(require(attrs, "units", f"{where}.variables.{var}")),
            min=_number(attrs.get("min"), f"{where}.variables.{var}.min"),
            max=_number(attrs.get("max"), f"{where}.variables.{var}.max"),
            standard_name=attrs.get("standard_name"),
        )
        for var, attrs in require(raw, "variables", where).items()
    )
    region = require(raw, "region", where)
    coords = raw.get("coords", {})
    depth = raw.get("depth")
    return ProductSpec(
        name=name,
        title=raw.get("title", name),
        source=require(raw, "source", where),
        dataset_id=require(raw, "dataset_id", where),
        expected_step=raw.get("expected_step", "P1D"),
        variables=variables,
        dims=tuple(require(raw, "dims", where)),
        lat=coords.get("lat", "latitude"),
        lon=coords.get("lon", "longitude"),
        region=Region(**{k: float(region[k]) for k in ("min_lon", "max_lon", "min_lat", "max_lat")}),
        demo_resolution=float(raw.get("demo_resolution", 0.25)),
        max_nan_fraction=float(raw.get("max_nan_fraction", 0.5)),
        unit_aliases=aliases,
        optional_variables=tuple(raw.get("optional_variables", ())),
        land_mask_variable=raw.get("land_mask_variable"),
        speed=raw.get("speed"),
        depth=(float(depth["min"]), float(depth["max"])) if depth else None,
        erddap=raw.get("erddap"),
        url_template=raw.get("url_template"),
        mode=raw.get("mode"),
    )


def load_products(config: dict[str, Any] | None = None) -> dict[str, ProductSpec]:
    cfg = config if config is not None else load_config("ocean")
    aliases = {k: tuple(str(a) for a in v) for k, v in cfg.get("unit_aliases", {}).items()}
    products = require(cfg, "products", "config/ocean.yaml")
    return {name: _product(name, raw, aliases) for name, raw in products.items()}


def get_product(name: str) -> ProductSpec:
    products = load_products()
    if name not in products:
        raise ConfigError(f"unknown ocean product {name!r}; known: {', '.join(products)}")
    return products[name]


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time())
    return start, start + dt.timedelta(days=1)
