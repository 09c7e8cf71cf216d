"""Smoke run of the realistic-account benchmarks (request efficiency, full-sync wall time) at a tiny scale.

No timing assertions: every installed tap gets its rows, and the numbers agree with each
other (requests per stream add up, no stream beats the API's minimum, a bound exists).
Peers are not run (they need network installs into `.bench/`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
APIS = ("closeio", "outreach", "persistiq", "liveperson", "five9")


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], str, dict]:
    apis = [api for api in APIS if (BIN / f"tap-{api}").exists()]
    if not apis:
        pytest.skip("no tap is installed yet")
    out = tmp_path_factory.mktemp("bench-realistic")
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run.py"),
            "--quick",
            "--efficiency",
            "--wall",
            "--apis",
            *apis,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return apis, (out / "latest.md").read_text(), json.loads((out / "latest.json").read_text())


def test_every_tap_has_an_efficiency_and_a_wall_time_row(realistic: tuple[list[str], str, dict]) -> None:
    apis, table, results = realistic
    for heading in ("## Request efficiency", "## Full-sync wall time", "## Account shapes and page sizes"):
        assert heading in table
    assert [r["api"] for r in results["efficiency"]] == apis
    assert [r["api"] for r in results["wall"]] == apis
    # The older tables are not part of this run.
    assert "## Throughput" not in table and results["throughput"] == []
    for api in apis:
        rows = [line for line in table.splitlines() if line.startswith(f"| {api} |")]
        assert len([line for line in rows if "not measured" in line]) == 0, rows
        # efficiency summary, wall time, and at least one page-size row
        assert len(rows) >= 3, table


def test_requests_add_up_and_no_stream_beats_the_minimum(realistic: tuple[list[str], str, dict]) -> None:
    _, table, results = realistic
    for result in results["efficiency"]:
        rows = result["rows"]
        assert rows and result["returncode"] == 0, result
        assert result["data_requests"] == sum(r["requests"] for r in rows)
        assert result["total_minimum"] == sum(r["minimum"] or 0 for r in rows)
        for row in rows:
            if row["records"]:
                assert row["requests"] >= 1, row  # records never come without a request
            if row["minimum"] is not None:
                # The minimum is what the API allows: a tap can only match or exceed it.
                assert row["minimum"] >= 1 and row["requests"] >= row["minimum"], (result["api"], row)
                assert row["ratio"] == pytest.approx(row["requests"] / row["minimum"])
        rated = [r["ratio"] for r in rows if r["ratio"] is not None]
        assert result["worst"]["ratio"] == pytest.approx(max(rated))
        # one line per stream in the per-stream table
        section = table.split(f"### {result['api']}: per stream")[1].split("\n\n")[1]
        assert len(section.splitlines()) == len(rows) + 2, section


def test_wall_time_has_a_bound_and_measured_times(realistic: tuple[list[str], str, dict]) -> None:
    _, _, results = realistic
    for result in results["wall"]:
        ours = result["ours"]
        assert ours["returncode"] == 0 and not ours["timed_out"], ours["error"]
        assert 0 < ours["sync_seconds"] <= ours["seconds"]
        assert ours["data_requests"] > 0 and sum(ours["records"].values()) > 0
        assert result["bound"] > 0 and result["bound_kind"] in ("rate", "latency")
        assert result["limit"] and result["peers"] == []  # --quick runs no peers
