"""Ocean sensors: new days upstream (availability), failed partitions (recovery), and declarative
automation for the assets downstream of the downloads."""

import datetime as dt
import json
from pathlib import Path

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from ocean_assets.core.ocean import validate as rules
from ocean_assets.core.ocean.paths import PRODUCTS, report_path
from ocean_assets.core.ocean.recovery import RecoveryState, by_partition, plan_recovery
from ocean_assets.defs.ocean.failures import Pair, Since, failed_run_days, merge, still_open
from ocean_assets.defs.ocean.jobs import ocean_products
from ocean_assets.defs.ocean.records import SWEPT
from ocean_assets.defs.ocean.resources import OceanResource
from ocean_assets.partitions import daily_partitions

RECOVERY_TAG = "ocean_assets/recovery_attempt"
REPORT = dg.AssetKey("ocean_corruption_report")


@dg.sensor(
    job=ocean_products,
    minimum_interval_seconds=15 * 60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Asks the sources which days are available and requests the new ones (cursor = last day requested).",
)
def ocean_availability_sensor(context: dg.SensorEvaluationContext, ocean: OceanResource):
    settings = ocean.automation()
    latest = ocean.latest_available()
    if context.cursor:
        start = dt.date.fromisoformat(context.cursor) + dt.timedelta(days=1)
    else:
        start = latest - dt.timedelta(days=settings["lookback_days"] - 1)
    first_partition = dt.date.fromisoformat(daily_partitions.start.strftime("%Y-%m-%d"))
    start = max(start, first_partition)
    limit = settings["max_requests_per_tick"]
    days = []
    day = start
    while day <= latest and len(days) < limit:
        days.append(day)
        day += dt.timedelta(days=1)
    if not days:
        return dg.SkipReason(f"no new day: sources are available through {latest}, "
                             f"last requested {context.cursor or 'none'}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"ocean-{d}", partition_key=d.isoformat()) for d in days],
        cursor=days[-1].isoformat(),
    )


def _new_check_evaluations(instance: dg.DagsterInstance, after_storage_id: int) -> bool:
    """Whether any check evaluation was recorded after the cursor: one lookup on the event-type
    index (check events carry no asset key column), so an idle tick stays cheap however long the
    history is. Run-sharded storage (default SQLite) has no global event ids: always look there."""
    storage = instance.event_log_storage
    if not after_storage_id or storage.is_run_sharded:
        return True
    return bool(storage.get_event_records(
        dg.EventRecordsFilter(dg.DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=after_storage_id),
        limit=1,
    ))


def _failed_integrity(instance: dg.DagsterInstance, after_storage_id: int) -> tuple[dict[Pair, Since], int]:
    # The partition-info query groups every partition's checks (O(history) even with a cursor):
    # skip it when no check ran since the last tick.
    if not _new_check_evaluations(instance, after_storage_id):
        return {}, after_storage_id
    keys = [dg.AssetCheckKey(dg.AssetKey(p), rules.INTEGRITY) for p in PRODUCTS]
    infos = instance.event_log_storage.get_asset_check_partition_info(keys, after_storage_id=after_storage_id)
    failed: dict[Pair, Since] = {}
    newest = after_storage_id
    for info in infos:
        newest = max(newest, info.latest_check_event_storage_id)
        if info.partition_key and info.latest_execution_status == AssetCheckExecutionRecordStatus.FAILED:
            failed[(info.check_key.asset_key.to_user_string(), info.partition_key)] = Since(
                storage_id=info.latest_check_event_storage_id)
    return failed, newest


def _failed_runs(instance: dg.DagsterInstance, after: float) -> tuple[dict[Pair, Since], float]:
    """The (product, day) pairs failed runs since the cursor left failed (see ``failures``)."""
    records = instance.get_run_records(
        dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE],
                      updated_after=dt.datetime.fromtimestamp(after, dt.UTC) if after else None),
        limit=200,
    )
    failed: dict[Pair, Since] = {}
    newest = after
    for record in records:
        newest = max(newest, record.update_timestamp.timestamp())
        failed = merge(failed, failed_run_days(instance, record))
    return failed, newest


def _sweep_findings(instance: dg.DagsterInstance, after_storage_id: int,
                    data_root: Path) -> tuple[set[tuple[str, str]], int]:
    """What the newest corruption-sweep report (if new since the cursor) asks to repair: files of
    materialized partitions found missing, altered or broken. Pairs materialized again after that
    report are left out (already repaired). One indexed query when no new report exists."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=REPORT, after_storage_id=after_storage_id or None),
        limit=1, ascending=False).records
    if not records:
        return set(), after_storage_id
    record = records[0]
    try:  # the report file of the day the sweep was recorded for
        repair = json.loads(report_path(data_root, str(record.partition_key)).read_text()).get("repair", [])
    except (OSError, ValueError, AttributeError):
        return set(), record.storage_id
    wanted: dict[str, set[str]] = {}
    for item in repair:
        if (isinstance(item, list) and len(item) == 2 and item[0] in SWEPT
                and daily_partitions.has_partition_key(str(item[1]))):
            wanted.setdefault(item[0], set()).add(str(item[1]))
    found = set()
    for asset, partitions in wanted.items():
        since = instance.event_log_storage.get_latest_storage_id_by_partition(
            dg.AssetKey(asset), dg.DagsterEventType.ASSET_MATERIALIZATION, partitions=partitions)
        found |= {(asset, p) for p in partitions if since.get(p, 0) < record.storage_id}
    return found, record.storage_id


def _pair(key: str) -> Pair:
    asset, _, partition = key.partition("|")
    return asset, partition


@dg.sensor(
    minimum_interval_seconds=10 * 60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    asset_selection=dg.AssetSelection.assets(*SWEPT),
    description="Re-materializes partitions whose integrity check or run failed, or whose file the "
                "corruption sweep found missing, altered or broken (not those materialized again since, "
                "nor the days a failed range run recorded), at most `recovery_budget` times each, "
                "newest first, at most `recovery_max_runs_per_tick` per tick (the rest wait in the cursor); "
                "attempts are kept in the cursor and as run tags. One run per day.",
)
def ocean_recovery_sensor(context: dg.SensorEvaluationContext, ocean: OceanResource):
    state = RecoveryState.from_cursor(context.cursor)
    automation = ocean.automation()
    budget = automation["recovery_budget"]
    failed_checks, state.check_storage_id = _failed_integrity(context.instance, state.check_storage_id)
    failed_runs, state.runs_updated_after = _failed_runs(context.instance, state.runs_updated_after)
    swept, state.report_storage_id = _sweep_findings(context.instance, state.report_storage_id,
                                                        ocean.data_root())
    if swept:
        context.log.info(f"corruption sweep: {len(swept)} file(s) missing, altered or broken")
    # deferred pairs are looked at again: repaired meanwhile, they are not requested
    deferred = {_pair(k): Since(storage_id=state.pending_since[k]) for k in state.pending if k in state.pending_since}
    state.pending = [k for k in state.pending if k not in state.pending_since]  # an older cursor: as they are
    candidates = merge(failed_checks, failed_runs, {p: Since(storage_id=state.report_storage_id) for p in swept},
                       deferred)
    failed, latest = still_open(context.instance, candidates)
    if len(failed) < len(candidates):
        context.log.info(f"{len(candidates) - len(failed)} failed partition(s) were materialized again since: "
                         "not recovered")
    requests, exhausted = plan_recovery(set(failed), state, budget,
                                        max_requests=automation["recovery_max_runs_per_tick"])
    state.pending_since = {k: max(latest.get(_pair(k), 0), failed[_pair(k)].storage_id)
                           for k in state.pending if _pair(k) in failed}
    if dropped := state.prune(automation["recovery_max_tracked"]):
        context.log.info(f"recovery cursor: forgot the bookkeeping of the {dropped} oldest partition(s)")
    if state.pending:
        context.log.info(f"{len(state.pending)} failed partition(s) wait for the next tick (per-tick cap)")
    for asset, partition in exhausted:
        context.log.warning(f"{asset} {partition}: recovery budget of {budget} used up; not retried")
    run_requests = [
        dg.RunRequest(run_key=";".join(r.run_key for r in day), partition_key=partition,
                      asset_selection=[dg.AssetKey(r.asset) for r in day],
                      tags={RECOVERY_TAG: str(max(r.attempt for r in day)), "ocean_assets/recovery_budget": str(budget)})
        for partition, day in by_partition(requests).items()
    ]
    if not run_requests:
        reason = "nothing to recover"
        if exhausted:
            reason += f"; out of budget: {json.dumps(sorted(f'{a}|{p}' for a, p in exhausted))}"
        return dg.SensorResult(skip_reason=reason, cursor=state.to_cursor())
    return dg.SensorResult(run_requests=run_requests, cursor=state.to_cursor())


ocean_automation_sensor = dg.AutomationConditionSensorDefinition(
    "ocean_automation_sensor",
    target=dg.AssetSelection.groups("ocean"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Materializes textures and the corruption sweep once their inputs are new.",
)
