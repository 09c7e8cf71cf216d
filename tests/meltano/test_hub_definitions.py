"""The Meltano Hub definitions and meltano.yml's extractors: valid, and never drifting from --about."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest
import tomllib
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from .conftest import APIS, REPO
from .hub_rules import hub_rule_errors

#: The Hub's own schemas, where a checkout of the suite's shared material sits beside the
#: repository; the tests below that need it run only then (the Hub rules check never needs it).
HUB_SCHEMAS = REPO.parent / "shared" / "hub"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "generate_plugin_definitions", REPO / "scripts" / "generate_plugin_definitions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _generator()


def hub_schema_validator() -> Draft7Validator:
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
def test_hub_definition_follows_the_hubs_rules(api: str) -> None:
    definition = yaml.safe_load(_hub_file(api).read_text())
    assert hub_rule_errors(definition) == []
    assert definition["name"] == f"tap-{api}" and definition["namespace"] == f"tap_{api}"
    assert _hub_file(api).name == f"{definition['variant']}.yml"


@pytest.mark.parametrize("api", APIS)
def test_hub_definition_is_what_a_hub_maintainer_expects(api: str) -> None:
    definition = yaml.safe_load(_hub_file(api).read_text())
    # The variant is the repository owner, who has a maintainers.yml entry drafted.
    maintainers = yaml.safe_load((REPO / "hub" / "maintainers.yml").read_text())
    assert definition["variant"] == gen.VARIANT and gen.VARIANT in maintainers
    assert maintainers[gen.VARIANT]["name"] == gen.VARIANT
    assert gen.REPO_URL.startswith(maintainers[gen.VARIANT]["url"])
    # pip_url is the tap's own PyPI name; the executable keeps the tap's name.
    assert definition["pip_url"] == f"singer-suite-tap-{api}"
    assert definition["executable"] == f"tap-{api}"
    assert definition["repo"] == gen.REPO_URL
    assert definition["docs"].startswith(gen.REPO_URL)
    assert definition["logo_url"].endswith(".png")
    # Hub style: the description is the product category, not a sentence about the tap.
    assert definition["description"] == gen.LABELS[api].category
    # Meltano 4.4.1 cannot pass a `decimal` setting given as text to a tap (see the generator).
    assert not [entry["name"] for entry in definition["settings"] if entry.get("kind") == "decimal"]


@pytest.mark.parametrize("api", APIS)
def test_hub_definition_is_written_as_the_hub_lints_it(api: str) -> None:
    text = _hub_file(api).read_text()
    assert not text.startswith("---")
    # key-ordering and unindented sequences: the file is exactly the generator's dump of itself
    assert text == gen.dump(yaml.safe_load(text))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d["settings"][0].update(secret=True), "settings[0]: unknown key 'secret'"),
        (lambda d: d["capabilities"].append("sync"), "capability 'sync' is not one the Hub knows"),
        (lambda d: d.pop("quality"), "missing required key 'quality'"),
        (lambda d: d.update(maintenance_status="great"), "maintenance_status 'great' is not allowed"),
        (
            lambda d: d["settings"][0].update(kind="number"),
            "settings[0]: kind 'number' is not one of the Hub's kinds",
        ),
        (lambda d: d.update(homepage="https://x.test"), "unknown key 'homepage'"),
        (
            lambda d: d.update(supported_python_versions=["3"]),
            "supported_python_versions: '3' is not of the form 3.x",
        ),
    ],
    ids=[
        "secret",
        "sync-capability",
        "no-quality",
        "maintenance-status",
        "setting-kind",
        "unknown-key",
        "python",
    ],
)
def test_the_rules_check_rejects_what_the_hub_rejects(change, error) -> None:
    definition = yaml.safe_load(_hub_file("closeio").read_text())
    assert hub_rule_errors(definition) == []
    broken = copy.deepcopy(definition)
    change(broken)
    assert error in hub_rule_errors(broken)


if (HUB_SCHEMAS / "plugin_definitions").is_dir():  # only collected where the files are

    @pytest.mark.parametrize("api", APIS)
    def test_hub_definition_is_valid_for_the_hubs_own_schema_files(api: str) -> None:
        """Beside the rules check: the Hub's real schema files, where they are at hand."""
        validator = hub_schema_validator()
        definition = yaml.safe_load(_hub_file(api).read_text())
        errors = sorted(validator.iter_errors(definition), key=str)
        assert not errors, "\n".join(e.message for e in errors)


@pytest.mark.parametrize("api", ["common", *APIS])
def test_every_distribution_has_a_unique_name_its_license_and_the_projects_urls(api: str) -> None:
    folder = REPO / "taps" / f"tap-{api}"
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    assert project["name"] == f"singer-suite-tap-{api}"
    assert project["license"] == "Apache-2.0"
    assert (folder / "LICENSE").read_text() == (REPO / "LICENSE").read_text()
    assert (folder / "README.md").exists()
    assert all(url.startswith(gen.REPO_URL) for url in project["urls"].values())
    assert project["authors"] and project["classifiers"]
    if api != "common":
        assert project["scripts"] == {f"tap-{api}": project["scripts"][f"tap-{api}"]}
        (shared,) = [d for d in project["dependencies"] if d.startswith("singer-suite-tap-common")]
        assert ">=" in shared and "<" in shared, "the shared library needs version bounds"
    # Workspace sources only in the workspace root: a built sdist must not name the workspace.
    assert "uv" not in tomllib.loads((folder / "pyproject.toml").read_text()).get("tool", {})


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
    generated = {k: v for k, v in extractors[f"tap-{api}"].items() if k not in gen.USER_KEYS}
    assert generated == gen.meltano_extractor(api, info), (
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
    assert gen.dev_config(api).items() <= configs[f"tap-{api}"].items()
    assert f"${{SANDBOX_{api.upper()}_URL}}" in json.dumps(configs[f"tap-{api}"])


def test_generator_check_mode_reports_no_drift() -> None:
    """Re-running the generator changes nothing (what CI and the lead rely on)."""
    outputs, failed = gen.generate(gen.APIS)
    assert not failed
    drifted = [str(p) for p, text in outputs.items() if not gen.unchanged(p, text)]
    assert not drifted


@pytest.mark.meltano
def test_settings_a_user_sets_with_meltano_config_set_survive_the_generator(tmp_path: Path) -> None:
    """`meltano config set` rewrites meltano.yml in its own order and adds `config`: neither is
    drift, and regenerating keeps what the user set."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "meltano.yml").write_text((REPO / "meltano.yml").read_text())
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    meltano = str(REPO / ".venv-meltano" / "bin" / "meltano")
    for args in (
        ["config", "set", "tap-closeio", "start_date", "2024-01-01T00:00:00Z"],
        ["--environment=dev", "config", "set", "tap-closeio", "lookback_minutes", "30"],
        ["--environment=prod", "config", "set", "tap-persistiq", "max_requests_per_minute", "50"],
    ):
        completed = subprocess.run(
            [meltano, *args], cwd=project, env=env, capture_output=True, text=True, check=False
        )
        assert completed.returncode == 0, completed.stderr[-2000:]
    written = yaml.safe_load((project / "meltano.yml").read_text())
    closeio = next(e for e in written["plugins"]["extractors"] if e["name"] == "tap-closeio")
    assert closeio["config"] == {"start_date": "2024-01-01T00:00:00Z"}

    outputs, failed = gen.generate(gen.APIS, meltano_yml=project / "meltano.yml")
    assert not failed
    assert gen.unchanged(project / "meltano.yml", outputs[project / "meltano.yml"])
    regenerated = yaml.safe_load(outputs[project / "meltano.yml"])
    closeio = next(e for e in regenerated["plugins"]["extractors"] if e["name"] == "tap-closeio")
    assert closeio["config"] == {"start_date": "2024-01-01T00:00:00Z"}
    dev = next(e for e in regenerated["environments"] if e["name"] == "dev")
    dev_closeio = next(e for e in dev["config"]["plugins"]["extractors"] if e["name"] == "tap-closeio")
    assert dev_closeio["config"]["lookback_minutes"] == 30


def test_loaders_are_pinned() -> None:
    loaders = {entry["name"]: entry for entry in _meltano_yml()["plugins"]["loaders"]}
    assert loaders["target-duckdb"]["pip_url"].split() == ["target-duckdb==0.8.0", "duckdb==1.2.2"]
    assert loaders["target-postgres"]["pip_url"].startswith("meltanolabs-target-postgres==")
    assert loaders["target-jsonl"]["pip_url"].startswith("target-jsonl==")
    assert {e["name"] for e in _meltano_yml()["environments"]} == {"dev", "prod"}
