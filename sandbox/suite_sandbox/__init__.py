"""Local simulators of the suite's APIs, for tests, the demo and benchmarks."""

from suite_sandbox.data import VirtualTable, iso, parse_time
from suite_sandbox.server import Fault, Request, Response, SandboxServer, Simulator

__all__ = ["Fault", "Request", "Response", "SandboxServer", "Simulator", "VirtualTable", "iso", "parse_time"]
