"""What the SDK's per-record type conformance costs: the same tap at each conformance level.

    .venv/bin/python benchmarks/experiment_conformance.py persistiq --records 20000 --repeats 3

Runs the tap's own CLI in a wrapper that sets `SuiteStream.TYPE_CONFORMANCE_LEVEL` (no tap
code changes), against the same in-process sandbox, and prints median records/s per level
next to the raw ceiling. The profile (PROFILE.md) names conformance as the hot path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Api, measure, replay_plan, write_json
from suite_sandbox.server import SandboxServer

WRAPPER = """
import sys
from importlib.metadata import entry_points
from singer_sdk.helpers._typing import TypeConformanceLevel
import tap_common.client
tap_common.client.SuiteStream.TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel[sys.argv.pop(1)]
name = sys.argv.pop(1)
(entry,) = [e for e in entry_points(group="console_scripts") if e.name == name]
sys.argv[0] = entry.name
entry.load()()
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("api")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    api = Api.load(args.api)
    rates: dict[str, list[float]] = {"RECURSIVE": [], "ROOT_ONLY": [], "NONE": [], "raw ceiling": []}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        api.prepare(workdir)
        for _ in range(args.repeats):
            for level in ("RECURSIVE", "ROOT_ONLY", "NONE"):
                simulator = api.simulator(args.records)
                with SandboxServer(simulator) as server:
                    command = api.command(workdir, api.config(server.url), "exp")
                    tap = [sys.executable, "-c", WRAPPER, level, f"tap-{api.name}", *command[1:]]
                    run = measure(tap, simulator=simulator)
                    rates[level].append(run.steady_rate or 0)
                    if level == "NONE":
                        plan = write_json(
                            workdir / "plan.json", replay_plan(simulator, server.url, api.stream)
                        )
                        simulator.requests.clear()
                        raw = measure(
                            [sys.executable, str(Path(__file__).parent / "raw_ceiling.py"), str(plan)],
                            simulator=simulator,
                        )
                        rates["raw ceiling"].append(raw.steady_rate or 0)
    raw = statistics.median(rates["raw ceiling"])
    print(
        f"{api.name} {api.stream}, {args.records:,} records, median of {args.repeats}, records/s after start-up"
    )
    print("| level | records/s | vs raw ceiling |")
    print("|---|---|---|")
    for level, values in rates.items():
        median = statistics.median(values)
        print(f"| {level} | {median:,.0f} | {median / raw:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
