"""Users, teams, and what users may do: duties, profiles, roles."""

from __future__ import annotations

from tap_outreach.client import OutreachStream


class UsersStream(OutreachStream):
    name = "users"
    path = "/users"


class TeamsStream(OutreachStream):
    name = "teams"
    path = "/teams"


class ProfilesStream(OutreachStream):
    name = "profiles"
    path = "/profiles"


class RolesStream(OutreachStream):
    name = "roles"
    path = "/roles"


class DutiesStream(OutreachStream):
    """Full table: duties have no timestamps."""

    name = "duties"
    path = "/duties"
    replication_key = None
    is_sorted = False
