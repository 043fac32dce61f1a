"""The dashboard's drift section: open anomalies of the recorded check figures and, per figure, its
series with the expected band and flagged days. Reads the project's database read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd


def anomalies_frame(engine: Any, end: dt.date, days: int) -> pd.DataFrame:
    from ocean_assets.core.drift.evaluate import open_anomalies

    return pd.DataFrame([{"day": a.score.day, "asset": a.asset, "figure": f"{a.check}.{a.figure}",
                          "value": a.score.value, "expected": a.score.expected, "low": a.score.low,
                          "high": a.score.high, "score": a.score.score, "stuck": a.score.stuck}
                         for a in open_anomalies(engine, end, days)])


def figure_frame(engine: Any, asset: str, check: str, figure: str, end: dt.date, days: int) -> pd.DataFrame:
    from ocean_assets.core.drift.evaluate import figure_scores

    scores = [s for s in figure_scores(engine, asset, check, figure, end) if s.day > end - dt.timedelta(days=days)]
    frame = pd.DataFrame([{"day": s.day, "value": s.value, "low": s.low, "high": s.high,
                           "flagged": s.value if s.flagged else None} for s in scores])
    return frame.set_index("day") if not frame.empty else frame


def render_drift(st: Any, days: int) -> None:
    """A "Drift of check figures" section (an expander), never an error page."""
    with st.expander("Drift of check figures", expanded=False):
        try:
            from ocean_assets.core.drift.history import figures_of
            from ocean_assets.db.engine import get_readonly_engine

            engine = get_readonly_engine()
            end = dt.datetime.now(dt.UTC).date()
            anomalies = anomalies_frame(engine, end, days)
            st.metric("Open drift anomalies in window", len(anomalies))
            if not anomalies.empty:
                st.dataframe(anomalies, hide_index=True)
            keys = figures_of(engine)
            if not keys:
                st.info("No check figures recorded yet.")
                return
            labels = [f"{a} {c}.{f}" for a, c, f in keys]
            choice = st.selectbox("Figure", labels)
            asset, check, figure = keys[labels.index(choice)]
            frame = figure_frame(engine, asset, check, figure, end, max(days, 90))
            if frame.empty:
                st.info("No values in this window.")
            else:
                st.line_chart(frame[["value", "low", "high"]])
                st.caption(f"flagged days: {', '.join(str(d) for d in frame.index[frame['flagged'].notna()]) or 'none'}")
        except Exception as exc:  # noqa: BLE001 (the dashboard keeps working without the drift tables)
            st.info(f"Drift is not available: {type(exc).__name__}")
