"""`ocean-assets validate`, `validate-config` and `update` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.settings import PROJECT_ROOT


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_exit_codes_and_json(make_file, tmp_path):
    good = make_file("acidity")
    broken = tmp_path / "sst_20240305.nc"
    broken.write_bytes(good.read_bytes()[:500])
    assert run("validate", str(good)).exit_code == 0
    result = run("validate", str(good), str(broken), "--json")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [r["passed"] for r in lines] == [True, False]
    assert lines[1]["product"] == "sst" and lines[1]["failed"][0]["rule"] == "integrity"
    assert "Traceback" not in result.output


def test_validate_reports_missing_variable_and_unknown_product(make_file, tmp_path):
    renamed = make_file("sst", mutate=lambda ds: ds.rename({"analysed_sst": "temp"}))
    result = run("validate", "--json", str(renamed))
    report = json.loads(result.output)
    assert result.exit_code == 1 and "missing required variable(s): analysed_sst" in report["failed"][0]["message"]
    odd = tmp_path / "whatever.nc"
    odd.write_bytes(renamed.read_bytes())
    report = json.loads(run("validate", "--json", str(odd)).output)
    assert "pass --product" in report["failed"][0]["message"]


def test_validate_usage_errors_exit_2(tmp_path):
    assert run("validate").exit_code == 2
    assert run("validate", str(tmp_path)).exit_code == 2  # a folder with no .nc files
    assert run("validate", "--product", "nope", "x.nc").exit_code == 2


def test_validate_config_catches_monthly_id(tmp_path):
    cfg = yaml.safe_load((PROJECT_ROOT / "config" / "ocean.yaml").read_text())
    cfg["products"]["currents"]["dataset_id"] = "cmems_mod_glo_phy-cur_anfc_0.083deg_P1M-m"
    path = tmp_path / "ocean.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert run("validate-config").exit_code == 0
    result = run("validate-config", "--config", str(path), "--json")
    assert result.exit_code == 1
    failing = [r for r in json.loads(result.output) if not r["passed"]]
    assert [r["product"] for r in failing] == ["currents"]
    assert "cmems_mod_glo_phy-cur_anfc_0.083deg_P1M-m" in failing[0]["message"] and "P1D" in failing[0]["message"]


def test_update_dry_run_downloads_nothing(data_root: Path):
    result = run("update", "--datasets", "sst,currents", "--start", "2024-03-01", "--end", "2024-03-03", "--dry-run")
    assert result.exit_code == 0
    assert "2 asset" not in result.output and "sst_texture" in result.output and "3 day(s)" in result.output
    assert not (data_root / "ocean").exists()


def test_update_rejects_bad_arguments():
    assert run("update", "--datasets", "sst,krill").exit_code == 2
    assert run("update", "--start", "2024-03-03").exit_code == 2
    assert run("update", "--start", "2024-03-03", "--end", "2024-03-01").exit_code == 2
    assert run("update", "--date", "1999-01-01").exit_code == 2


def test_update_runs_one_day(data_root: Path):
    result = run("update", "--datasets", "acidity", "--date", "2024-03-05")
    assert result.exit_code == 0, result.output
    assert (data_root / "ocean/acidity/2024/acidity_20240305.nc").exists()
    assert not (data_root / "ocean/sst").exists()


def test_unreachable_catalogue_is_one_line_not_a_traceback(monkeypatch):
    import copernicusmarine
    import requests

    def offline(**_kwargs):
        request = requests.Request("GET", "https://stac.marine.copernicus.eu/metadata/catalog.stac.json?t=1").prepare()
        raise requests.ConnectionError("Max retries exceeded (name resolution failed)", request=request)

    monkeypatch.setattr(copernicusmarine, "describe", offline)
    result = CliRunner().invoke(cli, ["validate-config", "--mode", "live"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: cannot reach https://stac.marine.copernicus.eu/metadata/catalog.stac.json: ConnectionError: "
        "Max retries exceeded (name resolution failed)")
