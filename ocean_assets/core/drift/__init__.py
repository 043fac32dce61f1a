"""Drift: a robust seasonal score for a figure's daily series (``score``), per-figure settings from
``config/platform.yaml`` (``settings``), synthetic series with injected shifts (``synthetic``)."""

from ocean_assets.core.drift.score import DayScore, DriftParams, score_series

__all__ = ["DayScore", "DriftParams", "score_series"]
