"""Calls and tasks, and the lookups that classify them (foreign keys, not parent-child)."""

from __future__ import annotations

from tap_outreach.client import OutreachStream


class CallsStream(OutreachStream):
    name = "calls"
    path = "/calls"


class CallDispositionsStream(OutreachStream):
    name = "call_dispositions"
    path = "/callDispositions"


class CallPurposesStream(OutreachStream):
    name = "call_purposes"
    path = "/callPurposes"


class TasksStream(OutreachStream):
    name = "tasks"
    path = "/tasks"


class TaskDispositionsStream(OutreachStream):
    name = "task_dispositions"
    path = "/taskDispositions"


class TaskPrioritiesStream(OutreachStream):
    name = "task_priorities"
    path = "/taskPriorities"


class TaskPurposesStream(OutreachStream):
    name = "task_purposes"
    path = "/taskPurposes"
