"""A progress bar for long command-line work (on stderr, so --json output stays clean)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextlib.contextmanager
def progress(total: int, label: str, enabled: bool = True) -> Iterator[Callable[[], None]]:
    if not enabled:
        yield lambda: None
        return
    console = Console(file=sys.stderr)
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)
