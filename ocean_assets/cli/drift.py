"""``ocean-assets drift list | mark-false-alarm``: open drift anomalies of the recorded check figures."""

from __future__ import annotations

import datetime as dt

import click


@click.group("drift")
def drift() -> None:
    """Seasonal drift of check figures (docs/drift.md): open anomalies, false-alarm marks."""


@drift.command("list")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3660),
              help="Window of days ending on --end.")
@click.option("--end", help="Last day (YYYY-MM-DD); default today (UTC).")
@click.option("--asset", help="Only this asset.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
def list_anomalies(days: int, end: str | None, asset: str | None, as_json: bool) -> None:
    """Flagged figure-days in the window that are not marked as false alarms (exit 0 either way)."""
    import json

    from ocean_assets.cli._common import parse_date
    from ocean_assets.core.drift.evaluate import open_anomalies
    from ocean_assets.core.drift.history import engine_for

    last = parse_date(end, "--end") or dt.datetime.now(dt.UTC).date()
    found = open_anomalies(engine_for(), last, days, asset)
    for f in found:
        s = f.score
        if as_json:
            click.echo(json.dumps({"asset": f.asset, "check": f.check, "figure": f.figure, **s.to_dict()}))
            continue
        what = "stuck" if s.stuck else f"score {s.score:+.1f}" if s.score is not None else "flagged"
        band = f" expected {s.expected:.6g} [{s.low:.6g}, {s.high:.6g}]" if s.expected is not None else ""
        click.echo(f"{s.day} {f.asset} {f.check}.{f.figure} = {s.value:.6g} {what}{band}")
    if not as_json:
        click.echo(f"{len(found)} open anomal{'y' if len(found) == 1 else 'ies'} in the {days} day(s) to {last}")


@drift.command("mark-false-alarm")
@click.option("--asset", required=True, help="Asset key, e.g. sst.")
@click.option("--figure", required=True, help="Figure name, e.g. mean.")
@click.option("--date", "day", required=True, help="Day (YYYY-MM-DD).")
@click.option("--check", help="Check name (needed when the figure belongs to several checks).")
@click.option("--note", default="", help="Why this is not an anomaly.")
@click.option("--force", is_flag=True, help="Mark a day the drift check did not flag.")
def mark_false_alarm(asset: str, figure: str, day: str, check: str | None, note: str, force: bool) -> None:
    """Mark one figure-day as a false alarm: it leaves the open list and the figure's baseline.
    FIGURE may be written as `drift list` prints it (check.figure)."""
    from ocean_assets.cli._common import parse_date
    from ocean_assets.core.drift.evaluate import figure_scores
    from ocean_assets.core.drift.history import checks_with_figure, engine_for, load_series
    from ocean_assets.core.drift.history import mark_false_alarm as mark

    when = parse_date(day, "--date")
    engine = engine_for()
    checks = checks_with_figure(engine, asset, figure)
    if not checks and check is None and "." in figure:  # "integrity.size_bytes", as listed
        prefix, rest = figure.split(".", 1)
        if prefix in checks_with_figure(engine, asset, rest):
            check, figure, checks = prefix, rest, [prefix]
    if check is None:
        if not checks:
            raise click.UsageError(f"no recorded figure {figure!r} for asset {asset!r}")
        if len(checks) > 1:
            raise click.UsageError(f"figure {figure!r} of {asset!r} belongs to several checks "
                                   f"({', '.join(checks)}): pass --check")
        check = checks[0]
    elif check not in checks:
        raise click.UsageError(f"no recorded figure {figure!r} of check {check!r} for asset {asset!r}")
    if load_series(engine, asset, check, figure, when, when).empty:
        raise click.UsageError(f"no recorded value of {check}.{figure} for asset {asset!r} on {when}")
    flagged = {s.day for s in figure_scores(engine, asset, check, figure, when) if s.flagged}
    if when not in flagged and not force:
        raise click.UsageError(f"{asset} {check}.{figure} was not flagged on {when}; "
                               "--force marks it anyway (the day then leaves the baseline)")
    added = mark(engine, asset, check, figure, when, note)
    click.echo(f"{'marked' if added else 'already marked'}: {asset} {check}.{figure} {when} as a false alarm")


def register(cli: click.Group) -> None:
    cli.add_command(drift)
