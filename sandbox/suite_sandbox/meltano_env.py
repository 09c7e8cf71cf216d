"""How meltano.yml's `dev` environment finds a sandbox: environment variables.

The dev environment's extractor configs are the sandboxes' demo configs with each URL left to
`${SANDBOX_<API>_URL}`. Values that cannot be committed (a `start_date` relative to today, a
file name derived from the port) are passed as `TAP_<API>_<SETTING>` instead. The generator
(scripts/generate_plugin_definitions.py), the demo, the tests and `suite-sandbox serve-all
--env-file` all use these two functions.
"""

from __future__ import annotations

import json
import typing as t
from urllib.parse import urlparse


def sandbox_url_var(api: str) -> str:
    """The env var that holds the sandbox URL of one API in the dev environment."""
    return f"SANDBOX_{api.upper()}_URL"


def volatile(key: str, value: t.Any, url: str) -> bool:
    """A demo setting that cannot be committed: dated relative to today, or derived from the
    sandbox's port (other than through its URL)."""
    port = str(urlparse(url).port)
    return key == "start_date" or port in json.dumps(value).replace(url.rstrip("/"), "")


def sandbox_env(api: str, url: str, config: dict[str, t.Any]) -> dict[str, str]:
    """Env vars that point the dev environment at a sandbox served at `url` whose demo
    config is `config`."""
    env = {sandbox_url_var(api): url.rstrip("/")}
    for key, value in config.items():
        if volatile(key, value, url):
            env[f"TAP_{api.upper()}_{key.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env
