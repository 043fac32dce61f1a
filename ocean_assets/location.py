"""The code location as a whole: loading its Definitions, its domains and their daily jobs in order.

Used by the CLI, deploy/, bench/ and the tests alike. Dagster is imported when a function runs, so
the CLI answers usage errors without loading it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

# The tag each domain's daily job carries (value: the domain); the same string as
# dagster_support.policy.MAIN_JOB_TAG, which sets it (ocean_assets_tests/test_definitions_load.py).
MAIN_JOB_TAG = "ocean_assets/main_job"
# Domains run in this order: later ones read earlier ones' outputs (reef_health reads acidity).
DOMAIN_ORDER = ("ocean", "conus404", "ship_chips", "reef_health", "raw_zone", "platform")


def load_definitions() -> dg.Definitions:
    """The code location's Definitions, as ``dg dev`` and the daemon load them."""
    from ocean_assets.definitions import defs

    return defs() if callable(defs) else defs


def main_jobs(defs: dg.Definitions) -> list[dg.JobDefinition]:
    """The per-domain daily jobs (tagged ``MAIN_JOB_TAG``) in ``DOMAIN_ORDER``."""
    # a job imported by a sensor module shows up once per module that holds it: one per name
    names = dict.fromkeys(job.name for job in defs.jobs or [] if getattr(job, "tags", {}).get(MAIN_JOB_TAG))
    resolved = [defs.resolve_job_def(name) for name in names]

    def order(job: dg.JobDefinition) -> int:
        domain = job.tags.get(MAIN_JOB_TAG, "")
        return DOMAIN_ORDER.index(domain) if domain in DOMAIN_ORDER else len(DOMAIN_ORDER)

    return sorted(resolved, key=order)
