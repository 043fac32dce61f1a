"""deploy/: instance, celery and Kubernetes configuration validated against the schemas of the
installed dagster, dagster-celery and dagster-k8s (no cluster or broker needed)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from dagster._config import process_config, resolve_to_config_type
from dagster._core.instance.config import dagster_instance_config
from dagster_celery import celery_executor
from dagster_k8s import K8sRunLauncher, k8s_job_executor

from ocean_assets.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / name).read_text())


def validate(schema: Any, value: Any) -> None:
    result = process_config(resolve_to_config_type(schema), value)
    assert result.success, [e.message for e in result.errors]


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_postgres_instance_has_queue_limits_and_op_pools(tmp_path: Path, monkeypatch):
    (tmp_path / "dagster.yaml").write_text((DEPLOY / "dagster-postgres.yaml").read_text())
    monkeypatch.setenv("DAGSTER_PG_URL", "postgresql+psycopg2://u@127.0.0.1:1/x")
    config, _ = dagster_instance_config(str(tmp_path))  # validates against dagster's schema
    limits = {lim["key"]: lim for lim in config["concurrency"]["runs"]["tag_concurrency_limits"]}
    assert limits["ocean_assets/main_job"]["value"] == {"applyLimitPerUniqueValue": True}
    assert config["concurrency"]["pools"]["granularity"] == "op"


def test_celery_executor_config_is_valid_for_dagster_celery(monkeypatch):
    monkeypatch.setenv("DAGSTER_CELERY_BROKER_URL", "pyamqp://guest:guest@127.0.0.1:5672//")
    config = load("celery.yaml")["execution"]["config"]
    validate(celery_executor.config_schema.config_type, config)
    assert config["broker"] == {"env": "DAGSTER_CELERY_BROKER_URL"}  # no credentials in the file
    assert config["config_source"]["worker_prefetch_multiplier"] == 1


def test_k8s_instance_snippet_is_a_valid_k8s_run_launcher(monkeypatch):
    monkeypatch.setenv("DAGSTER_K8S_JOB_NAMESPACE", "ocean-assets")
    launcher = load("k8s/dagster-instance.yaml")["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    assert getattr(importlib.import_module(launcher["module"]), launcher["class"]) is K8sRunLauncher
    validate(K8sRunLauncher.config_type(), launcher["config"])


def test_k8s_executor_run_config_is_valid():
    validate(k8s_job_executor.config_schema.config_type, load("k8s/run-config-k8s-executor.yaml")["execution"]["config"])


def test_k8s_executor_rejects_an_unknown_key():
    result = process_config(resolve_to_config_type(k8s_job_executor.config_schema.config_type),
                            {"max_concurent": 2})
    assert not result.success


def test_helm_values_run_launcher_maps_onto_k8s_run_launcher_fields():
    values = load("k8s/values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    fields = K8sRunLauncher.config_type()  # {field name: Field}
    chart_cfg = values["runLauncher"]["config"]["k8sRunLauncher"]
    unknown = [k for k in chart_cfg if snake(k) not in fields]
    assert not unknown, f"keys the chart would pass to K8sRunLauncher but it does not accept: {unknown}"
    run_k8s = {snake(k): {snake(i): v for i, v in inner.items()} for k, inner in chart_cfg["runK8sConfig"].items()}
    validate(fields["run_k8s_config"].config_type, run_k8s)
    assert [s["name"] for s in chart_cfg["envSecrets"]] == load("k8s/dagster-instance.yaml")[
        "run_launcher"]["config"]["env_secrets"]


def test_helm_values_user_deployment_loads_this_code_location():
    values = load("k8s/values.yaml")
    deployments = values["dagster-user-deployments"]["deployments"]
    assert values["dagster-user-deployments"]["enabled"] is True and deployments
    for dep in deployments:
        assert {"name", "image", "dagsterApiGrpcArgs", "port"} <= set(dep)
        assert {"repository", "tag", "pullPolicy"} <= set(dep["image"])
        assert dep["image"]["tag"] != "latest", "runs and step pods must pin one image"
        args = dep["dagsterApiGrpcArgs"]
        module = args[args.index("-m") + 1]
        defs = importlib.import_module(module).defs
        assert isinstance(defs() if callable(defs) else defs, dg.Definitions)
    assert values["postgresql"]["enabled"] is False and values["global"]["postgresqlSecretName"]


def test_helm_queue_limits_match_the_postgres_instance():
    chart = load("k8s/values.yaml")["dagsterDaemon"]["runCoordinator"]
    assert chart["type"] == "QueuedRunCoordinator"
    queued = chart["config"]["queuedRunCoordinator"]
    instance = load("dagster-postgres.yaml")["concurrency"]["runs"]
    assert queued["maxConcurrentRuns"] == instance["max_concurrent_runs"]
    assert queued["tagConcurrencyLimits"] == instance["tag_concurrency_limits"]


@pytest.mark.parametrize("name", ["k8s/values.yaml", "k8s/dagster-instance.yaml", "celery.yaml"])
def test_no_literal_secrets_in_deploy_files(name: str):
    text = (DEPLOY / name).read_text().lower()
    assert not re.search(r"password:\s*\S", text)
