"""Stream schemas, typed from Five9's standard report columns (snake_case).

Durations stay `HH:MM:SS` strings, as Five9 writes them (a duration can exceed 24 h,
so it is not a time of day; seconds would hide the unit the reports and the seed use).
"""

from __future__ import annotations

from singer_sdk import typing as th

CALL_LOG = th.PropertiesList(
    th.Property("call_id", th.StringType, required=True, description="CALL ID"),
    th.Property("timestamp", th.DateTimeType, description="TIMESTAMP, UTC (reports give Pacific time)"),
    th.Property("campaign", th.StringType),
    th.Property("call_type", th.StringType),
    th.Property("agent", th.StringType, description="Agent username (links to agent_login_logout)"),
    th.Property("agent_name", th.StringType),
    th.Property("disposition", th.StringType),
    th.Property("ani", th.StringType),
    th.Property("customer_name", th.StringType),
    th.Property("dnis", th.StringType),
    th.Property("call_time", th.StringType, description="HH:MM:SS"),
    th.Property("bill_time_rounded", th.StringType, description="HH:MM:SS"),
    th.Property("cost", th.NumberType),
    th.Property("ivr_time", th.StringType, description="HH:MM:SS"),
    th.Property("queue_wait_time", th.StringType, description="HH:MM:SS"),
    th.Property("ring_time", th.StringType, description="HH:MM:SS"),
    th.Property("talk_time", th.StringType, description="HH:MM:SS"),
    th.Property("hold_time", th.StringType, description="HH:MM:SS"),
    th.Property("park_time", th.StringType, description="HH:MM:SS"),
    th.Property("after_call_work_time", th.StringType, description="HH:MM:SS"),
    th.Property("transfers", th.IntegerType),
    th.Property("conferences", th.IntegerType),
    th.Property("holds", th.IntegerType),
    th.Property("abandoned", th.IntegerType, description="1 or 0"),
    th.Property("recordings", th.IntegerType),
).to_dict()

AGENT_LOGIN_LOGOUT = th.PropertiesList(
    th.Property("agent", th.StringType, required=True, description="Agent username"),
    th.Property("date", th.DateType, description="DATE (Pacific calendar day)"),
    th.Property("agent_first_name", th.StringType),
    th.Property("agent_last_name", th.StringType),
    th.Property("login_timestamp", th.DateTimeType, required=True, description="UTC"),
    th.Property("logout_timestamp", th.DateTimeType, description="UTC"),
    th.Property("login_time", th.StringType, description="HH:MM:SS"),
).to_dict()
