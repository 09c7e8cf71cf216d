"""Singer tap for liveperson."""
