"""The ``ocean-assets`` command. Each module in this package adds its commands via ``register``."""

from __future__ import annotations

import importlib
import pkgutil

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ocean-assets")
def cli() -> None:
    """ocean-assets: daily ocean, climate and earth-observation assets on Dagster."""


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_register_all()


def main() -> None:
    cli(prog_name="ocean-assets")
