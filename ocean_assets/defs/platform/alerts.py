"""Alert sensors: run failures and failed ERROR checks are posted to a Slack-compatible webhook."""

import os

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from ocean_assets.config import load_config
from ocean_assets.core.platform.alerts import Alert, Deduper, post_webhook
from ocean_assets.defs.platform.history import record_from_evaluation


def _webhook() -> tuple[str | None, dict]:
    cfg = load_config("platform")["alerts"]
    return os.environ.get(cfg["webhook_url_env"]) or None, cfg


def _check_keys(context: dg.SensorEvaluationContext) -> list[dg.AssetCheckKey]:
    repo = getattr(context, "repository_def", None)
    if repo is None:
        from ocean_assets.location import load_definitions

        return list(load_definitions().resolve_asset_graph().asset_check_keys)
    return list(repo.asset_graph.asset_check_keys)


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    monitor_all_code_locations=False,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Posts every failed run (job, partition, error) to the alert webhook, once per run.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    url, cfg = _webhook()
    if not url:
        context.log.info("no alert webhook configured; not posting")
        return
    run = context.dagster_run
    partition = run.tags.get("dagster/partition") or (
        f"{run.tags.get('dagster/asset_partition_range_start')}..{run.tags.get('dagster/asset_partition_range_end')}"
        if "dagster/asset_partition_range_start" in run.tags else "-")
    message = context.failure_event.message or "run failed"
    post_webhook(url, Alert(key=f"run:{run.run_id}", title=f"Run failed: {run.job_name}",
                            text=message[:500], fields={"run": run.run_id[:8], "partition": partition}),
                 timeout=cfg["timeout_seconds"])


@dg.sensor(
    name="alert_on_check_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Posts failed ERROR asset checks to the alert webhook; one alert per (check, partition) "
                "until that check passes again.",
)
def alert_on_check_failure(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    url, cfg = _webhook()
    state = Deduper.from_cursor(context.cursor, cfg["remember"])
    storage = context.instance.event_log_storage
    infos = storage.get_asset_check_partition_info(_check_keys(context), after_storage_id=state.storage_id or None)
    sent, pending = 0, 0
    for info in sorted(infos, key=lambda i: i.latest_check_event_storage_id):
        key = f"check:{info.check_key.asset_key.to_user_string()}.{info.check_key.name}:{info.partition_key or '-'}"
        if info.latest_execution_status == AssetCheckExecutionRecordStatus.SUCCEEDED:
            state.clear(key)
        elif info.latest_execution_status == AssetCheckExecutionRecordStatus.FAILED:
            latest = storage.get_latest_asset_check_execution_by_key(
                [info.check_key], partition_filter=PartitionKeyFilter(key=info.partition_key)).get(info.check_key)
            if latest is None or latest.event is None or latest.event.dagster_event is None:
                continue
            r = record_from_evaluation(latest.event.dagster_event.event_specific_data,
                                       latest.create_timestamp, latest.run_id)
            if r.severity == "ERROR" and state.should_send(key):
                if not url:
                    pending += 1
                else:
                    alert = Alert(key=key, title=f"Check failed: {r.asset}.{r.check} [{r.partition or '-'}]",
                                  text=r.message[:500], fields={"run": r.run_id[:8], "severity": r.severity})
                    try:
                        post_webhook(url, alert, timeout=cfg["timeout_seconds"])
                    except Exception as exc:  # noqa: BLE001 (retry this one next tick, keep what was sent)
                        state.clear(key)
                        context.log.warning(f"alert for {key} not delivered ({exc}); will retry next tick")
                        return dg.SensorResult(skip_reason=f"webhook failing: {exc}", cursor=state.to_cursor())
                    sent += 1
        state.storage_id = max(state.storage_id, info.latest_check_event_storage_id)
    if not url:
        return dg.SensorResult(skip_reason=f"no alert webhook configured ({pending} alert(s) not sent)",
                               cursor=state.to_cursor())
    if not sent:
        return dg.SensorResult(skip_reason="no new failed ERROR checks", cursor=state.to_cursor())
    context.log.info(f"posted {sent} alert(s)")
    return dg.SensorResult(cursor=state.to_cursor())
