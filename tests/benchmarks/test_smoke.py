"""Smoke run of the benchmark harness at tiny sizes, so it never rots.

No timing assertions: only that every part ran and produced well-formed numbers. Peers
(which need network installs into `.bench/`) are not run here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# One API keeps the run fast; the first whose tap is installed and whose simulator exists.
CANDIDATES = ("persistiq", "outreach", "closeio", "liveperson", "five9")


def _available() -> str | None:
    for api in CANDIDATES:
        if (BIN / f"tap-{api}").exists() and (REPO / "sandbox" / "suite_sandbox" / f"{api}.py").exists():
            return api
    return None


@pytest.fixture(scope="module")
def five9_rate(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Five9's two rate-limit runs: its reports mode ends on a calendar-minute boundary (<= 62 s)."""
    if not (BIN / "tap-five9").exists():
        pytest.skip("tap-five9 is not installed")
    out = tmp_path_factory.mktemp("bench-five9")
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run.py"),
            "--quick",
            "--parts",
            "rate",
            "--apis",
            "five9",
            "--rate-seconds",
            "1.5",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((out / "latest.json").read_text())["rate"]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, subprocess.CompletedProcess]:
    api = _available()
    if api is None:
        pytest.skip("no tap with a simulator is installed yet")
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run.py"),
            "--quick",
            "--parts",
            "throughput",
            "memory",
            "rate",
            "--apis",
            api,
            "--records",
            "150",
            "--sizes",
            "100",
            "300",
            "--rate-seconds",
            "1.5",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    return api, out, done


def test_run_writes_table_json_and_chart(smoke: tuple[str, Path, subprocess.CompletedProcess]) -> None:
    api, out, done = smoke
    assert done.returncode == 0, done.stderr[-2000:]
    table = (out / "latest.md").read_text()
    for heading in ("## Throughput", "## Rate-limit use", "## Memory"):
        assert heading in table
    if (out / "latest.png").exists():
        assert (out / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:  # no matplotlib on this machine (the smoke run never installs it): said so, not hidden
        assert "no chart" in done.stdout
    rows = [line for line in table.splitlines() if line.startswith(f"| {api} |")]
    # throughput, throughput without start-up, CPU per record, rate, and one memory row per size
    assert len(rows) == 6, table


def test_numbers_are_measured_not_invented(smoke: tuple[str, Path, subprocess.CompletedProcess]) -> None:
    api, out, _ = smoke
    results = json.loads((out / "latest.json").read_text())
    (row,) = results["throughput"]
    assert row["api"] == api
    # ours and the raw ceiling both synced the same records of the same stream
    assert row["ours"] > 0 and row["raw"] > 0
    assert row["ours_records"] == row["raw_records"] and row["ours_records"][0] > 0
    assert row["ours/raw"] == pytest.approx(row["ours"] / row["raw"])
    # start-up is measured (time to the sandbox's first request), so steady rates are higher
    assert row["ours_steady"] >= row["ours"] and row["raw_steady"] >= row["raw"]
    # CPU per record comes from the kernel's accounting of each runner's process
    assert row["ours_cpu_us"] > 0 and row["raw_cpu_us"] > 0
    assert row["raw/ours cpu"] == pytest.approx(row["raw_cpu_us"] / row["ours_cpu_us"])
    assert row["singer"] is None and "peers not run" in row["singer_cell"]
    memory = [m for m in results["memory"] if m["api"] == api]
    assert [m["size"] for m in memory] == [100, 300]
    assert all(m["peak_rss_mb"] > 10 and m["records"] > 0 and not m["error"] for m in memory)
    (rate,) = results["rate"]
    assert rate["limit"] > 0 and rate["requests"] > 0 and rate["note"] == ""
    assert rate["rate_limited"] >= 0 and rate["share"] is not None


def test_five9_is_measured_against_each_of_its_budgets(five9_rate: list[dict]) -> None:
    reports, rest = five9_rate
    # Reports mode: runReport (ReportRequest) calls against Five9's per-calendar-minute counter.
    assert reports["api"] == "five9 (reports)" and reports["counted"].startswith("ReportRequest calls")
    assert reports["limit"] == 16 and reports["requests"] > 0
    assert reports["allowed"] == 16 * round(reports["allowed"] / 16) >= 16
    assert reports["rate_limited"] == 0 and reports["note"] == ""
    # The seed's REST facade: every request against 60 a minute.
    assert rest["api"] == "five9 (rest)" and rest["counted"] == "requests"
    assert rest["limit"] == 60 and rest["requests"] > 0 and rest["share"] is not None
