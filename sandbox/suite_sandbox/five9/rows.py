"""Five9 report rows, built from the committed resources (`resources/five9.json`), printed as
Five9 prints them.

Each row is first a "truth" (typed values per report column: instants, seconds, counts, text),
then printed into CSV cells the way the evidence shows Five9 writing them (`x-five9-prints`):
Pacific (data-centre) wall-clock times `Thu, 27 Oct 2016 14:51:34`, `HH:MM:SS` durations,
`[None]` for an agentless leg, blank counts, recording segments `09:00:25(0:43)`, transfer legs
sharing a CALL ID. The same truth gives the record a correct tap emits (`expected`), and the
seed's REST facade serves that record as JSON.
"""

from __future__ import annotations

import random
import typing as t
from datetime import date, datetime, timedelta, timezone

from suite_sandbox.data import iso
from suite_sandbox.fake import UNDOCUMENTED_KEYS, fake_record, load_resources

if t.TYPE_CHECKING:
    from zoneinfo import ZoneInfo

REPORT_TIME_FORMAT = "%a, %d %b %Y %H:%M:%S"
REPORT_DATE_FORMAT = "%a, %d %b %Y"
#: A report column no spec documents (some domains add custom columns), in every CSV.
UNDOCUMENTED_COLUMN = "X SANDBOX UNDOCUMENTED"
TRANSFER_LEG = "3rd party transfer"

CAMPAIGNS = ["Inbound Sales", "Support", "Outbound Renewals", "Collections", "[Deleted]"]
DISPOSITIONS = ["Sale", "No Sale", "Callback", "Voicemail", "Resolved", "No Disposition"]
CALL_TYPES = ["Inbound", "Outbound", "Manual", "Autodial"]
FIRST = ["Jane", "Omar", "Li", "Ana", "Sam", "Priya", "Ken", "Zoe", "Ivan", "Nia"]
LAST = ["Doe", "Haddad", "Wei", "Silva", "Berg", "Rao", "Sato", "Moss", "Petrov", "Obi"]


def field_name(column: str) -> str:
    """`BILL TIME (ROUNDED)` -> `bill_time_rounded`."""
    return "_".join("".join(c if c.isalnum() else " " for c in column.lower()).split())


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def agents(count: int) -> list[dict]:
    return [
        {
            "username": f"{FIRST[k % 10].lower()}.{LAST[k % 10].lower()}{k // 10 or ''}@acme.example",
            "first": FIRST[k % 10],
            "last": LAST[k % 10],
        }
        for k in range(count)
    ]


class Report:
    """One report's documented columns (CSV order) and how Five9 prints each."""

    def __init__(self, stream: str) -> None:
        resource = load_resources("five9")[stream]
        self.stream = stream
        self.folder, self.name = resource["x-five9-report"]
        self.resource = {k: v for k, v in resource.items() if not k.startswith("x-")}
        self.columns: list[str] = list(resource["properties"])
        self.prints = {c: spec["x-five9-prints"] for c, spec in resource["properties"].items()}
        self.header = [*self.columns, UNDOCUMENTED_COLUMN]

    def fake(self, rng: random.Random, ts: datetime) -> dict[str, t.Any]:
        """Every documented column filled: text by the shared faker, the others by how Five9
        prints them (the simulator then sets what it controls)."""
        faked = fake_record(self.resource, rng, null_rate=0.0)
        truth: dict[str, t.Any] = {}
        for column, kind in self.prints.items():
            if kind == "datetime":
                truth[column] = ts
            elif kind == "date":
                truth[column] = ts.date()
            elif kind == "duration":
                truth[column] = rng.randint(0, 600)
            elif kind == "money":
                truth[column] = round(rng.uniform(0, 1), 4)
            elif kind in ("count", "flag"):
                truth[column] = rng.choice([0, 1])
            else:
                truth[column] = faked.get(column)
        return truth

    def cells(self, truth: dict[str, t.Any], zone: ZoneInfo) -> list[str]:
        """The row's CSV cells, as Five9 prints them."""
        return [print_cell(self.prints[c], truth.get(c), zone) for c in self.columns] + [
            truth.get(UNDOCUMENTED_COLUMN) or ""
        ]

    def expected(self, truth: dict[str, t.Any]) -> dict[str, t.Any]:
        """The record a correct tap emits for this row."""
        record = {field_name(c): json_value(self.prints[c], truth.get(c)) for c in self.columns}
        if extra := truth.get(UNDOCUMENTED_COLUMN):
            record["_sdc_extra"] = {UNDOCUMENTED_KEYS[0]: extra}
        return record

    def rest(self, truth: dict[str, t.Any]) -> dict[str, t.Any]:
        """The seed's REST facade's JSON record (undocumented keys left in place)."""
        record = {field_name(c): json_value(self.prints[c], truth.get(c)) for c in self.columns}
        if extra := truth.get(UNDOCUMENTED_COLUMN):
            record[UNDOCUMENTED_KEYS[0]] = extra
        return record


def print_cell(kind: str, value: t.Any, zone: ZoneInfo) -> str:
    if value is None:
        return "[None]" if kind == "agent" else ""
    if kind == "datetime":
        return value.astimezone(zone).strftime(REPORT_TIME_FORMAT)
    if kind == "date":
        return value.strftime(REPORT_DATE_FORMAT)
    if kind == "duration":
        return hms(value)
    if kind == "money":
        return f"{value:.4f}".rstrip("0").rstrip(".") or "0"
    return str(value)


def json_value(kind: str, value: t.Any) -> t.Any:
    if value is None:
        return None
    if kind == "datetime":
        return iso(value)
    if kind == "date":
        return value.isoformat()
    if kind == "duration":
        return hms(value)
    if kind == "money":
        return float(print_cell(kind, value, timezone.utc))
    return value


def recordings(start: datetime, talk: int, rng: random.Random, zone: ZoneInfo) -> str | None:
    """Five9's RECORDINGS text: `HH:MM:SS(M:SS)` per recording (its start on the data
    centre's clock and its length), space-separated."""
    if talk <= 0 or rng.random() < 0.4:
        return None
    segments, at, left = [], start, talk
    for _ in range(rng.choice([1, 1, 2, 3])):
        if left <= 0:
            break
        length = min(left, rng.randint(5, 600))
        segments.append(f"{at.astimezone(zone).strftime('%H:%M:%S')}({length // 60}:{length % 60:02d})")
        at += timedelta(seconds=length + rng.randint(1, 30))
        left -= length
    return " ".join(segments)


class CallRows:
    """Call Log rows: legs of calls; some odd-numbered rows are the '3rd party transfer' leg of
    the row before (same CALL ID, later TIMESTAMP, another agent)."""

    def __init__(
        self, report: Report, call_agents: list[dict], seed: int, zone: ZoneInfo, transfer_share: float = 0.25
    ) -> None:
        self.report, self.agents, self.seed, self.zone = report, call_agents, seed, zone
        #: Share of odd-numbered rows that are the transfer leg of the row before.
        self.transfer_share = transfer_share

    def is_transfer_leg(self, i: int) -> bool:
        return i % 2 == 1 and random.Random(f"{self.seed}:leg:{i}").random() < self.transfer_share

    def make(self, i: int, rng: random.Random, ts: datetime) -> dict[str, t.Any]:
        truth = self.report.fake(rng, ts)
        leg = self.is_transfer_leg(i)
        agentless = not leg and rng.random() < 0.12
        agent = None if agentless else rng.choice(self.agents)
        talk = 0 if agentless else rng.randint(20, 1800)
        ivr, queue = rng.randint(0, 60), rng.randint(0, 300)
        ring = None if agentless else rng.randint(1, 30)
        hold, acw = rng.choice([0, 0, rng.randint(5, 120)]), 0 if agentless else rng.randint(0, 90)
        call_time = ivr + queue + (ring or 0) + talk + hold
        abandoned = agentless and rng.random() < 0.6
        truth.update(
            {
                "CALL ID": str(300000000000 + (i - 1 if leg else i)),
                "TIMESTAMP": ts,
                "CAMPAIGN": rng.choice(CAMPAIGNS),
                "CALL TYPE": TRANSFER_LEG if leg else rng.choice(CALL_TYPES),
                "AGENT": agent["username"] if agent else None,
                "AGENT NAME": f"{agent['first']} {agent['last']}" if agent else None,
                "DISPOSITION": "Abandon" if abandoned else rng.choice(DISPOSITIONS),
                "ANI": f"555{rng.randint(1000000, 9999999)}",
                "CUSTOMER NAME": rng.choice([None, truth.get("CUSTOMER NAME")]),
                "DNIS": "8005550100",
                "CALL TIME": call_time,
                "BILL TIME (ROUNDED)": -(-call_time // 6) * 6,
                "COST": round(call_time * 0.0012, 4),
                "IVR TIME": ivr,
                "QUEUE WAIT TIME": queue,
                "RING TIME": ring,
                "TALK TIME": talk,
                "HOLD TIME": hold,
                "PARK TIME": 0,
                "AFTER CALL WORK TIME": acw,
                # Five9 leaves counts blank where they do not apply.
                "TRANSFERS": 1 if self.is_transfer_leg(i + 1) else rng.choice([None, 0]),
                "CONFERENCES": rng.choice([None, 0, 0, 1]),
                "HOLDS": (1 if hold else 0) if not agentless else None,
                "ABANDONED": (1 if abandoned else 0) if not leg else None,
                "RECORDINGS": recordings(ts, talk, rng, self.zone),
            }
        )
        if rng.random() < 0.2:
            truth[UNDOCUMENTED_COLUMN] = f"custom-{rng.randrange(1000)}"
        return truth


class LoginRows:
    """Agent Login-Logout rows: every agent of the domain in turn (some never take a call)."""

    def __init__(self, report: Report, all_agents: list[dict], zone: ZoneInfo) -> None:
        self.report, self.agents, self.zone = report, all_agents, zone

    def make(self, i: int, rng: random.Random, ts: datetime) -> dict[str, t.Any]:
        truth = self.report.fake(rng, ts)
        agent = self.agents[i % len(self.agents)]
        seconds = rng.randint(1800, 9 * 3600)
        day: date = ts.astimezone(self.zone).date()
        truth.update(
            {
                "AGENT": agent["username"],
                "DATE": day,
                "AGENT FIRST NAME": agent["first"],
                "AGENT LAST NAME": agent["last"],
                "LOGIN TIMESTAMP": ts,
                "LOGOUT TIMESTAMP": ts + timedelta(seconds=seconds),
                "LOGIN TIME": seconds,
            }
        )
        if rng.random() < 0.2:
            truth[UNDOCUMENTED_COLUMN] = f"custom-{rng.randrange(1000)}"
        return truth
