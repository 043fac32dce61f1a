"""``ocean-assets raw-zone ...`` commands, run through click's test runner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.core.raw_zone.backups import list_backups, new_stamp
from ocean_assets.core.raw_zone.inventory import scan_raw
from ocean_assets.core.raw_zone.migrate import migrate_file
from ocean_assets_tests.raw_zone.conftest import funding_json, put_raw, record

NAME = "2024-03-01_nsf_awards.json"


def invoke(*args: str):
    return CliRunner().invoke(cli, ["raw-zone", *args], catch_exceptions=False)


def migrate_all(zones, schema):
    stamp = new_stamp()
    return [migrate_file(zones, raw, schema, stamp) for raw in scan_raw(zones)]


def test_rollback_restores_byte_identical_content(zones, schema):
    path = put_raw(zones, "nsf", NAME, v1 := funding_json(record(1)))
    migrate_all(zones, schema)
    path.write_bytes(funding_json(record(1), record(2)))
    migrate_all(zones, schema)
    [stamp] = list_backups(zones)
    assert invoke("backups").output.strip() == stamp
    result = invoke("rollback", "--to", stamp)
    assert result.exit_code == 0, result.output
    assert zones.validated_path("nsf", NAME).read_bytes() == v1
    assert "1 file(s) restored" in result.output


def test_rollback_to_unknown_stamp_is_a_clear_error():
    result = invoke("rollback", "--to", "yesterday")
    assert result.exit_code == 1 and "Error: no backup 'yesterday'" in result.output
    assert "Traceback" not in result.output


def test_archive_moves_and_logs_and_status_reports(zones, schema):
    put_raw(zones, "nsf", NAME, funding_json(record(1)))
    put_raw(zones, "nsf", "2024-03-02_bad.json", funding_json(record(2, currency="usd")))
    migrate_all(zones, schema)
    status = json.loads(invoke("status", "--json").output)
    assert status["validated"] == {"nsf": 1} and status["quarantine"] == {"nsf": 1}
    assert status["failures"][0]["file"] == "nsf/2024-03-02_bad.json"
    assert "would move" in invoke("archive", "--year", "2024", "--dry-run").output
    assert len(list(zones.raw.rglob("*.json"))) == 2
    result = invoke("archive", "--year", "2024")
    assert "2 file(s) moved" in result.output
    assert not list(zones.raw.rglob("*.json"))
    assert len(zones.archive_log.read_text().splitlines()) == 1
    assert "archived files: 2" in invoke("status").output


def test_reprocess_after_rule_change_quarantines_now_invalid_source(zones, schema, monkeypatch):
    put_raw(zones, "nsf", NAME, funding_json(record(1)))
    put_raw(zones, "eu_horizon", "2024-03-01_eu.json",
            funding_json(record(1, source="eu_horizon", id="EUHZ-2024-00001", amount=50_000.0)))
    migrate_all(zones, schema)
    # the rules change: amounts above 100 000 are no longer accepted for new runs
    from ocean_assets.core.raw_zone import validation

    original = validation.table_schema

    def stricter():
        import pandera.pandas as pa

        base = original()
        return base.update_column("amount", checks=[pa.Check.gt(0), pa.Check.le(100_000)])

    monkeypatch.setattr(validation, "table_schema", stricter)
    result = invoke("reprocess", "--source", "nsf")
    assert result.exit_code == 0, result.output
    assert "'quarantined': 1" in result.output and "'unchanged': 1" in result.output
    assert not zones.validated_path("nsf", NAME).exists()
    assert zones.validated_path("eu_horizon", "2024-03-01_eu.json").exists()  # not reprocessed


def test_reprocess_without_files_is_a_clear_error():
    result = invoke("reprocess", "--source", "nowhere")
    assert result.exit_code == 1 and "no raw files for nowhere" in result.output
