"""Checks on the QA report itself: it was written and lists every asset; ERROR failures in its window warn."""


from ocean_assets.core.outcome import fail, ok
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.defs.platform.assets import platform_qa_report, qa_report_path
from ocean_assets.partitions import daily_partitions


def _evaluate(context, key: str):  # noqa: ANN001
    path = qa_report_path(key)
    if not path.exists() or path.stat().st_size == 0:
        return {"report_written": fail("report_written", f"no report at {path}"),
                "no_failed_checks_in_window": fail("no_failed_checks_in_window", "no report", severity="WARN")}
    html = path.read_text()
    fails = html.count('class="fail" title=')
    return {
        "report_written": ok("report_written", f"{path.name}, {len(html) // 1024} KiB"),
        "no_failed_checks_in_window": (
            fail("no_failed_checks_in_window", f"{fails} asset-day(s) with failed ERROR checks in the window",
                 severity="WARN", failing_asset_days=fails)
            if fails else ok("no_failed_checks_in_window", "no failed ERROR checks in the window", severity="WARN")),
    }


qa_report_checks = partitioned_checks(
    name="platform_qa_report_checks",
    asset=platform_qa_report,
    rules=[CheckRule("report_written", "The HTML report exists.", True),
           CheckRule("no_failed_checks_in_window", "WARN when any asset-day in the window failed an ERROR check.")],
    partitions_def=daily_partitions,
    evaluate=_evaluate,
)
