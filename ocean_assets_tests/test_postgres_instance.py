"""The PostgreSQL instance configuration (deploy/dagster-postgres.yaml) against 127.0.0.1:5432."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from ocean_assets.location import load_definitions
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets_tests.pg import temporary_database


@pytest.fixture
def pg_database(postgres_url: str):
    with temporary_database(postgres_url, "oa_dagster") as url:
        yield url


def test_postgres_instance_records_runs_and_partitioned_checks(pg_database: str, tmp_path: Path, monkeypatch):
    home = tmp_path / "pg_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster-postgres.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_URL", pg_database)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        job = load_definitions().resolve_job_def("ocean_daily")
        tags = {"dagster/asset_partition_range_start": "2024-03-04", "dagster/asset_partition_range_end": "2024-03-05"}
        result = job.execute_in_process(instance=instance, tags=tags,
                                        asset_selection=[dg.AssetKey("acidity")])
        assert result.success
        assert instance.get_materialized_partitions(dg.AssetKey("acidity")) == {"2024-03-04", "2024-03-05"}
        info = instance.event_log_storage.get_asset_check_partition_info(
            [dg.AssetCheckKey(dg.AssetKey("acidity"), "integrity")])
        assert {i.partition_key for i in info} == {"2024-03-04", "2024-03-05"}
    engine = sa.create_engine(pg_database)
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one()
    engine.dispose()
    assert runs == 1
