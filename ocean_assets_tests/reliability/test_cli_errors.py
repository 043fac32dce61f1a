"""User errors on the command line (classes 8 and 9 of issue 14, item 3 of issue 16): every command
ends a user error in one line on stderr ("Error: ..."), with the documented exit code (1 failed,
2 usage or configuration), no traceback; ``materialize`` never runs another day than asked and
refuses an unknown domain."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from ocean_assets.cli import cli
from ocean_assets.settings import PROJECT_ROOT

SECRET = "s3cr3t-FAKE-pw"
TOMORROW = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()


@pytest.fixture
def bad_config(tmp_path: Path) -> Path:
    """A config folder whose ocean.yaml is malformed YAML (the other files are the real ones)."""
    folder = tmp_path / "config_bad"
    folder.mkdir()
    for f in (PROJECT_ROOT / "config").glob("*.yaml"):
        (folder / f.name).write_text(f.read_text())
    (folder / "ocean.yaml").write_text("products:\n  sst: {title: [unclosed\n")
    return folder


@pytest.fixture
def bad_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text("products:\n  sst:\n    dataset_id: [x\n  currents: }\n")
    return path


# (id, arguments, environment, exit code, words the one line must contain)
CASES = [
    ("date-not-a-date", ["materialize", "--date", "nope"], {}, 2, ["--date", "'nope' is not a date"]),
    ("unknown-domain-next-to-valid", ["materialize", "--date", "2024-03-05", "--domain", "ocean", "--domain", "nope"],
     {}, 2, ["--domain", "'nope' is not one of", "'ocean'", "'conus404'", "'raw_zone'"]),
    ("date-after-conus404", ["materialize", "--date", "2024-03-05", "--domain", "conus404"], {}, 2,
     ["conus404 has no partition for 2024-03-05", "1979-10-01 .. 2022-09-30"]),
    ("date-before-daily", ["materialize", "--date", "2019-06-01", "--domain", "ocean", "--domain", "reef_health"], {}, 2,
     ["ocean has no partition for 2019-06-01", "reef_health has no partition", "2020-01-01 .. "]),
    ("date-no-domain-has", ["materialize", "--date", "1900-01-01"], {}, 2,
     ["ocean has no partition for 1900-01-01", "conus404 has no partition", "1979-10-01 .. 2022-09-30"]),
    ("date-in-the-future", ["materialize", "--date", TOMORROW, "--domain", "ocean"], {}, 2,
     [f"ocean has no partition for {TOMORROW}"]),
    ("update-outside", ["update", "--datasets", "sst", "--date", "1900-01-01"], {}, 2, ["outside the ocean partitions"]),
    ("update-unknown-dataset", ["update", "--datasets", "sst,nope"], {}, 2, ["unknown dataset", "nope"]),
    ("validate-missing-path", ["validate", "/nonexistent/sst_20240305.nc"], {}, 2,
     ["/nonexistent/sst_20240305.nc", "does not exist"]),
    ("validate-malformed-config", ["validate", str(PROJECT_ROOT / "README.md")], {"OCEAN_ASSETS_CONFIG_DIR": "{bad_config}"},
     2, ["ocean.yaml, line", "malformed YAML"]),
    ("validate-config-malformed-file", ["validate-config", "--config", "{bad_yaml}"], {}, 2,
     ["bad.yaml, line", "malformed YAML"]),
    ("validate-config-malformed-config-dir", ["validate-config"], {"OCEAN_ASSETS_CONFIG_DIR": "{bad_config}"}, 2,
     ["ocean.yaml, line", "malformed YAML"]),
    ("validate-config-missing-file", ["validate-config", "--config", "/nonexistent/ocean.yaml"], {}, 2,
     ["cannot read config /nonexistent/ocean.yaml"]),
    ("retention-url-garbage", ["retention", "--status"], {"DATABASE_URL": "not a url"}, 2,
     ["DATABASE_URL is not a valid database URL"]),
    ("retention-url-bad-port", ["retention", "--status"], {"DATABASE_URL": f"postgresql://u:{SECRET}@db:port/x"}, 2,
     ["DATABASE_URL is not a valid database URL", "postgresql://***@db:port/x"]),
    ("api-url-garbage", ["api", "--port", "1"], {"DATABASE_URL": "not a url"}, 2,
     ["DATABASE_URL is not a valid database URL"]),
    ("api-option-url-bad-port", ["api", "--database-url", f"postgresql://r:{SECRET}@h:x/db"], {}, 2,
     ["OCEAN_ASSETS_API_DATABASE_URL", "not a valid database URL"]),
    ("db-upgrade-url-garbage", ["db", "upgrade"], {"DATABASE_URL": "::::"}, 2, ["DATABASE_URL is not a valid"]),
    ("mode-typo", ["tidy"], {"OCEAN_ASSETS_MODE": "prod"}, 2, ["OCEAN_ASSETS_MODE must be one of"]),
    ("qa-report-bad-date", ["qa-report", "--start", "2024-13-01", "--end", "2024-03-02"], {}, 2,
     ["--start", "'2024-13-01' is not a date"]),
    ("qa-report-reversed", ["qa-report", "--start", "2024-03-05", "--end", "2024-03-01"], {}, 2,
     ["--end 2024-03-01 is before --start 2024-03-05"]),
    ("conus404-store-bad-date", ["conus404", "make-store", "/tmp/x.zarr", "--start", "yesterday"], {}, 2,
     ["--start", "'yesterday' is not a date"]),
]


def _fill(value: str, paths: dict[str, Path]) -> str:
    return value.format(**{k: str(v) for k, v in paths.items()})


def assert_one_line(exit_code: int, stderr: str, expected_code: int, words: list[str]) -> str:
    lines = stderr.strip().splitlines()
    assert exit_code == expected_code, stderr
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("Error: ") and "Traceback" not in stderr
    for word in words:
        assert word in line, line
    assert SECRET not in stderr
    return line


@pytest.mark.parametrize(("args", "env", "code", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_user_error_is_one_line_with_its_exit_code(args, env, code, words, bad_config, bad_yaml):
    paths = {"bad_config": bad_config, "bad_yaml": bad_yaml}
    result = CliRunner().invoke(cli, [_fill(a, paths) for a in args],
                                env={k: _fill(v, paths) for k, v in env.items()})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_one_line(result.exit_code, result.stderr, code, words)
    assert not dg.DagsterInstance.get().get_runs()  # nothing ran: not another day, not another domain


FAST = ["date-not-a-date", "unknown-domain-next-to-valid", "validate-missing-path", "validate-config-malformed-file",
        "retention-url-bad-port", "api-url-garbage"]


def test_real_process_prints_one_line_quickly(bad_yaml, bad_config):
    """The installed entry point in a real process: one line on stderr and the exit code; these
    usage errors come before Dagster or the definitions load (no dagster import at all)."""
    paths = {"bad_config": bad_config, "bad_yaml": bad_yaml}
    probe = ("import sys, runpy; sys.argv = ['ocean-assets', *sys.argv[1:]]\n"
             "try:\n    from ocean_assets.cli import main; main()\n"
             "finally:\n    print('dagster loaded' if 'dagster' in sys.modules else 'dagster not loaded', file=sys.stdout)")
    for case in [c for c in CASES if c[0] in FAST]:
        _, args, env, code, words = case
        proc = subprocess.run([sys.executable, "-c", probe, *[_fill(a, paths) for a in args]], capture_output=True,
                              text=True, env={**os.environ, **{k: _fill(v, paths) for k, v in env.items()}}, timeout=120)
        assert_one_line(proc.returncode, proc.stderr, code, words)
        assert proc.stdout.strip().endswith("dagster not loaded"), (case[0], proc.stdout)
    # a date outside a domain is judged against the loaded jobs' partitions: still one line
    _, args, env, code, words = next(c for c in CASES if c[0] == "date-after-conus404")
    proc = subprocess.run([sys.executable, "-m", "ocean_assets", *args], capture_output=True, text=True, timeout=600)
    assert_one_line(proc.returncode, proc.stderr, code, words)


def test_help_documents_the_exit_codes():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Exit codes" in result.output and "2  usage or configuration error" in result.output


def test_without_domain_only_domains_that_have_the_day_run():
    """No --domain: the day runs where it exists, the others are skipped by name (never moved to the
    nearest partition); with --domain each named domain must have it."""
    import click

    from ocean_assets.cli.materialize import plan_days
    from ocean_assets.location import load_definitions, main_jobs

    jobs = main_jobs(load_definitions())
    runnable, skipped = plan_days(jobs, dt.date(2024, 3, 5), explicit=False)
    assert [j.tags["ocean_assets/main_job"] for j in runnable] == ["ocean", "ship_chips", "reef_health",
                                                                   "raw_zone", "platform"]
    assert skipped == ["conus404 has no partition for 2024-03-05 (its partitions: 1979-10-01 .. 2022-09-30)"]
    runnable, skipped = plan_days(jobs, dt.date(2019, 6, 1), explicit=False)
    assert [j.tags["ocean_assets/main_job"] for j in runnable] == ["conus404"] and len(skipped) == 5
    conus = [j for j in jobs if j.tags["ocean_assets/main_job"] == "conus404"]
    with pytest.raises(click.BadParameter, match="conus404 has no partition for 2024-03-05"):
        plan_days(conus, dt.date(2024, 3, 5), explicit=True)


@pytest.fixture
def read_only_root(tmp_path: Path) -> Iterator[Path]:
    """A data root on a tmpfs remounted read-only (skips where mounting is refused)."""
    where = tmp_path / f"ro_{uuid.uuid4().hex[:6]}"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        (where / "data").mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where / "data"
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_read_only_data_root_is_named_as_read_only(read_only_root, monkeypatch):
    monkeypatch.setenv("OCEAN_ASSETS_DATA_ROOT", str(read_only_root))
    report = CliRunner().invoke(cli, ["qa-report", "--start", "2024-03-01", "--end", "2024-03-02"])
    line = assert_one_line(report.exit_code, report.stderr, 1, ["cannot write", "is read-only"])
    assert "FileNotFoundError" not in line
    run = CliRunner().invoke(cli, ["update", "--datasets", "sst", "--date", "2024-03-05"])
    assert run.exit_code == 1 and "Traceback" not in run.stderr
    # one unfolded line per failed day (a long path is never split across lines)
    assert f"cannot write {read_only_root / '.tmp'}: {read_only_root} is read-only" in run.stdout
    failures = [e for r in dg.DagsterInstance.get().get_runs()
                for e in dg.DagsterInstance.get().all_logs(r.run_id) if e.dagster_event
                and e.dagster_event.event_type_value in ("STEP_FAILURE", "STEP_UP_FOR_RETRY")]
    assert [e.dagster_event.event_type_value for e in failures] == ["STEP_FAILURE"]  # not retried
