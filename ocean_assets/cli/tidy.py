"""``ocean-assets tidy``: remove the hidden temp files that killed writers leave beside outputs."""

from __future__ import annotations

import contextlib

import click

from ocean_assets.core.io import stale_temp_files
from ocean_assets.settings import get_settings


@click.command("tidy")
@click.option("--older-than-hours", default=24.0, show_default=True, type=click.FloatRange(min=1.0),
              help="Only temp files untouched this long (younger ones may belong to a running step).")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
def tidy(older_than_hours: float, dry_run: bool) -> None:
    """Remove stale `.*.tmp` files (left by a killed step) under OCEAN_ASSETS_DATA_ROOT."""
    root = get_settings().data_root
    stale = stale_temp_files(root, older_than_hours * 3600)
    freed = 0
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            size = path.stat().st_size
            if not dry_run:
                path.unlink()
            freed += size
            click.echo(f"{'would remove' if dry_run else 'removed'} {path.relative_to(root)} ({size} bytes)")
    verb = "would free" if dry_run else "freed"
    click.echo(f"{len(stale)} stale temp file(s) under {root}; {verb} {freed / 1e6:.1f} MB")


def register(cli: click.Group) -> None:
    cli.add_command(tidy)
