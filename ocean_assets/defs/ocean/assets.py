"""Daily NetCDF products (sst, currents, acidity, microplastics), SST texture, corruption sweep.

Each asset is a function of one day; ``daily_asset`` runs it over the run's days with per-day truth."""

import base64
import hashlib
import json
import tempfile

import dagster as dg

from ocean_assets.core.io import atomic_write_text, writing
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.paths import PRODUCTS, product_path, report_path, texture_path
from ocean_assets.core.ocean.texture import png_bytes, render_texture, write_texture
from ocean_assets.core.retry import call_with_retry
from ocean_assets.dagster_support import Day, DayFailure, DayOutput, daily_asset
from ocean_assets.defs.ocean.records import ocean_sweep
from ocean_assets.defs.ocean.resources import OceanResource

GROUP = "ocean"

DESCRIPTIONS = {
    "sst": "Daily sea surface temperature (OSTIA L4 via Copernicus Marine, or MUR via NOAA ERDDAP), K.",
    "currents": "Daily surface currents uo/vo (Copernicus Marine GLO PHY, top level), m s-1.",
    "acidity": "Daily surface pH (Copernicus Marine GLO BGC carbonate system), global.",
    "microplastics": "Daily microplastic number density (NASA CYGNSS L3 V3.2, found through NASA CMR), km-2.",
}
SOURCE_POOLS = {"sst": "copernicus", "currents": "copernicus", "acidity": "copernicus",
                "microplastics": "cygnss"}


def fetch_product(name: str, day: Day, ocean: OceanResource) -> DayOutput:
    """Download one product for one day and write its NetCDF file (atomically)."""
    spec = ocean.product(name)
    source = ocean.source(spec)
    root = ocean.data_root()
    with writing(root / ".tmp"):  # a read-only or full data root: one permanent error, no retry
        (root / ".tmp").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root / ".tmp") as workdir:
        ds = call_with_retry(lambda: source.fetch(spec, day.date, workdir), ocean.backoff(),
                             retry_on=(OSError, TimeoutError, ConnectionError))
        path = write_product(ds, product_path(root, name, day.date), spec, source=source.name)
    return DayOutput(files=[path], metadata={
        "source": source.name, "dataset_id": spec.dataset_id,
        "grid": "x".join(str(ds.sizes[d]) for d in (spec.lat, spec.lon))})


def build_product_asset(name: str) -> dg.AssetsDefinition:
    @daily_asset(name=name, group=GROUP, description=DESCRIPTIONS[name], kinds={"netcdf", "xarray"},
                 pool=SOURCE_POOLS[name], remote=True,
                 metadata={"path_template": f"ocean/{name}/{{YYYY}}/{name}_{{YYYYMMDD}}.nc"})
    def _product(day: Day, ocean: OceanResource) -> DayOutput:
        return fetch_product(name, day, ocean)

    return _product


sst, currents, acidity, microplastics = (build_product_asset(p) for p in PRODUCTS)


@daily_asset(name="sst_texture", group=GROUP, deps=[sst], kinds={"png"},
             automation_condition=dg.AutomationCondition.eager(),
             description="Daily SST texture for 3D globes: equirectangular RGBA PNG, land/NaN transparent.")
def sst_texture(day: Day, ocean: OceanResource) -> DayOutput:
    import xarray as xr

    spec, _ = ocean.texture_spec()
    sst_spec = ocean.product("sst")
    root = ocean.data_root()
    source = product_path(root, "sst", day.date)
    if not source.exists():
        raise DayFailure(f"no SST file for {day.key} ({source.name}): materialize sst first")
    with xr.open_dataset(source) as ds:
        rgba, stats = render_texture(ds.load(), sst_spec.variable_names[0], spec, sst_spec.lat, sst_spec.lon)
    path = write_texture(rgba, texture_path(root, day.date))
    preview = base64.b64encode(png_bytes(rgba, max_width=360)).decode()
    return DayOutput(files=[path],
                     metadata={"size": f"{spec.width}x{spec.height}", "colormap": spec.colormap,
                               "ocean_coverage": round(float(stats["ocean_coverage"]), 4)},
                     preview=f"![SST texture {day.key}](data:image/png;base64,{preview})")


def _markdown_table(rows: list[dict]) -> str:
    if not rows:
        return "_none_"
    head = "| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]) + "\n"
    return head + "\n".join("| " + " | ".join(str(v) for v in r.values()) + " |" for r in rows)


@daily_asset(name="ocean_corruption_report", group=GROUP, deps=[sst, currents, acidity, microplastics],
             kinds={"json"}, automation_condition=dg.AutomationCondition.eager(),
             description="Corruption sweep over every materialized ocean file (the reference's "
                         "comprehensive_corruption_check): JSON report, failing files in metadata.")
def ocean_corruption_report(day: Day, ocean: OceanResource) -> DayOutput:
    """One sweep per run (it covers the whole archive), written as the report of every day of the run."""
    root = ocean.data_root()
    if "report" not in day.shared:  # content vs the recorded sha256, missing files of materialized days
        day.shared["report"] = ocean_sweep(day.context.instance, ocean)
    report = day.shared["report"]
    text = json.dumps(report, indent=2, sort_keys=True)
    path = report_path(root, day.date)
    atomic_write_text(path, text)
    bad = report["failing_files"]
    rows = [{"file": f["file"], "failed_rules": ", ".join(f["failed_rules"]), "reason": f["reason"][:120]}
            for f in bad[:50]]
    return DayOutput(
        files=[path],
        metadata={"files_checked": report["files_checked"], "files_failing": len(bad),
                  "files_revalidated": report["files_revalidated"],
                  "files_missing": report["files_missing"], "to_repair": len(report["repair"]),
                  "by_product": dg.MetadataValue.json(report["by_product"])},
        version=hashlib.sha256(text.encode()).hexdigest(),
        preview=_markdown_table(rows))



