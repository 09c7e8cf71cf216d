"""Benchmark harness: run taps, raw ceiling and peers against in-process sandboxes and measure them.

Generic over the five APIs: an API takes part as soon as `suite_sandbox.<api>` exposes
`make_simulator`/`demo_config` and `.venv/bin/tap-<api>` is installed; anything missing is
reported as a skipped row with the reason, never as a number.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "benchmarks"
VENV_BIN = Path(sys.executable).parent
PEER_ROOT = REPO / ".bench"

APIS = ("closeio", "outreach", "persistiq", "liveperson", "five9")

#: The stream each API is measured on (its biggest incremental collection); when a tap names
#: it differently, the first stream of its catalog that matches a fallback is used.
BENCH_STREAMS: dict[str, tuple[str, ...]] = {
    "closeio": ("leads", "lead"),
    "outreach": ("prospects", "prospect"),
    "persistiq": ("leads", "lead"),
    "liveperson": ("messaging_interactions", "conversations"),
    "five9": ("call_log", "call_logs"),
}

#: Simulator options for the unthrottled runs: Five9 also limits each SOAP operation type per
#: minute, hour and day (runReport 16/min), which the tap reads from the API and paces itself by.
#: The names are Five9's `apiOperationType` values (v13 WSDL); a bare number lifts every period.
UNLIMITED_OPTIONS: dict[str, dict] = {
    "five9": {"limits": {"ReportRequest": 1_000_000, "RetrieveReport": 1_000_000, "Query": 1_000_000}},
    # The raw ceiling replays the tap's requests after the run: Close's search cursors must
    # still be valid then, and LivePerson's signed OAuth1 requests go to one host, replayed.
    "closeio": {"cursor_ttl": 3600.0},
    "liveperson": {"separate_hosts": False, "refuse_replays": False},
}

#: Requests that mint credentials: not part of the data the raw ceiling replays (a replayed
#: refresh would fail against an API that rotates refresh tokens).
_AUTH_PATH = re.compile(r"oauth|token|login|baseURI", re.I)

#: The environment of every measured process. This workplace exports PYTHONUNBUFFERED=1
#: (a write syscall per RECORD line) and PYTHONDONTWRITEBYTECODE=1 (every start compiles
#: the SDK from source, ~1 s); neither is how a tap runs in production, so both are dropped.
BENCH_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")}

#: Counts RECORD lines in a separate process, so counting costs neither the tap nor the
#: sandbox (which runs in this process) any CPU time.
_COUNTER = (
    "import sys\n"
    "n = 0\n"
    "for line in sys.stdin.buffer:\n"
    "    if b'\"RECORD\"' in line[:48]:\n"
    "        n += 1\n"
    "print(n)\n"
)


@dataclass
class Run:
    """One measured process run."""

    records: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    returncode: int = 0
    error: str = ""
    #: Seconds from process start to the sandbox's first request (imports, config, discovery).
    startup: float | None = None
    #: CPU seconds (user + system) of the process and the children it waited for.
    cpu_seconds: float = 0.0

    @property
    def cpu_us_per_record(self) -> float | None:
        """The client's own work per record, whatever the sandbox's share of the machine."""
        return self.cpu_seconds / self.records * 1e6 if self.records and self.cpu_seconds else None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.error and self.records > 0

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def steady_rate(self) -> float | None:
        """Records/s once the first request went out: the per-record cost without start-up."""
        if self.startup is None or self.seconds <= self.startup:
            return None
        return self.records / (self.seconds - self.startup)


@dataclass
class Subject:
    """A median over several runs of one runner (ours, raw ceiling, a peer), or why there is none."""

    name: str
    runs: list[Run] = field(default_factory=list)
    skipped: str = ""

    @property
    def rate(self) -> float | None:
        good = [r.rate for r in self.runs if r.ok]
        return statistics.median(good) if good else None

    @property
    def steady_rate(self) -> float | None:
        good = [r.steady_rate for r in self.runs if r.ok and r.steady_rate]
        return statistics.median(good) if good else None

    @property
    def cpu_us_per_record(self) -> float | None:
        good = [r.cpu_us_per_record for r in self.runs if r.ok and r.cpu_us_per_record]
        return statistics.median(good) if good else None

    @property
    def reason(self) -> str:
        if self.skipped:
            return self.skipped
        for run in self.runs:
            if not run.ok:
                return run.error or f"exit {run.returncode}, {run.records} records"
        return ""


def _peak_rss_mb(pid: int) -> float:
    """VmHWM: the kernel's own high-water mark of the process's resident set."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _reap(process: subprocess.Popen, *, block: bool = False) -> t.Any:
    """The process's resource usage once it has ended (None while it runs); sets returncode."""
    pid, status, usage = os.wait4(process.pid, 0 if block else os.WNOHANG)
    if pid == 0:
        return None
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage


def measure(
    command: list[str],
    *,
    timeout: float = 1800,
    env: dict[str, str] | None = None,
    simulator: t.Any = None,
) -> Run:
    """Run `command` with stdout into a counting pipe; wall time, RECORD count and peak RSS.

    With `simulator`, also the start-up time: until the sandbox logs its first request.
    """
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, env={**BENCH_ENV, **(env or {})}
        )
        counter = subprocess.Popen(
            [sys.executable, "-c", _COUNTER], stdin=process.stdout, stdout=subprocess.PIPE
        )
        assert process.stdout is not None
        process.stdout.close()  # the counter owns the read end now
        peak = 0.0
        deadline = start + timeout
        first = None
        while (usage := _reap(process)) is None:
            peak = max(peak, _peak_rss_mb(process.pid))
            if first is None and simulator is not None and simulator.requests:
                first = time.perf_counter() - start
            if time.perf_counter() > deadline:
                process.kill()
                usage = _reap(process, block=True)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        # Not ru_maxrss: Linux carries the parent's resident size at fork into the child's
        # (102 MB from this harness), so only VmHWM of the tap's own memory map counts.
        out, _ = counter.communicate()
        stderr.seek(0)
        tail = stderr.read().decode(errors="replace").strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime if usage else 0.0
    run = Run(
        records=int(out or 0),
        seconds=seconds,
        peak_rss_mb=peak,
        returncode=process.returncode,
        startup=first,
        cpu_seconds=cpu,
    )
    if process.returncode != 0:
        errors = [line for line in tail if "ERROR" in line or "Error" in line] or tail
        run.error = (errors[-1] if errors else f"exit {process.returncode}")[:200]
    return run


# -- our taps ------------------------------------------------------------------------------


@dataclass
class Api:
    """One API's sandbox module and tap executable."""

    name: str
    module: t.Any = None
    executable: str = ""
    missing: str = ""
    stream: str = ""
    catalog: dict = field(default_factory=dict)
    default_rpm: float | None = None

    @classmethod
    def load(cls, name: str) -> Api:
        api = cls(name)
        try:
            api.module = importlib.import_module(f"suite_sandbox.{name}")
        except ImportError as exc:
            api.missing = f"no simulator ({exc})"
            return api
        if not (hasattr(api.module, "make_simulator") and hasattr(api.module, "demo_config")):
            api.missing = "simulator lacks make_simulator/demo_config"
            return api
        executable = VENV_BIN / f"tap-{name}"
        if not executable.exists():
            api.missing = f"tap-{name} is not installed in {VENV_BIN}"
            return api
        api.executable = str(executable)
        return api

    def simulator(self, records: int, *, unlimited: bool = True) -> t.Any:
        options = UNLIMITED_OPTIONS.get(self.name, {}) if unlimited else {}
        simulator = self.module.make_simulator(records=records, seed=1, **options)
        if unlimited:
            simulator.rate_limit_per_minute = None
        return simulator

    def config(self, url: str, *, unlimited: bool = True) -> dict:
        config = dict(self.module.demo_config(url))
        if unlimited:
            # The throughput runs measure CPU cost, not pacing: lift the client-side budget.
            config["max_requests_per_minute"] = 1_000_000
        else:
            config.pop("max_requests_per_minute", None)
        return config

    def prepare(self, workdir: Path) -> None:
        """Discover the catalog, pick the benchmark stream and read the default request budget."""
        from suite_sandbox.server import SandboxServer

        about = subprocess.run(
            [self.executable, "--about", "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
            env=BENCH_ENV,  # also warms the bytecode cache, so no run pays for compiling
        )
        try:
            settings = json.loads(about.stdout).get("settings", {}).get("properties", {})
            self.default_rpm = settings.get("max_requests_per_minute", {}).get("default")
        except json.JSONDecodeError:
            self.default_rpm = None
        with SandboxServer(self.simulator(50)) as server:
            config_path = write_json(workdir / f"{self.name}-discover.json", self.config(server.url))
            discovered = subprocess.run(
                [self.executable, "--config", str(config_path), "--discover"],
                capture_output=True,
                text=True,
                check=False,
                env=BENCH_ENV,
            )
        if discovered.returncode != 0:
            self.missing = f"--discover failed: {discovered.stderr.strip().splitlines()[-1:]}"
            return
        catalog = json.loads(discovered.stdout)
        names = [entry["tap_stream_id"] for entry in catalog["streams"]]
        wanted = [n for n in BENCH_STREAMS.get(self.name, ()) if n in names]
        self.stream = wanted[0] if wanted else names[0]
        self.catalog = select_streams(catalog, {self.stream})

    def command(self, workdir: Path, config: dict, tag: str) -> list[str]:
        config_path = write_json(workdir / f"{self.name}-{tag}-config.json", config)
        catalog_path = write_json(workdir / f"{self.name}-catalog.json", self.catalog)
        return [self.executable, "--config", str(config_path), "--catalog", str(catalog_path)]


def select_streams(catalog: dict, names: set[str]) -> dict:
    catalog = json.loads(json.dumps(catalog))
    for entry in catalog["streams"]:
        selected = entry["tap_stream_id"] in names
        if selected:
            entry["schema"]["selected"] = True  # old singer-python taps read this flag
        for metadata in entry.get("metadata", []):
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = selected
    return catalog


def write_json(path: Path, value: t.Any) -> Path:
    path.write_text(json.dumps(value))
    return path


def replay_plan(simulator: t.Any, base_url: str, stream: str) -> list[dict]:
    """The data requests the tap made, in order, as the raw ceiling will replay them."""
    plan = []
    for request in list(simulator.requests):
        if _AUTH_PATH.search(request.path):
            continue
        query = "&".join(
            f"{quote(k, safe='[]')}={quote(v, safe='[]')}"
            for k, values in request.query.items()
            for v in values
        )
        plan.append(
            {
                "method": request.method,
                "url": f"{base_url}{request.path}" + (f"?{query}" if query else ""),
                "headers": request.headers,
                "body": base64.b64encode(request.body).decode() if request.body else "",
                "stream": stream,
            }
        )
    return plan


# -- rate-limit use ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateVariant:
    """One rate-limit run of a tap: what it is called, how it is configured, what is counted."""

    label: str
    #: Settings over the API's demo config (given the sandbox URL).
    config: t.Callable[[str], dict] = lambda _url: {}
    #: Rows in the sandbox; the default never runs out within a run.
    records: int = 1_000_000
    #: Count this Five9 operation type against its per-calendar-minute limit instead of
    #: counting every request against `max_requests_per_minute`.
    operation_type: str | None = None
    #: Requests per minute the sandbox allows when the tap's default depends on its mode.
    budget: float | None = None


#: Five9 has two budgets. Its seed REST facade has a 60/min budget like the other APIs; its
#: reports mode (the default) is bound by runReport's own counter (16 per calendar minute).
#: Quarter-hour windows of ~80 rows keep that run bound by the budget, not by CSV volume.
RATE_VARIANTS: dict[str, tuple[RateVariant, ...]] = {
    "five9": (
        RateVariant(
            "five9 (reports)",
            lambda _url: {"window_hours": 0.25},
            records=20_000,
            operation_type="ReportRequest",
        ),
        RateVariant("five9 (rest)", lambda url: {"api_mode": "rest", "api_url": f"{url}/v1"}, budget=60),
    ),
}


def rate_variants(name: str) -> tuple[RateVariant, ...]:
    return RATE_VARIANTS.get(name, (RateVariant(name),))


@dataclass
class RateResult:
    api: str
    limit: float | None = None
    seconds: float = 0.0
    requests: int = 0
    rate_limited: int = 0
    records: int = 0
    skipped: str = ""
    finished_early: bool = False
    #: What is counted: "requests" against the per-minute budget, or a Five9 operation type.
    counted: str = "requests"
    #: For calendar-minute counters, the allowance of the minutes the run touched.
    minute_allowance: float | None = None

    @property
    def allowed(self) -> float:
        if self.minute_allowance is not None:
            return self.minute_allowance
        return (self.limit or 0) * self.seconds / 60

    @property
    def share(self) -> float | None:
        return self.requests / self.allowed if self.allowed else None


def rate_run(api: Api, variant: RateVariant, workdir: Path, seconds: float, latency: float) -> RateResult:
    """The tap at its default budget against a sandbox enforcing that budget, for `seconds`.

    For a calendar-minute counter the run ends on a minute boundary, and the allowance is
    the limit times the minutes the run touched (an unused minute's allowance is lost).
    """
    from suite_sandbox.server import SandboxServer

    result = RateResult(variant.label, variant.budget or api.default_rpm)
    if not result.limit and not variant.operation_type:
        result.skipped = "tap has no default max_requests_per_minute"
        return result
    simulator = api.simulator(variant.records, unlimited=False)
    if result.limit:
        simulator.rate_limit_per_minute = int(result.limit)
    simulator.latency = latency
    with SandboxServer(simulator) as server, tempfile.TemporaryFile() as stderr:
        # The tap is killed mid-request when the window closes: keep that broken pipe quiet.
        server._httpd.handle_error = lambda *_: None
        config = {**api.config(server.url, unlimited=False), **variant.config(server.url)}
        command = api.command(workdir, config, f"rate-{api.name}")
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=BENCH_ENV)
        # The window opens at the first request (tap start-up is not budget time) and closes
        # after `seconds` (then at the next minute boundary for minute counters) or when the
        # tap is done, whichever is first.
        first = closes = None
        while process.poll() is None:
            now = time.time()
            if first is None and simulator.requests:
                first = now
                closes = first + seconds
                if variant.operation_type:
                    closes = math.ceil(closes / 60) * 60 - 0.05
            if closes is not None and now >= closes:
                break
            time.sleep(0.01)
        end = time.time()
        if variant.operation_type and first is not None:
            # The simulator numbers minutes on the data centre's clock (its counters reset there).
            index = getattr(simulator, "period_index", lambda period, at: int(at // period))
            minutes = range(index(60, first), index(60, end) + 1)
            used = simulator.operations_per_minute(variant.operation_type)
            result.limit = minute_limit(simulator, variant.operation_type)
            result.counted = f"{variant.operation_type} calls (limit per calendar minute)"
            result.requests = sum(used.get(minute, 0) for minute in minutes)
            result.minute_allowance = result.limit * len(minutes)
        else:
            # Token/discovery calls are not data requests (most APIs exempt them from the budget).
            result.requests = sum(1 for r in list(simulator.requests) if not _AUTH_PATH.search(r.path))
        result.rate_limited = simulator.rate_limited
        result.seconds = end - first if first is not None else 0.0
        finished = process.poll() is not None
        if not finished:
            process.kill()
            process.wait()
        stderr.seek(0)
        tail = stderr.read().decode(errors="replace").strip().splitlines()
    result.finished_early = finished and result.seconds < seconds * 0.9
    if finished and process.returncode != 0:
        result.skipped = f"tap failed: {(tail or ['?'])[-1][:200]}"
    return result


def minute_limit(simulator: t.Any, operation_type: str) -> int:
    """A Five9 operation type's per-minute limit (the simulator keeps one per period)."""
    limit = simulator.limits[operation_type]
    return int(limit[60] if isinstance(limit, dict) else limit)


def rate_runs(apis: list[Api], workdir: Path, seconds: float, latency: float) -> list[RateResult]:
    """All APIs at once, each sandbox in its own worker process.

    The runs wait on the sandbox's latency, so they can overlap; but sandboxes sharing one
    interpreter would share its GIL, and one busy simulator would slow the others' answers.
    """
    workers = {
        variant.label: subprocess.Popen(
            [
                sys.executable,
                __file__,
                "rate",
                api.name,
                str(index),
                str(workdir),
                str(seconds),
                str(latency),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for api in apis
        for index, variant in enumerate(rate_variants(api.name))
    }
    results = []
    for label, worker in workers.items():
        out, _ = worker.communicate()
        try:
            results.append(RateResult(**json.loads(out.strip().splitlines()[-1])))
        except (ValueError, IndexError, TypeError):
            results.append(RateResult(label, skipped=f"rate worker failed (exit {worker.returncode})"))
    return results


def _rate_worker(name: str, index: str, workdir: str, seconds: str, latency: str) -> None:
    api = Api.load(name)
    variant = rate_variants(name)[int(index)]
    folder = Path(workdir) / f"rate-{name}-{index}"
    folder.mkdir(exist_ok=True)
    if not api.missing:
        api.prepare(folder)
    if api.missing:
        result = RateResult(variant.label, skipped=api.missing)
    else:
        result = rate_run(api, variant, folder, float(seconds), float(latency))
    print(json.dumps(dataclasses.asdict(result)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["rate"]:
        sys.path.insert(0, str(REPO / "sandbox"))
        _rate_worker(*sys.argv[2:8])
