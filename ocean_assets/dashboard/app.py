"""Reef health dashboard: live map, time series, anomalies and statistics, read from the API."""

from __future__ import annotations

import os

import pandas as pd
import requests
import streamlit as st

from ocean_assets.dashboard.basemap import reef_map

API = os.environ.get("OCEAN_ASSETS_API_URL", "http://127.0.0.1:8000").rstrip("/")


def get(path: str, **params):  # noqa: ANN003, ANN201
    response = requests.get(f"{API}{path}", params=params, timeout=10)
    response.raise_for_status()
    return response.json()


st.set_page_config(page_title="Reef health", layout="wide")
st.title("Coral reef health")
days = st.sidebar.slider("Days", min_value=1, max_value=90, value=7)

try:
    health = get("/health")
except requests.RequestException as exc:
    st.error(f"The API at {API} is not reachable ({type(exc).__name__}). Start it with `ocean-assets api`.")
    st.stop()

st.caption(f"latest scored day: {health.get('latest_day') or 'none yet'}")
tab_map, tab_series, tab_anomalies, tab_stats = st.tabs(["Live map", "Time series", "Anomalies", "Statistics"])

# NOAA CRW Bleaching Alert Area levels 0-7 (since December 2023), names and colours from the API.
levels = {int(level["code"]): level for level in get("/alert-levels")}


def alert_name(code: object) -> str:
    return levels[int(code)]["name"] if int(code) in levels else f"unknown ({code})"


with tab_map:
    reefs = pd.DataFrame(get("/reefs", limit=1000)["items"])
    if reefs.empty:
        st.info("No reef scores yet: materialize the reef_health assets for a day.")
    else:
        # offline: no tile server, a bundled Natural Earth coastline under the reefs
        st.pydeck_chart(reef_map(reefs, {code: level["colour"] for code, level in levels.items()}))
        st.metric("Reefs", len(reefs))
        st.metric("Anomalous", int(reefs["anomaly"].sum()))
        counts = reefs["alert_level"].astype(int).value_counts()
        st.caption("CRW Bleaching Alert Area (colour on the map)")
        st.dataframe(pd.DataFrame({"level": list(levels), "alert": [lv["name"] for lv in levels.values()],
                                   "colour": [lv["colour"] for lv in levels.values()],
                                   "reefs": [int(counts.get(code, 0)) for code in levels]}), hide_index=True)

with tab_series:
    series = pd.DataFrame(get("/data/timeseries", days=days))
    if series.empty:
        st.info("No data in this window.")
    else:
        series = series.set_index("date")
        st.subheader("Mean SST (degC) and DHW")
        st.line_chart(series[["sst", "dhw"]])
        st.subheader("Mean health score")
        st.line_chart(series[["health_score"]])
        st.subheader("Mean pH")
        st.line_chart(series[["ph"]])

with tab_anomalies:
    page = get("/data/anomalies", days=days, limit=500)
    st.metric("Anomalies in window", page["total"])
    frame = pd.DataFrame(page["items"])
    if not frame.empty:
        frame["alert"] = frame["alert_level"].map(alert_name)
        st.dataframe(frame[["date", "reef_id", "sst", "sst_anomaly", "dhw", "alert_level", "alert", "stress_score",
                            "score"]])

with tab_stats:
    stats = get("/stats", days=days)
    cols = st.columns(4)
    cols[0].metric("Records", stats.get("records", 0))
    cols[1].metric("Mean SST", f"{stats['avg_sst']:.2f} degC" if stats.get("avg_sst") is not None else "-")
    cols[2].metric("Mean pH", f"{stats['avg_ph']:.3f}" if stats.get("avg_ph") is not None else "-")
    cols[3].metric("Mean health", f"{stats['avg_health_score']:.1f}" if stats.get("avg_health_score") is not None else "-")
    st.json(stats)

from ocean_assets.dashboard.drift_view import render_drift  # noqa: E402 (a section of its own, below the tabs)

render_drift(st, days)
