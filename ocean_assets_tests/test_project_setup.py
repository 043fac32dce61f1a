"""A newcomer's first commands: one code location name for every way of starting Dagster, the .env
that make writes for dg / dagster, and the one-line notice when DAGSTER_HOME is unset."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ocean_assets.settings import PROJECT_ROOT

LOCATION = "ocean_assets"


def test_workspace_yaml_and_dg_register_the_same_location_name() -> None:
    """dagster dev -w workspace.yaml and dg dev / dg launch: sensor state is kept per location name."""
    from dagster._core.workspace.load_target import WorkspaceFileTarget
    from dagster_dg_core.context import DgContext

    origins = WorkspaceFileTarget(paths=[str(PROJECT_ROOT / "workspace.yaml")]).create_origins()
    assert [o.location_name for o in origins] == [LOCATION]
    assert DgContext.for_project_environment(PROJECT_ROOT, {}).code_location_name == LOCATION


def test_ui_command_is_the_same_in_make_and_readme() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert re.search(r"^ui:.*\n\t\$\(DG\) dev$", makefile, re.M) and "DG := VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg" in makefile
    readme = (PROJECT_ROOT / "README.md").read_text()
    # no command line starts the UI with -m: that names the location "ocean_assets.definitions"
    assert not re.search(r"^\s*dagster dev -m", readme, re.M)
    assert re.search(r"^dg dev ", readme, re.M)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """The Makefile and dagster.yaml in a directory of their own (make writes .env there)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = tmp_path / "clone"
    root.mkdir()
    for name in ("Makefile", "dagster.yaml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    return root


def _make_env(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "-C", str(root), ".env"], env=env, capture_output=True, text=True,
                          timeout=60)


def test_make_writes_env_that_dagster_reads_and_that_yields_to_exported_values(
        clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster._core.secrets.env_file import get_env_var_dict

    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "OCEAN_ASSETS_DATA_ROOT")}
    result = _make_env(clone, env)
    assert result.returncode == 0, result.stderr
    assert "wrote .env" in result.stdout
    # what dagster / dg load from .env when started in the clone (the same reader dagster uses)
    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.delenv("OCEAN_ASSETS_DATA_ROOT")
    loaded = get_env_var_dict(str(clone))
    assert loaded["DAGSTER_HOME"] == str(clone / ".dagster_home")
    assert loaded["OCEAN_ASSETS_DATA_ROOT"] == str(clone / "data")
    monkeypatch.setenv("DAGSTER_HOME", "/somewhere/else")  # an exported value wins (tests, other instances)
    assert get_env_var_dict(str(clone))["DAGSTER_HOME"] == "/somewhere/else"
    # unchanged on a second make; a hand-written .env is kept
    assert _make_env(clone, env).stdout == ""
    (clone / ".env").write_text("DAGSTER_HOME=/mine\n")
    result = _make_env(clone, env)
    assert "keeping your own .env" in result.stdout
    assert (clone / ".env").read_text() == "DAGSTER_HOME=/mine\n"


def test_cli_says_which_instance_it_uses_when_dagster_home_is_unset(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ocean_assets.cli._common import get_instance

    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.chdir(tmp_path)
    with get_instance() as instance:
        assert Path(instance.root_directory) == tmp_path / ".dagster_home"
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"DAGSTER_HOME is not set: using the Dagster instance in {tmp_path / '.dagster_home'}" in err
    assert (tmp_path / ".dagster_home" / "dagster.yaml").exists()


def test_cli_is_silent_about_the_instance_when_dagster_home_is_set(capsys: pytest.CaptureFixture[str]) -> None:
    from ocean_assets.cli._common import get_instance

    with get_instance():
        pass
    assert "DAGSTER_HOME" not in capsys.readouterr().err
