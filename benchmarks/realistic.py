"""The realistic-account benchmarks: request efficiency and full-sync wall time, runs and tables.

    .venv/bin/python benchmarks/run.py --parts efficiency wall --scale 0.01   # development size

Request efficiency runs one API after another (they are CPU-bound). Wall-time runs wait on
latency and budgets, so every API runs at once, each in its own worker process (sandboxes
sharing one interpreter would slow each other through the GIL); within a worker our tap and
then each peer sync the same shaped account one after another.
"""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from endpoints import ENDPOINTS, SETUP
from harness import Api
from peers import SINGER_PEERS, dlt_command, selected_streams, singer_peer_command
from shapes import MISSING_OPTIONS, Account, account
from suite_sandbox.server import SandboxServer
from sync import LIMITS, SyncResult, as_json, bound, make_simulator, run_counted, sync_account, tap_config

TARGET_EFFICIENCY, TARGET_BOUND, TARGET_PEER = 1.1, 1.15, 2.0


def efficiency(api: Api, scale: float, workdir: Path, timeout: float) -> dict:
    shaped = account(api.name, scale)
    result = sync_account(api, shaped, workdir, timeout=timeout)
    return {"api": api.name, "account": shaped.summary, **as_json(result)}


def peer_run(
    api: Api, shaped: Account, workdir: Path, kind: str, full: SyncResult, latency: float, timeout: float
) -> dict:
    """One peer's full sync of the streams it shares with us, and ours of the same streams.

    Ours is synced again on the peer's streams, unless they are all of ours (the full run is
    that sync) or the peer failed (there is nothing to compare).
    """
    ours = {r.stream for r in full.rows if r.records}
    row: dict[str, t.Any] = {"peer": kind}
    simulator = make_simulator(api, shaped, limited=True)
    if kind == "singer-io":
        for name, value in SINGER_PEERS[api.name].sim_attrs.items():
            setattr(simulator, name, value)
    try:
        with SandboxServer(simulator) as server:
            server._httpd.handle_error = lambda *_: None
            config = tap_config(api, server.url, shaped, limited=True)
            if kind == "singer-io":
                command, why = singer_peer_command(api, workdir, server.url, config=config, streams=ours)
                streams = selected_streams(command[-1]) if command else set()
            else:
                # Only Outreach takes a page size (its cap, as ours); the others' are set per resource.
                page = 1000 if api.name == "outreach" else 100
                command, why = dlt_command(api, workdir, server.url, page, config=config, streams=ours)
                spec = json.loads(Path(command[-1]).read_text()) if command else {}
                streams = {r["name"] for r in spec.get("config", {}).get("resources", [])}
            if not command:
                return {**row, "skipped": why}
            simulator.requests.clear()
            simulator.latency = latency
            counted = run_counted(command, simulator, {}, timeout)
    finally:
        if hasattr(simulator, "shutdown"):
            simulator.shutdown()
    if counted.returncode != 0:
        mine = SyncResult(api.name, error="not run: the peer failed")
    elif streams >= ours:
        mine = full
    else:
        mine = sync_account(
            api, shaped, workdir, latency=latency, limited=True, streams=streams, timeout=timeout
        )
    needed, kind_of_bound = bound(api.name, mine.rows, latency)
    peer_records = counted.counts.get("records", {})
    return {
        **row,
        "streams": sorted(streams),
        "missing": sorted(ours - streams),
        "rejected": counted.rejected,
        "unsupported": {
            stream: why
            for stream, why in (SINGER_PEERS[api.name].unsupported if kind == "singer-io" else {}).items()
            if stream in ours
        },
        "seconds": counted.seconds,
        "sync_seconds": counted.sync_seconds,
        "requests": len(simulator.requests),
        "rate_limited": simulator.rate_limited,
        "records": sum(peer_records.values()),
        "records_by_stream": peer_records,
        "error": counted.error,
        "returncode": counted.returncode,
        "timed_out": counted.timed_out,
        "ours": as_json(mine),
        "bound": needed,
        "bound_kind": kind_of_bound,
    }


def wall(api: Api, scale: float, workdir: Path, latency: float, peers: bool, timeout: float) -> dict:
    shaped = account(api.name, scale)
    ours = sync_account(api, shaped, workdir, latency=latency, limited=True, timeout=timeout)
    needed, kind = bound(api.name, ours.rows, latency)
    row: dict[str, t.Any] = {
        "api": api.name,
        "account": shaped.summary,
        "limit": LIMITS[api.name][1],
        "bound": needed,
        "bound_kind": kind,
        "ours": as_json(ours),
        "peers": [],
    }
    if not peers:
        return row
    for kind_of_peer in ("singer-io", "dlt"):
        if kind_of_peer == "singer-io" and api.name not in SINGER_PEERS:
            row["peers"].append({"peer": kind_of_peer, "skipped": "no singer-io tap on PyPI"})
            continue
        row["peers"].append(peer_run(api, shaped, workdir, kind_of_peer, ours, latency, timeout))
    return row


def _worker(part: str, name: str, scale: str, workdir: str, latency: str, peers: str, timeout: str) -> None:
    api = Api.load(name)
    folder = Path(workdir) / f"{part}-{name}"
    folder.mkdir(exist_ok=True)
    if api.missing:
        print(json.dumps({"api": name, "skipped": api.missing}))
        return
    if part == "wall":
        print(
            json.dumps(
                wall(api, float(scale), folder, float(latency), peers == "1", float(timeout)), default=str
            )
        )
    else:
        print(json.dumps(efficiency(api, float(scale), folder, float(timeout)), default=str))


def run_workers(
    part: str, names: list[str], scale: float, workdir: Path, latency: float, peers: bool, timeout: float
) -> list[dict]:
    """`part` ("efficiency" or "wall") for each API in a worker; wall workers all at once."""

    def start(name: str) -> subprocess.Popen:
        args = [part, name, str(scale), str(workdir), str(latency), "1" if peers else "0", str(timeout)]
        return subprocess.Popen(
            [sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    results = []
    started = {name: start(name) for name in names} if part == "wall" else {}
    for name in names:
        worker = started.get(name) or start(name)
        out, err = worker.communicate()
        try:
            results.append(json.loads(out.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            tail = (err.strip().splitlines() or ["?"])[-1][:200]
            results.append(
                {"api": name, "skipped": f"{part} worker failed (exit {worker.returncode}): {tail}"}
            )
    return results


# -- tables ----------------------------------------------------------------------------------


def _f(value: float | None, spec: str = ",.0f") -> str:
    return "n/a" if value is None else format(value, spec)


def _mark(value: float | None, ok: bool) -> str:
    return "" if value is None else (" ✅" if ok else " ❌")


def _failed(result: dict) -> str:
    if result.get("skipped"):
        return str(result["skipped"])
    if result.get("returncode"):
        return f"tap failed: {result.get('error') or result['returncode']}"
    return ""


def efficiency_lines(results: list[dict], scale: float) -> list[str]:
    lines = [
        f"## Request efficiency (shaped accounts at scale {scale:g}; full sync, no latency, no rate limit)",
        "",
        "Requests per stream from the sandbox's log (token, host discovery and schema reads counted apart",
        "as setup), records per stream from the tap's output. Minimum = ceil(records / the endpoint's",
        "documented maximum page size) per query the API requires: one per parent where the API lists",
        "records only per parent, one per window where it caps a query's time range, three SOAP calls",
        "per Five9 report, one request per LivePerson record served partial. Target: ≤ 1.1x on every stream.",
        "",
        "| API | account | streams | records | requests | minimum | requests / 1k records | ours/minimum | worst stream | worst (≤1.1) | streams > 1.1x | most extra requests | setup | unattributed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        if why := _failed(result):
            lines.append(f"| {result['api']} | not measured ({why}) |" + " |" * 12)
            continue
        rows = result["rows"]
        records = sum(r["records"] for r in rows)
        requests, least = result["data_requests"], result["total_minimum"]
        worst = result["worst"] or {}
        most = result.get("most_extra")
        extra = f"{most['stream']} (+{most['extra']:,})" if most and most["extra"] > 0 else "-"
        over = [r["stream"] for r in rows if (r["ratio"] or 0) > TARGET_EFFICIENCY]
        ratio = requests / least if least else None
        lines.append(
            f"| {result['api']} | {result['account']} | {len(rows)} | {records:,} | {requests:,} | {least:,} | "
            f"{_f(requests * 1000 / records if records else None, '.2f')} | {_f(ratio, '.2f')} | "
            f"{worst.get('stream', 'n/a')} | {_f(worst.get('ratio'), '.2f')}{_mark(worst.get('ratio'), (worst.get('ratio') or 0) <= TARGET_EFFICIENCY)} | "
            f"{len(over)} | {extra} | {result['setup_requests']} | {sum(result['unattributed'].values())} |"
        )
    for result in results:
        if _failed(result):
            continue
        lines += [
            "",
            f"### {result['api']}: per stream (worst first)",
            "",
            "| stream | records | requests | requests / 1k records | max page | minimum | ours/minimum (≤1.1) |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in sorted(result["rows"], key=lambda r: (-(r["ratio"] or 0), r["stream"])):
            ratio = row["ratio"]
            lines.append(
                f"| {row['stream']} | {row['records']:,} | {row['requests']:,} | {_f(row['per_1000'], '.2f')} | "
                f"{_f(row['page'], ',')} | {_f(row['minimum'], ',')} | {_f(ratio, '.2f')}{_mark(ratio, (ratio or 0) <= TARGET_EFFICIENCY)} |"
            )
        if result["unattributed"]:
            lines += [
                "",
                "Unattributed requests (no row in `endpoints.py`): "
                + ", ".join(f"`{path}` x{count}" for path, count in sorted(result["unattributed"].items())),
            ]
    return lines


def wall_lines(results: list[dict], scale: float, latency: float) -> list[str]:
    lines = [
        f"## Full-sync wall time (scale {scale:g}, sandbox latency {latency * 1000:.0f} ms, documented limits on)",
        "",
        "Sync s = the sandbox's first request to the end of the tap (start-up left out; total s includes it).",
        "Bound = the slower of: the minimum requests (table above, same account) at the documented rate,",
        "and the round trips that cannot overlap (streams one after another, cursor pages in sequence;",
        "Five9: every call, one at a time). Target: ours/bound ≤ 1.15.",
        "",
        "| API | limit | requests | 429s | total s | sync s | bound s | bound by | ours/bound (≤1.15) | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        if why := _failed(result):
            lines.append(f"| {result['api']} | not measured ({why}) |" + " |" * 8)
            continue
        ours = result["ours"]
        ratio = ours["sync_seconds"] / result["bound"] if result["bound"] else None
        unattributed = sum(ours["unattributed"].values())
        note = _failed(ours) or (f"{unattributed} unattributed requests" if unattributed else "")
        requests = ours["data_requests"] + ours["setup_requests"] + unattributed
        lines.append(
            f"| {result['api']} | {result['limit']} | {requests:,} | {ours['rate_limited']} | {ours['seconds']:.1f} | "
            f"{ours['sync_seconds']:.1f} | {result['bound']:.1f} | {result['bound_kind']} | "
            f"{_f(ratio, '.2f')}{_mark(ratio, (ratio or 9) <= TARGET_BOUND)} | {note} |"
        )
    peer_rows = [(r, p) for r in results if not _failed(r) for p in r.get("peers", [])]
    if not peer_rows:
        return [*lines, "", "Peers not run (`--no-peers`, or no API measured)."]
    lines += [
        "",
        "Peers on the same account, latency and limits, syncing the streams they share with us; ours",
        "synced the same streams again for the comparison. peer/ours = how many times longer the peer",
        "took (total s, start-up included: what a user waits). Target: ≥ 2.",
        "",
        "| API | peer | streams | peer total s | peer sync s | peer/bound | ours total s | ours/bound | peer/ours (≥2) | peer records / ours | streams the peer cannot sync |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result, peer in peer_rows:
        if peer.get("skipped"):
            lines.append(f"| {result['api']} | {peer['peer']} | n/a ({peer['skipped']}) |" + " |" * 8)
            continue
        mine = peer["ours"]
        failed = peer["error"] or peer["returncode"]
        speed = peer["seconds"] / mine["seconds"] if mine["seconds"] and not failed else None
        mine_records = sum(mine["records"].values())
        share = peer["records"] / mine_records if mine_records else None
        status = f" (failed: {peer['error'] or peer['returncode']})" if failed else ""
        cannot = (
            ", ".join(peer["missing"]) if len(peer["missing"]) <= 8 else f"{len(peer['missing'])} of ours"
        )
        limit = peer["bound"] or None
        ours_seconds = mine["seconds"] if not failed else None
        lines.append(
            f"| {result['api']} | {peer['peer']}{status} | {len(peer['streams'])} | {peer['seconds']:.1f} | "
            f"{peer['sync_seconds']:.1f} | {_f(limit and peer['sync_seconds'] / limit, '.2f')} | "
            f"{_f(ours_seconds, '.1f')} | {_f(limit and ours_seconds and mine['sync_seconds'] / limit, '.2f')} | "
            f"{_f(speed, '.2f')}{_mark(speed, (speed or 0) >= TARGET_PEER)} | {_f(share, '.2f')} | {cannot or '-'} |"
        )
    rejected = [
        f"- {result['api']} {peer['peer']}: {peer['rejected']:,} records did not match the peer's schema "
        "(written as received, see `peer_wrapper.py`)"
        for result, peer in peer_rows
        if peer.get("rejected")
    ]
    reasons = [
        f"- {result['api']} {peer['peer']} cannot sync {stream}: {why}"
        for result, peer in peer_rows
        for stream, why in peer.get("unsupported", {}).items()
    ]
    notes = rejected + reasons
    return [*lines, *(["", *notes] if notes else [])]


def shape_lines(apis: list[str], scale: float) -> list[str]:
    lines = [
        "## Account shapes and page sizes",
        "",
        f"Shapes (`shapes.py`, scale {scale:g}; scale 1 is the realistic account):",
        "",
    ]
    lines += [f"- {name}: {account(name, scale).summary}" for name in apis]
    missing = [f"- {name}: {MISSING_OPTIONS[name]}" for name in apis if name in MISSING_OPTIONS]
    if missing:
        lines += ["", "Not expressible with the simulators' options yet:", "", *missing]
    # One row per (API, page size, source): the streams sharing them are listed together.
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for name in apis:
        for endpoint in ENDPOINTS.get(name, []):
            if endpoint.stream != SETUP:
                page = "not paged" if endpoint.page is None else f"{endpoint.page:,}"
                grouped.setdefault((name, page, endpoint.source), []).append(endpoint.stream)
    lines += ["", "| API | streams | max page | source |", "|---|---|---|---|"]
    for (name, page, source), streams in grouped.items():
        label = "every collection" if streams == ["*"] else ", ".join(streams)
        lines.append(f"| {name} | {label} | {page} | {source} |")
    return lines


if __name__ == "__main__":
    _worker(*sys.argv[1:8])
