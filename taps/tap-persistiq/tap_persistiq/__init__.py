"""Singer tap for persistiq."""
