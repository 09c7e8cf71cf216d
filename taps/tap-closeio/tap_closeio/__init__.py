"""Singer tap for closeio."""
