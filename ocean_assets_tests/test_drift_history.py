"""The check-figure history and false-alarm marks on SQLite and PostgreSQL; the per-day check hook
records figures and never fails a check when the database is unavailable."""

from __future__ import annotations

import datetime as dt
import logging

import dagster as dg
import pytest
import sqlalchemy as sa

from ocean_assets.core.drift import history
from ocean_assets.core.outcome import fail, ok
from ocean_assets.dagster_support import CheckRule, partitioned_checks
from ocean_assets.partitions import daily_partitions
from ocean_assets_tests.pg import temporary_database

DAY = dt.date(2024, 3, 5)


def _roundtrip(url: str) -> None:
    engine = history.engine_for(url)
    assert history.record_figures(engine, "sst", "values", DAY, {"mean": 291.5, "max": 303.0}) == 2
    # a re-run of the day replaces its figures; other days and checks are untouched
    history.record_figures(engine, "sst", "values", DAY, {"mean": 291.7})
    history.record_figures(engine, "sst", "values", DAY + dt.timedelta(days=1), {"mean": 291.6})
    history.record_figures(engine, "sst", "nan_fraction", DAY, {"nan_fraction": 0.31})
    series = history.load_series(engine, "sst", "values", "mean")
    assert series.to_dict() == {DAY: 291.7, DAY + dt.timedelta(days=1): 291.6}
    assert history.load_series(engine, "sst", "values", "max").to_dict() == {DAY: 303.0}
    assert history.figures_of(engine, "sst") == [("sst", "nan_fraction", "nan_fraction"),
                                                 ("sst", "values", "max"), ("sst", "values", "mean")]
    assert history.mark_false_alarm(engine, "sst", "values", "mean", DAY, "storm")
    assert not history.mark_false_alarm(engine, "sst", "values", "mean", DAY)
    assert history.false_alarm_days(engine, "sst", "values", "mean") == {DAY}
    # the unique key holds in the database itself
    with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(sa.text("INSERT INTO check_figures (asset, \"check\", figure, day, value, recorded_at) "
                             "VALUES ('sst', 'values', 'mean', :d, 1.0, :t)"), {"d": DAY, "t": dt.datetime.now(dt.UTC)})


def test_history_on_sqlite(tmp_path) -> None:
    _roundtrip(f"sqlite:///{tmp_path / 'drift.db'}")


def test_history_on_postgresql(postgres_url: str) -> None:
    with temporary_database(postgres_url) as url:
        _roundtrip(url)
        history.get_engine(url).dispose()


def test_numeric_figures_keep_finite_numbers_only() -> None:
    assert history.numeric_figures({"mean": 1, "nan": float("nan"), "ok": True, "name": "x", "f": 2.5,
                                    "stats": {"sst": {"min": 270.0, "max": 303.0}}, "days": [1, 2]}) == {
        "mean": 1.0, "f": 2.5, "stats.sst.min": 270.0, "stats.sst.max": 303.0}


def _asset_day_checks() -> dg.AssetChecksDefinition:
    def evaluate(context, key):  # noqa: ANN001, ANN202
        return {"values": ok("values", "fine", mean=291.5, count=42, label="x"),
                "nan_fraction": fail("nan_fraction", "too many", severity="WARN", nan_fraction=0.5)}

    return partitioned_checks(name="t_checks", asset=dg.AssetKey("t"), partitions_def=daily_partitions,
                              rules=[CheckRule("values", "v"), CheckRule("nan_fraction", "n")], evaluate=evaluate)


@dg.asset(partitions_def=daily_partitions, name="t")
def _t() -> None:
    return None


def test_every_per_day_check_records_its_numeric_figures(instance, data_root) -> None:
    result = dg.materialize([_t, _asset_day_checks()], instance=instance, partition_key=DAY.isoformat())
    assert result.success
    engine = history.engine_for()  # DATABASE_URL unset: the SQLite file under the data root
    assert str(data_root) in str(engine.url)
    assert history.figures_of(engine, "t") == [("t", "nan_fraction", "nan_fraction"), ("t", "values", "count"),
                                               ("t", "values", "mean")]
    assert history.load_series(engine, "t", "values", "count").to_dict() == {DAY: 42.0}


def test_nested_figures_are_flat_metadata_dagster_can_plot(instance) -> None:
    def evaluate(context, key):  # noqa: ANN001, ANN202
        return {"values": ok("values", "fine", stats={"sst": {"mean": 291.5}})}

    checks = partitioned_checks(name="t_checks", asset=dg.AssetKey("t"), partitions_def=daily_partitions,
                                rules=[CheckRule("values", "v")], evaluate=evaluate)
    result = dg.materialize([_t, checks], instance=instance, partition_key=DAY.isoformat())
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.metadata["stats.sst.mean"].value == 291.5
    assert evaluation.metadata["stats"].value == {"sst": {"mean": 291.5}}


def test_recording_never_fails_a_check(instance, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:s3cret-pw@127.0.0.1:9/none")
    result = dg.materialize([_t, _asset_day_checks()], instance=instance, partition_key=DAY.isoformat())
    assert result.success
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert {(e.check_name, e.passed) for e in evaluations} == {("values", True), ("nan_fraction", False)}
    warnings = [e.user_message for e in instance.all_logs(result.run_id)
                if e.level == logging.WARNING and "not recorded" in e.user_message]
    assert warnings and "s3cret-pw" not in " ".join(warnings)
