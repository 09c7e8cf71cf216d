"""LivePerson test fixtures: a simulator served with its service hosts, stopped afterwards."""

from __future__ import annotations

import typing as t

import pytest
from suite_sandbox import liveperson as lp

if t.TYPE_CHECKING:
    from suite_sandbox import SandboxServer


@pytest.fixture
def serve_lp(serve) -> t.Iterator[t.Callable[..., tuple[lp.LivePersonSimulator, SandboxServer]]]:
    """`serve_lp(**options)`: a simulator (or the one given) on a free port, hosts and all."""
    simulators: list[lp.LivePersonSimulator] = []

    def start(simulator: lp.LivePersonSimulator | None = None, **options: t.Any):
        simulator = simulator or lp.make_simulator(
            **{"records": 60, "skills": 4, "span_days": 100, **options}
        )
        simulators.append(simulator)
        return simulator, serve(simulator)

    yield start
    for simulator in simulators:
        simulator.shutdown()
