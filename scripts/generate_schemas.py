"""Derive the taps' stream schemas and the simulators' resource schemas from the vendors' specs.

    python scripts/generate_schemas.py                 # every API, specs from ../shared/specs
    python scripts/generate_schemas.py closeio --specs /path/to/specs
    python scripts/generate_schemas.py --check         # fail when a committed file differs

Each API has a module `scripts/specs/<api>.py` with `generate(specs: Path) -> dict[str, object]`
mapping repository paths to content (JSON data, or `str`/`bytes` written as they are). The specs are reference data and are never
committed; what this writes is (tests read only the written files, never the specs).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APIS = ("closeio", "outreach", "persistiq", "liveperson", "five9")
DEFAULT_SPECS = REPO.parent / "shared" / "specs"


def render(content: object) -> bytes:
    """JSON for data; `str` or `bytes` content (a trimmed WSDL) is written as it is."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode()
    return (json.dumps(content, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("apis", nargs="*", help=f"any of {', '.join(APIS)} (default: all)")
    parser.add_argument("--specs", type=Path, default=DEFAULT_SPECS, help="folder holding the vendors' specs")
    parser.add_argument("--check", action="store_true", help="report drift instead of writing")
    args = parser.parse_args(argv)
    if not args.specs.is_dir():
        print(f"generate_schemas: no specs folder at {args.specs} (pass --specs)", file=sys.stderr)
        return 2
    unknown = set(args.apis) - set(APIS)
    if unknown:
        parser.error(f"unknown API(s): {', '.join(sorted(unknown))}")
    sys.path.insert(0, str(REPO / "scripts"))
    drift = []
    for api in args.apis or APIS:
        module = importlib.import_module(f"specs.{api}")
        for relative, content in module.generate(args.specs).items():
            path = REPO / relative
            data = render(content)
            if args.check:
                if not path.exists() or path.read_bytes() != data:
                    drift.append(relative)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists() or path.read_bytes() != data:
                    path.write_bytes(data)
                    print(f"written: {relative}")
    if drift:
        print("out of date (run scripts/generate_schemas.py):", *drift, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
