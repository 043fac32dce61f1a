"""Reading asset-check evaluations back from a Dagster instance (for the QA report and alerts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from ocean_assets.core.platform.qa_report import CheckRecord

COMPLETED = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}


def record_from_evaluation(evaluation: dg.AssetCheckEvaluation, timestamp: float, run_id: str) -> CheckRecord:
    message = evaluation.metadata.get("message")
    text = getattr(message, "value", None) or evaluation.description or ""
    return CheckRecord(
        asset=evaluation.asset_key.to_user_string(), check=evaluation.check_name,
        partition=evaluation.partition or "", passed=evaluation.passed,
        severity=evaluation.severity.value, message=str(text), timestamp=timestamp, run_id=run_id,
    )


def check_history(instance: dg.DagsterInstance, check_keys: Iterable[dg.AssetCheckKey],
                  start: dt.date, end: dt.date, per_check_limit: int = 5000) -> list[CheckRecord]:
    """Completed evaluations of ``check_keys`` for partitions in [start, end] (newest first per key)."""
    wanted = {(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)}
    storage = instance.event_log_storage
    records: list[CheckRecord] = []
    for key in check_keys:
        cursor = None
        fetched = 0
        while fetched < per_check_limit:
            page = storage.get_asset_check_execution_history(key, limit=500, cursor=cursor, status=COMPLETED)
            if not page:
                break
            for rec in page:
                if rec.partition in wanted and rec.event and rec.event.dagster_event:
                    evaluation = rec.event.dagster_event.event_specific_data
                    records.append(record_from_evaluation(evaluation, rec.create_timestamp, rec.run_id))
            fetched += len(page)
            cursor = page[-1].id
            if len(page) < 500:
                break
    return records
