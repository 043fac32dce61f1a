"""The daily platform QA report asset: every check of every domain, from the instance's history."""

import datetime as dt

import dagster as dg

from ocean_assets.config import load_config
from ocean_assets.core.io import atomic_write_text
from ocean_assets.core.platform.qa_report import build_report, render_html
from ocean_assets.dagster_support import Day, DayOutput, daily_asset
from ocean_assets.dagster_support.policy import domain_job, freshness_checks_for
from ocean_assets.defs.platform.history import check_history
from ocean_assets.settings import get_settings


def qa_report_path(day: str):  # noqa: ANN201
    return get_settings().data_root / "qa" / f"qa_report_{day.replace('-', '')}.html"


def location_check_keys(context: dg.AssetExecutionContext) -> list[dg.AssetCheckKey]:
    """Every asset check of the code location the run's job was built from, read from the run's
    own context (nothing is reloaded). The job's asset graph holds only its own assets; the graph
    it was scoped from (``source_asset_graph``) is the code location's, in every kind of run:
    launched by the daemon or ``dg launch`` (which also set ``context.repository_def``) or
    ``execute_in_process`` (which does not)."""
    graph = context.job_def.asset_layer.asset_graph
    while (parent := getattr(graph, "source_asset_graph", None)) is not None and parent is not graph:
        graph = parent
    return sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name))


@daily_asset(name="platform_qa_report", group="platform", kinds={"html"},
             automation_condition=dg.AutomationCondition.on_cron("0 7 * * *"),
             description="Daily QA report (HTML): asset x day grid of pass/warn/fail over the trailing window, "
                         "failure reasons and trends, read from recorded asset-check evaluations.")
def platform_qa_report(day: Day) -> DayOutput:
    window = load_config("platform")["qa_report"]["window_days"]
    if "check_keys" not in day.shared:
        day.shared["check_keys"] = location_check_keys(day.context)
    check_keys = day.shared["check_keys"]
    assets = sorted({k.asset_key.to_user_string() for k in check_keys})
    start = day.date - dt.timedelta(days=window - 1)
    report = build_report(check_history(day.context.instance, check_keys, start, day.date), start, day.date,
                          assets)
    from ocean_assets.core.drift.report import drift_section_or_note

    text = render_html(report, extra_html=drift_section_or_note(start, day.date))
    path = qa_report_path(day.key)
    atomic_write_text(path, text)
    fails = [f"{r.partition} {r.asset}.{r.check}: {r.message[:100]}" for r in report.failures if r.status == "fail"]
    return DayOutput(files=[path], metadata={
        "window": f"{report.start} .. {report.end}",
        "pass": report.counts.get("pass", 0), "warn": report.counts.get("warn", 0),
        "fail": report.counts.get("fail", 0), "not_checked": report.counts.get("missing", 0)},
        preview="\n".join(f"- {f}" for f in fails[:30]) or "_no failures_")


platform_freshness = freshness_checks_for([platform_qa_report])
platform_daily = domain_job("platform_daily", "platform", freshness=platform_freshness,
                            description="The platform QA report for one day (runs after the domain jobs).")
