"""Daily NetCDF products (sst, currents, acidity, microplastics), SST texture, corruption sweep."""


import base64
import datetime as dt
import hashlib
import json
import tempfile

import dagster as dg

from ocean_assets.core.io import atomic_write_text, sha256_file, writing
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import PRODUCTS, product_path, report_path, texture_path
from ocean_assets.core.ocean.texture import png_bytes, render_texture, write_texture
from ocean_assets.core.retry import call_with_retry
from ocean_assets.dagster_support import REMOTE_RETRY, fail_permanently, run_partition_keys
from ocean_assets.defs.ocean.records import ocean_sweep
from ocean_assets.defs.ocean.resources import OceanResource
from ocean_assets.partitions import DAILY_FRESHNESS, daily_partitions

GROUP = "ocean"
OWNERS = ["team:ocean-data"]
SINGLE_RUN = dg.BackfillPolicy.single_run()

DESCRIPTIONS = {
    "sst": "Daily sea surface temperature (OSTIA L4 via Copernicus Marine, or MUR via NOAA ERDDAP), K.",
    "currents": "Daily surface currents uo/vo (Copernicus Marine GLO PHY, top level), m s-1.",
    "acidity": "Daily surface pH (Copernicus Marine GLO BGC carbonate system), global.",
    "microplastics": "Daily microplastic number density (NASA CYGNSS L3), #/km^2.",
}
SOURCE_POOLS = {"sst": "copernicus", "currents": "copernicus", "acidity": "copernicus",
                "microplastics": "cygnss"}


def combined_version(digests: list[str]) -> str:
    """One data version for a run over several days: the sha256 of the per-file sha256s."""
    return digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()


def build_product_asset(name: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=name,
        group_name=GROUP,
        partitions_def=daily_partitions,
        backfill_policy=SINGLE_RUN,
        retry_policy=REMOTE_RETRY,
        pool=SOURCE_POOLS[name],
        kinds={"netcdf", "xarray"},
        owners=OWNERS,
        code_version="1",
        description=DESCRIPTIONS[name],
        metadata={"path_template": f"ocean/{name}/{{YYYY}}/{name}_{{YYYYMMDD}}.nc"},
        freshness_policy=DAILY_FRESHNESS,
    )
    def _product(context: dg.AssetExecutionContext, ocean: OceanResource) -> dg.MaterializeResult:
        spec = ocean.product(name)
        source = ocean.source(spec)
        root = ocean.data_root()
        rows, digests, total = [], [], 0
        keys = run_partition_keys(context)
        with fail_permanently(), writing(root / ".tmp"):  # a read-only or full data root: no retry
            (root / ".tmp").mkdir(parents=True, exist_ok=True)
        for i, key in enumerate(keys, 1):
            day = dt.date.fromisoformat(key)
            # 404, bad credentials, disk full: fail_permanently (a retry cannot help)
            with tempfile.TemporaryDirectory(dir=root / ".tmp") as workdir, fail_permanently(f"{name} {key}: "):
                ds = call_with_retry(lambda d=day, w=workdir: source.fetch(spec, d, w),
                                     ocean.backoff(), retry_on=(OSError, TimeoutError, ConnectionError))
                path = write_product(ds, product_path(root, name, day), spec, source=source.name)
            digest = sha256_file(path)
            size = path.stat().st_size
            total += size
            digests.append(digest)
            rows.append({"day": key, "size_bytes": size, "sha256": digest[:16],
                         "grid": "x".join(str(ds.sizes[d]) for d in (spec.lat, spec.lon))})
            context.log.info(f"[{i}/{len(keys)}] {name} {key}: {size / 1e6:.2f} MB from {source.name}")
        metadata = {
            "source": source.name,
            "dataset_id": spec.dataset_id,
            "days": len(keys),
            "time_coverage": f"{keys[0]} .. {keys[-1]}" if keys else "",
            "total_bytes": total,
            "files": dg.MetadataValue.md(_markdown_table(rows)),
        }
        if len(keys) == 1:
            metadata["path"] = dg.MetadataValue.path(str(product_path(root, name, keys[0])))
            metadata["sha256"] = digests[0]
        return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(combined_version(digests)))

    return _product


def _markdown_table(rows: list[dict]) -> str:
    if not rows:
        return "_no files_"
    head = "| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]) + "\n"
    shown = rows if len(rows) <= 40 else rows[:20] + rows[-20:]
    return head + "\n".join("| " + " | ".join(str(v) for v in r.values()) + " |" for r in shown)


sst, currents, acidity, microplastics = (build_product_asset(p) for p in PRODUCTS)


@dg.asset(
    group_name=GROUP,
    deps=[sst],
    partitions_def=daily_partitions,
    backfill_policy=SINGLE_RUN,
    kinds={"png"},
    owners=OWNERS,
    code_version="1",
    automation_condition=dg.AutomationCondition.eager(),
    freshness_policy=DAILY_FRESHNESS,
    description="Daily SST texture for 3D globes: equirectangular RGBA PNG, land/NaN transparent.",
)
def sst_texture(context: dg.AssetExecutionContext, ocean: OceanResource) -> dg.MaterializeResult:
    import xarray as xr

    spec, _ = ocean.texture_spec()
    sst_spec = ocean.product("sst")
    root = ocean.data_root()
    keys = run_partition_keys(context)
    digests, coverage, preview = [], [], b""
    for key in keys:
        with xr.open_dataset(product_path(root, "sst", key)) as ds:
            rgba, stats = render_texture(ds.load(), sst_spec.variable_names[0], spec, sst_spec.lat, sst_spec.lon)
        path = write_texture(rgba, texture_path(root, key))
        digests.append(sha256_file(path))
        coverage.append(stats["ocean_coverage"])
        preview = png_bytes(rgba, max_width=360)
    metadata = {
        "days": len(keys),
        "size": f"{spec.width}x{spec.height}",
        "colormap": spec.colormap,
        "ocean_coverage_min": round(min(coverage), 4) if coverage else 0.0,
        "preview": dg.MetadataValue.md(
            f"![SST texture {keys[-1] if keys else ''}](data:image/png;base64,{base64.b64encode(preview).decode()})"),
    }
    if len(keys) == 1:
        metadata["path"] = dg.MetadataValue.path(str(texture_path(root, keys[0])))
        metadata["sha256"] = digests[0]  # the corruption sweep's reference
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(combined_version(digests)))


@dg.asset(
    group_name=GROUP,
    deps=[sst, currents, acidity, microplastics],
    partitions_def=daily_partitions,
    backfill_policy=SINGLE_RUN,
    kinds={"json"},
    owners=OWNERS,
    code_version="1",
    automation_condition=dg.AutomationCondition.eager(),
    freshness_policy=DAILY_FRESHNESS,
    description="Corruption sweep over every materialized ocean file (the reference's "
                "comprehensive_corruption_check): JSON report per day, failing files in metadata.",
)
def ocean_corruption_report(context: dg.AssetExecutionContext, ocean: OceanResource) -> dg.MaterializeResult:
    root = ocean.data_root()
    report = ocean_sweep(context.instance, ocean)  # content vs recorded sha256, missing files
    text = json.dumps(report, indent=2, sort_keys=True)
    keys = run_partition_keys(context)
    for key in keys:
        atomic_write_text(report_path(root, key), text)
    bad = report["failing_files"]
    rows = [{"file": f["file"], "failed_rules": ", ".join(f["failed_rules"]), "reason": f["reason"][:120]}
            for f in bad[:50]]
    return dg.MaterializeResult(
        metadata={
            "files_checked": report["files_checked"],
            "files_failing": len(bad),
            "files_revalidated": report["files_revalidated"],
            "files_missing": report["files_missing"],
            "to_repair": len(report["repair"]),
            "by_product": dg.MetadataValue.json(report["by_product"]),
            "failing": dg.MetadataValue.md(_markdown_table(rows) if rows else "_none_"),
            "report": dg.MetadataValue.path(str(report_path(root, keys[-1]))) if keys else "",
        },
        data_version=dg.DataVersion(hashlib.sha256(text.encode()).hexdigest()),
    )
