"""``doctor`` and ``vacuum``: platform health (config, environment, storage, dependencies) and upkeep."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa
import yaml

from ocean_assets.core.outcome import Outcome, fail, ok
from ocean_assets.core.redact import redact_url
from ocean_assets.settings import ENV_VARS, MODES, Settings

PACKAGES = ("dagster", "numpy", "pandas", "xarray", "rasterio", "rio-cogeo", "geopandas", "shapely",
            "pystac", "pystac-client", "sgp4", "pandera", "SQLAlchemy", "websockets", "copernicusmarine",
            "pydantic")
MIN_FREE_BYTES = 1 << 30


def check_config(config_dir: Path) -> list[Outcome]:
    """Every YAML file under config/ parses, and every one with a model validates (one line each)."""
    from ocean_assets.config import ConfigError, load_config, yaml_error_line
    from ocean_assets.config_models import MODELS

    files = sorted(config_dir.glob("*.yaml"))
    if not files:
        return [fail("config", f"no YAML files in {config_dir}")]
    out = []
    for f in files:
        try:
            if f.stem in MODELS:
                load_config(f.stem, config_dir)
                out.append(ok(f"config:{f.name}", "valid"))
            else:
                data = yaml.safe_load(f.read_text())
                out.append(ok(f"config:{f.name}", "parses") if isinstance(data, dict)
                           else fail(f"config:{f.name}", "top level is not a mapping"))
        except ConfigError as exc:
            out.append(fail(f"config:{f.name}", str(exc)))
        except yaml.YAMLError as exc:
            out.append(fail(f"config:{f.name}", yaml_error_line(exc)))
    missing = sorted(set(MODELS) - {f.stem for f in files})
    out += [fail(f"config:{name}.yaml", "missing") for name in missing]
    return out


def check_environment(mode: str) -> list[Outcome]:
    """Each declared variable: set or not (its value only in ``environment_rows``, secrets never)."""
    out = [ok("mode", mode) if mode in MODES else fail("mode", f"{mode!r} not in {MODES}")]
    for var in ENV_VARS:
        present = bool(os.environ.get(var.name))
        note = ("set" if present else "not set") + (" (secret, value hidden)" if var.secret else "")
        if mode == "live" and var.live_required and not present:
            out.append(fail(f"env:{var.name}", "not set; required in live mode"))
        else:
            out.append(ok(f"env:{var.name}", note, severity="WARN"))
    return out


def check_storage(data_root: Path) -> list[Outcome]:
    try:
        data_root.mkdir(parents=True, exist_ok=True)
        probe = data_root / f".doctor.{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return [fail("storage:writable", f"{data_root} is not writable ({exc.strerror})")]
    free = shutil.disk_usage(data_root).free
    return [ok("storage:writable", str(data_root)),
            ok("storage:free", f"{free / 1e9:.1f} GB free") if free >= MIN_FREE_BYTES
            else fail("storage:free", f"only {free / 1e6:.0f} MB free", severity="WARN")]


def check_database(url: str) -> list[Outcome]:
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver error: report its class only, the message may hold the URL
        return [fail("database", f"cannot connect to {redact_url(url)} ({type(exc).__name__})")]
    return [ok("database", redact_url(url))]


def check_dependencies() -> list[Outcome]:
    out = []
    for name in PACKAGES:
        try:
            out.append(ok(f"dep:{name}", importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            out.append(fail(f"dep:{name}", "not installed"))
    try:
        import rasterio

        out.append(ok("dep:GDAL", f"{rasterio.__gdal_version__} (rasterio {rasterio.__version__})"))
    except ImportError as exc:
        out.append(fail("dep:GDAL", f"rasterio does not import: {exc}"))
    return out


def doctor(settings: Settings) -> list[Outcome]:
    return [*check_config(settings.config_dir), *check_environment(settings.mode),
            *check_storage(settings.data_root), *check_database(settings.database_url),
            *check_dependencies()]


def remove_empty_dirs(root: Path, dry_run: bool = False) -> list[Path]:
    """Delete empty folders below ``root`` (deepest first); ``root`` itself stays."""
    removed: list[Path] = []
    if not root.exists():
        return removed
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()) or (dry_run and all(c in removed for c in folder.iterdir())):
            if not dry_run:
                folder.rmdir()
            removed.append(folder)
    return removed


def vacuum_database(url: str) -> tuple[int | None, int | None]:
    """VACUUM the database; returns the SQLite file size before and after (None for servers)."""
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    before = path.stat().st_size if path and path.exists() else None
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM"))
    engine.dispose()
    return before, path.stat().st_size if path and path.exists() else None
