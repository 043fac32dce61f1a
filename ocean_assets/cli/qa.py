"""``ocean-assets qa-report``: the QA report for a date range, from the instance's check history."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("qa-report")
@click.option("--start", required=True, help="First day (YYYY-MM-DD).")
@click.option("--end", required=True, help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write (default: data/qa/qa_report_{start}_{end}.html).")
def qa_report(start: str, end: str, out: Path | None) -> None:
    """Build the QA report (asset x day pass/warn/fail, reasons, trends) from recorded checks."""
    from ocean_assets.cli._common import get_instance, parse_date
    from ocean_assets.location import load_definitions

    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if last < first:
        raise click.UsageError(f"--end {last} is before --start {first}")
    if (last - first).days > 3660:
        raise click.UsageError("the range is limited to 10 years")
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ocean_assets.core.io import atomic_write_text
    from ocean_assets.core.platform.qa_report import build_report, render_html
    from ocean_assets.defs.platform.history import check_history
    from ocean_assets.settings import get_settings
    graph = load_definitions().resolve_asset_graph()
    check_keys = sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name))
    assets = sorted({k.asset_key.to_user_string() for k in check_keys})
    records = check_history(get_instance(), check_keys, first, last)
    report = build_report(records, first, last, assets)
    path = out or get_settings().data_root / "qa" / f"qa_report_{first:%Y%m%d}_{last:%Y%m%d}.html"
    from ocean_assets.core.drift.report import drift_section_or_note

    atomic_write_text(path, render_html(report, extra_html=drift_section_or_note(first, last)))
    console = Console(width=None if sys.stdout.isatty() else 140)
    table = Table("asset", "pass", "warn", "fail", "not checked")
    for asset in report.assets:
        row = list(report.grid[asset].values())
        table.add_row(asset, *(str(row.count(s)) for s in ("pass", "warn", "fail", "missing")))
    console.print(table)
    for r in report.failures[:15]:
        console.print(f"  {r.status.upper()} {r.partition} {r.asset}.{r.check}: {escape(r.message[:120])}")
    console.print(f"{len(records)} evaluations over {len(report.days)} day(s); report: {path}")


def register(cli: click.Group) -> None:
    cli.add_command(qa_report)
