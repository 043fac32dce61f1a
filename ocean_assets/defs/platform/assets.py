"""The daily platform QA report asset: every check of every domain, from the instance's history."""

import base64
import datetime as dt
import hashlib

import dagster as dg

from ocean_assets.config import load_config
from ocean_assets.core.io import atomic_write_text
from ocean_assets.core.platform.qa_report import build_report, render_html
from ocean_assets.defs.platform.history import check_history
from ocean_assets.partitions import DAILY_FRESHNESS, daily_partitions
from ocean_assets.settings import get_settings


def qa_report_path(day: str):  # noqa: ANN201
    return get_settings().data_root / "qa" / f"qa_report_{day.replace('-', '')}.html"


@dg.asset(
    group_name="platform",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"html"},
    owners=["team:platform"],
    freshness_policy=DAILY_FRESHNESS,
    code_version="1",
    automation_condition=dg.AutomationCondition.on_cron("0 7 * * *"),
    description="Daily QA report (HTML): asset x day grid of pass/warn/fail over the trailing window, "
                "failure reasons and trends, read from recorded asset-check evaluations.",
)
def platform_qa_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    window = int(load_config("platform").get("qa_report", {}).get("window_days", 7))
    from ocean_assets.cli._common import load_definitions

    # The whole code location's checks (execute_in_process runs have no repository on the context).
    graph = load_definitions().resolve_asset_graph()
    check_keys = sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name))
    assets = sorted({k.asset_key.to_user_string() for k in check_keys})
    keys = context.partition_keys
    last = None
    for key in keys:
        end = dt.date.fromisoformat(key)
        start = end - dt.timedelta(days=window - 1)
        report = build_report(check_history(context.instance, check_keys, start, end), start, end, assets)
        text = render_html(report)
        atomic_write_text(qa_report_path(key), text)
        last = (report, text)
    report, text = last
    fails = [f"{r.partition} {r.asset}.{r.check}: {r.message[:100]}" for r in report.failures if r.status == "fail"]
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(qa_report_path(keys[-1]))),
            "window": f"{report.start} .. {report.end}",
            "pass": report.counts.get("pass", 0), "warn": report.counts.get("warn", 0),
            "fail": report.counts.get("fail", 0), "not_checked": report.counts.get("missing", 0),
            "failures": dg.MetadataValue.md("\n".join(f"- {f}" for f in fails[:30]) or "_none_"),
        },
        data_version=dg.DataVersion(hashlib.sha256(base64.b64encode(text.encode())).hexdigest()),
    )


platform_daily = dg.define_asset_job(
    "platform_daily",
    selection=dg.AssetSelection.groups("platform"),
    partitions_def=daily_partitions,
    tags={"ocean_assets/main_job": "platform"},
    description="The platform QA report for one day (runs after the domain jobs).",
)
