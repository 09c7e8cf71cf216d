"""dlt's `rest_api` source against the sandbox, extract only (run by the `.bench/dlt` venv).

    python dlt_peer.py SPEC_JSON > /dev/null

SPEC_JSON: {"config": <a rest_api source config>, "token": {"url", "form"} (optional)}.
With "token", an access token is minted first (dlt's rest_api has no refresh-token flow)
and sent as a bearer. Records are iterated straight out of the source and written as
Singer RECORD lines: no normalize/load step, so dlt is measured at its most favourable.
"""

import json
import sys
from datetime import datetime, timezone

import requests
from dlt.sources.rest_api import rest_api_source


def main() -> None:
    spec = json.loads(open(sys.argv[1]).read())
    config = spec["config"]
    if token := spec.get("token"):
        answer = requests.post(token["url"], data=token["form"], timeout=60)
        answer.raise_for_status()
        config["client"]["auth"] = {"type": "bearer", "token": answer.json()["access_token"]}
    source = rest_api_source(config)
    write = sys.stdout.write
    count = 0
    for resource in source.resources.values():
        now = datetime.now(timezone.utc).isoformat()
        for item in resource:
            for record in item if isinstance(item, list) else [item]:
                write(
                    json.dumps(
                        {"type": "RECORD", "stream": resource.name, "record": record, "time_extracted": now},
                        default=str,
                    )
                )
                write("\n")
                count += 1
    sys.stdout.flush()
    print(f"dlt rest_api: {count} records", file=sys.stderr)


if __name__ == "__main__":
    main()
