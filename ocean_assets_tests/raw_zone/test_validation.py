from __future__ import annotations

import datetime as dt

import pytest

from ocean_assets.core.raw_zone.validation import validate_bytes
from ocean_assets.sources.raw_zone import DEFECTS, DemoFundingSource, encode
from ocean_assets_tests.raw_zone.conftest import funding_json, record


def test_valid_json_and_csv_pass(schema):
    records = [record(1), record(2)]
    assert validate_bytes(funding_json(*records), ".json", schema, "nsf").valid
    result = validate_bytes(encode(records, ".csv"), ".csv", schema, "nsf")
    assert result.valid and result.records == 2


@pytest.mark.parametrize(("changes", "rule", "field"), [
    ({"amount": -5.0}, "json_schema", "amount"),
    ({"currency": "usd"}, "json_schema", "currency"),
    ({"award_date": "2024-02-30"}, "json_schema", "award_date"),
    ({"recipient": {"name": "X Lab", "country": "USA"}}, "json_schema", "recipient.country"),
    ({"source": "noaa_grants"}, "json_schema", "source"),
    ({"end_date": "2024-01-01"}, "table_schema", None),
])
def test_defective_record_is_reported_with_rule_and_field(schema, changes, rule, field):
    result = validate_bytes(funding_json(record(1), record(2, **changes)), ".json", schema, "nsf")
    assert not result.valid
    problem = result.problems[0]
    assert (problem.rule, problem.record, problem.field) == (rule, 1, field)


def test_duplicate_ids_fail_the_table_schema(schema):
    result = validate_bytes(funding_json(record(1), record(1)), ".json", schema, "nsf")
    assert {p.rule for p in result.problems} == {"table_schema"}
    assert "uniqueness" in result.problems[0].message


def test_missing_field_truncated_and_unsupported_files(schema):
    missing = record(1)
    del missing["funder"]
    assert "'funder' is a required" in validate_bytes(funding_json(missing), ".json", schema).problems[0].message
    assert validate_bytes(funding_json(record(1))[:30], ".json", schema).problems[0].rule == "parse"
    assert validate_bytes(b"x", ".xlsx", schema).problems[0].rule == "unsupported"
    assert validate_bytes(b"id,amount\n", ".csv", schema).problems[0].message == "file holds no records"


def test_demo_twin_is_deterministic_and_every_known_defect_is_caught(schema):
    source = DemoFundingSource()
    day = dt.date(2024, 3, 1)
    assert source.fetch(day) == source.fetch(day)
    seen = set()
    for offset in range(40):
        for f in source.fetch(day + dt.timedelta(days=offset)):
            result = validate_bytes(f.data, "." + f.name.rsplit(".", 1)[1], schema, f.source)
            assert result.valid == (f.defect is None), (f.name, f.defect, result.problems[:2])
            seen.add(f.defect)
    assert set(DEFECTS) <= seen
