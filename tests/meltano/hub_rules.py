"""What the Meltano Hub accepts in an extractor definition, written out from the Hub's rules.

The Hub validates `_data/meltano/extractors/<name>/<variant>.yml` against its JSON schemas
(meltano/hub `schemas/plugin_definitions/extractors.schema.json`, which pulls in
`common/common.schema.json`, `common/extractors_specific.schema.json`,
`plugin_definitions/hub_metadata.schema.json` and, per setting,
`common/base_setting.schema.json`), and lints the YAML (sorted keys, unindented sequences,
no `---`). This module restates those rules so the check needs nothing outside the repository.
"""

from __future__ import annotations

import re
import typing as t
from urllib.parse import urlparse

#: Keys an extractor definition may have (extractors.schema.json, additionalProperties: false).
ALLOWED_KEYS = frozenset(
    {
        "name", "pip_url", "variant", "namespace", "label", "description", "executable", "settings", "docs",
        "repo", "logo_url", "hidden", "python", "settings_group_validation", "commands", "capabilities",
        "metadata", "schema", "select", "maintenance_status", "quality", "domain_url", "keywords", "requires",
        "definition", "next_steps", "settings_preamble", "usage", "prereq", "supported_python_versions",
        "log_parser",
    }
)  # fmt: skip
#: common.schema.json requires name, namespace, variant; extractors.schema.json requires quality.
REQUIRED_KEYS = ("name", "namespace", "variant", "quality")
STRING_KEYS = (
    "name",
    "namespace",
    "variant",
    "label",
    "description",
    "executable",
    "pip_url",
    "docs",
    "repo",
)
CAPABILITIES = frozenset(
    {
        "properties", "catalog", "discover", "state", "about", "stream-maps", "schema-flattening",
        "activate-version", "batch", "test", "log-based", "structured-logging",
    }
)  # fmt: skip
MAINTENANCE_STATUS = frozenset({"active", "beta", "development", "inactive", "unknown"})
QUALITY = frozenset({"gold", "silver", "bronze", "unknown"})

#: base_setting.schema.json: a setting's keys (additionalProperties: false), `name` required.
SETTING_KEYS = frozenset(
    {
        "name", "aliases", "label", "value", "placeholder", "kind", "description", "tooltip", "documentation",
        "env", "value_processor", "value_post_processor", "oauth", "options", "docs", "hidden", "sensitive",
    }
)  # fmt: skip
SETTING_KINDS = frozenset(
    {
        "oauth", "hidden", "password", "date_iso8601", "file", "email", "integer", "options", "object",
        "array", "boolean", "string", "decimal",
    }
)  # fmt: skip
VALUE_PROCESSORS = frozenset({"upcase_string", "nest_object", "stringify"})
PYTHON_VERSION = re.compile(r"^3\.\d+$")


def _is_uri(value: t.Any) -> bool:
    parsed = urlparse(str(value))
    return bool(parsed.scheme and parsed.netloc)


def _setting_errors(index: int, setting: t.Any) -> list[str]:
    where = f"settings[{index}]"
    if not isinstance(setting, dict):
        return [f"{where}: not an object"]
    errors = [f"{where}: unknown key '{k}'" for k in sorted(set(setting) - SETTING_KEYS)]
    if not isinstance(setting.get("name"), str):
        errors.append(f"{where}: no name")
    if "kind" in setting and setting["kind"] not in SETTING_KINDS:
        errors.append(f"{where}: kind '{setting['kind']}' is not one of the Hub's kinds")
    for key in ("value_processor", "value_post_processor"):
        if key in setting and setting[key] not in VALUE_PROCESSORS:
            errors.append(f"{where}: {key} '{setting[key]}' is not allowed")
    if "sensitive" in setting and not isinstance(setting["sensitive"], bool):
        errors.append(f"{where}: sensitive must be a boolean")
    for option in setting.get("options") or []:
        if not isinstance(option, dict) or not isinstance(option.get("value"), str):
            errors.append(f"{where}: an option without a string value")
    return errors


def hub_rule_errors(definition: t.Any) -> list[str]:
    """Every way `definition` breaks the Hub's rules (empty when the Hub would accept it)."""
    if not isinstance(definition, dict):
        return ["the definition is not a mapping"]
    errors = [f"unknown key '{k}'" for k in sorted(set(definition) - ALLOWED_KEYS)]
    errors += [f"missing required key '{k}'" for k in REQUIRED_KEYS if k not in definition]
    errors += [
        f"'{k}' must be a string"
        for k in STRING_KEYS
        if k in definition and not isinstance(definition[k], str)
    ]
    for capability in definition.get("capabilities") or []:
        if capability not in CAPABILITIES:
            errors.append(f"capability '{capability}' is not one the Hub knows")
    if definition.get("maintenance_status", "unknown") not in MAINTENANCE_STATUS:
        errors.append(f"maintenance_status '{definition['maintenance_status']}' is not allowed")
    if "quality" in definition and definition["quality"] not in QUALITY:
        errors.append(f"quality '{definition['quality']}' is not allowed")
    if (
        "domain_url" in definition
        and definition["domain_url"] is not None
        and not _is_uri(definition["domain_url"])
    ):
        errors.append("domain_url is not a URL")
    if not isinstance(definition.get("keywords", []), list) or not all(
        isinstance(k, str) for k in definition.get("keywords", [])
    ):
        errors.append("keywords must be a list of strings")
    for version in definition.get("supported_python_versions") or []:
        if not PYTHON_VERSION.match(str(version)):
            errors.append(f"supported_python_versions: '{version}' is not of the form 3.x")
    groups = definition.get("settings_group_validation", [])
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and all(isinstance(n, str) for n in g) for g in groups
    ):
        errors.append("settings_group_validation must be a list of lists of setting names")
    for index, setting in enumerate(definition.get("settings") or []):
        errors += _setting_errors(index, setting)
    return errors
