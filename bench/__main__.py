"""Run benchmarks: ``python -m bench [name ...] [-- args]``; every ``bench_*.py`` with a ``main(argv)``.

Examples: ``python -m bench`` (all, default sizes), ``python -m bench validate -- --files 365``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def available() -> list[str]:
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__)
                  if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names, extra = (argv[: argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    if {"-h", "--help"} & set(names):
        print(f"{__doc__.strip()}\n\navailable: {', '.join(available())}")
        return 0
    names = names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    for name in names:
        print(f"\n=== bench {name} ===", flush=True)
        start = time.perf_counter()
        importlib.import_module(f"bench.bench_{name}").main(extra)
        print(f"(bench {name} took {time.perf_counter() - start:.1f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
