"""Run a third-party tap against the sandbox instead of the real API.

Executed by the PEER's own interpreter (its venv under `.bench/`), so it may only use the
standard library and `requests` (which every peer depends on):

    python peer_wrapper.py REWRITES_JSON ENTRY_POINT -- <tap args...>

REWRITES_JSON maps real URL prefixes to sandbox ones, e.g.
{"https://app.close.io/api/v1": "http://127.0.0.1:5000/api/v1", "https://": "http://127.0.0.1:5000/"}.
Every request the peer makes through `requests` is re-addressed before it is prepared, so
signatures (OAuth1) are computed over the URL the sandbox actually sees. ENTRY_POINT is
"module:function" (the peer's console script target).
"""

import importlib
import json
import sys

import requests


def main() -> None:
    rewrites = json.loads(sys.argv[1])
    module_name, _, function = sys.argv[2].partition(":")
    tap_args = sys.argv[sys.argv.index("--") + 1:]
    # Longest prefix first, so a specific API base wins over a catch-all host rewrite.
    ordered = sorted(rewrites.items(), key=lambda item: -len(item[0]))
    original = requests.Session.request

    def rewrite(url: str) -> str:
        for real, sandbox in ordered:
            if url.startswith(real):
                if real.endswith("://"):
                    # Catch-all: drop the real host, keep the path.
                    rest = url[len(real):]
                    path = rest.partition("/")[2]
                    return sandbox.rstrip("/") + "/" + path
                return sandbox + url[len(real):]
        return url

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        return original(self, method, rewrite(str(url)), *args, **kwargs)

    requests.Session.request = request  # type: ignore[method-assign]
    sys.argv = [module_name, *tap_args]
    getattr(importlib.import_module(module_name), function)()


if __name__ == "__main__":
    main()
