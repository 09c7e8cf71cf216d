"""Singer tap for five9."""
