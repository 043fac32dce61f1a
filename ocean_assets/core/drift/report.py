"""The QA report's "drift" section: open anomalies, and per figure its series with the expected
band and the flagged days (small PNGs; a table when matplotlib is missing)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io

import numpy as np
from sqlalchemy import Engine

from ocean_assets.core.drift.evaluate import FigureDrift, figure_scores, open_anomalies
from ocean_assets.core.drift.history import figures_of
from ocean_assets.core.drift.score import DayScore

CONTEXT_DAYS = 90   # days of series shown per figure
MAX_PLOTS = 12      # figures plotted: flagged ones first


def _png(scores: list[DayScore], title: str) -> str | None:
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def dates(items: list[DayScore]) -> np.ndarray:
        return np.array([s.day for s in items], dtype="datetime64[D]")

    def numbers(values: list[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    fig, ax = plt.subplots(figsize=(6, 1.8))
    band = [s for s in scores if s.low is not None]
    if band:
        ax.fill_between(dates(band), numbers([s.low for s in band]), numbers([s.high for s in band]),
                        color="#9ecae1", alpha=0.6, label="expected band", step="mid")
    ax.plot(dates(scores), numbers([s.value for s in scores]), color="#333", linewidth=1, label="value")
    flagged = [s for s in scores if s.flagged]
    ax.scatter(dates(flagged), numbers([s.value for s in flagged]), color="#d62728", s=14, zorder=3,
               label="flagged")
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="upper left")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def drift_section_html(engine: Engine, start: dt.date, end: dt.date) -> str:
    e = html.escape
    days = (end - start).days + 1
    anomalies = open_anomalies(engine, end, days)
    rows = "".join(
        f"<tr><td>{a.score.day}</td><td>{e(a.asset)}</td><td>{e(a.check)}.{e(a.figure)}</td>"
        f"<td>{a.score.value:.6g}</td><td>{_expected(a)}</td>"
        f"<td class=\"warn\">{'stuck' if a.score.stuck else _fmt(a.score.score)}</td></tr>" for a in anomalies)
    flagged_keys = {(a.asset, a.check, a.figure) for a in anomalies}
    keys = sorted(figures_of(engine), key=lambda k: (k not in flagged_keys, k))[:MAX_PLOTS]
    blocks = []
    for asset, check, figure in keys:
        scores = [s for s in figure_scores(engine, asset, check, figure, end)
                  if s.day > end - dt.timedelta(days=CONTEXT_DAYS)]
        if not scores:
            continue
        title = f"{asset} {check}.{figure}"
        image = _png(scores, title)
        if image:
            blocks.append(f'<img alt="{e(title)}" src="data:image/png;base64,{image}">')
        else:
            blocks.append(f"<h3>{e(title)}</h3><table><tr><th>day</th><th>value</th><th>expected band</th>"
                          "<th>flagged</th></tr>" + "".join(
                              f"<tr><td>{s.day}</td><td>{s.value:.6g}</td><td>{_band(s)}</td>"
                              f"<td>{'yes' if s.flagged else ''}</td></tr>" for s in scores[-days:]) + "</table>")
    return (f"<h2>Drift ({len(anomalies)} open anomal{'y' if len(anomalies) == 1 else 'ies'})</h2>"
            "<p>Figure-days outside their seasonal expected band, or stuck, not marked as false alarms "
            "(<code>ocean-assets drift mark-false-alarm</code>).</p>"
            "<table><tr><th>day</th><th>asset</th><th>figure</th><th>value</th><th>expected [band]</th>"
            f"<th>score</th></tr>{rows}</table>"
            f"<h3>Figures (last {CONTEXT_DAYS} days; flagged first, at most {MAX_PLOTS})</h3>{''.join(blocks)}")


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def _band(s: DayScore) -> str:
    return "" if s.low is None or s.high is None else f"{s.low:.6g} .. {s.high:.6g}"


def _expected(a: FigureDrift) -> str:
    s = a.score
    return "" if s.expected is None else f"{s.expected:.6g} [{_band(s)}]"


def drift_section_or_note(start: dt.date, end: dt.date) -> str:
    """The section from the project's database; a one-line note when it cannot be read."""
    try:
        from ocean_assets.core.drift.history import engine_for

        return drift_section_html(engine_for(), start, end)
    except Exception as exc:  # noqa: BLE001 (the report is still useful without its drift section)
        from ocean_assets.core.redact import redact

        reason = redact(str(exc)).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return f"<h2>Drift</h2><p>not available: {html.escape(type(exc).__name__)}: {html.escape(reason)}</p>"
