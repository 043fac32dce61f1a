"""The code location with one celery-executed copy of every domain's daily job.

`<domain>_daily_celery` selects the same assets (by group) as `<domain>_daily`, with
`dagster_celery.celery_executor`: each step (asset or check) becomes a celery task that any worker
listening on the queue picks up. Workers rebuild the job from this file, so every worker machine
needs the same checkout, the same DAGSTER_HOME (PostgreSQL instance) and the same data root.

    dagster job execute -f deploy/celery_definitions.py -j ocean_daily_celery -c deploy/celery.yaml \
        --tags '{"dagster/partition": "2024-03-05"}'
    dagster-celery worker start -A dagster_celery.app -y deploy/celery.yaml -q dagster
"""

from __future__ import annotations

import dagster as dg
from dagster_celery import celery_executor

from ocean_assets.location import MAIN_JOB_TAG, load_definitions, main_jobs

CELERY_SUFFIX = "_celery"


def celery_jobs(defs: dg.Definitions) -> list[dg.UnresolvedAssetJobDefinition]:
    """A celery twin of each domain's main job (found by its `ocean_assets/main_job` tag)."""
    return [
        dg.define_asset_job(
            f"{job.name}{CELERY_SUFFIX}",
            selection=dg.AssetSelection.groups(job.tags[MAIN_JOB_TAG]),
            partitions_def=job.partitions_def,
            executor_def=celery_executor,
            tags={"ocean_assets/executor": "celery"},
            description=f"{job.name} with each step as a celery task.",
        )
        for job in main_jobs(defs)
    ]


def build_definitions() -> dg.Definitions:
    base = load_definitions()
    return dg.Definitions.merge(base, dg.Definitions(jobs=celery_jobs(base)))


defs = build_definitions()
