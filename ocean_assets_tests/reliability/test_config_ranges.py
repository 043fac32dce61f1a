"""Config values are range-checked (issue 14, class 7; issue 16, item 8).

Every file under config/ is loaded into its typed model (``ocean_assets.config_models``) at the one
loading point, ``load_config``. A bad value is refused by every command before it runs, in one line
on stderr naming the file, the key path and the allowed range, with exit code 2. Before this, the
values below were taken as they were: ``max_nan_fraction: 7`` switched the NaN rule off, a negative
anomaly threshold reported 0 anomalies, ``attempts: 0`` ended in ``AssertionError("unreachable")``,
a negative texture width in a PIL error, and an unknown product name was ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.config import ConfigError, load_config
from ocean_assets.config_models import MODELS
from ocean_assets.settings import PROJECT_ROOT

DAY = "2024-03-05"


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict], None]:
    def edit(cfg: dict) -> None:
        node = cfg
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def _rename_product(old: str, new: str) -> Callable[[dict], None]:
    def edit(cfg: dict) -> None:
        cfg["products"][new] = cfg["products"].pop(old)
    return edit


def _edit(config_dir: Path, name: str, edit: Callable[[dict], None]) -> None:
    path = config_dir / f"{name}.yaml"
    cfg = yaml.safe_load(path.read_text())
    edit(cfg)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))


# (id, file, edit, command, words the one line must contain). Each command is one a user would
# run after that edit; the dry runs and validate-config exited 0 with these values before.
CASES = [
    ("max-nan-fraction-7", "ocean", _set(("products", "sst", "max_nan_fraction"), 7),
     ["validate-config"], "ocean.yaml: products.sst.max_nan_fraction = 7: must be between 0 and 1"),
    ("negative-anomaly-threshold", "reef_health", _set(("score", "anomaly_threshold"), -10),
     ["materialize", "--date", DAY, "--domain", "reef_health"],
     "reef_health.yaml: score.anomaly_threshold = -10: must be between 0 and 100"),
    ("attempts-0", "ocean", _set(("retry", "attempts"), 0),
     ["update", "--datasets", "sst", "--date", DAY, "--dry-run"], "ocean.yaml: retry.attempts = 0: must be >= 1"),
    ("conus404-attempts-0", "conus404", _set(("reads", "attempts"), 0),
     ["conus404", "failed"], "conus404.yaml: reads.attempts = 0: must be >= 1"),
    ("negative-texture-width", "ocean", _set(("texture", "width"), -2048),
     ["update", "--datasets", "sst", "--date", DAY, "--dry-run"], "ocean.yaml: texture.width = -2048: must be >= 1"),
    ("unknown-product-name", "ocean", _rename_product("sst", "sea_temp"),
     ["validate-config"],
     "ocean.yaml: products.sea_temp: unknown name; must be one of sst, currents, acidity, microplastics"),
    ("unknown-source-name", "ocean", _set(("products", "currents", "source"), "nasa"),
     ["validate-config"], "ocean.yaml: products.currents.source = 'nasa': must be one of copernicus, erddap, cygnss"),
    ("misspelt-key", "ocean", _set(("products", "sst", "max_nan_fractoin"), 0.1),
     ["validate-config"], "ocean.yaml: products.sst.max_nan_fractoin: unknown key (allowed: "),
    ("raw-zone-free-fraction", "raw_zone", _set(("preflight", "min_free_fraction"), 1.5),
     ["raw-zone", "status"], "raw_zone.yaml: preflight.min_free_fraction = 1.5: must be between 0 and 1"),
    ("ship-chips-cloud-fraction", "ship_chips", _set(("gate", "max_cloud_fraction"), -0.1),
     ["ship-chips", "publish-stac"], "ship_chips.yaml: gate.max_cloud_fraction = -0.1: must be between 0 and 1"),
    ("platform-window", "platform", _set(("qa_report", "window_days"), 0),
     ["qa-report", "--start", DAY, "--end", DAY], "platform.yaml: qa_report.window_days = 0: must be >= 1"),
    # a typo here once removed every drift check silently (and broke the code location's loading)
    ("drift-asset-typo", "platform", _set(("drift", "assets"), ["SST"]),
     ["drift", "list"], "platform.yaml: drift.assets[0] = 'SST': must be one of sst, currents"),
    ("drift-threshold", "platform", _set(("drift", "defaults", "threshold"), -3),
     ["drift", "list"], "platform.yaml: drift.defaults.threshold = -3: must be > 0"),
]


@pytest.mark.parametrize("name, edit, args, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_value_is_refused_in_one_line_with_file_key_and_range(config_dir: Path, name: str, edit, args,
                                                                    words: str) -> None:
    _edit(config_dir, name, edit)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert words in lines[0], lines[0]
    assert str(config_dir) in lines[0]  # the file is named with its full path outside the project


def test_the_same_bad_value_fails_every_reader_not_only_the_cli(config_dir: Path) -> None:
    """The loading point itself refuses it: assets, checks and sensors read through load_config."""
    from ocean_assets.core.ocean.products import load_products
    from ocean_assets.core.reef_health.scoring import ScoreConfig

    _edit(config_dir, "ocean", _set(("products", "sst", "max_nan_fraction"), 7))
    with pytest.raises(ConfigError, match=r"products\.sst\.max_nan_fraction = 7: must be between 0 and 1"):
        load_products()
    with pytest.raises(ConfigError, match=r"score\.anomaly_threshold = -1: must be between 0 and 100"):
        ScoreConfig.from_config({"anomaly_threshold": -1})


def test_validate_config_checks_the_file_it_is_given(tmp_path: Path) -> None:
    cfg = yaml.safe_load((PROJECT_ROOT / "config" / "ocean.yaml").read_text())
    cfg["products"]["sst"]["max_nan_fraction"] = 7
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(cfg))
    result = CliRunner().invoke(cli, ["validate-config", "--config", str(path)])
    assert result.exit_code == 2 and "mine.yaml: products.sst.max_nan_fraction = 7: must be between 0 and 1" \
        in result.output, result.output


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_shipped_config_file_validates_with_defaults_filled_in(name: str) -> None:
    cfg = load_config(name, PROJECT_ROOT / "config")
    assert isinstance(cfg, dict) and cfg
    raw = yaml.safe_load((PROJECT_ROOT / "config" / f"{name}.yaml").read_text())
    assert set(raw) <= set(cfg)  # every key kept; absent optional sections come back with their defaults


def test_doctor_validates_every_config_file(config_dir: Path) -> None:
    _edit(config_dir, "ocean", _set(("texture", "width"), -1))
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    assert result.exit_code == 1
    rows = {r["rule"]: r for r in __import__("json").loads(result.output)}
    assert not rows["config:ocean.yaml"]["passed"]
    assert "texture.width = -1: must be >= 1" in rows["config:ocean.yaml"]["message"]
    assert all(rows[f"config:{n}.yaml"]["passed"] for n in MODELS if n != "ocean")


def test_docs_configuration_md_is_the_generated_table() -> None:
    """docs/configuration.md = render() of the models and ENV_VARS; regenerate with
    ``python -m ocean_assets.config_models.docs > docs/configuration.md``."""
    from ocean_assets.config_models.docs import config_rows, render

    text = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
    assert text == render()
    assert "| `products.<name>.max_nan_fraction` | number | 0.5 | between 0 and 1 |" in text
    assert "| `score.anomaly_threshold` | number | 70.0 | between 0 and 100 |" in text
    for name in MODELS:  # every key of every shipped file has its row
        keys = {row[0] for row in config_rows(name)}
        raw = yaml.safe_load((PROJECT_ROOT / "config" / f"{name}.yaml").read_text())
        assert set(raw) <= keys, name


def test_every_environment_variable_the_code_reads_is_declared() -> None:
    """A literal name read with os.environ / getenv anywhere in ocean_assets is in settings.ENV_VARS."""
    import re

    from ocean_assets.settings import ENV_BY_NAME

    pattern = re.compile(r"""(?:environ\.get|environ\[|getenv)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
    read = {m for f in (PROJECT_ROOT / "ocean_assets").rglob("*.py") for m in pattern.findall(f.read_text())}
    assert read and read <= set(ENV_BY_NAME), sorted(read - set(ENV_BY_NAME))
