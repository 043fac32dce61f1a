"""Dataset-config validation (the reference's validate_cmems_datasets): every configured dataset
id must exist in the catalogue, carry the configured variables and have the product's cadence."""

from __future__ import annotations

from dataclasses import dataclass, field

from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.outcome import Outcome, fail, ok

DATASET_CONFIG = "dataset_config"
# A daily product accepts a catalogue step within this fraction of a day (P1D-m is exactly 1 day).
STEP_TOLERANCE = 0.05


class DatasetNotFoundError(LookupError):
    """The catalogue has no dataset with this id."""


@dataclass(frozen=True)
class DatasetDescription:
    dataset_id: str
    variables: dict[str, str | None] = field(default_factory=dict)  # short_name -> units
    time_step_days: float | None = None


_UNIT_DAYS = {"millisecond": 1 / 86_400_000, "second": 1 / 86_400, "minute": 1 / 1440,
              "hour": 1 / 24, "day": 1.0}


def step_in_days(step: float | None, unit: str | None, values: list | None = None) -> float | None:
    """A time-coordinate step in days, from a catalogue unit such as 'milliseconds since 1970-01-01'."""
    factor = next((f for k, f in _UNIT_DAYS.items() if unit and unit.lower().startswith(k)), None)
    if factor is None:
        return None
    if step is None and values and len(values) > 1:
        nums = sorted(float(v) for v in values)
        diffs = sorted(b - a for a, b in zip(nums, nums[1:], strict=False))
        step = diffs[len(diffs) // 2]
    return None if step is None else float(step) * factor


def validate_description(spec: ProductSpec, description: DatasetDescription) -> Outcome:
    """Compare a product's config with the catalogue's description of its dataset id."""
    problems: list[str] = []
    missing = [v for v in spec.variable_names if v not in description.variables]
    if missing:
        problems.append(f"variable(s) {', '.join(missing)} not in dataset {spec.dataset_id} "
                        f"(it has {', '.join(sorted(description.variables)) or 'none'})")
    expected = spec.expected_step_days()
    actual = description.time_step_days
    if actual is None:
        problems.append(f"dataset {spec.dataset_id} has no regular time step in the catalogue")
    elif abs(actual - expected) > STEP_TOLERANCE * expected:
        problems.append(
            f"dataset {spec.dataset_id} has a time step of {actual:g} days but product "
            f"{spec.name} expects {spec.expected_step} ({expected:g} day): "
            f"configure the {spec.expected_step} dataset id")
    if problems:
        return fail(DATASET_CONFIG, "; ".join(problems), dataset_id=spec.dataset_id)
    return ok(DATASET_CONFIG, f"{spec.dataset_id}: exists, has {', '.join(spec.variable_names)}, "
              f"step {spec.expected_step}", dataset_id=spec.dataset_id)


def validate_product_config(spec: ProductSpec, describe) -> Outcome:  # noqa: ANN001
    """Look ``spec.dataset_id`` up with ``describe(dataset_id)`` and validate it."""
    try:
        description = describe(spec.dataset_id)
    except DatasetNotFoundError:
        return fail(DATASET_CONFIG, f"dataset id {spec.dataset_id} (product {spec.name}) does not "
                    "exist in the catalogue", dataset_id=spec.dataset_id)
    return validate_description(spec, description)
