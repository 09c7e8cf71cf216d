"""Shared library of the suite's taps: auth, paginators, base stream and tap."""
