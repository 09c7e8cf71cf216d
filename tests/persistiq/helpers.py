"""What the PersistIQ tests share: configs, catalogs, and reading the simulator as a client would."""

from __future__ import annotations

import re
import typing as t

import requests
from suite_sandbox.persistiq import API_KEY
from tap_persistiq.tap import TapPersistIQ

from tests.conftest import select_streams

TAP = "tap-persistiq"
START_DATE = "2023-01-01T00:00:00Z"

#: Synced stream -> (list path under /v1, records key).
LISTS = {
    "users": "users",
    "leads": "leads",
    "campaigns": "campaigns",
    "lead_statuses": "lead_statuses",
    "lead_fields": "lead_fields",
    "events": "events",
    "dnc_domains": "dnc_domains",
}


def fast(config: dict, **extra: object) -> dict:
    return {**config, "max_requests_per_minute": 100_000, "retry_backoff_seconds": 0.01, **extra}


def catalog(config: dict, streams: t.Iterable[str] | None = None) -> dict:
    """The tap's discovered catalog (built in-process), with only `streams` selected if given."""
    discovered = TapPersistIQ(config=config).catalog_dict
    return select_streams(discovered, streams) if streams is not None else discovered


def served(url: str, path: str, key: str, **params: str) -> list[dict]:
    """Every record the simulator serves at `path` (all pages), as an API client reads them."""
    records: list[dict] = []
    page = 1
    while True:
        answer = requests.get(
            f"{url}/v1/{path}", params={**params, "page": page}, headers={"x-api-key": API_KEY}, timeout=10
        )
        answer.raise_for_status()
        body = answer.json()
        records += body[key]
        if not body["has_more"]:
            return records
        page += 1


_INDEX = re.compile(r"\[\d+\]")


def key_paths(value: t.Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value: 'data.email', 'mailboxes[].id' (list items as '[]')."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(child, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{prefix}[]")
    return paths


def extra_paths(record: dict) -> set[str]:
    """The paths of what the tap moved into `_sdc_extra` ('contacts[0].x' -> 'contacts[].x'),
    with the key paths inside the moved values."""
    paths: set[str] = set()
    for path, value in (record.get("_sdc_extra") or {}).items():
        normal = _INDEX.sub("[]", path)
        paths |= {normal, *key_paths(value, normal)}
    return paths
