"""Peers measured on the same sandbox: singer-io taps from PyPI and dlt's rest_api source.

Each lives in its own venv under `.bench/<name>` (gitignored), made with `uv` on first use.
A peer that cannot be installed or cannot talk to the sandbox is reported with the reason.
"""

from __future__ import annotations

import json
import subprocess
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from harness import BENCH_DIR, BENCH_ENV, PEER_ROOT, Api, select_streams, write_json


@dataclass
class SingerPeer:
    """A singer-io tap: its PyPI name, console-script target and the real URLs to re-address."""

    package: str
    entry: str
    stream: str
    real_base: str  # the API base URL hard-coded in the peer
    #: Simulator attributes relaxed for this peer, each for a documented reason.
    sim_attrs: dict = field(default_factory=dict)
    #: Query parameters added to matching requests ({url regex: {name: value}}).
    params: dict = field(default_factory=dict)
    #: More URL prefixes to re-address ({real prefix: sandbox prefix}; "{base}" = the sandbox API base).
    rewrites: dict = field(default_factory=dict)
    #: Streams the peer cannot sync against the sandbox, with why (left out of its full syncs).
    unsupported: dict = field(default_factory=dict)


SINGER_PEERS: dict[str, SingerPeer] = {
    # The peer reads custom fields from the old plural path `/custom_fields/lead/`; Close
    # documents `/custom_field/lead/` (whether the plural still answers is unconfirmed).
    "closeio": SingerPeer(
        "tap-closeio",
        "tap_closeio:main",
        "leads",
        "https://app.close.io/api/v1",
        rewrites={"https://app.close.io/api/v1/custom_fields/": "{base}/custom_field/"},
    ),
    # Outreach's docs ask for a JSON:API Content-Type on every request, but whether GETs are
    # refused without it is unconfirmed and singer-io's tap (which sends none) works live.
    "outreach": SingerPeer(
        "tap-outreach",
        "tap_outreach:main",
        "prospects",
        "https://api.outreach.io/api/v2",
        sim_attrs={"require_content_type": False},
    ),
    # The 2020 peer predates LivePerson making `source` required on history searches, and
    # sends no `v` to the account-config and operations APIs, which require it (the versions are ours).
    "liveperson": SingerPeer(
        "tap-liveperson",
        "tap_liveperson:main",
        "messaging_interactions",
        "http://api.liveperson.net",
        params={
            r"/(conversations|interactions)/search": {"source": "singerPeer"},
            r"/le-users/users": {"v": "6.0"},
            r"/le-users/skills": {"v": "4.0"},
            r"/le-users/agentGroups": {"v": "2.0"},
            r"/le-campaigns/campaigns": {"v": "3.4"},
            r"/operations/api/account/[^/]+/(queuehealth|msgqueuehealth|agentactivity)": {"v": "1"},
        },
        # The peer asks CSDS for each service's host and calls it over https; the sandbox's
        # service hosts (127.0.0.1:<port>) speak plain http.
        rewrites={"https://127.0.0.1:": "http://127.0.0.1:"},
        unsupported={
            "queue_health": "it reads `meta.responseCode` from the answer, which the sandbox's "
            "(developer-center) queue health answer does not have (KeyError)",
        },
    ),
}

#: Why dlt's rest_api source has no row for an API.
DLT_UNSUPPORTED = {
    "liveperson": "dlt rest_api has no OAuth 1.0a auth type (LivePerson's API keys are OAuth1)",
    "five9": "Five9 is SOAP/XML with CSV report results; dlt rest_api reads JSON REST only",
}


def ensure_venv(name: str, packages: list[str]) -> tuple[str, str]:
    """The venv's python, or "" and why it could not be made."""
    venv = PEER_ROOT / name
    python = venv / "bin" / "python"
    if python.exists():
        return str(python), ""
    PEER_ROOT.mkdir(exist_ok=True)
    for command in (
        ["uv", "venv", "-q", "--python", "3.11", str(venv)],
        ["uv", "pip", "install", "-q", "--python", str(python), *packages],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return "", f"install failed: {(done.stderr.strip().splitlines() or ['?'])[-1][:150]}"
    return str(python), ""


def singer_peer_command(
    api: Api, workdir: Path, url: str, *, config: dict | None = None, streams: set[str] | None = None
) -> tuple[list[str], str]:
    """Command line running the peer against the sandbox at `url`, or [] and why not.

    By default the peer syncs its benchmark stream with our demo config; the full-sync runs
    pass the shaped account's `config` and the `streams` to select (those the peer has).
    """
    peer = SINGER_PEERS[api.name]
    python, why = ensure_venv(peer.package, [peer.package])
    if not python:
        return [], why
    ours = config if config is not None else api.config(url)
    sandbox_base = str(ours.get("api_url") or url).rstrip("/")
    rewrites: dict = {
        peer.real_base: sandbox_base,
        "https://": url,
        **{real: to.format(base=sandbox_base) for real, to in peer.rewrites.items()},
        "__params__": peer.params,
    }
    peer_config = {
        **ours,
        "start_date": ours.get("start_date") or "2000-01-01T00:00:00Z",
        "page_size": 100,
    }
    config_path = write_json(workdir / f"{peer.package}-config.json", peer_config)
    wrapper = [python, str(BENCH_DIR / "peer_wrapper.py"), json.dumps(rewrites), peer.entry, "--"]
    catalog, why = peer_catalog(wrapper, config_path)
    if catalog is None:
        return [], why
    catalog = select_streams(catalog, {peer.stream} if streams is None else streams - set(peer.unsupported))
    catalog_path = write_json(workdir / f"{peer.package}-catalog.json", catalog)
    return [*wrapper, "--config", str(config_path), "--catalog", str(catalog_path)], ""


def peer_catalog(wrapper: list[str], config_path: Path) -> tuple[dict | None, str]:
    discovered = subprocess.run(
        [*wrapper, "--config", str(config_path), "--discover"],
        capture_output=True,
        text=True,
        check=False,
        env=BENCH_ENV,
    )
    if discovered.returncode != 0:
        return None, f"--discover failed: {(discovered.stderr.strip().splitlines() or ['?'])[-1][:150]}"
    return json.loads(discovered.stdout), ""


def selected_streams(catalog_path: str | Path) -> set[str]:
    """The streams a written catalog selects (what a peer run will sync)."""
    catalog = json.loads(Path(catalog_path).read_text())
    return {
        entry["tap_stream_id"]
        for entry in catalog["streams"]
        for metadata in entry.get("metadata", [])
        if metadata["breadcrumb"] == [] and metadata["metadata"].get("selected")
    }


def _close_offset(path: str, limit: int, **params: t.Any) -> dict:
    paginator = {
        "type": "offset",
        "limit": limit,
        "limit_param": "_limit",
        "offset_param": "_skip",
        "total_path": None,
        "has_more_path": "has_more",
    }
    return {"path": path, "data_selector": "data", "params": params, "paginator": paginator}


#: Full-sync resources for dlt, named as our streams, at each endpoint's largest page (the
#: most favourable setting for dlt). Close's cursor-paged event log uses dlt's cursor paginator.
DLT_CLOSE = {
    "leads": _close_offset("lead/", 200),
    "contacts": _close_offset("contact/", 100),
    "opportunities": _close_offset("opportunity/", 250),
    "tasks": _close_offset("task/", 1000, _type="all"),
    "users": _close_offset("user/", 1000),
    "activities": _close_offset("activity/", 100),
    "custom_fields": _close_offset("custom_field/lead/", 1000),
    "event_log": {
        "path": "event/",
        "data_selector": "data",
        "params": {"_limit": 50},
        "paginator": {"type": "cursor", "cursor_path": "cursor_next", "cursor_param": "_cursor"},
    },
}
# PersistIQ's `next_page` is the next page's absolute URL (null on the last page).
_PIQ_PAGES = {"type": "json_link", "next_url_path": "next_page"}
DLT_PERSISTIQ = {
    **{
        name: {"path": name, "data_selector": name, "paginator": _PIQ_PAGES}
        for name in ("users", "leads", "campaigns", "events", "dnc_domains", "lead_statuses", "lead_fields")
    },
    "campaign_leads": {
        "path": "campaigns/{campaign_id}/leads",
        "data_selector": "campaign_leads",
        "params": {"campaign_id": {"type": "resolve", "resource": "campaigns", "field": "id"}},
        "paginator": _PIQ_PAGES,
    },
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def dlt_resources(api: str, streams: set[str], page_size: int) -> dict[str, dict]:
    """The rest_api endpoints for those of `streams` dlt can read (Outreach: any collection)."""
    if api == "closeio":
        return {name: endpoint for name, endpoint in DLT_CLOSE.items() if name in streams}
    if api == "persistiq":
        return {name: endpoint for name, endpoint in DLT_PERSISTIQ.items() if name in streams}
    if api == "outreach":
        return {
            name: {
                "path": _camel(name),
                "data_selector": "data",
                "params": {"page[size]": page_size, "count": "false"},
                "paginator": {"type": "json_link", "next_url_path": "links.next"},
            }
            for name in streams
        }
    return {}


def dlt_spec(
    api: Api, url: str, page_size: int, *, config: dict | None = None, streams: set[str] | None = None
) -> tuple[dict, str]:
    """A rest_api source config pointed at the sandbox: the benchmark stream shaped like the
    seed's, or (with `streams`) a resource for each of those streams dlt can read."""
    if api.name in DLT_UNSUPPORTED:
        return {}, DLT_UNSUPPORTED[api.name]
    ours = config if config is not None else api.config(url)
    base = str(ours.get("api_url") or url).rstrip("/") + "/"
    if streams is not None:
        endpoints = dlt_resources(api.name, streams, page_size)
        if not endpoints:
            return {}, "none of the streams has a dlt resource"
        spec, why = dlt_spec(api, url, page_size, config=config)
        if spec:
            spec["config"]["resources"] = [{"name": n, "endpoint": e} for n, e in sorted(endpoints.items())]
        return spec, why
    if api.name == "closeio":
        resource = {
            "name": "leads",
            "endpoint": {
                "path": "lead/",
                "data_selector": "data",
                "paginator": {
                    "type": "offset",
                    "limit": page_size,
                    "limit_param": "_limit",
                    "offset_param": "_skip",
                    "total_path": None,
                    "has_more_path": "has_more",
                },
            },
        }
        auth = {"type": "http_basic", "username": ours.get("api_key", ""), "password": ""}
        return {"config": {"client": {"base_url": base, "auth": auth}, "resources": [resource]}}, ""
    if api.name == "persistiq":
        resource = {
            "name": "leads",
            "endpoint": {
                "path": "leads",
                "data_selector": "leads",
                "paginator": {
                    "type": "page_number",
                    "base_page": 1,
                    "page_param": "page",
                    "total_path": None,
                },
            },
        }
        auth = {
            "type": "api_key",
            "name": "x-api-key",
            "api_key": ours.get("api_key", ""),
            "location": "header",
        }
        return {"config": {"client": {"base_url": base, "auth": auth}, "resources": [resource]}}, ""
    if api.name == "outreach":
        resource = {
            "name": "prospects",
            "endpoint": {
                "path": "prospects",
                "data_selector": "data",
                "params": {"page[size]": page_size, "count": "false", "sort": "updatedAt"},
                "paginator": {"type": "json_link", "next_url_path": "links.next"},
            },
        }
        token = {
            "url": ours.get("token_url") or f"{url}/oauth/token",
            "form": {
                "grant_type": "refresh_token",
                "client_id": ours.get("client_id"),
                "client_secret": ours.get("client_secret"),
                "redirect_uri": ours.get("redirect_uri"),
                "refresh_token": ours.get("refresh_token"),
            },
        }
        client = {"base_url": base, "headers": {"Content-Type": "application/vnd.api+json"}}
        return {"config": {"client": client, "resources": [resource]}, "token": token}, ""
    return {}, "no dlt config written for this API"


def dlt_command(
    api: Api,
    workdir: Path,
    url: str,
    page_size: int,
    *,
    config: dict | None = None,
    streams: set[str] | None = None,
) -> tuple[list[str], str]:
    spec, why = dlt_spec(api, url, page_size, config=config, streams=streams)
    if not spec:
        return [], why
    python, why = ensure_venv("dlt", ["dlt", "requests"])
    if not python:
        return [], why
    spec_path = write_json(workdir / f"dlt-{api.name}.json", spec)
    return [python, str(BENCH_DIR / "dlt_peer.py"), str(spec_path)], ""
