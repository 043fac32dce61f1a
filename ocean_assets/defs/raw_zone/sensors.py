"""The raw-zone sensor: files that are new or changed since their last migration get a run.

State lives in Dagster's records: each materialization of ``validated_funding_files`` carries
``migrated_files`` ({relpath: sha256}) and ``ignored_files`` ({relpath: rule}) for its partitions.
A file whose sha256 is already there is skipped, and so is an entry already listed as ignored
under the same rule; a new link, nested file or odd name gets a run too, so its day's report and
checks list it. The cursor only caches sha256 per (path, size, mtime) to avoid re-hashing.
"""

import json
from collections import defaultdict

import dagster as dg

from ocean_assets.core.io import sha256_bytes, sha256_file
from ocean_assets.core.raw_zone.inventory import TEMP_NAME, Entry, walk_raw
from ocean_assets.defs.raw_zone.assets import IGNORED_FILES, MIGRATED_FILES, validated_funding_files
from ocean_assets.defs.raw_zone.jobs import raw_zone_daily
from ocean_assets.defs.raw_zone.resources import RawZoneResource

MAX_ATTEMPTS = 3


def recorded_shas(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str) -> dict[str, str]:
    """{relpath: sha256 or "ignored:{rule}"} of the latest materialization of ``partition``."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1).records
    if not records:
        return {}
    metadata = records[0].asset_materialization.metadata
    ignored = metadata.get(IGNORED_FILES)
    migrated = metadata.get(MIGRATED_FILES)
    return {**({rel: f"ignored:{rule}" for rel, rule in ignored.value.items()} if ignored else {}),
            **(dict(migrated.value) if migrated else {})}


def failed_runs(instance: dg.DagsterInstance, day: str) -> int:
    """Failed runs of the migration job for ``day`` (a checksum mismatch or a failed pre-flight)."""
    return instance.get_runs_count(dg.RunsFilter(
        job_name=raw_zone_daily.name, statuses=[dg.DagsterRunStatus.FAILURE],
        tags={"dagster/partition": day}))


def _fingerprint(entry: Entry, cache: dict[str, list], fresh: dict[str, list]) -> str:
    """sha256 of a file the migration takes; ``ignored:{rule}`` for an ignored entry."""
    return f"ignored:{entry.rule}" if entry.rule else _hash(entry, cache, fresh)


def _hash(raw: Entry, cache: dict[str, list], fresh: dict[str, list]) -> str:
    stat = raw.path.lstat()
    stamp = [stat.st_size, stat.st_mtime_ns]
    cached = cache.get(raw.relpath)
    sha = cached[2] if cached and cached[:2] == stamp else sha256_file(raw.path)
    fresh[raw.relpath] = [*stamp, sha]
    return sha


@dg.sensor(job=raw_zone_daily, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Scans raw/funding_sources/ and requests a migration run for each arrival "
                       "day with new or changed files.")
def raw_zone_new_files(context: dg.SensorEvaluationContext, raw_zone: RawZoneResource):
    cache = json.loads(context.cursor) if context.cursor else {}
    fresh: dict[str, list] = {}
    by_day: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for entry in walk_raw(raw_zone.zones(), raw_zone.partitions()):
        # day None: its partition opens later (today's files); a temp name: a write in progress
        if entry.day is None or TEMP_NAME.match(entry.path.name):
            continue
        try:
            fingerprint = _fingerprint(entry, cache, fresh)
        except FileNotFoundError:  # gone since the walk (archived, renamed)
            continue
        except OSError as exc:  # unreadable: the run reports it as the day's failure
            fingerprint = f"unreadable:{exc.errno}"
        by_day[entry.day].append((entry.relpath, fingerprint))
    requests = []
    skipped = 0
    for day, files in sorted(by_day.items()):
        done = recorded_shas(context.instance, validated_funding_files.key, day)
        pending = sorted((rel, sha) for rel, sha in files if done.get(rel) != sha)
        skipped += len(files) - len(pending)
        if pending:
            failed = failed_runs(context.instance, day)
            if failed >= MAX_ATTEMPTS:
                context.log.warning(f"{day}: {failed} failed migration runs; not retrying "
                                    "(fix the cause, then `ocean-assets raw-zone reprocess`)")
                continue
            # a new key after each failure retries the day, up to MAX_ATTEMPTS runs
            run_key = f"{day}:{sha256_bytes(json.dumps(pending).encode())[:16]}:{failed}"
            requests.append(dg.RunRequest(
                run_key=run_key, partition_key=day,
                asset_selection=[validated_funding_files.key],
                tags={"raw_zone/pending_files": str(len(pending))}))
    context.update_cursor(json.dumps(fresh, sort_keys=True))
    if not requests:
        return dg.SkipReason(f"no new or changed raw files ({skipped} already migrated)")
    return requests


