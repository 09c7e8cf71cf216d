"""Build every publishable distribution (sdist and wheel) and check it as PyPI would.

    .venv/bin/python scripts/release.py                 # into dist/
    .venv/bin/python scripts/release.py --out-dir /tmp/dist

Builds the shared library and the five taps with `uv build`, then fails when:
- `twine check --strict` finds a problem in any file (metadata, README rendering);
- an sdist's pyproject.toml carries `[tool.uv.sources]` (workspace-only: a user building the
  sdist would not find the workspace);
- a wheel lacks its LICENSE, its console script (taps), or a tap's dependency on the shared
  library has no version bounds.
Uploading is left to a human: `twine upload dist/*`.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PREFIX = "singer-suite-"
APIS = ("closeio", "outreach", "persistiq", "liveperson", "five9")
PACKAGES = {f"{PREFIX}tap-common": REPO / "taps" / "tap-common"} | {
    f"{PREFIX}tap-{api}": REPO / "taps" / f"tap-{api}" for api in APIS
}


def build(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in PACKAGES.values():
        subprocess.run(
            ["uv", "build", "--quiet", "--sdist", "--wheel", "--out-dir", str(out_dir), str(path)],
            check=True,
            cwd=REPO,
        )
    return sorted(out_dir.glob("*.whl")) + sorted(out_dir.glob("*.tar.gz"))


def problems(files: list[Path]) -> list[str]:
    found: list[str] = []
    for path in files:
        if path.name.endswith(".tar.gz"):
            with tarfile.open(path) as sdist:
                pyproject = next(
                    m
                    for m in sdist.getmembers()
                    if m.name.endswith("/pyproject.toml") and m.name.count("/") == 1
                )
                text = sdist.extractfile(pyproject).read().decode()  # type: ignore[union-attr]
                if "[tool.uv.sources]" in text:
                    found.append(f"{path.name}: pyproject.toml carries workspace-only [tool.uv.sources]")
                if not any(m.name.endswith("/LICENSE") for m in sdist.getmembers()):
                    found.append(f"{path.name}: no LICENSE")
        else:
            with zipfile.ZipFile(path) as wheel:
                names = wheel.namelist()
                metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
                if not any(n.endswith("licenses/LICENSE") for n in names):
                    found.append(f"{path.name}: no LICENSE in the wheel's metadata")
                is_tap = "tap_common" not in path.name
                if is_tap and not any(n.endswith("entry_points.txt") for n in names):
                    found.append(f"{path.name}: no console script")
                bounded = re.search(
                    rf"^Requires-Dist: {PREFIX}tap-common(?=.*>=)(?=.*<)", metadata, re.MULTILINE
                )
                if is_tap and not bounded:
                    found.append(f"{path.name}: depends on the shared library without version bounds")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out-dir", type=Path, default=REPO / "dist")
    args = parser.parse_args(argv)
    for old in args.out_dir.glob(f"{PREFIX.replace('-', '_')}*"):
        old.unlink()
    files = build(args.out_dir)
    twine = Path(sys.executable).parent / "twine"
    check = subprocess.run(
        [str(twine), "check", "--strict", *map(str, files)], capture_output=True, text=True
    )
    found = problems(files)
    if check.returncode != 0:
        found.append("twine check --strict failed:\n" + check.stdout + check.stderr)
    for line in found:
        print(f"release: {line}", file=sys.stderr)
    if not found:
        print(f"release: {len(files)} files in {args.out_dir}, twine check --strict passed")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
