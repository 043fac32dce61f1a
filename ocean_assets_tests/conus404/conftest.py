"""Fixtures for the conus404 tests: options with instant retries, small grids."""

from __future__ import annotations

import dataclasses

import pytest

from ocean_assets.core.conus404.options import Conus404Options, load_options
from ocean_assets.core.retry import Backoff


@pytest.fixture
def options() -> Conus404Options:
    return dataclasses.replace(load_options(), backoff=Backoff(attempts=3, base_seconds=0.0,
                                                               jitter=False))
