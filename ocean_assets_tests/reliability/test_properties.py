"""Property-based tests (hypothesis, derandomized, bounded) of the validators and parsers:
arbitrary and mutated NetCDF files, griddap query parameters, product configs, the validate CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
import string
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocean_assets.cli import cli
from ocean_assets.config import ConfigError
from ocean_assets.core.ocean.netcdf import write_product
from ocean_assets.core.ocean.products import ProductSpec, load_products
from ocean_assets.core.ocean.validate import NETCDF_MAGIC, RULES, validate_file
from ocean_assets.settings import PROJECT_ROOT
from ocean_assets.sources.ocean.demo import demo_dataset
from ocean_assets.sources.ocean.erddap import griddap_url

DAY = dt.date(2024, 3, 5)


def bounded(n: int) -> settings:
    """Deterministic (derandomized, no example database), bounded, no per-example deadline."""
    return settings(max_examples=n, derandomize=True, database=None, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def small_spec() -> ProductSpec:
    return dataclasses.replace(load_products()["sst"], demo_resolution=2.0)


@pytest.fixture(scope="module")
def real_file(tmp_path_factory, small_spec) -> bytes:
    """A valid SST product file (2-degree demo grid), as bytes, to mutate."""
    path = tmp_path_factory.mktemp("real") / "sst_20240305.nc"
    write_product(demo_dataset(small_spec, DAY), path, small_spec, source="demo")
    outcomes = validate_file(path, small_spec, DAY)
    assert all(o.passed for o in outcomes if o.severity == "ERROR"), outcomes
    return path.read_bytes()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scratch")


def assert_well_formed(outcomes) -> None:
    """One outcome per rule, in order, each failed one with a reason."""
    assert [o.rule for o in outcomes] == list(RULES)
    for o in outcomes:
        assert isinstance(o.passed, bool) and o.severity in ("ERROR", "WARN")
        assert o.passed or o.message.strip()


# --- NetCDF validator --------------------------------------------------------------------------

netcdf_like = st.tuples(st.sampled_from([b"", *NETCDF_MAGIC]), st.binary(max_size=4096)).map(b"".join)


@bounded(80)
@given(data=netcdf_like)
def test_arbitrary_bytes_never_raise_and_fail_integrity(scratch, small_spec, data):
    path = scratch / "sst_20240305.nc"
    path.write_bytes(data)
    outcomes = validate_file(path, small_spec, DAY)
    assert_well_formed(outcomes)
    if outcomes[0].passed:  # a few bytes can be a valid, empty classic NetCDF: then schema fails
        assert not outcomes[1].passed and "missing required variable" in outcomes[1].message
    else:
        assert all(not o.passed and o.message.startswith("not evaluated") for o in outcomes[1:])


@bounded(40)
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=8))
def test_bit_flipped_real_files_never_raise(scratch, small_spec, real_file, flips):
    data = bytearray(real_file)
    for where, bit in flips:
        data[int(where * len(data))] ^= 1 << bit
    path = scratch / "sst_20240305.nc"
    path.write_bytes(bytes(data))
    assert_well_formed(validate_file(path, small_spec, DAY))


@bounded(40)
@given(keep=st.floats(0, 1, exclude_max=True))
def test_truncated_real_files_fail_integrity(scratch, small_spec, real_file, keep):
    path = scratch / "sst_20240305.nc"
    path.write_bytes(real_file[: int(keep * len(real_file))])
    outcomes = validate_file(path, small_spec, DAY)
    assert_well_formed(outcomes)
    assert not outcomes[0].passed and outcomes[0].severity == "ERROR"


# --- griddap URL builder -----------------------------------------------------------------------

identifier = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)
lat_value = st.floats(-90, 90, allow_nan=False)
lon_value = st.floats(-180, 180, allow_nan=False)
_CONSTRAINT = re.compile(r"\[\(([^)]*)\):1:\(([^)]*)\)\]")


@bounded(120)
@given(dataset=identifier, variables=st.lists(identifier, min_size=1, max_size=4),
       day=st.dates(dt.date(1985, 1, 1), dt.date(2100, 12, 31)), lat=st.tuples(lat_value, lat_value),
       lon=st.tuples(lon_value, lon_value), descending=st.booleans())
def test_griddap_url_round_trips(dataset, variables, day, lat, lon, descending):
    url = griddap_url("http://127.0.0.1:9/erddap/", dataset, variables, day, lat, lon, descending)
    parts = urlsplit(url)
    assert parts.path == f"/erddap/griddap/{dataset}.nc" and not parts.fragment
    assert not re.search(r"[\s&#'\"<>]", url)
    terms = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]*\])+)", unquote(parts.query))
    assert [name for name, _ in terms] == variables
    for _, constraints in terms:
        (t0, t1), (a0, a1), (o0, o1) = _CONSTRAINT.findall(constraints)
        assert (t0, t1) == (f"{day}T00:00:00Z", f"{day}T23:59:59Z")
        lat0, lat1 = float(a0), float(a1)
        assert {lat0, lat1} == set(lat) and (lat0 >= lat1 if descending else lat0 <= lat1)
        assert (float(o0), float(o1)) == (min(lon), max(lon))


@bounded(120)
@given(dataset=st.text(max_size=12), variable=st.text(max_size=12),
       lat=st.tuples(st.floats(), st.floats()), lon=st.tuples(st.floats(), st.floats()))
def test_griddap_url_rejects_what_it_cannot_encode(dataset, variable, lat, lon):
    valid = (all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", s) for s in (dataset, variable))
             and all(math.isfinite(v) and -90 <= v <= 90 for v in lat)
             and all(math.isfinite(v) and -360 <= v <= 360 for v in lon))
    try:
        url = griddap_url("http://127.0.0.1:9/erddap", dataset, [variable], DAY, lat, lon, False)
    except ValueError as exc:
        assert not valid and str(exc)
    else:
        assert valid and f"/griddap/{dataset}.nc?{variable}[" in url


# --- product config parser ---------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
yaml_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
REAL_CONFIG = yaml.safe_load((PROJECT_ROOT / "config" / "ocean.yaml").read_text())
PRODUCT_KEYS = sorted({k for p in REAL_CONFIG["products"].values() for k in p})


def parses_or_config_error(config) -> None:
    try:
        products = load_products(config)
    except ConfigError as exc:
        assert str(exc)
    else:
        for spec in products.values():
            assert isinstance(spec, ProductSpec)
            assert spec.expected_step_days() > 0 or spec.expected_step_days() == 0


@bounded(150)
@given(config=yaml_values | st.dictionaries(st.sampled_from(["products", "unit_aliases"]), yaml_values))
def test_arbitrary_config_structures_give_config_error(config):
    parses_or_config_error(config)


@bounded(150)
@given(product=st.sampled_from(sorted(REAL_CONFIG["products"])), key=st.sampled_from(PRODUCT_KEYS),
       value=yaml_values, drop=st.booleans())
def test_mutated_real_config_gives_config_error(product, key, value, drop):
    config = json.loads(json.dumps(REAL_CONFIG))
    if drop:
        config["products"][product].pop(key, None)
    else:
        config["products"][product][key] = value
    parses_or_config_error(config)


@bounded(60)
@given(text=st.text(alphabet=string.printable, max_size=200) | yaml_values.map(yaml.safe_dump))
def test_validate_config_cli_never_tracebacks(scratch, text):
    path = scratch / "ocean.yaml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["validate-config", "--config", str(path), "--mode", "demo", "--json"])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


# --- ocean-assets validate --json on random files ---------------------------------------------

@bounded(40)
@given(files=st.lists(netcdf_like, min_size=1, max_size=3),
       names=st.lists(st.sampled_from(["sst_20240305.nc", "acidity_20240230.nc", "x.nc", "currents_.nc",
                                       "microplastics_20240305.nc"]), min_size=3, max_size=3, unique=True))
def test_validate_json_on_random_files_never_tracebacks(scratch, files, names):
    folder = scratch / "random_files"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    paths = []
    for data, name in zip(files, names, strict=False):
        (folder / name).write_bytes(data)
        paths.append(str(folder / name))
    result = CliRunner().invoke(cli, ["validate", "--json", *paths])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1 and "Traceback" not in result.output
    reports = [json.loads(line) for line in result.output.splitlines()]
    assert len(reports) == len(paths) and not any(r["passed"] for r in reports)
    assert all(r["failed"] and all(f["message"] for f in r["failed"]) for r in reports)


def test_validate_command_on_garbage_prints_no_traceback(tmp_path):
    """The installed entry point in a real process: clean JSON on stdout, nothing on stderr."""
    import subprocess
    import sys

    garbage = tmp_path / "sst_20240305.nc"
    garbage.write_bytes(NETCDF_MAGIC[0] + bytes(range(256)) * 8)
    proc = subprocess.run([sys.executable, "-m", "ocean_assets", "validate", "--json", str(garbage)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    reports = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["failed"][0]["rule"] for r in reports] == ["integrity"]
    # a path that does not exist is a usage error (exit 2, one line), not a defect of a file
    missing = tmp_path / "acidity_20240305.nc"
    proc = subprocess.run([sys.executable, "-m", "ocean_assets", "validate", "--json", str(garbage), str(missing)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and "does not exist" in proc.stderr
