"""The ``ocean-assets`` command. Each module in this package adds its commands via ``register``."""

from __future__ import annotations

import importlib
import pkgutil

import click


class _Cli(click.Group):
    """Turns "the database / a remote service is unreachable" from any command into one clear line,
    not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        import requests
        from sqlalchemy.exc import InterfaceError, OperationalError

        try:
            return super().invoke(ctx)
        except requests.RequestException as exc:  # e.g. a live catalogue unreachable from here
            from ocean_assets.core.redact import redact

            url = (exc.request.url or "").split("?")[0] if exc.request is not None else ""
            raise click.ClickException(f"cannot reach {url or 'a remote service'}: {type(exc).__name__}: "
                                       f"{redact(str(exc)).splitlines()[0][:200]}") from None
        except (OperationalError, InterfaceError) as exc:
            from ocean_assets.core.redact import redact, redact_url
            from ocean_assets.settings import get_settings

            reason = redact(str(exc.orig or exc)).strip().splitlines()[0]
            raise click.ClickException(f"database unavailable ({redact_url(get_settings().database_url)}): "
                                       f"{reason}") from None


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
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
