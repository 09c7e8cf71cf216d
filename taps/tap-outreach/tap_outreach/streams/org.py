"""Users, teams and duties."""

from __future__ import annotations

from tap_outreach.client import OutreachStream
from tap_outreach.schemas import boolean, resource, string


class UsersStream(OutreachStream):
    name = "users"
    path = "/users"
    schema = resource(
        string("email", "firstName", "lastName", "name", "title", "username", "phoneNumber"),
        boolean("locked"),
        to_one=("manager", "profile", "role", "creator", "updater"),
        to_many=("teams",),
    )


class TeamsStream(OutreachStream):
    name = "teams"
    path = "/teams"
    schema = resource(string("name", "color"), to_one=("creator", "updater"), to_many=("users",))


class DutiesStream(OutreachStream):
    """Full table: the API offers no filterable timestamp on duties."""

    name = "duties"
    path = "/duties"
    replication_key = None
    is_sorted = False
    schema = resource(string("name", "symbolicName", "dutyType"), timestamps=False)
