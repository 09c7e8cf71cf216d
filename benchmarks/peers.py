"""Peers measured on the same sandbox: singer-io taps from PyPI and dlt's rest_api source.

Each lives in its own venv under `.bench/<name>` (gitignored), made with `uv` on first use.
A peer that cannot be installed or cannot talk to the sandbox is reported with the reason.
"""

from __future__ import annotations

import json
import subprocess
import typing as t
from dataclasses import dataclass, field

from harness import BENCH_DIR, BENCH_ENV, PEER_ROOT, Api, select_streams, write_json

if t.TYPE_CHECKING:
    from pathlib import Path


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


SINGER_PEERS: dict[str, SingerPeer] = {
    "closeio": SingerPeer("tap-closeio", "tap_closeio:main", "leads", "https://app.close.io/api/v1"),
    # Outreach's docs ask for a JSON:API Content-Type on every request, but whether GETs are
    # refused without it is unconfirmed and singer-io's tap (which sends none) works live.
    "outreach": SingerPeer(
        "tap-outreach",
        "tap_outreach:main",
        "prospects",
        "https://api.outreach.io/api/v2",
        sim_attrs={"require_content_type": False},
    ),
    # The 2020 peer predates LivePerson making `source` required on conversation searches.
    "liveperson": SingerPeer(
        "tap-liveperson",
        "tap_liveperson:main",
        "messaging_interactions",
        "http://api.liveperson.net",
        params={r"/conversations/search": {"source": "singerPeer"}},
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


def singer_peer_command(api: Api, workdir: Path, url: str) -> tuple[list[str], str]:
    """Command line running the peer against the sandbox at `url`, or [] and why not."""
    peer = SINGER_PEERS[api.name]
    python, why = ensure_venv(peer.package, [peer.package])
    if not python:
        return [], why
    ours = api.config(url)
    sandbox_base = str(ours.get("api_url") or url)
    rewrites: dict = {peer.real_base: sandbox_base.rstrip("/"), "https://": url, "__params__": peer.params}
    config = {
        **ours,
        "start_date": ours.get("start_date") or "2000-01-01T00:00:00Z",
        "page_size": 100,
    }
    config_path = write_json(workdir / f"{peer.package}-config.json", config)
    wrapper = [python, str(BENCH_DIR / "peer_wrapper.py"), json.dumps(rewrites), peer.entry, "--"]
    discovered = subprocess.run(
        [*wrapper, "--config", str(config_path), "--discover"],
        capture_output=True,
        text=True,
        check=False,
        env=BENCH_ENV,
    )
    if discovered.returncode != 0:
        return [], f"--discover failed: {(discovered.stderr.strip().splitlines() or ['?'])[-1][:150]}"
    catalog = select_streams(json.loads(discovered.stdout), {peer.stream})
    catalog_path = write_json(workdir / f"{peer.package}-catalog.json", catalog)
    return [*wrapper, "--config", str(config_path), "--catalog", str(catalog_path)], ""


def dlt_spec(api: Api, url: str, page_size: int) -> tuple[dict, str]:
    """A rest_api source config shaped like the seed's, pointed at the sandbox."""
    if api.name in DLT_UNSUPPORTED:
        return {}, DLT_UNSUPPORTED[api.name]
    ours = api.config(url)
    base = str(ours.get("api_url") or url).rstrip("/") + "/"
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


def dlt_command(api: Api, workdir: Path, url: str, page_size: int) -> tuple[list[str], str]:
    spec, why = dlt_spec(api, url, page_size)
    if not spec:
        return [], why
    python, why = ensure_venv("dlt", ["dlt", "requests"])
    if not python:
        return [], why
    spec_path = write_json(workdir / f"dlt-{api.name}.json", spec)
    return [python, str(BENCH_DIR / "dlt_peer.py"), str(spec_path)], ""
