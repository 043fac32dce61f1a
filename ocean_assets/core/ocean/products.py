"""Product specifications parsed from config/ocean.yaml: what each daily file must contain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ocean_assets.config import ConfigError, load_config, require, validate


@dataclass(frozen=True)
class VariableSpec:
    name: str
    units: str
    min: float | None = None  # plausible range: a few cells outside it is a WARN
    max: float | None = None
    standard_name: str | None = None
    # Values no instrument can produce (below absolute zero, pH outside 0..14, negative amounts):
    # any cell beyond these is an ERROR that blocks downstream assets.
    physical_min: float | None = None
    physical_max: float | None = None
    long_name: str | None = None


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
    cmr_url: str | None = None  # NASA CMR granule search (CYGNSS); None = url_template only
    license: str | None = None
    summary: str | None = None
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

    if not isinstance(step, str):
        raise ConfigError(f"not an ISO-8601 step: {step!r}")
    m = re.fullmatch(r"P(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?", step.strip().upper())
    if not m or not any(m.groups()):
        raise ConfigError(f"not an ISO-8601 step: {step!r}")
    months, days, hours = (int(g) if g else 0 for g in m.groups())
    return months * 30 + days + hours / 24


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{where}: {value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{where}: {value!r} is not a number") from None


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: must be a mapping, got {type(value).__name__}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ConfigError(f"{where}: must be a string, got {value!r}")
    return str(value)


def _optional_text(raw: dict[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    return None if value is None else _text(value, f"{where}.{key}")


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: must be a list, got {type(value).__name__}")
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(value))


def _product(name: str, raw: Any, aliases: dict[str, tuple[str, ...]]) -> ProductSpec:
    where = f"config/ocean.yaml: products.{name}"
    raw = _mapping(raw, where)
    variables = tuple(
        VariableSpec(
            name=_text(var, f"{where}.variables"),
            units=_text(require(attrs, "units", f"{where}.variables.{var}"), f"{where}.variables.{var}.units"),
            min=_number(attrs.get("min"), f"{where}.variables.{var}.min"),
            max=_number(attrs.get("max"), f"{where}.variables.{var}.max"),
            standard_name=_optional_text(attrs, "standard_name", f"{where}.variables.{var}"),
            physical_min=_number(attrs.get("physical_min"), f"{where}.variables.{var}.physical_min"),
            physical_max=_number(attrs.get("physical_max"), f"{where}.variables.{var}.physical_max"),
            long_name=_optional_text(attrs, "long_name", f"{where}.variables.{var}"),
        )
        for var, attrs in ((v, _mapping(a, f"{where}.variables.{v}"))
                           for v, a in _mapping(require(raw, "variables", where), f"{where}.variables").items())
    )
    if not variables:
        raise ConfigError(f"{where}.variables: at least one variable is required")
    for v in variables:
        _check_limits(v, f"{where}.variables.{v.name}")
    region = _mapping(require(raw, "region", where), f"{where}.region")
    coords = _mapping(raw.get("coords") or {}, f"{where}.coords")
    depth = raw.get("depth")
    if depth is not None:
        depth = _mapping(depth, f"{where}.depth")
        depth = tuple(_required_number(require(depth, k, f"{where}.depth"), f"{where}.depth.{k}")
                      for k in ("min", "max"))
    expected_step = raw["expected_step"]
    iso_duration_days(expected_step)
    erddap, speed = raw.get("erddap"), raw.get("speed")
    mode = _optional_text(raw, "mode", where)
    if mode is not None and mode not in ("demo", "live"):
        raise ConfigError(f"{where}.mode: must be demo or live, got {mode!r}")
    return ProductSpec(
        name=name,
        title=_text(raw["title"] or name, f"{where}.title"),
        source=_text(require(raw, "source", where), f"{where}.source"),
        dataset_id=_text(require(raw, "dataset_id", where), f"{where}.dataset_id"),
        expected_step=expected_step,
        variables=variables,
        dims=_texts(require(raw, "dims", where), f"{where}.dims"),
        lat=_text(coords["lat"], f"{where}.coords.lat"),
        lon=_text(coords["lon"], f"{where}.coords.lon"),
        region=Region(**{k: _required_number(require(region, k, f"{where}.region"), f"{where}.region.{k}")
                         for k in ("min_lon", "max_lon", "min_lat", "max_lat")}),
        demo_resolution=_positive(raw["demo_resolution"], f"{where}.demo_resolution"),
        max_nan_fraction=_required_number(raw["max_nan_fraction"], f"{where}.max_nan_fraction"),
        unit_aliases=aliases,
        optional_variables=_texts(raw.get("optional_variables") or [], f"{where}.optional_variables"),
        land_mask_variable=_optional_text(raw, "land_mask_variable", where),
        speed=_mapping(speed, f"{where}.speed") if speed is not None else None,
        depth=depth,
        erddap=_mapping(erddap, f"{where}.erddap") if erddap is not None else None,
        url_template=_optional_text(raw, "url_template", where),
        cmr_url=_optional_text(raw, "cmr_url", where),
        license=_optional_text(raw, "license", where),
        summary=_optional_text(raw, "summary", where),
        mode=mode,
    )


def _check_limits(var: VariableSpec, where: str) -> None:
    """Plausible range inside the physical one, each low <= high."""
    for lo, hi, what in ((var.min, var.max, "min..max"), (var.physical_min, var.physical_max,
                                                             "physical_min..physical_max")):
        if lo is not None and hi is not None and lo > hi:
            raise ConfigError(f"{where}: {what} is empty ({lo} > {hi})")
    if var.physical_min is not None and var.min is not None and var.min < var.physical_min:
        raise ConfigError(f"{where}.min: {var.min} is below physical_min {var.physical_min}")
    if var.physical_max is not None and var.max is not None and var.max > var.physical_max:
        raise ConfigError(f"{where}.max: {var.max} is above physical_max {var.physical_max}")


def _required_number(value: Any, where: str) -> float:
    number = _number(value, where)
    if number is None:
        raise ConfigError(f"{where}: a number is required")
    return number


def _positive(value: Any, where: str) -> float:
    number = _number(value, where)
    if number is None or not number > 0:
        raise ConfigError(f"{where}: must be a positive number, got {value!r}")
    return number


def load_products(config: dict[str, Any] | None = None, where: str = "config/ocean.yaml") -> dict[str, ProductSpec]:
    """Product specs from the ocean config; any malformed entry raises ConfigError naming the key.
    A mapping given here (not read by load_config) is validated against the model first."""
    cfg = load_config("ocean") if config is None else validate("ocean", config, where)
    cfg = _mapping(cfg, "config/ocean.yaml")
    raw_aliases = _mapping(cfg.get("unit_aliases") or {}, "config/ocean.yaml: unit_aliases")
    aliases = {_text(k, "config/ocean.yaml: unit_aliases"): _texts(v, f"config/ocean.yaml: unit_aliases.{k}")
               for k, v in raw_aliases.items()}
    products = _mapping(require(cfg, "products", "config/ocean.yaml"), "config/ocean.yaml: products")
    return {_text(name, "config/ocean.yaml: products"): _product(str(name), raw, aliases)
            for name, raw in products.items()}
