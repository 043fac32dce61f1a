"""Drift detection on multi-year synthetic figure series with injected shifts of known size and date.

    python -m bench drift [-- --seed 2 --years 6 --per-figure 16 --threshold 4.5]

Detected: the day's figure is flagged within ``--within`` days of the shift's first day. False alarm:
a flagged day outside every shift (and outside ``--grace`` days after one ends), counted per
figure-year of evaluated days (the first ``--warmup`` days are history only), as days and as
episodes (runs of consecutive flagged days: one WARN an operator looks at).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import defaultdict

from ocean_assets.core.drift.score import DriftParams, score_series
from ocean_assets.core.drift.synthetic import FIGURES, inject, plan_injections


def run(seed: int, years: int, per_figure: int, params: DriftParams, within: int, grace: int,
        warmup: int) -> dict[str, object]:
    start = dt.date(2019, 1, 1)
    days = int(years * 365.25)
    detected: dict[str, list[bool]] = defaultdict(list)
    false_alarms: dict[str, int] = {}
    episodes: dict[str, int] = {}
    fig_years: dict[str, float] = {}
    missed: list[str] = []
    for n, model in enumerate(FIGURES):
        series = model.generate(start, days, seed=seed * 1000 + n)
        plan = plan_injections(model, start, days, per_figure, seed=seed * 1000 + n + 500, warmup=warmup)
        for inj in plan:
            series = inject(series, inj)
        scores = score_series(series, params)
        flagged = {s.day for s in scores if s.flagged}
        covered: set[dt.date] = set()
        for inj in plan:
            window = {inj.start + dt.timedelta(days=k) for k in range(min(within, inj.days))}
            hit = bool(window & flagged)
            detected[inj.kind].append(hit)
            if not hit:
                missed.append(f"{model.name} {inj.describe()}")
            covered |= {inj.start + dt.timedelta(days=k) for k in range(inj.days + grace)}
        evaluated = [s.day for s in scores[warmup:] if s.day not in covered]
        fa_days = sorted(d for d in evaluated if d in flagged)
        false_alarms[model.name] = len(fa_days)
        episodes[model.name] = sum(1 for k, d in enumerate(fa_days)
                                   if k == 0 or (d - fa_days[k - 1]).days > 1)
        fig_years[model.name] = len(evaluated) / 365.25
    return {"detected": detected, "false_alarms": false_alarms, "fig_years": fig_years, "missed": missed,
            "episodes": episodes}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench drift", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append", help="series seed (repeatable; default 2)")
    parser.add_argument("--years", type=float, default=6)
    parser.add_argument("--per-figure", type=int, default=16, help="shifts injected per figure")
    parser.add_argument("--threshold", type=float, default=DriftParams.threshold)
    parser.add_argument("--within", type=int, default=7, help="days after onset a flag counts as detection")
    parser.add_argument("--grace", type=int, default=7, help="days after a shift ends not counted as false alarms")
    parser.add_argument("--warmup", type=int, default=120, help="days of history before scoring counts")
    args = parser.parse_args(argv or [])
    params = DriftParams(threshold=args.threshold)
    print(f"params: {params}")
    for seed in args.seed or [2]:
        began = time.perf_counter()
        result = run(seed, args.years, args.per_figure, params, args.within, args.grace, args.warmup)
        detected: dict[str, list[bool]] = result["detected"]  # type: ignore[assignment]
        total = sum(len(v) for v in detected.values())
        hits = sum(sum(v) for v in detected.values())
        print(f"\nseed {seed}: {len(result['false_alarms'])} figures x {args.years:g} years, "  # type: ignore[arg-type]
              f"{total} injected shifts, scored in {time.perf_counter() - began:.1f}s")
        for kind, hits_k in sorted(detected.items()):
            print(f"  {kind:14s} detected {sum(hits_k):3d}/{len(hits_k):3d}")
        print(f"  {'all':14s} detected {hits:3d}/{total:3d} = {100 * hits / max(total, 1):.1f}%")
        fa, fy, ep = result["false_alarms"], result["fig_years"], result["episodes"]
        for name in fa:  # type: ignore[union-attr]
            print(f"  false alarms {name:38s} {fa[name]:3d} days, {ep[name]:2d} episodes / {fy[name]:.2f} y = "  # type: ignore[index]
                  f"{fa[name] / fy[name]:.2f} days, {ep[name] / fy[name]:.2f} episodes per figure-year")  # type: ignore[index]
        all_fa, all_ep, all_fy = sum(fa.values()), sum(ep.values()), sum(fy.values())  # type: ignore[union-attr]
        print(f"  false alarms overall {all_fa} days, {all_ep} episodes / {all_fy:.2f} figure-years = "
              f"{all_fa / all_fy:.2f} days, {all_ep / all_fy:.2f} episodes per figure-year")
        for line in result["missed"]:  # type: ignore[union-attr]
            print(f"  missed: {line}")
