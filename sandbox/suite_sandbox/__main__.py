"""Serve simulators from the command line.

    suite-sandbox serve closeio --records 1000                  # one API, prints its URL
    suite-sandbox serve-all --records 500 --out-dir /tmp/sandbox --background
        # every API, in the background; writes /tmp/sandbox/<api>.json (a working tap config
        # per API), sandbox.env (the variables meltano.yml's dev environment reads) and
        # sandbox.pid; stop it with: kill "$(cat /tmp/sandbox/sandbox.pid)"

Each API module `suite_sandbox.<api>` provides `make_simulator(records, seed)` and
`demo_config(url)` (the tap config that works against that simulator).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from suite_sandbox.meltano_env import sandbox_env
from suite_sandbox.server import SandboxServer

APIS = ("closeio", "outreach", "persistiq", "liveperson", "five9")
READY_SECONDS = 60


def start(api: str, records: int, seed: int, port: int = 0) -> tuple[SandboxServer, dict]:
    module = importlib.import_module(f"suite_sandbox.{api}")
    server = SandboxServer(module.make_simulator(records=records, seed=seed), port=port).start()
    return server, module.demo_config(server.url)


def write_outputs(out_dir: Path, servers: dict[str, tuple[SandboxServer, dict]]) -> None:
    """One tap config per API, then sandbox.env last (its presence means: serving)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    exports = []
    for api, (server, config) in servers.items():
        (out_dir / f"{api}.json").write_text(json.dumps(config, indent=2))
        exports += [f"export {k}={shlex.quote(v)}" for k, v in sandbox_env(api, server.url, config).items()]
    (out_dir / "sandbox.pid").write_text(f"{os.getpid()}\n")
    partial = out_dir / "sandbox.env.tmp"
    partial.write_text("\n".join(exports) + "\n")
    partial.replace(out_dir / "sandbox.env")


def stop_previous(out_dir: Path) -> None:
    try:
        pid = int((out_dir / "sandbox.pid").read_text())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"suite_sandbox" in command:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.02)


def in_background(argv: list[str], out_dir: Path) -> int:
    """Start the same command without --background, detached; return once it serves. A
    sandbox already serving from `out_dir` is stopped first (its files are replaced)."""
    stop_previous(out_dir)
    (out_dir / "sandbox.env").unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    log = (out_dir / "sandbox.log").open("w")
    command = [sys.executable, "-m", "suite_sandbox", *[a for a in argv if a != "--background"]]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + READY_SECONDS
    while not (out_dir / "sandbox.env").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            print(f"suite-sandbox: the sandbox did not start; see {out_dir / 'sandbox.log'}", file=sys.stderr)
            return 1
        time.sleep(0.05)
    print(f"serving every API (pid {process.pid}); configs in {out_dir}; stop with: kill {process.pid}")
    return 0


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="suite-sandbox", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("serve", help="serve one API")
    one.add_argument("api", choices=APIS)
    one.add_argument("--port", type=int, default=0)
    for p in (one, every := sub.add_parser("serve-all", help="serve every API")):
        p.add_argument("--records", type=int, default=200)
        p.add_argument("--seed", type=int, default=1)
    every.add_argument("--out", type=Path, help="write {api: tap config} JSON here once serving")
    every.add_argument(
        "--out-dir", type=Path, help="write <api>.json, sandbox.env and sandbox.pid here once serving"
    )
    every.add_argument("--background", action="store_true", help="detach once serving (needs --out-dir)")
    args = parser.parse_args(argv)
    if getattr(args, "background", False):
        if not args.out_dir:
            parser.error("--background needs --out-dir (where to say it is serving)")
        sys.exit(in_background(argv, args.out_dir))

    apis = [args.api] if args.command == "serve" else list(APIS)
    servers = {}
    for api in apis:
        server, config = start(api, args.records, args.seed, getattr(args, "port", 0))
        servers[api] = (server, config)
        print(f"{api}: {server.url}", flush=True)
    if getattr(args, "out", None):
        args.out.write_text(json.dumps({api: config for api, (_, config) in servers.items()}, indent=2))
    if getattr(args, "out_dir", None):
        write_outputs(args.out_dir, servers)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
