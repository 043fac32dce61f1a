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


@daily_asset(name="platform_qa_report", group="platform", kinds={"html"},
             automation_condition=dg.AutomationCondition.on_cron("0 7 * * *"),
             description="Daily QA report (HTML): asset x day grid of pass/warn/fail over the trailing window, "
                         "failure reasons and trends, read from recorded asset-check evaluations.")
def platform_qa_report(day: Day) -> DayOutput:
    window = int(load_config("platform").get("qa_report", {}).get("window_days", 7))
    if "check_keys" not in day.shared:
        from ocean_assets.cli._common import load_definitions

        # The whole code location's checks (execute_in_process runs have no repository on the context).
        graph = load_definitions().resolve_asset_graph()
        day.shared["check_keys"] = sorted(graph.asset_check_keys,
                                          key=lambda k: (k.asset_key.to_user_string(), k.name))
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
