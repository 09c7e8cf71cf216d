"""The accounts file: which accounts to sync, with which tap, and where their secrets come from.

```yaml
environment: prod          # Meltano environment of every run (default prod)
workers: 4                 # syncs at once in one `sync_all_accounts` run (default 4)
schedule: "0 * * * *"      # optional cron for `sync_all_accounts`
accounts:
  - name: acme             # state id suffix, Dagster asset name, default target schema
    tap: tap-closeio
    schema: close_acme     # optional; default <tap namespace>_<name>, e.g. tap_closeio_acme
    config:                # settings that are not secret
      start_date: "2024-01-01T00:00:00Z"
    secrets:               # setting -> the environment variable holding it on every worker
      api_key: ACME_CLOSE_API_KEY
```

Settings are checked against the tap's definition in meltano.yml when the file is read: an
unknown setting would be dropped by Meltano without a word, and a secret given as a value under
`config:` would sit in the file, so both are refused with one line naming the account and setting.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import yaml

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
ENV_VAR = re.compile(r"[A-Z_][A-Z0-9_]*")
LOADER = "target-postgres"


class AccountsError(ValueError):
    """The accounts file is unusable; the message is one line naming the file and the entry."""


@dataclass(frozen=True)
class Account:
    name: str
    tap: str
    schema: str
    config: dict[str, str] = field(default_factory=dict)
    #: setting -> name of the environment variable that holds its value
    secrets: dict[str, str] = field(default_factory=dict)

    @property
    def env_prefix(self) -> str:
        """Meltano reads a plugin's setting `x` from `<PLUGIN>_X`."""
        return self.tap.upper().replace("-", "_")

    def state_id(self, environment: str) -> str:
        """The id Meltano keeps this account's state under (`meltano run --state-id-suffix`)."""
        return f"{environment}:{self.tap}-to-{LOADER}:{self.name}"


@dataclass(frozen=True)
class AccountsFile:
    path: Path
    project: Path
    environment: str
    workers: int
    schedule: str | None
    accounts: tuple[Account, ...]

    def account(self, name: str) -> Account:
        for account in self.accounts:
            if account.name == name:
                return account
        raise AccountsError(f"{self.path}: no account named {name!r}")

    def secret_variables(self) -> set[str]:
        """Every environment variable any account reads a secret from."""
        return {var for account in self.accounts for var in account.secrets.values()}


def _as_env_text(value: t.Any) -> str:
    """A setting value as Meltano parses it from an environment variable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _extractor_settings(project: Path) -> dict[str, dict[str, bool]]:
    """tap name -> {setting name: is it secret} from the project's meltano.yml."""
    meltano_yml = yaml.safe_load((project / "meltano.yml").read_text())
    found: dict[str, dict[str, bool]] = {}
    for plugin in meltano_yml.get("plugins", {}).get("extractors") or []:
        found[plugin["name"]] = {
            s["name"]: bool(s.get("sensitive")) or s.get("kind") == "password"
            for s in plugin.get("settings") or []
        }
    return found


def _account(raw: t.Any, where: str, taps: dict[str, dict[str, bool]]) -> Account:
    if not isinstance(raw, dict):
        raise AccountsError(f"{where}: each account is a mapping with name, tap, config, secrets")
    unknown = set(raw) - {"name", "tap", "schema", "config", "secrets"}
    if unknown:
        raise AccountsError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    name = str(raw.get("name", ""))
    if not NAME.fullmatch(name):
        raise AccountsError(
            f"{where}: name {name!r} must be lower-case letters, digits and _ (a schema and asset name)"
        )
    if name == "all_accounts":  # its job would be sync_all_accounts, the job of every account
        raise AccountsError(f"{where}: the name all_accounts is taken")
    where = f"{where} ({name})"
    tap = str(raw.get("tap", ""))
    if tap not in taps:
        raise AccountsError(f"{where}: tap {tap!r} is not an extractor of meltano.yml ({', '.join(taps)})")
    settings = taps[tap]
    config = raw.get("config") or {}
    secrets = raw.get("secrets") or {}
    if not isinstance(config, dict) or not isinstance(secrets, dict):
        raise AccountsError(f"{where}: config and secrets are mappings of setting names")
    for setting in [*config, *secrets]:
        if setting not in settings:
            raise AccountsError(f"{where}: {tap} has no setting {setting!r}")
    for setting in config:
        if settings[setting]:
            raise AccountsError(
                f"{where}: {setting} is a secret: name the environment variable that holds it "
                f"under secrets:, never its value under config:"
            )
    for setting, var in secrets.items():
        if not isinstance(var, str) or not ENV_VAR.fullmatch(var):
            raise AccountsError(
                f"{where}: secrets.{setting} must name an environment variable, e.g. ACME_KEY"
            )
    if both := set(config) & set(secrets):
        raise AccountsError(f"{where}: {sorted(both)[0]} is under both config and secrets")
    schema = str(raw.get("schema") or f"{tap.replace('-', '_')}_{name}")
    if not NAME.fullmatch(schema):
        raise AccountsError(f"{where}: schema {schema!r} must be lower-case letters, digits and _")
    return Account(
        name=name,
        tap=tap,
        schema=schema,
        config={k: _as_env_text(v) for k, v in config.items()},
        secrets=dict(secrets),
    )


def load_accounts(path: Path, project: Path) -> AccountsFile:
    """Read and check an accounts file (raises AccountsError with one line)."""
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise AccountsError(f"{path}: cannot read the accounts file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise AccountsError(f"{path}: not valid YAML{at}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("accounts"), list) or not raw["accounts"]:
        raise AccountsError(f"{path}: expected a mapping with a non-empty list under accounts:")
    taps = _extractor_settings(project)
    accounts = tuple(_account(a, f"{path}: accounts[{i}]", taps) for i, a in enumerate(raw["accounts"]))
    for kind in ("name", "schema"):
        values = [getattr(a, kind) for a in accounts]
        if dupes := sorted({v for v in values if values.count(v) > 1}):
            raise AccountsError(f"{path}: two accounts share the {kind} {dupes[0]!r}")
    workers = raw.get("workers", 4)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise AccountsError(f"{path}: workers must be a positive integer")
    schedule = raw.get("schedule")
    return AccountsFile(
        path=path,
        project=project,
        environment=str(raw.get("environment") or "prod"),
        workers=workers,
        schedule=str(schedule) if schedule else None,
        accounts=accounts,
    )
