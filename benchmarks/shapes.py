"""Realistic account shapes: what one real customer account of each API looks like, as simulator options.

The request-efficiency and wall-time benchmarks sync one shaped account per API. Each shape
says why it is realistic; `--scale` multiplies its record counts (and, where the data is laid
out over a time span the simulator lets us set, that span, so records per day stay the same),
so development runs are small and `--scale 1` is the real shape.

Only the simulators' own `make_simulator` options are used. What a shape would need and no
simulator offers yet is listed in `MISSING_OPTIONS` and printed under the tables.
"""

from __future__ import annotations

import math
import typing as t
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Account:
    """One shaped account at one scale: simulator arguments plus the tap settings that match it."""

    api: str
    records: int
    options: dict[str, t.Any]
    #: Tap settings over the sandbox's demo config (the sync's date range).
    config: dict[str, t.Any] = field(default_factory=dict)
    #: What the shape is, in a few words, for the tables.
    summary: str = ""
    #: Where the tap's first window starts: the span date-windowed endpoints must cover.
    start: datetime | None = None


def n(count: float, scale: float, floor: int = 1) -> int:
    """A count of the full shape at `scale`, never below `floor`."""
    return max(floor, math.ceil(count * scale))


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def closeio(scale: float) -> Account:
    # The Close account: 20k leads, 200k activities, tasks of every type. A small
    # sales team (25 users; Close's plans are per seat, most accounts have 5-50) with ~1.5
    # contacts and 10 activities per lead, half as many tasks (the simulator spreads them over
    # all eight task types Close documents) and a quarter as many opportunities.
    # Activities are laid out 7 minutes apart from 2024-01-01 (the simulator's fixed step):
    # 200k of them span ~2.7 years, the age of such an account. The event log keeps 30 days;
    # 30k events is ~1,000 a day, one per edit, call or email of a 25-seat team.
    leads = n(20_000, scale)
    counts = {
        "leads": leads,
        "contacts": n(30_000, scale),
        "activities": n(200_000, scale),
        "tasks": n(10_000, scale),
        "opportunities": n(5_000, scale),
        "users": 25,
        "events": n(30_000, scale),
    }
    return Account(
        "closeio",
        leads,
        {"counts": counts},
        {"start_date": "2024-01-01T00:00:00Z"},
        f"{leads:,} leads, {counts['activities']:,} activities, {counts['tasks']:,} tasks of 8 types, 25 users",
        datetime(2024, 1, 1, tzinfo=timezone.utc),
    )


def outreach(scale: float) -> Account:
    # A 50-rep sales team with 50k prospects. The simulator sizes every big collection
    # (calls, mailings, tasks, events, sequence states, email addresses) like prospects and
    # the others as fixed fractions of it (accounts 1/2, opportunities 1/4, sequence steps 1/4).
    # The issue asks for hundreds of sequences; the simulator keeps 12 (no option: see
    # MISSING_OPTIONS). Sequence steps are a flat collection in Outreach's API, so the number
    # of sequences changes the sequences stream's size, not the requests of any other stream.
    prospects = n(50_000, scale)
    return Account(
        "outreach", prospects, {}, {}, f"{prospects:,} prospects (and calls, mailings, ...), 12 sequences"
    )


def persistiq(scale: float) -> Account:
    # A PersistIQ team (the product targets small outbound teams): 10 users, 20k leads in
    # 60 campaigns (about 330 campaign leads each; every 61st lead is in none), two events per
    # lead (sends, opens, replies) 3 minutes apart (the simulator's step), 300 DNC domains.
    leads = n(20_000, scale)
    campaigns = n(60, scale, floor=2)
    options = {
        "users": 10,
        "campaigns": campaigns,
        "events": n(40_000, scale),
        "dnc_domains": n(300, scale),
    }
    return Account("persistiq", leads, options, {}, f"{leads:,} leads in {campaigns} campaigns, 10 users")


def liveperson(scale: float) -> Account:
    # A mid-size contact centre: 300 skills (the "hundreds of skills"; LivePerson
    # routes by skill, one per product line, language and queue), 400 agents, 50k messaging
    # conversations over the 13 months Messaging Interactions keeps (~130 a day), and 10k
    # legacy chats (engagement history). The span scales with the records, so conversations
    # per day stay those of the real account; the sync starts where the data does.
    conversations = n(50_000, scale)
    span = max(1.0, 390 * scale)
    now = datetime.now(timezone.utc)
    options = {
        "skills": n(300, scale, floor=6),
        "users": n(400, scale, floor=12),
        "chats": n(10_000, scale),
        "span_days": span,
    }
    start = now - span * DAY
    return Account(
        "liveperson",
        conversations,
        options,
        {"start_date": iso(start - DAY)},
        f"{conversations:,} conversations over {span:g} days, {options['skills']} skills, {options['users']} agents",
        start - DAY,
    )


def five9(scale: float) -> Account:
    # The Five9 domain: 30 agents over 30 days. An inbound agent handles ~40 calls a
    # day (a 6-minute average handle time over a 6-hour shift), so 36k calls; the span scales
    # with `--scale` (calls per day stay real), so a small run still reads whole days.
    # The simulator logs one login session per four calls (no option: see MISSING_OPTIONS).
    days = max(1, round(30 * scale))
    calls = n(30 * 40 * days, 1.0)
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    span = days * DAY
    options = {"agent_count": 30, "idle_agents": 0, "start": start, "step": span / calls}
    config = {"start_date": iso(start), "end_date": iso(start + span)}
    return Account("five9", calls, options, config, f"30 agents, {days} days, {calls:,} calls", start)


SHAPES: dict[str, t.Callable[[float], Account]] = {
    "closeio": closeio,
    "outreach": outreach,
    "persistiq": persistiq,
    "liveperson": liveperson,
    "five9": five9,
}

#: Shape parameters the simulators do not offer yet (requests to their owners).
MISSING_OPTIONS: dict[str, str] = {
    "outreach": "a count of sequences (the simulator keeps 12; the issue's shape has hundreds)",
    "five9": "a count of login sessions (the simulator logs one per four calls, 10 a day per agent; "
    "real agents log in once or twice a day)",
    "closeio": "the time step of activities (fixed at 7 minutes), so a scaled-down account spans "
    "fewer days and the tap's 15-day windows up to today are mostly empty",
}


def account(api: str, scale: float) -> Account:
    return SHAPES[api](scale)
