"""The Meltano Hub definitions and meltano.yml's extractors: valid, and never drifting from --about."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from .conftest import APIS, REPO

HUB_SCHEMAS = REPO.parent / "shared" / "hub"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "generate_plugin_definitions", REPO / "scripts" / "generate_plugin_definitions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _generator()


@pytest.fixture(scope="module")
def hub_validator() -> Draft7Validator:
    """The Hub's own way: every schema file in a Registry keyed by its $id, then Draft 7."""
    resources = []
    for path in sorted([*HUB_SCHEMAS.glob("common/*.json"), *HUB_SCHEMAS.glob("plugin_definitions/*.json")]):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    schema = registry.contents("extractors.schema.json")
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, registry=registry)


@pytest.fixture(scope="module")
def about() -> dict:
    """Cache of `tap-X --about` per tap for this module."""
    return {}


def _about(api: str, cache: dict) -> dict:
    if api not in cache:
        cache[api] = gen.about(api)
    return cache[api]


def _meltano_yml() -> dict:
    return yaml.safe_load((REPO / "meltano.yml").read_text())


def _hub_file(api: str) -> Path:
    return gen.hub_path(api)


@pytest.mark.parametrize("api", APIS)
def test_hub_definition_is_valid_for_the_hub_schema(api: str, hub_validator: Draft7Validator) -> None:
    definition = yaml.safe_load(_hub_file(api).read_text())
    errors = sorted(hub_validator.iter_errors(definition), key=str)
    assert not errors, "\n".join(e.message for e in errors)
    assert definition["name"] == f"tap-{api}" and definition["namespace"] == f"tap_{api}"
    assert _hub_file(api).name == f"{definition['variant']}.yml"


@pytest.mark.parametrize("api", APIS)
def test_hub_definition_is_written_as_the_hub_lints_it(api: str) -> None:
    text = _hub_file(api).read_text()
    assert not text.startswith("---")
    # key-ordering and unindented sequences: the file is exactly the generator's dump of itself
    assert text == gen.dump(yaml.safe_load(text))


def test_the_validator_rejects_what_the_hub_rejects(hub_validator: Draft7Validator) -> None:
    """`secret: true` on a setting and capability `sync` fail; the $refs really are applied."""
    definition = yaml.safe_load(next(gen.HUB_DIR.glob("*/*.yml")).read_text())
    assert hub_validator.is_valid(definition)
    with_secret = copy.deepcopy(definition)
    with_secret["settings"][0]["secret"] = True
    assert not hub_validator.is_valid(with_secret)
    with_sync = copy.deepcopy(definition)
    with_sync["capabilities"].append("sync")
    assert not hub_validator.is_valid(with_sync)
    no_quality = copy.deepcopy(definition)
    del no_quality["quality"]
    assert not hub_validator.is_valid(no_quality)


@pytest.mark.parametrize("api", APIS)
def test_hub_file_does_not_drift_from_about(api: str, about: dict) -> None:
    info = _about(api, about)
    expected = gen.dump(gen.hub_definition(api, info))
    assert _hub_file(api).exists(), "run scripts/generate_plugin_definitions.py"
    assert _hub_file(api).read_text() == expected, (
        "hub file drifted: rerun scripts/generate_plugin_definitions.py"
    )


@pytest.mark.parametrize("api", APIS)
def test_meltano_yml_extractor_does_not_drift_from_about(api: str, about: dict) -> None:
    info = _about(api, about)
    extractors = {e["name"]: e for e in _meltano_yml()["plugins"]["extractors"]}
    assert f"tap-{api}" in extractors, "run scripts/generate_plugin_definitions.py"
    assert extractors[f"tap-{api}"] == gen.meltano_extractor(api, info), (
        "meltano.yml drifted from --about: rerun scripts/generate_plugin_definitions.py"
    )


@pytest.mark.parametrize("api", APIS)
def test_secrets_are_sensitive_and_required_settings_are_grouped(api: str, about: dict) -> None:
    info = _about(api, about)
    properties = info["settings"]["properties"]
    entry = next(e for e in _meltano_yml()["plugins"]["extractors"] if e["name"] == f"tap-{api}")
    by_name = {s["name"]: s for s in entry["settings"]}
    assert sorted(by_name) == sorted(properties)
    secrets = {name for name, spec in properties.items() if spec.get("secret")}
    assert secrets, f"tap-{api} marks no setting secret"
    assert {n for n, s in by_name.items() if s.get("sensitive")} == secrets
    assert all("secret" not in s for s in entry["settings"])
    required = set(info["settings"].get("required", []))
    for group in entry["settings_group_validation"]:
        assert required <= set(group) <= set(properties)
    assert entry["pip_url"].split() == [
        "-e",
        "$MELTANO_PROJECT_ROOT/taps/tap-common",
        "-e",
        f"$MELTANO_PROJECT_ROOT/taps/tap-{api}",
    ]


@pytest.mark.parametrize("api", APIS)
def test_dev_environment_points_at_the_sandbox(api: str) -> None:
    """The dev config is the sandbox's demo config, with the URL left to ${SANDBOX_<API>_URL}."""
    dev = next(e for e in _meltano_yml()["environments"] if e["name"] == "dev")
    configs = {e["name"]: e["config"] for e in dev["config"]["plugins"]["extractors"]}
    assert configs[f"tap-{api}"] == gen.dev_config(api)
    assert f"${{SANDBOX_{api.upper()}_URL}}" in json.dumps(configs[f"tap-{api}"])


def test_generator_check_mode_reports_no_drift() -> None:
    """Re-running the generator changes nothing (what CI and the lead rely on)."""
    outputs, failed = gen.generate(gen.APIS)
    assert not failed
    drifted = [str(p) for p, text in outputs.items() if not p.exists() or p.read_text() != text]
    assert not drifted


def test_loaders_are_pinned() -> None:
    loaders = {entry["name"]: entry for entry in _meltano_yml()["plugins"]["loaders"]}
    assert loaders["target-duckdb"]["pip_url"].split() == ["target-duckdb==0.8.0", "duckdb==1.2.2"]
    assert loaders["target-postgres"]["pip_url"].startswith("meltanolabs-target-postgres==")
    assert loaders["target-jsonl"]["pip_url"].startswith("target-jsonl==")
    assert {e["name"] for e in _meltano_yml()["environments"]} == {"dev", "prod"}
