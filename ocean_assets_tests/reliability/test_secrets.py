"""Secrets come only from the environment and never leave it: planted fake credentials must not
appear in any log line, Dagster event, report or product file, or error message, neither in a demo
run nor in live downloads that fail against loopback servers echoing the credentials back."""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from dagster._serdes import serialize_value

from ocean_assets.cli import cli
from ocean_assets.core.redact import MASK, redact
from ocean_assets_tests.loopback import CygnssGranules, Faulty, http_server, status_fault
from ocean_assets_tests.pg import temporary_database
from ocean_assets_tests.reliability.conftest import FAKE_PASSWORD, FAKE_TOKEN, write_live_config

AIS_KEY = "ais-key-planted-5f3a9c"
WEBHOOK = "https://hooks.example.invalid/services/T0/B0/planted-webhook-secret"
DB_PASSWORD = "db-FAKE-password-c0ffee"
SECRETS = (FAKE_TOKEN, FAKE_PASSWORD, AIS_KEY, "planted-webhook-secret", "pc-subscription-planted", DB_PASSWORD)
DATE = "2024-03-05"


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EARTHDATA_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("COPERNICUSMARINE_SERVICE_USERNAME", "someone")
    monkeypatch.setenv("COPERNICUSMARINE_SERVICE_PASSWORD", FAKE_PASSWORD)
    monkeypatch.setenv("AISSTREAM_API_KEY", AIS_KEY)
    monkeypatch.setenv("PC_SDK_SUBSCRIPTION_KEY", "pc-subscription-planted")
    monkeypatch.setenv("OCEAN_ASSETS_ALERT_WEBHOOK_URL", WEBHOOK)


def leaks(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [s for s in SECRETS if s.encode() in data]


def leaking_files(*roots: Path) -> dict[str, list[str]]:
    """Every file under ``roots`` (SQLite event logs, compute logs, reports, products) holding a secret."""
    found = {}
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and (hit := leaks(path.read_bytes())):
                found[str(path)] = hit
    return found


def leaking_events(instance: dg.DagsterInstance) -> list[str]:
    runs = instance.get_runs()
    assert runs, "expected at least one run in the instance"
    events = [serialize_value(r) for run in runs for r in instance.all_logs(run.run_id)]
    return [e[:200] for e in events if leaks(e)]


def test_redact_masks_environment_secrets_and_bearer_tokens(planted):
    text = f"denied for Bearer {FAKE_TOKEN} (password={FAKE_PASSWORD}); Authorization: bearer abc.def"
    out = redact(text)
    assert not leaks(out) and out.count(MASK) == 3 and "abc.def" not in out
    assert redact("nothing secret here") == "nothing secret here"


def with_password(url: str, password: str) -> str:
    return url.replace("postgres@", f"postgres:{password}@", 1)


@pytest.fixture
def database(postgres_url: str):  # noqa: ANN201
    with temporary_database(postgres_url, prefix="oa_secrets") as url:
        yield url


def test_demo_run_leaks_no_secret(planted, data_root, caplog, database, monkeypatch):
    """Every domain for one day on PostgreSQL with a password in DATABASE_URL (trust auth accepts
    any), and `doctor`, which reports which secrets are set."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DATABASE_URL", with_password(database, DB_PASSWORD))
    result = CliRunner().invoke(cli, ["materialize", "--date", DATE])
    assert result.exit_code == 0, result.output
    with sa.create_engine(database).connect() as conn:  # the reef scores really went to PostgreSQL
        assert conn.execute(sa.text("SELECT count(*) FROM reef_health_scores")).scalar_one() > 0
    doctor = CliRunner().invoke(cli, ["doctor"])
    assert not leaks(doctor.output), doctor.output
    assert not leaks(result.output) and not leaks(caplog.text)
    home = Path(dg.DagsterInstance.get().root_directory)
    assert leaking_events(dg.DagsterInstance.get()) == []
    assert leaking_files(home, data_root) == {}


def test_failing_live_downloads_leak_no_secret(planted, data_root, tmp_path, monkeypatch, caplog):
    """CYGNSS answers 401 echoing the Authorization header; ERDDAP answers 403 echoing both secrets."""
    caplog.set_level(logging.DEBUG)
    cygnss = CygnssGranules(token="the-real-token-is-different", granule=b"")
    echo = f"Forbidden. token={FAKE_TOKEN} password={FAKE_PASSWORD}".encode()
    erddap = Faulty(lambda r: None, [status_fault(403, echo)] * 5)
    with http_server(cygnss) as cygnss_base, http_server(erddap) as erddap_base:
        config_dir = write_live_config(tmp_path / "config", erddap_server=erddap_base, cygnss_url=cygnss_base)
        monkeypatch.setenv("OCEAN_ASSETS_CONFIG_DIR", str(config_dir))
        result = CliRunner().invoke(cli, ["update", "--datasets", "sst,microplastics", "--date", DATE])
    assert result.exit_code == 1, result.output
    assert cygnss.requests and erddap.requests  # both downloads were tried and refused
    instance = dg.DagsterInstance.get()
    failures = [e.dagster_event.event_specific_data
                for run in instance.get_runs() for e in instance.all_logs(run.run_id)
                if e.dagster_event and e.dagster_event.event_type_value == "STEP_FAILURE"]
    messages = {f.error.message for f in failures}
    # the echoed Authorization header value is masked whole
    assert any("HTTP 401" in m and f"Received: '{MASK}'" in m for m in messages), messages
    assert any("HTTP 403" in m and f"token={MASK}" in m for m in messages), messages
    assert not leaks(result.output) and not leaks(caplog.text)
    assert "HTTP 401" in result.output and "HTTP 403" in result.output and "Traceback" not in result.output
    assert leaking_events(instance) == []
    assert leaking_files(Path(instance.root_directory), data_root) == {}


def test_unreachable_database_error_hides_the_password(planted, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"postgresql://reader:{DB_PASSWORD}@127.0.0.1:1/reefs")
    for args in (["db", "upgrade"], ["retention", "--status"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert "database unavailable (postgresql://reader:***@127.0.0.1:1/reefs)" in result.output
        assert "Connection refused" in result.output and not leaks(result.output)
