"""Profile one tap's sync with py-spy and print where the time goes.

    .venv/bin/python benchmarks/profile.py persistiq --records 20000

Needs `py-spy` (installed into `.bench/tools` on first use). Writes the collapsed stacks to
`.bench/profile-<api>.txt` and prints the top functions by inclusive and by own time.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BENCH_ENV, PEER_ROOT, Api
from peers import ensure_venv
from suite_sandbox.server import SandboxServer


def summarize(collapsed: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split("/")[-1] for f in stack.split(";")]
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    lines = [f"{total} samples", "", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "own:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("api")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    python, why = ensure_venv("tools", ["py-spy", "pyinstrument"])
    if not python:
        print(why)
        return 1
    api = Api.load(args.api)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        api.prepare(workdir)
        out = PEER_ROOT / f"profile-{args.api}.txt"
        with SandboxServer(api.simulator(args.records)) as server:
            command = api.command(workdir, api.config(server.url), "profile")
            subprocess.run(
                [
                    str(PEER_ROOT / "tools" / "bin" / "py-spy"),
                    "record",
                    "-r",
                    "200",
                    "-f",
                    "raw",
                    "-o",
                    str(out),
                    "--",
                    *command,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
                env=BENCH_ENV,
            )
    print(summarize(out, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
