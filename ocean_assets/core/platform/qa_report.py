"""The platform QA report: an asset x day grid of pass / warn / fail built from recorded asset-check
evaluations (never re-computed), each failure's reason, pass-rate trends per check, and plots."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field

STATUS_ORDER = {"missing": 0, "pass": 1, "warn": 2, "fail": 3}
COLORS = {"pass": "#2e7d32", "warn": "#f9a825", "fail": "#c62828", "missing": "#e0e0e0"}


@dataclass(frozen=True)
class CheckRecord:
    """One recorded evaluation: the latest for its (asset, check, partition)."""

    asset: str
    check: str
    partition: str
    passed: bool
    severity: str  # "ERROR" | "WARN"
    message: str = ""
    timestamp: float = 0.0
    run_id: str = ""

    @property
    def status(self) -> str:
        if self.passed:
            return "pass"
        return "fail" if self.severity == "ERROR" else "warn"


@dataclass
class QAReport:
    start: dt.date
    end: dt.date
    days: list[str]
    assets: list[str]
    grid: dict[str, dict[str, str]]                   # asset -> day -> status
    failures: list[CheckRecord]
    trends: dict[str, dict[str, float | None]]        # "asset.check" -> day -> pass rate (0..1)
    counts: dict[str, int] = field(default_factory=dict)


def latest_per_partition(records: list[CheckRecord]) -> list[CheckRecord]:
    latest: dict[tuple[str, str, str], CheckRecord] = {}
    for r in records:
        key = (r.asset, r.check, r.partition)
        if key not in latest or r.timestamp >= latest[key].timestamp:
            latest[key] = r
    return list(latest.values())


def build_report(records: list[CheckRecord], start: dt.date, end: dt.date,
                 assets: list[str] | None = None) -> QAReport:
    """Aggregate the latest evaluation per (asset, check, day) in [start, end]."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    in_range = [r for r in latest_per_partition(records) if r.partition in set(days)]
    names = sorted(set(assets or []) | {r.asset for r in in_range})
    grid = {a: {d: "missing" for d in days} for a in names}
    per_check: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for r in in_range:
        if STATUS_ORDER[r.status] > STATUS_ORDER[grid[r.asset][r.partition]]:
            grid[r.asset][r.partition] = r.status
        per_check[f"{r.asset}.{r.check}"][r.partition].append(r.passed)
    trends = {
        check: {d: (sum(v) / len(v) if (v := by_day.get(d)) else None) for d in days}
        for check, by_day in sorted(per_check.items())
    }
    failures = sorted((r for r in in_range if not r.passed),
                      key=lambda r: (r.partition, r.severity != "ERROR", r.asset, r.check))
    counts = {s: sum(1 for row in grid.values() for v in row.values() if v == s) for s in STATUS_ORDER}
    return QAReport(start, end, days, names, grid, failures, trends, counts)


def _png(fig) -> str:  # noqa: ANN001
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def plots(report: QAReport) -> dict[str, str]:
    """Base64 PNGs: the status heatmap and the daily pass rate of every check."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    out: dict[str, str] = {}
    if report.assets:
        values = [[STATUS_ORDER[report.grid[a][d]] for d in report.days] for a in report.assets]
        fig, ax = plt.subplots(figsize=(max(4, 0.35 * len(report.days) + 2), 0.35 * len(report.assets) + 1))
        ax.imshow(values, cmap=ListedColormap([COLORS[s] for s in STATUS_ORDER]), vmin=0, vmax=3, aspect="auto")
        ax.set_yticks(range(len(report.assets)), report.assets)
        step = max(1, len(report.days) // 10)
        ax.set_xticks(range(0, len(report.days), step), report.days[::step], rotation=45, ha="right")
        ax.set_title("worst check status per asset and day")
        out["heatmap"] = _png(fig)
        plt.close(fig)
    if report.trends:
        fig, ax = plt.subplots(figsize=(8, 3))
        x = range(len(report.days))
        overall: list[float] = []
        for d in report.days:
            rates = [r for t in report.trends.values() if (r := t[d]) is not None]
            overall.append(sum(rates) / len(rates) if rates else math.nan)
        for name, series in report.trends.items():
            if any(v is not None and v < 1 for v in series.values()):
                ax.plot(x, [math.nan if (v := series[d]) is None else v for d in report.days],
                        marker=".", label=name)
        ax.plot(x, overall, color="black", linewidth=2, label="all checks")
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel("pass rate")
        step = max(1, len(report.days) // 10)
        ax.set_xticks(range(0, len(report.days), step), report.days[::step], rotation=45, ha="right")
        ax.legend(fontsize=7, loc="lower left")
        out["trend"] = _png(fig)
        plt.close(fig)
    return out


def render_html(report: QAReport, title: str = "ocean-assets QA report", extra_html: str = "") -> str:
    """The report page; ``extra_html`` (e.g. the drift section) goes after the plots."""
    e = html.escape
    images = plots(report)
    head = "".join(f"<th>{e(d[5:])}</th>" for d in report.days)
    rows = "".join(
        f"<tr><th>{e(a)}</th>" + "".join(
            f'<td class="{s}" title="{e(a)} {d}: {s}">{s[0].upper() if s != "missing" else ""}</td>'
            for d, s in report.grid[a].items()) + "</tr>"
        for a in report.assets)
    failures = "".join(
        f"<tr><td>{e(r.partition)}</td><td>{e(r.asset)}</td><td>{e(r.check)}</td>"
        f'<td class="{r.status}">{r.severity}</td><td>{e(r.message)}</td><td><code>{e(r.run_id[:8])}</code></td></tr>'
        for r in report.failures)
    trend_rows = "".join(
        f"<tr><td>{e(name)}</td>" + "".join(
            f"<td>{'' if v is None else f'{v:.0%}'}</td>" for v in series.values()) + "</tr>"
        for name, series in report.trends.items() if any(v is not None and v < 1 for v in series.values()))
    imgs = "".join(f'<img alt="{k}" src="data:image/png;base64,{v}">' for k, v in images.items())
    c = report.counts
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{e(title)}</title><style>
body{{font-family:system-ui,sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:2px 6px;font-size:12px;text-align:center}} td:last-child{{text-align:left}}
.pass{{background:{COLORS['pass']};color:#fff}} .warn{{background:{COLORS['warn']}}}
.fail{{background:{COLORS['fail']};color:#fff}} .missing{{background:{COLORS['missing']}}}
.kpi{{display:inline-block;margin-right:2em;font-size:18px}}</style></head><body>
<h1>{e(title)}</h1><p>{report.start} .. {report.end}: {len(report.assets)} assets x {len(report.days)} days,
from recorded asset-check evaluations.</p>
<div><span class="kpi">pass {c.get('pass', 0)}</span><span class="kpi">warn {c.get('warn', 0)}</span>
<span class="kpi">fail {c.get('fail', 0)}</span><span class="kpi">not checked {c.get('missing', 0)}</span></div>
<h2>Asset x day</h2><table><tr><th>asset</th>{head}</tr>{rows}</table>
<h2>Failures and warnings ({len(report.failures)})</h2>
<table><tr><th>day</th><th>asset</th><th>check</th><th>severity</th><th>reason</th><th>run</th></tr>{failures}</table>
<h2>Checks below 100% (daily pass rate)</h2><table><tr><th>check</th>{head}</tr>{trend_rows}</table>
<h2>Plots</h2>{imgs}{extra_html}</body></html>"""
