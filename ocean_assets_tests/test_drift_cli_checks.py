"""Drift end to end: the CLI lists open anomalies and marks false alarms (the marked day leaves the
open list and the baseline); the drift check scores a day from the history; a real demo
materialization records its checks' figures."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.core.drift import history
from ocean_assets.core.drift.evaluate import figure_scores
from ocean_assets.core.drift.synthetic import FigureModel, Injection, inject
from ocean_assets.db.models import CheckFigure
from ocean_assets.defs.platform.drift import build_drift_check
from ocean_assets.location import load_definitions
from ocean_assets.partitions import daily_partitions

START = dt.date(2021, 1, 1)
END = dt.date(2023, 12, 31)
STEP = dt.date(2023, 12, 28)
MODEL = FigureModel("t/values/mean", 291.2, 0.9, 0.06, phi=0.8)


@pytest.fixture
def seeded(data_root) -> None:  # noqa: ARG001 (the default database lives under the data root)
    series = inject(MODEL.generate(START, (END - START).days + 1, seed=11),
                    Injection(MODEL.name, "bias", STEP, 4, 0.5))
    now = dt.datetime.now(dt.UTC)
    with history.engine_for().begin() as conn:
        conn.execute(CheckFigure.__table__.insert(), [
            {"asset": "t", "check": "values", "figure": "mean", "day": day, "value": float(v), "recorded_at": now}
            for day, v in series.items()])


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_list_and_mark_false_alarm(seeded) -> None:
    code, out = run("drift", "list", "--end", END.isoformat(), "--days", "7", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["day"] for r in rows} >= {STEP.isoformat()}
    assert all(r["asset"] == "t" and r["figure"] == "mean" and r["flagged"] for r in rows)
    before = figure_scores(history.engine_for(), "t", "values", "mean", END)[-1]

    code, out = run("drift", "mark-false-alarm", "--asset", "t", "--figure", "mean", "--date",
                    STEP.isoformat(), "--note", "test")
    assert code == 0 and "marked" in out
    code, out = run("drift", "list", "--end", END.isoformat(), "--days", "7")
    assert STEP.isoformat() not in out and "open anomal" in out
    assert history.false_alarm_days(history.engine_for(), "t", "values", "mean") == {STEP}
    # the marked day leaves the baseline of the days after it
    after = figure_scores(history.engine_for(), "t", "values", "mean", END)[-1]
    assert after.n_baseline <= before.n_baseline
    code, out = run("drift", "mark-false-alarm", "--asset", "t", "--figure", "mean", "--date", STEP.isoformat())
    assert code == 0 and "already marked" in out


def test_marking_takes_the_listed_name_and_refuses_unflagged_or_unrecorded_days(seeded) -> None:
    quiet = dt.date(2023, 6, 1)  # an ordinary day of the series: not flagged
    code, out = run("drift", "mark-false-alarm", "--asset", "t", "--figure", "mean", "--date", quiet.isoformat())
    assert code == 2 and "was not flagged" in out and "--force" in out
    assert history.false_alarm_days(history.engine_for(), "t", "values", "mean") == set()
    code, out = run("drift", "mark-false-alarm", "--asset", "t", "--figure", "mean", "--date", "2020-06-01",
                    "--force")
    assert code == 2 and "no recorded value" in out
    # the name as `drift list` prints it (check.figure)
    code, out = run("drift", "mark-false-alarm", "--asset", "t", "--figure", "values.mean", "--date",
                    STEP.isoformat())
    assert code == 0 and "marked" in out, out
    code, out = run("drift", "mark-false-alarm", "--asset", "t", "--figure", "mean", "--date", quiet.isoformat(),
                    "--force")
    assert code == 0 and history.false_alarm_days(history.engine_for(), "t", "values", "mean") == {STEP, quiet}


@pytest.mark.parametrize("args, message", [
    (["--asset", "t", "--figure", "nope", "--date", "2023-12-28"], "no recorded figure 'nope'"),
    (["--asset", "t", "--figure", "mean", "--date", "2023-12-28", "--check", "other"], "of check 'other'"),
    (["--asset", "t", "--figure", "mean", "--date", "28/12/2023"], "is not a date"),
])
def test_usage_errors_are_one_line_exit_2(seeded, args, message) -> None:
    result = CliRunner().invoke(cli, ["drift", "mark-false-alarm", *args])
    assert result.exit_code == 2 and message in result.output


def test_the_drift_check_scores_a_day_from_the_history(seeded, instance) -> None:
    @dg.asset(partitions_def=daily_partitions, name="t")
    def t() -> None:
        return None

    result = dg.materialize([t, build_drift_check("t")], instance=instance, partition_key=STEP.isoformat())
    (evaluation,) = [e.event_specific_data for e in result.all_events
                     if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert evaluation.check_name == "drift" and not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    figure = evaluation.metadata["figures"].value["values.mean"]
    assert figure["flagged"] and figure["value"] > figure["high"] > figure["expected"] > figure["low"]
    assert evaluation.metadata["figures_flagged"].value == 1


def test_a_demo_day_records_its_figures(instance, data_root) -> None:  # noqa: ARG001
    job = load_definitions().resolve_job_def("ocean_daily")
    assert job.execute_in_process(instance=instance, partition_key="2024-03-05",
                                  asset_selection=[dg.AssetKey("sst")]).success
    figures = history.figures_of(history.engine_for(), "sst")
    assert figures, "the sst checks recorded no figure"
    check, figure = figures[0][1], figures[0][2]
    assert dt.date(2024, 3, 5) in history.load_series(history.engine_for(), "sst", check, figure).index


def test_the_qa_report_has_a_drift_section(seeded) -> None:
    from ocean_assets.core.drift.report import drift_section_html

    page = drift_section_html(history.engine_for(), END - dt.timedelta(days=6), END)
    assert "open anomal" in page and f"<td>{STEP}</td>" in page
    assert 'alt="t values.mean" src="data:image/png;base64,' in page
    assert 'class="fail" title=' not in page  # the report's own check counts those


def _drift_page() -> None:
    import streamlit as st

    from ocean_assets.dashboard.drift_view import render_drift

    render_drift(st, 3660)


def test_the_dashboard_drift_section(seeded) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_drift_page).run(timeout=60)
    assert not app.exception
    assert app.metric[0].label == "Open drift anomalies in window" and int(app.metric[0].value) >= 1
    assert app.selectbox[0].options == ["t values.mean"]


def test_the_daily_sensor_scores_yesterday_without_a_run(instance, data_root) -> None:  # noqa: ARG001
    from ocean_assets.defs.platform.drift import drift_tick

    now = dt.datetime(2024, 3, 6, 11, 0, tzinfo=dt.UTC)
    yesterday = dt.date(2024, 3, 5)
    with history.engine_for().begin() as conn:
        conn.execute(CheckFigure.__table__.insert(), [
            {"asset": "sst", "check": "integrity", "figure": "size_bytes", "day": yesterday - dt.timedelta(days=k),
             "value": 1000.0 + k % 7, "recorded_at": now} for k in range(40)])
    assert isinstance(drift_tick(None, now.replace(hour=9)), dg.SkipReason)  # before the day's runs
    result = drift_tick(None, now)
    events = {e.asset_key.to_user_string(): e for e in result.asset_events}
    assert result.cursor == yesterday.isoformat() and set(events) >= {"sst", "currents"}
    assert events["sst"].passed and events["sst"].metadata["figures_scored"].value == 1
    assert events["sst"].partition == yesterday.isoformat()
    assert isinstance(drift_tick(result.cursor, now), dg.SkipReason)  # once a day
