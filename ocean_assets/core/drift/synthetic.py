"""Synthetic figure series (seasonal cycle, persistent noise, slow trend) and injected shifts of known
size and date: the ground truth for ``python -m bench drift`` and the tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FigureModel:
    """A daily figure: ``base + amplitude * cos(season) + trend + AR(1) noise`` (stationary sd ``noise``)."""

    name: str
    base: float
    amplitude: float
    noise: float
    phi: float = 0.7           # day-to-day persistence of the noise
    trend_per_year: float = 0.0
    peak_doy: int = 60
    decimals: int | None = None

    def kinds(self) -> tuple[str, ...]:
        """Shifts that make sense for this figure (a coverage drop does not scale a temperature)."""
        return KINDS if "mean" not in self.name else tuple(k for k in KINDS if k != "coverage_drop")

    def generate(self, start: dt.date, days: int, seed: int) -> pd.Series:
        rng = np.random.default_rng(seed)
        index = pd.date_range(start, periods=days, freq="D")
        doy = index.dayofyear.to_numpy()
        innov = rng.normal(0.0, self.noise * np.sqrt(1 - self.phi**2), days)
        noise = np.empty(days)
        noise[0] = rng.normal(0.0, self.noise)
        for i in range(1, days):
            noise[i] = self.phi * noise[i - 1] + innov[i]
        values = (self.base + self.amplitude * np.cos(2 * np.pi * (doy - self.peak_doy) / 365.25)
                  + self.trend_per_year * np.arange(days) / 365.25 + noise)
        if self.decimals is not None:
            values = np.round(values, self.decimals)
        return pd.Series(values, index=index.date, name=self.name)


# Figures shaped like the ones the checks record (demo SST mean in K, NaN fraction of the SST grid
# with its seasonal sea ice, the texture's ocean coverage, the NetCDF file size in bytes).
FIGURES: tuple[FigureModel, ...] = (
    FigureModel("sst/values/mean", 291.2, 0.9, 0.06, phi=0.8, trend_per_year=0.02, peak_doy=60),
    FigureModel("sst/nan_fraction/nan_fraction", 0.312, 0.004, 0.0015, phi=0.5, peak_doy=250),
    FigureModel("sst_texture/ocean_coverage/coverage", 0.688, 0.004, 0.0015, phi=0.5, peak_doy=70),
    FigureModel("sst/integrity/file_size_bytes", 2.10e6, 2.0e4, 3.0e3, phi=0.3, trend_per_year=1.5e4,
                decimals=0),
)

KINDS = ("bias", "coverage_drop", "stuck", "scaled_units")


@dataclass(frozen=True)
class Injection:
    figure: str
    kind: str
    start: dt.date
    days: int
    size: float        # bias: added amount; coverage_drop/scaled_units: factor; stuck: 0

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    def describe(self) -> str:
        return f"{self.kind}({self.size:+.4g}) {self.start}..{self.end}"


def inject(series: pd.Series, injection: Injection) -> pd.Series:
    """A copy of ``series`` with the shift applied on its days."""
    out = series.copy()
    days = [injection.start + dt.timedelta(days=k) for k in range(injection.days)]
    days = [d for d in days if d in out.index]
    if injection.kind == "bias":
        out.loc[days] = out.loc[days] + injection.size
    elif injection.kind in ("coverage_drop", "scaled_units"):
        out.loc[days] = out.loc[days] * injection.size
    elif injection.kind == "stuck":
        before = injection.start - dt.timedelta(days=1)
        out.loc[days] = out.loc[before] if before in out.index else out.loc[days[0]]
    else:
        raise ValueError(f"unknown injection kind {injection.kind!r}")
    return out


def plan_injections(model: FigureModel, start: dt.date, days: int, count: int, seed: int,
                    warmup: int = 120, slot: int = 90) -> list[Injection]:
    """``count`` non-overlapping shifts after ``warmup`` days, one per ``slot``-day slot at a random
    place in it, kinds in turn; sizes subtle: a bias of 5 noise sds, a coverage drop of 2-5%,
    a unit scale of 3-5%, a figure stuck for 5-20 days."""
    rng = np.random.default_rng(seed)
    slots = (days - warmup) // slot
    chosen = sorted(rng.choice(slots, size=min(count, slots), replace=False))
    out = []
    for n, s in enumerate(chosen):
        kinds = model.kinds()
        kind = kinds[(n + seed) % len(kinds)]
        length = int(rng.integers(5, 21)) if kind == "stuck" else int(rng.integers(7, 31))
        offset = int(rng.integers(0, slot - length - 14))
        first = start + dt.timedelta(days=warmup + int(s) * slot + offset)
        if kind == "bias":
            size = float(rng.choice([-1, 1]) * 5 * model.noise)
        elif kind == "coverage_drop":  # fewer valid cells: coverage and file size fall, NaN fraction rises
            drop = float(rng.uniform(0.02, 0.05))
            size = 1 + drop * (1 - model.base) / model.base if "nan" in model.name else 1 - drop
        elif kind == "scaled_units":
            size = float(1 + rng.choice([-1, 1]) * rng.uniform(0.03, 0.05))
        else:
            size = 0.0
        out.append(Injection(model.name, kind, first, length, size))
    return out
