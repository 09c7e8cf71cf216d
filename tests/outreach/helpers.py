"""Shared set-up for the Outreach tests: a small simulator and a fast tap config."""

from __future__ import annotations

from suite_sandbox.outreach import demo_config

TAP = "tap-outreach"

# Collection path in the API for each stream of the tap.
PATHS = {
    "accounts": "accounts",
    "calls": "calls",
    "call_dispositions": "callDispositions",
    "call_purposes": "callPurposes",
    "content_categories": "contentCategories",
    "duties": "duties",
    "events": "events",
    "mailboxes": "mailboxes",
    "mailings": "mailings",
    "opportunities": "opportunities",
    "personas": "personas",
    "prospects": "prospects",
    "sequences": "sequences",
    "sequence_states": "sequenceStates",
    "sequence_steps": "sequenceSteps",
    "sequence_templates": "sequenceTemplates",
    "snippets": "snippets",
    "stages": "stages",
    "tasks": "tasks",
    "teams": "teams",
    "templates": "templates",
    "users": "users",
}


def fast_config(url: str, **overrides: object) -> dict:
    """The sandbox's working config, with tiny waits so retries cost milliseconds."""
    return {
        **demo_config(url),
        "max_requests_per_minute": 100_000,
        "retry_backoff_seconds": 0.01,
        "max_retries": 3,
        **overrides,
    }
