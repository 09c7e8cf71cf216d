"""Full syncs of a shaped account: requests per stream against the API's minimum, and wall time.

Both benchmarks run a tap's full sync (every stream selected, no state) against one shaped
account (`shapes.py`) in an in-process sandbox, count each stream's records from the tap's
stdout (in a separate process, like the throughput runs) and attribute every request the
sandbox logged to a stream (`endpoints.py`).

- Request efficiency: no latency, no rate limit. Per stream: requests, the minimum the API
  allows for those records, their ratio.
- Wall time: sandbox latency 150 ms and each API's documented limit enforced by the sandbox,
  the tap at its default budget. The time is compared with a lower bound (see `bound`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys
import tempfile
import time
import typing as t
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from endpoints import ENDPOINTS, SETUP, UNATTRIBUTED, Endpoint, attribute, minimum
from harness import BENCH_ENV, UNLIMITED_OPTIONS, Api, select_streams, write_json
from shapes import Account
from suite_sandbox.server import SandboxServer

#: Each API's documented request limit, enforced by the sandbox in the wall-time runs
#: (requests per minute; Five9's reports are bound by their per-operation counters instead).
LIMITS: dict[str, tuple[float | None, str]] = {
    # Close: per API key and endpoint group; Close's example is 20 requests/s (rate-limits page).
    "closeio": (
        1200,
        "1,200/min per key and endpoint group (Close's 20 rps example); bound at 20 rps for the key",
    ),
    "outreach": (10_000 / 60, "10,000/hour per user (Outreach getting-started)"),
    "persistiq": (100, "100/min per key (PersistIQ reference; the live header advertises 500)"),
    # LivePerson publishes no number: the tap's own default budget is the bound.
    "liveperson": (120, "none published; the tap's default 120/min"),
    "five9": (
        None,
        "runReport 16/min, getReportResultCsv 20/min, isReportRunning 450/min; one call at a time per user",
    ),
}
#: Demo-config settings that tune the sandbox demo rather than connect to it: dropped, so the
#: tap runs with its own defaults (Outreach's demo budget, Five9's demo window).
DEMO_TUNING = ("max_requests_per_minute", "window_hours")

#: Counts RECORD lines per stream in a separate process; for streams listed in argv[1]
#: ({stream: field}) also per value of that field (the records of each parent).
_STREAM_COUNTER = r"""
import json, re, sys
keys = json.loads(sys.argv[1])
name = re.compile(rb'"stream":\s*"([^"]*)"')
counts, parents = {}, {}
for line in sys.stdin.buffer:
    head = line[:200]
    if b'"RECORD"' not in head:
        continue
    found = name.search(head)
    stream = found.group(1).decode() if found else "?"
    counts[stream] = counts.get(stream, 0) + 1
    if stream in keys:
        value = str(json.loads(line)["record"].get(keys[stream]))
        by = parents.setdefault(stream, {})
        by[value] = by.get(value, 0) + 1
print(json.dumps({"records": counts, "by_parent": parents}))
"""


@dataclass
class StreamRow:
    stream: str
    records: int = 0
    requests: int = 0
    minimum: int | None = None
    page: int | None = None
    source: str = ""

    @property
    def ratio(self) -> float | None:
        return self.requests / self.minimum if self.minimum else None

    @property
    def per_1000(self) -> float | None:
        return self.requests * 1000 / self.records if self.records else None


@dataclass
class SyncResult:
    api: str
    runner: str = "ours"
    seconds: float = 0.0
    #: From the sandbox's first request to the end of the process (start-up left out).
    sync_seconds: float = 0.0
    records: dict[str, int] = field(default_factory=dict)
    rows: list[StreamRow] = field(default_factory=list)
    setup_requests: int = 0
    unattributed: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    returncode: int = 0
    error: str = ""
    timed_out: bool = False

    @property
    def data_requests(self) -> int:
        return sum(row.requests for row in self.rows)

    @property
    def total_minimum(self) -> int:
        return sum(row.minimum or 0 for row in self.rows)

    @property
    def worst(self) -> StreamRow | None:
        rated = [row for row in self.rows if row.ratio is not None]
        return max(rated, key=lambda row: (row.ratio, row.requests - (row.minimum or 0))) if rated else None


def parent_keys(api: str) -> dict[str, str]:
    return {e.stream: e.parent[1] for e in ENDPOINTS.get(api, []) if e.parent}


def primary_endpoint(api: str, stream: str) -> Endpoint | None:
    """The endpoint a stream's records come from (its first row in the table)."""
    for endpoint in ENDPOINTS.get(api, []):
        if endpoint.stream in (stream, "*"):
            return endpoint
    return None


def make_simulator(api: Api, account: Account, *, limited: bool) -> t.Any:
    options = dict(account.options)
    if not limited:
        options.update(UNLIMITED_OPTIONS.get(api.name, {}))
    simulator = api.module.make_simulator(records=account.records, seed=1, **options)
    limit, _ = LIMITS.get(api.name, (None, ""))
    if api.name != "five9":  # Five9's own budget is the REST facade's; reports have counters
        simulator.rate_limit_per_minute = int(limit) if limited and limit else None
    return simulator


def tap_config(api: Api, url: str, account: Account, *, limited: bool) -> dict:
    config = {k: v for k, v in api.module.demo_config(url).items() if k not in DEMO_TUNING}
    config.update(account.config)
    if not limited:
        # Counting requests, not pacing: lift the client-side budget.
        config["max_requests_per_minute"] = 1_000_000
    return config


def discover(executable: str, config_path: Path) -> tuple[dict | None, str]:
    done = subprocess.run(
        [executable, "--config", str(config_path), "--discover"],
        capture_output=True,
        text=True,
        check=False,
        env=BENCH_ENV,
    )
    if done.returncode != 0:
        return None, f"--discover failed: {(done.stderr.strip().splitlines() or ['?'])[-1][:200]}"
    return json.loads(done.stdout), ""


@dataclass
class Counted:
    """One counted process run."""

    counts: dict
    seconds: float
    #: From the sandbox's first request to the end of the process.
    sync_seconds: float
    returncode: int
    error: str
    timed_out: bool
    #: Records a peer's schema rejected (peer_wrapper.py counts them on stderr).
    rejected: int = 0


_REJECTED = re.compile(r"peer_wrapper: (\d+) records did not match")


def run_counted(command: list[str], simulator: t.Any, keys: dict[str, str], timeout: float) -> Counted:
    """Run `command` with stdout into the per-stream counter (records per stream and parent)."""
    with tempfile.TemporaryFile() as stderr:
        start = time.time()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=BENCH_ENV)
        counter = subprocess.Popen(
            [sys.executable, "-c", _STREAM_COUNTER, json.dumps(keys)],
            stdin=process.stdout,
            stdout=subprocess.PIPE,
        )
        assert process.stdout is not None
        process.stdout.close()  # the counter owns the read end now
        timed_out = False
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            process.kill()
            process.wait()
        seconds = time.time() - start
        out, _ = counter.communicate()
        stderr.seek(0)
        tail = stderr.read().decode(errors="replace").strip().splitlines()
    first = simulator.requests[0].received_at - start if simulator.requests else None
    error = ""
    if process.returncode != 0:
        errors = [line for line in tail if "ERROR" in line or "Error" in line] or tail
        error = "timed out" if timed_out else (errors[-1] if errors else f"exit {process.returncode}")[:240]
    rejected = next((int(m[1]) for line in tail[-5:] if (m := _REJECTED.search(line))), 0)
    return Counted(
        json.loads(out or b"{}") or {"records": {}, "by_parent": {}},
        seconds,
        seconds - first if first is not None else 0.0,
        process.returncode,
        error,
        timed_out,
        rejected,
    )


def extra_minimum(api: str, simulator: t.Any, account: Account) -> dict[str, int]:
    """Unavoidable requests the records alone do not show: LivePerson's partial records.

    A conversation (or chat) the search marks `info.isPartial` must be fetched again by its
    id, one per request (Messaging Interactions: get conversation by id).
    """
    if api != "liveperson":
        return {}
    since = account.start
    history, chats = simulator.history, simulator.chats
    conversations = history.table.select(since).indices()
    ended = chats.ended(since or chats.table.start, simulator.now + timedelta(days=1))
    return {
        "messaging_interactions": sum(1 for i in conversations if history.is_partial(i)),
        "engagement_history": sum(1 for i in ended if chats.is_partial(i)),
    }


def stream_rows(
    api: str, simulator: t.Any, account: Account, counts: dict
) -> tuple[list[StreamRow], int, dict]:
    """Requests and minimum per stream, setup requests, unattributed requests by path."""
    requests: Counter[str] = Counter()
    unattributed: Counter[str] = Counter()
    for request in list(simulator.requests):
        stream, _ = attribute(api, request, simulator)
        if stream == UNATTRIBUTED:
            unattributed[f"{request.method} {request.path}"] += 1
        requests[stream] += 1
    setup = requests.pop(SETUP, 0)
    requests.pop(UNATTRIBUTED, None)
    records: dict[str, int] = counts.get("records", {})
    by_parent: dict[str, dict[str, int]] = counts.get("by_parent", {})
    span = datetime.now(timezone.utc) - account.start if account.start else None
    extra = extra_minimum(api, simulator, account)
    rows = []
    for stream in sorted(set(records) | set(requests)):
        endpoint = primary_endpoint(api, stream)
        row = StreamRow(stream, records.get(stream, 0), requests.get(stream, 0))
        if endpoint is not None:
            parents = records.get(endpoint.parent[0]) if endpoint.parent else None
            row.minimum = minimum(
                endpoint, row.records, parents=parents, by_parent=by_parent.get(stream), span=span
            ) + extra.get(stream, 0)
            row.page, row.source = endpoint.page, endpoint.source
        rows.append(row)
    return rows, setup, dict(unattributed)


def sync_account(
    api: Api,
    account: Account,
    workdir: Path,
    *,
    latency: float = 0.0,
    limited: bool = False,
    streams: set[str] | None = None,
    timeout: float = 7200,
) -> SyncResult:
    """One full sync of our tap (all streams, or `streams`) against the shaped account."""
    result = SyncResult(api.name, "ours" if streams is None else "ours (peer's streams)")
    simulator = make_simulator(api, account, limited=limited)
    try:
        with SandboxServer(simulator) as server:
            server._httpd.handle_error = lambda *_: None  # a killed run's broken pipes
            tag = f"{api.name}-{'wall' if limited else 'eff'}-{len(streams or ())}"
            config_path = write_json(
                workdir / f"{tag}-config.json", tap_config(api, server.url, account, limited=limited)
            )
            catalog, why = discover(api.executable, config_path)
            if catalog is None:
                result.error = why
                return result
            names = {entry["tap_stream_id"] for entry in catalog["streams"]}
            catalog_path = write_json(
                workdir / f"{tag}-catalog.json", select_streams(catalog, streams or names)
            )
            simulator.requests.clear()
            simulator.rate_limited = 0
            simulator.latency = latency
            command = [api.executable, "--config", str(config_path), "--catalog", str(catalog_path)]
            counted = run_counted(command, simulator, parent_keys(api.name), timeout)
    finally:
        if hasattr(simulator, "shutdown"):
            simulator.shutdown()
    result.seconds, result.sync_seconds = counted.seconds, counted.sync_seconds
    result.returncode, result.error, result.timed_out = counted.returncode, counted.error, counted.timed_out
    result.records = counted.counts.get("records", {})
    rows = stream_rows(api.name, simulator, account, counted.counts)
    result.rows, result.setup_requests, result.unattributed = rows
    result.rate_limited = simulator.rate_limited
    return result


# -- the wall-time bound --------------------------------------------------------------------


def bound(api: str, rows: list[StreamRow], latency: float) -> tuple[float, str]:
    """Lower bound on a sync's time: the slower of what the budget and the latency allow.

    - rate: the minimum requests at the documented sustained rate (a rolling-minute budget
      would let a sync shorter than a minute burst; these syncs take minutes). Five9 counts
      runReport per calendar minute: n reports need (ceil(n / 16) - 1) minute changes.
    - latency: each stream in turn (a Singer tap syncs streams one after another), a
      cursor/next-link page one round trip after the previous, offset/page-number pages all at
      once; Five9 allows one call at a time, so every call is a round trip.
    """
    limit, _ = LIMITS.get(api, (None, ""))
    endpoints = {row.stream: primary_endpoint(api, row.stream) for row in rows}
    needed = sum(row.minimum or 0 for row in rows)
    if api == "five9":
        reports = sum((row.minimum or 0) // 3 for row in rows)
        rate = max(math.ceil(reports / 16) - 1, 0) * 60.0
        chain = needed
    else:
        rate = needed / (limit / 60) if limit else 0.0
        if api == "closeio":
            rate = needed / 20  # the key's budget, shared by the endpoint groups
        chain = sum(
            (row.minimum or 0) if (endpoint := endpoints[row.stream]) and endpoint.sequential else 1
            for row in rows
            if row.minimum
        )
    by_latency = chain * latency
    return (rate, "rate") if rate >= by_latency else (by_latency, "latency")


def as_json(result: SyncResult) -> dict:
    data = dataclasses.asdict(result)
    data["rows"] = [
        {**dataclasses.asdict(row), "ratio": row.ratio, "per_1000": row.per_1000} for row in result.rows
    ]
    worst = result.worst
    data["worst"] = {"stream": worst.stream, "ratio": worst.ratio} if worst else None
    # The stream costing the most requests over its minimum: the one a user waits for.
    extra = max(result.rows, key=lambda row: row.requests - (row.minimum or row.requests), default=None)
    data["most_extra"] = (
        {"stream": extra.stream, "extra": extra.requests - extra.minimum} if extra and extra.minimum else None
    )
    data["total_minimum"] = result.total_minimum
    data["data_requests"] = result.data_requests
    return data
