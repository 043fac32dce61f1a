"""Live Copernicus Marine client (copernicusmarine 2.x): subset() for data, describe() for the catalogue.

Credentials come from COPERNICUSMARINE_SERVICE_USERNAME / COPERNICUSMARINE_SERVICE_PASSWORD, which
the library reads itself; they never pass through this code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xarray as xr

from ocean_assets.core.ocean.catalogue import DatasetDescription, DatasetNotFoundError, step_in_days
from ocean_assets.core.ocean.products import ProductSpec
from ocean_assets.core.retry import PermanentError


def subset_kwargs(spec: ProductSpec, day: dt.date, workdir: Path) -> dict[str, Any]:
    """Arguments of ``copernicusmarine.subset`` for one day of a product (daily means stamped 00:00)."""
    start = dt.datetime.combine(day, dt.time())
    r = spec.region
    kwargs: dict[str, Any] = {
        "dataset_id": spec.dataset_id,
        "variables": spec.variable_names + [v for v in spec.optional_variables if v == spec.land_mask_variable],
        "minimum_longitude": r.min_lon,
        "maximum_longitude": r.max_lon,
        "minimum_latitude": r.min_lat,
        "maximum_latitude": r.max_lat,
        "start_datetime": start.isoformat(),
        "end_datetime": start.isoformat(),
        "output_filename": f"{spec.name}_{day:%Y%m%d}.nc",
        "output_directory": str(workdir),
        "overwrite": True,
        "disable_progress_bar": True,
    }
    if spec.depth is not None:
        kwargs["minimum_depth"], kwargs["maximum_depth"] = spec.depth
    return kwargs


class CopernicusMarineSource:
    name = "copernicus"

    def __init__(self, subset=None, today: dt.date | None = None) -> None:  # noqa: ANN001
        if subset is None:
            import copernicusmarine

            subset = copernicusmarine.subset
        self._subset = subset
        self._today = today

    def fetch(self, spec: ProductSpec, day: dt.date, workdir: Path) -> xr.Dataset:
        import copernicusmarine

        try:
            response = self._subset(**subset_kwargs(spec, day, workdir))
        except copernicusmarine.DatasetNotFound as exc:
            raise PermanentError(f"Copernicus Marine has no dataset {spec.dataset_id}") from exc
        path = Path(getattr(response, "file_path", "") or workdir / f"{spec.name}_{day:%Y%m%d}.nc")
        with xr.open_dataset(path) as ds:
            return ds.load()

    def latest_available(self, spec: ProductSpec) -> dt.date:
        # NRT analyses appear the next morning; the product files for yesterday are the newest.
        return (self._today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1)


def description_from_catalogue(catalogue: Any, dataset_id: str) -> DatasetDescription:
    """Flatten ``copernicusmarine.describe()`` output: variables with units, and the time step."""
    variables: dict[str, str | None] = {}
    steps: list[float] = []
    found = False
    for product in catalogue.products:
        for dataset in product.datasets:
            if dataset.dataset_id != dataset_id:
                continue
            found = True
            for version in dataset.versions:
                for part in version.parts:
                    for service in part.services:
                        for variable in service.variables:
                            variables.setdefault(variable.short_name, variable.units)
                            for coord in variable.coordinates or []:
                                if coord.coordinate_id == "time":
                                    step = step_in_days(getattr(coord, "step", None),
                                                        getattr(coord, "coordinate_unit", None),
                                                        getattr(coord, "values", None))
                                    if step:
                                        steps.append(step)
    if not found:
        raise DatasetNotFoundError(dataset_id)
    return DatasetDescription(dataset_id, variables, min(steps) if steps else None)


class CopernicusMarineCatalogue:
    def __init__(self, describe=None) -> None:  # noqa: ANN001
        if describe is None:
            import copernicusmarine

            describe = copernicusmarine.describe
        self._describe = describe

    def describe(self, dataset_id: str) -> DatasetDescription:
        import copernicusmarine

        try:
            catalogue = self._describe(dataset_id=dataset_id, disable_progress_bar=True)
        except copernicusmarine.DatasetNotFound:
            raise DatasetNotFoundError(dataset_id) from None
        return description_from_catalogue(catalogue, dataset_id)
