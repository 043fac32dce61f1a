"""Health scores. Both are computed and stored; ``method`` says which one drives ``anomaly``.

``stress`` (the default): points lost only for stress above climatology,
``baseline - (w_anomaly * max(SST anomaly, 0) + w_dhw * DHW + w_alert * alert level)``, clipped to
0..baseline. Coral bleaching is driven by heat stress relative to a reef's own climatology (that
is what DHW and the alert levels measure), so a healthy reef in warm water scores high.

``reference``: the seed site's ``max(baseline - (w_sst * SST + w_dhw * DHW), 0)`` with its default
baseline of 80 (ai-ocean-data-site: ``pipeline/run_pipeline_light.py`` ``health_score_row`` reads
``reef_health_baseline`` with default 80, which the Allen WFS never provides, and clips at 0 with
``max(score, 0)``; ``pipeline/clean_transform.py`` keeps a given baseline within 0..100), kept for
comparability with its history. It penalises warm water per se: with baseline 80 and w_sst 1.5 any
reef above 6.7 degC scores below the anomaly threshold of 70 even with zero heat stress, so every
tropical reef would be flagged every day, which is why it is not the default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ScoreConfig:
    method: str = "stress"
    baseline: float = 80.0  # the reference score's baseline (the seed's default)
    w_sst: float = 1.5
    w_dhw: float = 5.0
    anomaly_threshold: float = 70.0
    w_anomaly: float = 10.0
    w_stress_dhw: float = 6.0
    w_alert: float = 8.0
    stress_baseline: float = 100.0

    @classmethod
    def from_config(cls, cfg: dict) -> ScoreConfig:
        """From the ``score`` section of config/reef_health.yaml (checked and completed by its model)."""
        from ocean_assets.config import parse
        from ocean_assets.config_models.reef_health import Score

        s = parse(Score, cfg, "config/reef_health.yaml", ("score",))
        return cls(s.method, s.baseline, s.w_sst, s.w_dhw, s.anomaly_threshold,
                   s.stress.w_anomaly, s.stress.w_dhw, s.stress.w_alert, s.stress.baseline)


def reference_score(sst: np.ndarray, dhw: np.ndarray, cfg: ScoreConfig) -> np.ndarray:
    """The seed's score: never below 0 (its ``max(score, 0)``)."""
    baseline = np.clip(cfg.baseline, 0, 100)
    return np.maximum(baseline - (cfg.w_sst * np.asarray(sst, float) + cfg.w_dhw * np.asarray(dhw, float)), 0.0)


def stress_score(anomaly: np.ndarray, dhw: np.ndarray, alert: np.ndarray, cfg: ScoreConfig) -> np.ndarray:
    raw = cfg.stress_baseline - (cfg.w_anomaly * np.clip(anomaly, 0, None) + cfg.w_stress_dhw * dhw + cfg.w_alert * alert)
    return np.clip(raw, 0, cfg.stress_baseline)


def score_frame(conditions: pd.DataFrame, cfg: ScoreConfig) -> pd.DataFrame:
    """Add score, stress_score, method and anomaly columns to per-reef conditions."""
    out = conditions.copy()
    out["score"] = reference_score(out["sst"].to_numpy(float), out["dhw"].to_numpy(float), cfg)
    out["stress_score"] = stress_score(out["sst_anomaly"].to_numpy(float), out["dhw"].to_numpy(float),
                                       out["alert_level"].to_numpy(float), cfg)
    out["method"] = cfg.method
    driving = out["score"] if cfg.method == "reference" else out["stress_score"]
    out["anomaly"] = driving < cfg.anomaly_threshold
    return out
