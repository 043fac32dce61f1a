"""Asset checks for the ocean domain: per-partition file rules, dataset config, texture rules."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from ocean_assets.core.ocean import validate as rules
from ocean_assets.core.ocean.catalogue import DATASET_CONFIG, validate_product_config
from ocean_assets.core.ocean.chunked import validate_file_auto
from ocean_assets.core.ocean.paths import PRODUCTS, product_path, texture_path
from ocean_assets.core.ocean.texture import texture_outcomes
from ocean_assets.core.outcome import ok
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.defs.ocean.assets import ocean_corruption_report, sst_texture
from ocean_assets.defs.ocean.resources import OceanResource
from ocean_assets.partitions import daily_partitions

FILE_RULES = [
    CheckRule(rules.INTEGRITY, "The file exists, is NetCDF, opens and reads completely (not truncated).", True),
    CheckRule(rules.SCHEMA, "Required variables are present with the product's dims.", True),
    CheckRule(rules.COORDINATES, "Latitude/longitude in range, strictly monotonic, inside the configured region.", True),
    CheckRule(rules.TIME, "Exactly one time step, inside the partition's day.", True),
    CheckRule(rules.UNITS, "Units attributes present and as configured.", True),
    CheckRule(rules.VALUES, "Values plausible (WARN); physically impossible values (+-inf included) or more "
              "than half of the field outside its plausible range are an ERROR that blocks (config: min/max, "
              "physical_min/max).", True),
    CheckRule(rules.NAN_FRACTION, "NaN fraction within the land-aware threshold; an all-NaN field is an ERROR.", True),
]


def build_file_checks(product: str) -> dg.AssetChecksDefinition:
    def evaluate(context, key: str):  # noqa: ANN001
        ocean: OceanResource = context.resources.ocean
        spec = ocean.product(product)
        # in memory, or in dask latitude bands when the day exceeds OCEAN_ASSETS_MEMORY_BUDGET_MB
        outcomes = validate_file_auto(product_path(ocean.data_root(), product, key), spec,
                                      dt.date.fromisoformat(key))
        return {o.rule: o for o in outcomes}

    return partitioned_checks(
        name=f"{product}_file_checks",
        asset=dg.AssetKey(product),
        rules=FILE_RULES,
        partitions_def=daily_partitions,
        evaluate=evaluate,
        required_resource_keys={"ocean"},
    )


def build_dataset_config_check(product: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(product),
        name=DATASET_CONFIG,
        blocking=True,
        description="The configured dataset id exists in the catalogue with the configured "
                    "variables and a daily time step (catches P1M ids on daily products).",
    )
    def _dataset_config(ocean: OceanResource) -> dg.AssetCheckResult:
        spec = ocean.product(product)
        if spec.source != "copernicus":
            outcome = ok(DATASET_CONFIG, f"{spec.dataset_id}: {spec.source} source, not in the "
                         "Copernicus Marine catalogue; validated by its file checks")
        else:
            outcome = validate_product_config(spec, ocean.catalogue(spec).describe)
        return dg.AssetCheckResult(passed=outcome.passed, metadata={"message": outcome.message,
                                   "dataset_id": spec.dataset_id}, description=outcome.message)

    return _dataset_config


file_checks = [build_file_checks(p) for p in PRODUCTS]
dataset_config_checks = [build_dataset_config_check(p) for p in PRODUCTS]


def _texture_evaluate(context, key: str):  # noqa: ANN001
    ocean: OceanResource = context.resources.ocean
    spec, min_cov = ocean.texture_spec()
    return texture_outcomes(texture_path(ocean.data_root(), key), spec, min_cov)


texture_checks = partitioned_checks(
    name="sst_texture_checks",
    asset=sst_texture,
    rules=[CheckRule("texture_file", "A readable RGBA PNG of the configured size.", True),
           CheckRule("ocean_coverage", "Enough pixels carry SST (land/NaN are transparent).")],
    partitions_def=daily_partitions,
    evaluate=_texture_evaluate,
    required_resource_keys={"ocean"},
)


def _report_evaluate(context, key: str):  # noqa: ANN001
    import json

    from ocean_assets.core.ocean.paths import report_path
    from ocean_assets.core.outcome import fail

    ocean: OceanResource = context.resources.ocean
    path = report_path(ocean.data_root(), key)
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return {"no_corrupt_files": fail("no_corrupt_files", f"report unreadable: {exc}")}
    bad = report.get("failing_files", [])
    if bad:
        names = ", ".join(f["file"] for f in bad[:5])
        return {"no_corrupt_files": fail("no_corrupt_files", f"{len(bad)} corrupt or invalid file(s): {names}",
                                         failing=len(bad))}
    return {"no_corrupt_files": ok("no_corrupt_files", f"{report.get('files_checked', 0)} files, none corrupt")}


report_checks = partitioned_checks(
    name="ocean_corruption_report_checks",
    asset=ocean_corruption_report,
    rules=[CheckRule("no_corrupt_files", "The sweep found no corrupt or invalid ocean file.")],
    partitions_def=daily_partitions,
    evaluate=_report_evaluate,
    required_resource_keys={"ocean"},
)
