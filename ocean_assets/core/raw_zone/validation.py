"""Validating one raw funding file: parse (JSON or CSV), JSON Schema per record, pandera per table.

Every problem becomes a machine-readable ``Problem`` (rule, record index, field, message), which is
what the quarantine reason file lists.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pandera.pandas as pa

MAX_PROBLEMS = 50  # a reason file lists at most this many problems (plus the total count)


@dataclass(frozen=True)
class Problem:
    rule: str  # parse | json_schema | table_schema | unsupported
    message: str
    record: int | None = None
    field: str | None = None


@dataclass
class Validation:
    records: int = 0
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0

    @property
    def valid(self) -> bool:
        return self.total_problems == 0

    def add(self, problem: Problem) -> None:
        self.total_problems += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "records": self.records, "total_problems": self.total_problems,
                "problems": [asdict(p) for p in self.problems]}


@lru_cache(maxsize=8)
def load_schema(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    return _compiled(json.dumps(schema, sort_keys=True))


@lru_cache(maxsize=8)
def _compiled(schema_text: str) -> jsonschema.protocols.Validator:
    """Checking the schema itself costs as much as validating a file: do it once per schema."""
    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def parse_records(data: bytes, suffix: str) -> list[dict[str, Any]]:
    """Records from a JSON file (a list, or an object with ``records``) or a CSV file (one per row)."""
    if suffix not in (".json", ".csv"):
        raise ValueError(f"unsupported file type {suffix!r} (expected .json or .csv)")
    text = data.decode("utf-8-sig")
    if suffix == ".json":
        doc = json.loads(text)
        records = doc.get("records") if isinstance(doc, dict) else doc
        if not isinstance(records, list):
            raise ValueError("JSON must be a list of records or an object with a 'records' list")
        return records
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("id", "amount") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"CSV header lacks columns {missing}")
    return [_row_to_record(row) for row in reader]


def _row_to_record(row: dict[str, str | None]) -> dict[str, Any]:
    """One CSV row as a nested record; empty optional cells become null, numbers become floats."""
    record: dict[str, Any] = {k: v for k, v in row.items()
                              if k and not k.startswith("recipient_") and v not in (None, "")}
    if row.get("recipient_name") or row.get("recipient_country"):
        record["recipient"] = {"name": row.get("recipient_name") or "",
                               "country": row.get("recipient_country") or ""}
    for key in ("program", "title"):
        record.setdefault(key, None)
    if "amount" in record:
        with contextlib.suppress(ValueError):  # else left as a string: the JSON Schema reports it
            record["amount"] = float(record["amount"])
    return record


def table_schema() -> pa.DataFrameSchema:
    """Rules on the tabular form that a per-record JSON Schema cannot express."""
    return pa.DataFrameSchema(
        {
            "id": pa.Column(str, unique=True),
            "amount": pa.Column(float, pa.Check.gt(0)),
            "currency": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
            "start_date": pa.Column("datetime64[ns]"),
            "end_date": pa.Column("datetime64[ns]"),
        },
        checks=[pa.Check(lambda df: df["end_date"] >= df["start_date"], element_wise=False,
                         error="end_date must not be before start_date")],
        strict=False,
        coerce=True,
    )


def to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.json_normalize(records, sep="_")
    for column in ("start_date", "end_date", "award_date"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def validate_bytes(data: bytes, suffix: str, schema: dict[str, Any], source: str | None = None,
                   ) -> Validation:
    """Validate a file's content. ``source`` (the raw folder) must match each record's source."""
    result = Validation()
    try:
        records = parse_records(data, suffix.lower())
    except (ValueError, UnicodeDecodeError) as exc:
        rule = "unsupported" if "unsupported file type" in str(exc) else "parse"
        result.add(Problem(rule, str(exc)[:300]))
        return result
    result.records = len(records)
    if not records:
        result.add(Problem("parse", "file holds no records"))
        return result
    validator = _validator(schema)
    for index, record in enumerate(records):
        for error in sorted(validator.iter_errors(record), key=lambda e: list(e.path)):
            path = ".".join(str(p) for p in error.absolute_path) or None
            result.add(Problem("json_schema", error.message[:300], index, path))
        if source and isinstance(record, dict) and record.get("source") not in (None, source):
            result.add(Problem("json_schema", f"record source {record.get('source')!r} "
                               f"does not match folder {source!r}", index, "source"))
    if result.valid:  # table rules only make sense once every record has the right shape
        try:
            table_schema().validate(to_frame(records), lazy=True)
        except pa.errors.SchemaErrors as exc:
            seen: set[tuple[str, int | None]] = set()
            for case in exc.failure_cases.itertuples():
                row = None if pd.isna(case.index) else int(case.index)
                wide = case.schema_context == "DataFrameSchema"  # reported once per cell: keep one
                if (str(case.check), row) in seen and wide:
                    continue
                seen.add((str(case.check), row))
                column = None if wide or pd.isna(case.column) else str(case.column)
                detail = "" if wide else f": {case.failure_case}"
                result.add(Problem("table_schema", f"{case.check}{detail}", row, column))
    return result
