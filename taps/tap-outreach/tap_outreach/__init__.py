"""Singer tap for outreach."""
