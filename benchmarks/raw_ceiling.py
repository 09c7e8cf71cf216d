"""The raw ceiling: a plain `requests` + `json` loop that does the tap's HTTP work and nothing else.

    python raw_ceiling.py REQUESTS_JSON > /dev/null

REQUESTS_JSON lists the data requests a tap made in the same benchmark run (method, URL,
headers, body), as the sandbox recorded them. Replaying that exact sequence means the
ceiling pages through the same endpoints with the same page sizes and filters as the tap;
what it leaves out is everything a tap adds on top (SDK, schema conformance, state,
pagination logic). Each record is written as a Singer RECORD line, as the tap writes it.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import sys
from datetime import datetime, timezone

import requests

_SKIP_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}
_SOAP_RETURN = re.compile(r"<return>(.*?)</return>", re.S)


def extract(response: requests.Response) -> list:
    """The records of one page: a top-level array, the longest array in an object, or SOAP CSV."""
    if "json" in response.headers.get("content-type", ""):
        body = response.json()
        if isinstance(body, list):
            return body
        if isinstance(body, dict):
            lists = [value for value in body.values() if isinstance(value, list)]
            return max(lists, key=len) if lists else []
        return []
    match = _SOAP_RETURN.search(response.text)
    if match and "\n" in match.group(1):
        return list(csv.DictReader(io.StringIO(html.unescape(match.group(1)))))
    return []


def main() -> None:
    plan = json.loads(open(sys.argv[1]).read())
    session = requests.Session()
    write = sys.stdout.write
    count = 0
    for item in plan:
        headers = {k: v for k, v in item["headers"].items() if k not in _SKIP_HEADERS}
        body = base64.b64decode(item["body"]) if item["body"] else None
        response = session.request(item["method"], item["url"], headers=headers, data=body)
        response.raise_for_status()
        stream = item["stream"]
        now = datetime.now(timezone.utc).isoformat()
        for record in extract(response):
            write(json.dumps({"type": "RECORD", "stream": stream, "record": record, "time_extracted": now}))
            write("\n")
            count += 1
    sys.stdout.flush()
    print(f"raw ceiling: {len(plan)} requests, {count} records", file=sys.stderr)


if __name__ == "__main__":
    main()
