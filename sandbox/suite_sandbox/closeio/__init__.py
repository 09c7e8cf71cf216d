"""Simulator of the Close REST API: see `simulator.py` for what it reproduces."""

from suite_sandbox.closeio.simulator import API_KEY, PREFIX, CloseSimulator, demo_config, make_simulator

__all__ = ["API_KEY", "PREFIX", "CloseSimulator", "demo_config", "make_simulator"]
