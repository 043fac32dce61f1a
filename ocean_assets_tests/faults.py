"""Faults injected into the demo sources, shared by tests of several domains."""

from __future__ import annotations

import pytest


def all_nan_sst(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Make the demo SST all-NaN (an ERROR for nan_fraction); returns the original generator."""
    from ocean_assets.sources.ocean import demo

    original = demo.demo_dataset

    def broken(spec, day):  # noqa: ANN001, ANN202
        ds = original(spec, day)
        if spec.name == "sst":
            ds["analysed_sst"] = ds["analysed_sst"] * float("nan")
        return ds

    monkeypatch.setattr(demo, "demo_dataset", broken)
    return original
