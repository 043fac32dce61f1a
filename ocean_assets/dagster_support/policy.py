"""Shared asset policy, set in one place: owners, backfill policy, freshness, code version.

Every daily asset is built by ``daily_asset``, which takes owners, backfill policy and code version from
``policy_for(group)``; ``definitions.py`` adds the per-day freshness checks over every daily asset of the
resolved graph. No asset states these itself.

Freshness is judged per day: Dagster's ``FreshnessPolicy.cron`` looks at the asset's newest
materialization of *any* partition, so backfilling an old day after the deadline made an asset look
fresh. Daily assets instead get a time-partition freshness check (``freshness_checks``): it passes only
when the newest day expected by the deadline (09:00 UTC: yesterday's partition) is materialized.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

DEADLINE_CRON = "0 9 * * *"  # yesterday's partition is expected by 09:00 UTC (sources publish overnight)
CODE_VERSION = "1"


@dataclass(frozen=True)
class GroupPolicy:
    owners: list[str]
    backfill_policy: dg.BackfillPolicy
    freshness_deadline: str | None = DEADLINE_CRON  # None: a closed archive, nothing is ever late


# Per-day work is small next to a run's overhead (seconds), so ranges run as one run. CONUS404 days
# read ~1.3 GB each: one run per day, so days fail and retry on their own.
SINGLE_RUN = dg.BackfillPolicy.single_run()
POLICIES: dict[str, GroupPolicy] = {
    "ocean": GroupPolicy(["team:ocean-data"], SINGLE_RUN),
    "conus404": GroupPolicy(["team:climate"], dg.BackfillPolicy.multi_run(1), None),
    "ship_chips": GroupPolicy(["team:ship-chips"], SINGLE_RUN),
    "reef_health": GroupPolicy(["team:reef-health"], SINGLE_RUN),
    "raw_zone": GroupPolicy(["team:data-platform"], SINGLE_RUN),
    "platform": GroupPolicy(["team:platform"], SINGLE_RUN),
}


def policy_for(group: str) -> GroupPolicy:
    try:
        return POLICIES[group]
    except KeyError:
        raise ValueError(f"no policy for asset group {group!r}; add it to dagster_support.policy") from None


MAIN_JOB_TAG = "ocean_assets/main_job"


def freshness_checks_for(assets: list[dg.AssetsDefinition]) -> list[dg.AssetChecksDefinition]:
    """One per-day freshness check per daily asset of a group whose policy has a deadline."""
    from ocean_assets.dagster_support.freshness import freshness_check

    groups = {key: a.group_names_by_key[key] for a in assets for key in a.keys}
    keys = sorted((k for k, g in groups.items() if policy_for(g).freshness_deadline), key=lambda k: k.to_user_string())
    if not keys:
        return []
    return [freshness_check(f"{groups[keys[0]]}_freshness", keys, DEADLINE_CRON)]


def domain_job(name: str, group: str, *, freshness: list[dg.AssetChecksDefinition] = (),  # type: ignore[assignment]
               partitions_def: dg.PartitionsDefinition | None = None, description: str = "",
               main: bool = True) -> dg.UnresolvedAssetJobDefinition:
    """A domain's daily job: the group's assets and checks, except the freshness checks (those judge
    lateness on the sensor's schedule, not on whichever day a run happens to make)."""
    from ocean_assets.partitions import daily_partitions

    selection = dg.AssetSelection.groups(group)
    if freshness:
        selection = selection - dg.AssetSelection.checks(*freshness)
    return dg.define_asset_job(name, selection=selection, partitions_def=partitions_def or daily_partitions,
                               tags={MAIN_JOB_TAG: group} if main else None, description=description)
