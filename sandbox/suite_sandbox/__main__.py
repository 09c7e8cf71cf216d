"""Serve simulators from the command line.

    suite-sandbox serve closeio --records 1000          # one API, prints its URL
    suite-sandbox serve-all --records 500 --out sandbox.json   # every API; writes tap configs

Each API module `suite_sandbox.<api>` provides `make_simulator(records, seed)` and
`demo_config(url)` (the tap config that works against that simulator).
"""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
import threading
from pathlib import Path

from suite_sandbox.server import SandboxServer

APIS = ("closeio", "outreach", "persistiq", "liveperson", "five9")


def start(api: str, records: int, seed: int, port: int = 0) -> tuple[SandboxServer, dict]:
    module = importlib.import_module(f"suite_sandbox.{api}")
    server = SandboxServer(module.make_simulator(records=records, seed=seed), port=port).start()
    return server, module.demo_config(server.url)


def main(argv: list[str] | None = None) -> None:
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
    args = parser.parse_args(argv)

    apis = [args.api] if args.command == "serve" else list(APIS)
    configs = {}
    for api in apis:
        server, config = start(api, args.records, args.seed, getattr(args, "port", 0))
        configs[api] = config
        print(f"{api}: {server.url}", flush=True)
    if getattr(args, "out", None):
        args.out.write_text(json.dumps(configs, indent=2))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
