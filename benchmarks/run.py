"""Benchmarks: throughput, rate-limit use, memory, request efficiency and full-sync wall time.

    .venv/bin/python benchmarks/run.py --full          # everything, realistic accounts (the results run)
    .venv/bin/python benchmarks/run.py --quick         # tiny sizes, no peers (what the smoke test runs)
    .venv/bin/python benchmarks/run.py --efficiency --wall --scale 0.01   # the realistic-account parts, small

Writes benchmarks/results/latest.md (tables), latest.json (the numbers) and latest.png (chart).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import APIS, PEER_ROOT, Api, RateResult, Subject, measure, rate_runs, replay_plan, write_json
from peers import SINGER_PEERS, dlt_command, ensure_venv, singer_peer_command
from realistic import efficiency_lines, run_workers, shape_lines, wall_lines
from suite_sandbox.server import SandboxServer

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_RAW, TARGET_PEER, TARGET_BUDGET, TARGET_RSS = 0.60, 2.0, 0.90, 0.10
PARTS = ("throughput", "memory", "rate", "efficiency", "wall")
_PAGE_PARAMS = ("page[size]", "_limit", "limit", "page_size", "per_page")


def throughput(api: Api, workdir: Path, records: int, repeats: int, peers: bool) -> dict[str, Subject]:
    """Median records/s of ours, the raw ceiling and each peer, each on a fresh sandbox."""
    subjects = {name: Subject(name) for name in ("ours", "raw", "singer", "dlt")}
    if not peers:
        subjects["singer"].skipped = subjects["dlt"].skipped = "peers not run (--no-peers)"
    elif api.name not in SINGER_PEERS:
        subjects["singer"].skipped = "no singer-io tap on PyPI"
    page_size = 100
    for _ in range(repeats):
        simulator = api.simulator(records)
        with SandboxServer(simulator) as server:
            command = api.command(workdir, api.config(server.url), "throughput")
            subjects["ours"].runs.append(measure(command, simulator=simulator))
            plan = replay_plan(simulator, server.url, api.stream)
            for item in plan[:1]:
                query = dict(p.split("=", 1) for p in item["url"].partition("?")[2].split("&") if "=" in p)
                page_size = next(
                    (int(query[k]) for k in _PAGE_PARAMS if k in query and query[k].isdigit()), 100
                )
            simulator.requests.clear()
            plan_path = write_json(workdir / f"{api.name}-plan.json", plan)
            raw = [sys.executable, str(Path(__file__).parent / "raw_ceiling.py"), str(plan_path)]
            subjects["raw"].runs.append(measure(raw, simulator=simulator))
        if not peers:
            continue
        for key, make in (("singer", singer_peer_command), ("dlt", dlt_command)):
            if subjects[key].skipped:
                continue
            simulator = api.simulator(records)
            if key == "singer":
                for name, value in SINGER_PEERS[api.name].sim_attrs.items():
                    setattr(simulator, name, value)
            with SandboxServer(simulator) as server:
                args = (
                    (api, workdir, server.url) if key == "singer" else (api, workdir, server.url, page_size)
                )
                command, why = make(*args)
                if not command:
                    subjects[key].skipped = why
                    continue
                subjects[key].runs.append(measure(command, simulator=simulator))
    return subjects


def memory(api: Api, workdir: Path, sizes: list[int]) -> list[tuple[int, t.Any]]:
    rows = []
    for size in sizes:
        with SandboxServer(api.simulator(size)) as server:
            rows.append((size, measure(api.command(workdir, api.config(server.url), f"mem{size}"))))
    return rows


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def fmt(value: float | None, spec: str = ",.0f") -> str:
    return "n/a" if value is None else format(value, spec)


def verdict(value: float | None, ok: bool) -> str:
    return "" if value is None else (" ✅" if ok else " ❌")


def cell(subject: Subject) -> str:
    rate = subject.rate
    return fmt(rate) if rate is not None else f"n/a ({subject.reason})"


def report(args: argparse.Namespace, results: dict) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {results['when']} on {results['machine']}; command `{results['command']}`.",
    ]
    if "throughput" in args.parts:
        lines += throughput_lines(args, results)
    if "efficiency" in args.parts:
        lines += ["", *efficiency_lines(results["efficiency"], args.scale)]
    if "wall" in args.parts:
        lines += ["", *wall_lines(results["wall"], args.scale, args.wall_latency)]
    if "rate" in args.parts:
        lines += rate_lines(args, results)
    if "memory" in args.parts:
        lines += memory_lines(results)
    if {"efficiency", "wall"} & set(args.parts):
        lines += ["", *shape_lines([a for a in args.apis if a not in results["skipped"]], args.scale)]
    if results["skipped"]:
        lines += ["", "## Not measured", ""] + [f"- {api}: {why}" for api, why in results["skipped"].items()]
    return "\n".join(lines) + "\n"


def throughput_lines(args: argparse.Namespace, results: dict) -> list[str]:
    lines = [
        "",
        f"## Throughput ({args.records:,} records per run, median of {args.repeats}, records/s)",
        "",
        "Each runner pages the benchmark stream of an in-process sandbox with no latency and no rate limit;",
        "stdout goes to a counting pipe. Raw ceiling = plain `requests` + `json` replaying the tap's own requests.",
        "",
        "| API | stream | ours | raw ceiling | ours/raw (≥0.60) | singer-io peer | ours/singer (≥2) | dlt rest_api | ours/dlt (≥2) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["throughput"]:
        r_raw, r_singer, r_dlt = row["ours/raw"], row["ours/singer"], row["ours/dlt"]
        lines.append(
            f"| {row['api']} | {row['stream']} | {row['ours_cell']} | {row['raw_cell']} | "
            f"{fmt(r_raw, '.2f')}{verdict(r_raw, (r_raw or 0) >= TARGET_RAW)} | {row['singer_cell']} | "
            f"{fmt(r_singer, '.2f')}{verdict(r_singer, (r_singer or 0) >= TARGET_PEER)} | {row['dlt_cell']} | "
            f"{fmt(r_dlt, '.2f')}{verdict(r_dlt, (r_dlt or 0) >= TARGET_PEER)} |"
        )
    lines += [
        "",
        "Excluding process start-up (records / time after the sandbox saw the first request):",
        "",
        "| API | ours | raw ceiling | ours/raw | singer-io peer | ours/singer | dlt rest_api | ours/dlt |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["throughput"]:
        lines.append(
            f"| {row['api']} | {fmt(row['ours_steady'])} | {fmt(row['raw_steady'])} | {fmt(row['ours/raw steady'], '.2f')} | "
            f"{fmt(row['singer_steady'])} | {fmt(row['ours/singer steady'], '.2f')} | {fmt(row['dlt_steady'])} | "
            f"{fmt(row['ours/dlt steady'], '.2f')} |"
        )
    lines += [
        "",
        "Client CPU per record (µs of user + system CPU of the runner's process, start-up included;",
        "the sandbox's share of the machine left out). 'x less' = the other runner's CPU / ours:",
        "",
        "| API | ours | raw ceiling | raw/ours | singer-io peer | x less than singer | dlt rest_api | x less than dlt |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["throughput"]:
        lines.append(
            f"| {row['api']} | {fmt(row.get('ours_cpu_us'), '.1f')} | {fmt(row.get('raw_cpu_us'), '.1f')} | "
            f"{fmt(row.get('raw/ours cpu'), '.2f')} | {fmt(row.get('singer_cpu_us'), '.1f')} | "
            f"{fmt(row.get('singer/ours cpu'), '.2f')} | {fmt(row.get('dlt_cpu_us'), '.1f')} | {fmt(row.get('dlt/ours cpu'), '.2f')} |"
        )
    return lines


def rate_lines(args: argparse.Namespace, results: dict) -> list[str]:
    lines = [
        "",
        f"## Rate-limit use ({args.rate_seconds:g} s per tap, sandbox latency {args.latency * 1000:.0f} ms, "
        "budget = the tap's default `max_requests_per_minute`)",
        "",
        "Allowed = limit x run seconds / 60 (the budget pro-rated over the run). For a counter that",
        "resets each calendar minute (Five9's per-operation limits) the run ends on a minute boundary",
        "and allowed = limit x calendar minutes the run touched. 429s counts every refusal for budget,",
        "Five9's OperationsLimitExceededFault included.",
        "",
        "| API | counted | limit/min | run s | used | allowed | share (≥90%) | 429s (=0) | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rate"]:
        share = row["share"]
        lines.append(
            f"| {row['api']} | {row.get('counted', 'requests')} | {fmt(row['limit'], 'g')} | {row['seconds']:.1f} | {row['requests']} | "
            f"{row['allowed']:.1f} | {fmt(share and share * 100, '.0f')}%{verdict(share, (share or 0) >= TARGET_BUDGET)} | "
            f"{row['rate_limited']}{verdict(share, row['rate_limited'] == 0)} | {row['note']} |"
        )
    return lines


def memory_lines(results: dict) -> list[str]:
    lines = [
        "",
        "## Memory (peak RSS of the tap process, VmHWM)",
        "",
        "| API | records | seconds | records/s | peak RSS MB | growth vs smallest (<10%) |",
        "|---|---|---|---|---|---|",
    ]
    for row in results["memory"]:
        growth = row["growth"]
        lines.append(
            f"| {row['api']} | {row['records']:,} | {row['seconds']:.1f} | {fmt(row['rate'])} | "
            f"{row['peak_rss_mb']:.1f} | {fmt(growth and growth * 100, '+.1f')}%"
            f"{verdict(growth, (growth or 0) < TARGET_RSS)}{(' ' + row['error']) if row['error'] else ''} |"
        )
    return lines


def chart(json_path: Path, png_path: Path, *, install: bool) -> str:
    """Draw the PNG with matplotlib: here if installed, else from the `.bench/tools` venv."""
    script = [str(Path(__file__).parent / "chart.py"), str(json_path), str(png_path)]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        python = PEER_ROOT / "tools" / "bin" / "python"
        has_it = (
            python.exists()
            and subprocess.run(
                [str(python), "-c", "import matplotlib"], capture_output=True, check=False
            ).returncode
            == 0
        )
        if not has_it and install:
            found, _ = ensure_venv("tools", ["py-spy", "pyinstrument", "matplotlib"])
            has_it = (
                bool(found)
                and subprocess.run(
                    ["uv", "pip", "install", "-q", "--python", str(python), "matplotlib"],
                    capture_output=True,
                    check=False,
                ).returncode
                == 0
            )
        if not has_it:
            return "matplotlib is not installed (here or in .bench/tools): no chart"
        done = subprocess.run([str(python), *script], capture_output=True, text=True, check=False)
    else:
        done = subprocess.run([sys.executable, *script], capture_output=True, text=True, check=False)
    return "" if done.returncode == 0 else f"chart failed: {done.stderr.strip()[-300:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--apis", nargs="+", default=list(APIS), choices=APIS)
    parser.add_argument("--records", type=int, default=20_000, help="records per throughput run")
    parser.add_argument("--repeats", type=int, default=3, help="throughput runs per runner (median)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="memory run sizes")
    parser.add_argument("--rate-seconds", type=float, default=60.0, help="length of each rate-limit run")
    parser.add_argument("--latency", type=float, default=0.075, help="sandbox latency in rate-limit runs")
    parser.add_argument("--no-peers", action="store_true", help="skip singer-io and dlt peers")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one repeat, no peers, 3 s rate runs"
    )
    parser.add_argument("--full", action="store_true", help="memory at 10k/100k/1M, 90 s rate runs")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.md/json/png go")
    parser.add_argument(
        "--parts", nargs="+", choices=PARTS, default=list(PARTS), help="what to measure (default: all)"
    )
    parser.add_argument(
        "--efficiency", action="store_true", help="only request efficiency (with --wall: both)"
    )
    parser.add_argument(
        "--wall", action="store_true", help="only full-sync wall time (with --efficiency: both)"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="shaped accounts' size (1 = the realistic account; 0.01 for development)",
    )
    parser.add_argument("--wall-latency", type=float, default=0.150, help="sandbox latency in wall-time runs")
    parser.add_argument(
        "--sync-timeout", type=float, default=7200, help="seconds before a full sync is killed"
    )
    # --quick/--full change the defaults; flags given explicitly still win.
    presets, _ = parser.parse_known_args(argv)
    if presets.quick:
        parser.set_defaults(
            records=300, repeats=1, sizes=[200, 600], rate_seconds=3.0, no_peers=True, scale=0.002
        )
    if presets.full:
        parser.set_defaults(sizes=[10_000, 100_000, 1_000_000], rate_seconds=90.0)
    args = parser.parse_args(argv)
    if args.efficiency or args.wall:
        args.parts = [
            part for part, wanted in (("efficiency", args.efficiency), ("wall", args.wall)) if wanted
        ]

    results: dict = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "command": "benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "parts": args.parts,
        "scale": args.scale,
        "throughput": [],
        "rate": [],
        "memory": [],
        "efficiency": [],
        "wall": [],
        "skipped": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        apis = []
        for name in args.apis:
            api = Api.load(name)
            if not api.missing:
                api.prepare(workdir)
            if api.missing:
                results["skipped"][name] = api.missing
                print(f"[{name}] skipped: {api.missing}", flush=True)
            else:
                apis.append(api)
        for api in apis:
            if "throughput" in args.parts:
                print(f"[{api.name}] throughput on {api.stream} ...", flush=True)
                results["throughput"].append(throughput_row(api, workdir, args))
            if "memory" in args.parts:
                print(f"[{api.name}] memory at {args.sizes} ...", flush=True)
                results["memory"] += memory_rows(api, workdir, args.sizes)
        names = [api.name for api in apis]
        if names and "rate" in args.parts:
            print(f"rate-limit runs ({args.rate_seconds:g} s, all APIs at once) ...", flush=True)
            for rate in rate_runs(apis, workdir, args.rate_seconds, args.latency):
                results["rate"].append(rate_row(rate, args.rate_seconds))
        if names and "efficiency" in args.parts:
            print(f"request efficiency (scale {args.scale:g}, one API at a time) ...", flush=True)
            results["efficiency"] = run_workers(
                "efficiency", names, args.scale, workdir, 0.0, False, args.sync_timeout
            )
        if names and "wall" in args.parts:
            print(f"full-sync wall time (scale {args.scale:g}, all APIs at once) ...", flush=True)
            results["wall"] = run_workers(
                "wall", names, args.scale, workdir, args.wall_latency, not args.no_peers, args.sync_timeout
            )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(report(args, results))
    (args.out / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    if {"throughput", "memory"} & set(args.parts):
        note = chart(args.out / "latest.json", args.out / "latest.png", install=not args.quick)
        if note:
            print(note)
    print((args.out / "latest.md").read_text())
    return 0


def machine() -> str:
    """Cores, CPU model and Python: what the numbers were measured on."""
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(
                (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), ""
            )
    except OSError:
        pass
    return f"{os.cpu_count()} cores{f' ({model})' if model else ''}, Python {sys.version.split()[0]}"


def throughput_row(api: Api, workdir: Path, args: argparse.Namespace) -> dict:
    subjects = throughput(api, workdir, args.records, args.repeats, not args.no_peers)
    row: dict[str, t.Any] = {"api": api.name, "stream": api.stream}
    for key, subject in subjects.items():
        row[key] = subject.rate
        row[f"{key}_steady"] = subject.steady_rate
        row[f"{key}_cpu_us"] = subject.cpu_us_per_record
        row[f"{key}_records"] = [r.records for r in subject.runs]
        row[f"{key}_cell"] = cell(subject)
    for key in ("raw", "singer", "dlt"):
        row[f"ours/{key}"] = ratio(row["ours"], row[key])
        row[f"ours/{key} steady"] = ratio(row["ours_steady"], row[f"{key}_steady"])
        # How many times less CPU per record than the other runner (higher is better).
        row[f"{key}/ours cpu"] = ratio(row[f"{key}_cpu_us"], row["ours_cpu_us"])
    print(f"[{api.name}] {json.dumps({k: v for k, v in row.items() if not k.endswith('_cell')})}", flush=True)
    return row


def memory_rows(api: Api, workdir: Path, sizes: list[int]) -> list[dict]:
    rows, base = [], None
    for size, run in memory(api, workdir, sizes):
        base = base or (run.peak_rss_mb if run.ok else None)
        rows.append(
            {
                "api": api.name,
                "records": run.records,
                "size": size,
                "seconds": run.seconds,
                "rate": run.rate if run.ok else None,
                "peak_rss_mb": run.peak_rss_mb,
                "growth": (run.peak_rss_mb / base - 1) if base and run.ok else None,
                "error": run.error,
            }
        )
    return rows


def rate_row(rate: RateResult, planned: float) -> dict:
    note = rate.skipped
    if not note and rate.finished_early:
        note = f"tap finished its sync after {rate.seconds:.1f} s"
    return {
        "api": rate.api,
        "limit": rate.limit,
        "seconds": rate.seconds,
        "requests": rate.requests,
        "allowed": rate.allowed,
        "share": rate.share if not rate.skipped else None,
        "rate_limited": rate.rate_limited,
        "records": rate.records,
        "note": note,
        "counted": rate.counted,
    }


if __name__ == "__main__":
    sys.exit(main())
