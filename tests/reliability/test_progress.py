"""Forward progress: one broken endpoint never stops the other streams, and every rerun gets further.

- A permanent failure of one endpoint: every other stream of the tap is delivered whole, the
  failed one is named in the run's last ERROR line, and the run exits 1.
- A steady fault rate with retries off: each rerun from the last STATE delivers records the
  runs before it did not, and within a bounded number of reruns the union is exactly what the
  simulator holds.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import TapRun, run_tap
from tests.reliability.cases import TAPS, TapCase, sync

#: Reruns allowed before a stream must be complete (at one request in four failing).
MAX_RERUNS = 25


def discovered(case: TapCase, url: str, tmp_path) -> dict:
    run = run_tap(case.executable, case.config(url), tmp_path / "discover", args=["--discover"])
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def ids_per_stream(run: TapRun, case: TapCase, catalog: dict) -> dict[str, set]:
    keys = {entry["tap_stream_id"]: entry.get("key_properties") or [] for entry in catalog["streams"]}
    out: dict[str, set] = {}
    for message in run.messages:
        if message.get("type") == "RECORD":
            stream = message["stream"]
            key = tuple(json.dumps(message["record"].get(k), sort_keys=True) for k in keys.get(stream, []))
            out.setdefault(stream, set()).add(key or json.dumps(message["record"], sort_keys=True))
    return out


@pytest.mark.parametrize("case", TAPS, ids=[c.name for c in TAPS])
def test_a_permanent_failure_of_one_endpoint_leaves_every_other_stream_complete(
    case: TapCase, serve, tmp_path
):
    sim = case.make()
    server = serve(sim)
    config = case.config(server.url, max_retries=1)
    catalog = discovered(case, server.url, tmp_path)
    clean = run_tap(case.executable, config, tmp_path / "clean", catalog=catalog)
    assert clean.returncode == 0, clean.stderr[-3000:]
    reference = ids_per_stream(clean, case, catalog)
    assert case.stream in reference and len(reference) > 1, "the case needs other streams to prove anything"

    sim.inject("status", status=500, times=100_000, body={"error": "endpoint down"}, **case.broken_endpoint())
    broken = run_tap(case.executable, config, tmp_path / "broken", catalog=catalog)

    assert broken.returncode == 1
    assert "Traceback" not in broken.stderr, broken.stderr[-3000:]
    assert case.stream in broken.failed_streams, broken.error_lines
    delivered = ids_per_stream(broken, case, catalog)
    # Streams fed by the broken endpoint: the failed one, and the ones it is a parent or child of.
    affected = {*broken.failed_streams, *case.dependents}
    for stream, expected in reference.items():
        if stream not in affected:
            assert delivered.get(stream) == expected, f"{stream} was not delivered whole"
    assert broken.messages[-1]["type"] == "STATE"


@pytest.mark.parametrize("case", TAPS, ids=[c.name for c in TAPS])
def test_reruns_with_retries_off_under_a_steady_fault_rate_complete_the_stream(
    case: TapCase, serve, tmp_path
):
    sim = case.make()
    server = serve(sim)
    config = case.config(server.url, max_retries=0)
    expected = set(case.expected(sim, config))
    assert expected
    fault = sim.inject(
        "status", status=503, times=100_000, every=4, body={"error": "flaky"}, **case.broken_endpoint()
    )

    seen: set = set()
    state: dict | None = None
    for attempt in range(1, MAX_RERUNS + 1):
        # A run whose very first request meets the fault cannot deliver anything.
        first_request_fails = (fault._seen + 1) % fault.every == 0
        run = sync(case, server.url, tmp_path / f"run-{attempt}", config, state=state)
        assert "Traceback" not in run.stderr, run.stderr[-3000:]
        new = set(case.ids(run)) - seen
        seen |= set(case.ids(run))
        if run.returncode == 0:
            break
        assert new or first_request_fails, f"rerun {attempt} delivered nothing new: a rerun must get further"
        state = run.last_state or state
    else:
        pytest.fail(f"{case.stream} not complete after {MAX_RERUNS} reruns ({len(seen)} of {len(expected)})")
    assert fault._seen > 4, "the fault rate was never applied"
    assert seen == expected
