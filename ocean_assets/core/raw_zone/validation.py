"""Validating funding files: JSON Schema per record (jsonschema) and a pandera schema on the table."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pandera.pandas as pa

MAX_REPORTED_ERRORS = 20


@dataclass
class ValidationReport:
    valid: bool
    records: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # machine-readable reasons

    def reason(self) -> str:
        if self.valid:
            return ""
        first = self.errors[0]
        where = f"record {first['record']}" if first.get("record") is not None else "file"
        more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        return f"{first['rule']}: {where}: {first['message']}{more}"


@lru_cache(maxsize=4)
def load_schema(path: str) -> dict[str, Any]:
    schema = json.loads(Path(path).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def parse_records(name: str, data: bytes) -> list[dict[str, Any]]:
    """Records of a JSON (array, or {"records": [...]}) or CSV file; ValueError with the reason."""
    text = data.decode("utf-8-sig")  # UnicodeDecodeError is a ValueError
    if name.endswith(".json"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        records = doc.get("records") if isinstance(doc, dict) else doc
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ValueError('JSON must be an array of objects or {"records": [...]}')
        return records
    if name.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise ValueError("CSV has no header row")
        rows = []
        for row in reader:
            if None in row:
                raise ValueError(f"CSV line {reader.line_num} has more fields than the header")
            rows.append({k: _coerce(k, v) for k, v in row.items()})
        return rows
    raise ValueError(f"unsupported file type: {name}")


NUMERIC = {"amount"}


def _coerce(key: str, value: str | None) -> Any:
    if value is None or value == "":
        return None
    if key in NUMERIC:
        try:
            return float(value)
        except ValueError:
            return value  # the schema reports it
    return value


# The tabular rules JSON Schema cannot express: unique ids and date order within a file.
TABLE_SCHEMA = pa.DataFrameSchema(
    {
        "record_id": pa.Column(str, unique=True, nullable=False),
        "amount": pa.Column(float, pa.Check.ge(0), nullable=False, coerce=True),
        "currency": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
    },
    checks=[pa.Check(lambda df: (df["end_date"].isna() | df["start_date"].isna()
                                 | (df["end_date"] >= df["start_date"])),
                     name="end_date_not_before_start_date", error="end_date is before start_date")],
    strict=False,
)


def validate_records(records: list[dict[str, Any]], schema: dict[str, Any]) -> ValidationReport:
    if not records:
        return ValidationReport(False, 0, [{"rule": "empty", "record": None, "message": "file has no records"}])
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        for err in sorted(validator.iter_errors(record), key=lambda e: list(e.path)):
            errors.append({"rule": "json_schema", "record": i, "path": "/".join(map(str, err.path)),
                           "message": err.message[:300]})
            if len(errors) >= MAX_REPORTED_ERRORS:
                return ValidationReport(False, len(records), errors)
    if errors:
        return ValidationReport(False, len(records), errors)
    frame = pd.DataFrame(records)
    for col in ("start_date", "end_date"):
        frame[col] = pd.to_datetime(frame[col], errors="coerce") if col in frame else pd.NaT
    try:
        TABLE_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        seen: set[tuple[str, object]] = set()
        for _, row in exc.failure_cases.iterrows():
            index = None if pd.isna(row.get("index")) else int(row.get("index"))
            column = row.get("column")
            if row.get("schema_context") == "DataFrameSchema":  # a row-level check: once per row
                if (str(row.get("check")), index) in seen:
                    continue
                seen.add((str(row.get("check")), index))
                message = str(row.get("check"))
            else:
                message = f"{row.get('check')}: {row.get('failure_case')}"
            errors.append({"rule": "table_schema", "record": index,
                           "path": column if isinstance(column, str) and row.get("schema_context") != "DataFrameSchema" else "",
                           "message": message})
            if len(errors) >= MAX_REPORTED_ERRORS:
                break
        return ValidationReport(False, len(records), errors)
    return ValidationReport(True, len(records))


def validate_file_bytes(name: str, data: bytes, schema: dict[str, Any]) -> ValidationReport:
    try:
        records = parse_records(name, data)
    except ValueError as exc:
        return ValidationReport(False, 0, [{"rule": "parse", "record": None, "message": str(exc)}])
    return validate_records(records, schema)
