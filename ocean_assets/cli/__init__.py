"""The ``ocean-assets`` command. Each module in this package adds its commands via ``register``.

Command modules import only click (and the standard library) at module level; Dagster, xarray,
pandas and the rest are imported inside the command that needs them, so ``--help`` and usage
errors answer at once instead of after the whole code location has loaded.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

import click

EPILOG = """\b
Exit codes (every command):
  0  done
  1  done, but something failed: a check, a run, a file (validate), a remote service or the
     database unreachable, the disk full
  2  usage or configuration error: a bad option or date, an unknown domain or product, a missing
     path, malformed YAML or a config value out of range (every command checks config/*.yaml
     first), an invalid DATABASE_URL or OCEAN_ASSETS_MODE
Errors are one line on stderr, starting with "Error:"."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _translate(exc: Exception) -> click.ClickException | None:
    """A user-caused error from a command, as one click error with its exit code; None if it is a bug.
    Library exception types are looked up only when their library is already imported."""
    from ocean_assets.config import ConfigError
    from ocean_assets.core.retry import PermanentError

    if isinstance(exc, ConfigError):
        return click.UsageError(_one_line(exc))
    if isinstance(exc, PermanentError):  # disk full, read-only data root, a refused download
        return click.ClickException(_one_line(exc))
    yaml = sys.modules.get("yaml")
    if yaml is not None and isinstance(exc, yaml.YAMLError):
        return click.UsageError(yaml_message(exc))
    requests = sys.modules.get("requests")
    if requests is not None and isinstance(exc, requests.RequestException):  # a live catalogue unreachable
        from ocean_assets.core.redact import redact

        url = (exc.request.url or "").split("?")[0] if exc.request is not None else ""
        return click.ClickException(f"cannot reach {url or 'a remote service'}: {type(exc).__name__}: "
                                    f"{redact(str(exc)).splitlines()[0][:200]}")
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        from ocean_assets.core.redact import redact, redact_url
        from ocean_assets.settings import get_settings

        reason = redact(str(exc.orig or exc)).strip().splitlines()[0]
        return click.ClickException(f"database unavailable ({redact_url(get_settings().database_url)}): {reason}")
    if isinstance(exc, OSError) and exc.filename is not None:  # e.g. a read-only or missing data root
        import errno

        from ocean_assets.core.redact import redact

        what = {errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
                errno.ENOSPC: "disk full", errno.ENOENT: "no such file or directory"}.get(exc.errno or 0)
        return click.ClickException(f"cannot use {exc.filename}: {what or exc.strerror or type(exc).__name__}"
                                    if what or exc.strerror else redact(_one_line(exc)))
    return None


def yaml_message(exc: Any) -> str:
    """One line for a YAML syntax error: file, line, column and the parser's complaint."""
    from ocean_assets.config import yaml_error_line

    return yaml_error_line(exc)


UNCHECKED = {"doctor"}  # reports each config file itself


class _Cli(click.Group):
    """Every error a user can cause ends in one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        from ocean_assets.settings import get_settings

        try:
            get_settings()  # e.g. OCEAN_ASSETS_MODE=typo
        except ValueError as exc:
            raise click.UsageError(_one_line(exc)) from None
        try:
            args = [*ctx._protected_args, *ctx.args]  # as click's own Group.invoke reads them
            if args and args[0] not in UNCHECKED and not {"-h", "--help"} & set(args):
                from ocean_assets.config import check_all

                check_all()  # a bad value in any config file: one line naming file, key and range; exit 2
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as exc:
            translated = _translate(exc)
            if translated is None:
                raise
            raise translated from None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare command: its help, as click does
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:  # usage errors too: one line, not click's four
            hint = ""
            if isinstance(exc, click.UsageError) and exc.ctx is not None and exc.ctx.command is not self:
                hint = f" (see '{exc.ctx.command_path} --help')"
            click.echo(f"Error: {_one_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
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
