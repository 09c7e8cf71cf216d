"""Run a third-party tap against the sandbox instead of the real API.

Executed by the PEER's own interpreter (its venv under `.bench/`), so it may only use the
standard library, `requests` and `singer` (singer-python), which every peer depends on:

    python peer_wrapper.py REWRITES_JSON ENTRY_POINT -- <tap args...>

REWRITES_JSON maps real URL prefixes to sandbox ones, e.g.
{"https://app.close.io/api/v1": "http://127.0.0.1:5000/api/v1", "https://": "http://127.0.0.1:5000/"}.
Every request the peer makes through `requests` is re-addressed before it is prepared, so
signatures (OAuth1) are computed over the URL the sandbox actually sees. ENTRY_POINT is
"module:function" (the peer's console script target).
"""

import atexit
import importlib
import json
import re
import sys


def _py310_shims() -> None:
    """Old singer-python (2020 peers) imports ABCs from `collections`, removed in Python 3.10."""
    import collections
    import collections.abc

    for name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Callable"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))


_py310_shims()  # before `requests`: the peer's pinned urllib3 needs it too

import requests  # noqa: E402


def _lenient_transform() -> None:
    """Write a record the peer's schema rejects as it came, instead of stopping the run.

    The peers' 2020 schemas do not always accept the sandbox's records (values faked from
    today's vendor specs: a free-text `time`, an object where the peer wants an array), and a
    singer-python tap stops at the first mismatch. Every record still goes through the peer's
    whole transform (its CPU cost is unchanged); only the mismatch is forgiven, and counted on
    stderr at exit.
    """
    # `singer.transform` is also a function the package exports: import the module by name.
    transform = importlib.import_module("singer.transform")
    strict = transform.Transformer.transform
    rejected = [0]

    def lenient(self, data, schema, metadata=None):  # type: ignore[no-untyped-def]
        try:
            return strict(self, data, schema, metadata)
        except transform.SchemaMismatch:
            self.errors.clear()
            rejected[0] += 1
            return data

    def report() -> None:
        if rejected[0]:
            print(f"peer_wrapper: {rejected[0]} records did not match the peer's schema", file=sys.stderr)

    transform.Transformer.transform = lenient
    atexit.register(report)


def main() -> None:
    rewrites = json.loads(sys.argv[1])
    # {"<regex on the URL>": {param: value}}: query parameters the current API requires and
    # an old peer predates (each one is named in benchmarks/peers.py with its reason).
    extra_params = rewrites.pop("__params__", {})
    _lenient_transform()
    module_name, _, function = sys.argv[2].partition(":")
    tap_args = sys.argv[sys.argv.index("--") + 1 :]
    # Longest prefix first, so a specific API base wins over a catch-all host rewrite.
    ordered = sorted(rewrites.items(), key=lambda item: -len(item[0]))
    original = requests.Session.request

    def rewrite(url: str) -> str:
        for real, sandbox in ordered:
            if url.startswith(real):
                if real.endswith("://"):
                    # Catch-all: drop the real host, keep the path.
                    rest = url[len(real) :]
                    path = rest.partition("/")[2]
                    return sandbox.rstrip("/") + "/" + path
                return sandbox + url[len(real) :]
        return url

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        url = rewrite(str(url))
        for pattern, params in extra_params.items():
            if re.search(pattern, url):
                # Only what the peer leaves out: its own values win.
                kwargs["params"] = {**params, **(kwargs.get("params") or {})}
        return original(self, method, url, *args, **kwargs)

    original_send = requests.Session.send

    def send(self, prepared, **kwargs):  # type: ignore[no-untyped-def]
        # Peers that build and prepare their requests themselves skip Session.request.
        prepared.url = rewrite(str(prepared.url))
        return original_send(self, prepared, **kwargs)

    requests.Session.request = request  # type: ignore[method-assign]
    requests.Session.send = send  # type: ignore[method-assign]
    sys.argv = [module_name, *tap_args]
    getattr(importlib.import_module(module_name), function)()


if __name__ == "__main__":
    main()
