"""Outreach's token endpoint: one access token per user and app a minute, rotating refresh
tokens, and a re-authorized refresh token set in the config after the store was written.

The minute-long waits run on a sped-up clock: libfaketime makes the tap's clock (and its
sleeps) 30 times faster, so the tap's 60 s wait lasts 2 s while the simulator keeps real time.
"""

from __future__ import annotations

import glob
import json

import pytest
from suite_sandbox.outreach import make_simulator

from tests.conftest import run_tap
from tests.outreach.helpers import TAP
from tests.outreach.helpers import ids as _ids

SPEED = 30


def _fast_clock() -> dict[str, str]:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    assert found, "libfaketime is missing: run scripts/install.sh (it installs Debian's faketime)"
    return {"LD_PRELOAD": found[0], "FAKETIME": f"+0 x{SPEED}"}


def _minted_elsewhere_first(sim) -> None:
    """Just before the tap's first token request, another client of the same user and app
    takes this minute's token."""
    sim.inject("hook", path=r"/oauth/token$", hook=sim.oauth.minted_elsewhere)


def test_a_throttled_token_request_waits_out_the_minute_then_the_sync_goes_on(only, tmp_path):
    # The window is 1.5 real seconds; the tap does not know it and waits its 60 s (2 real seconds).
    sim = make_simulator(records=10, mint_window_seconds=1.5)
    cfg, catalog = only("personas", sim)
    _minted_elsewhere_first(sim)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog, env=_fast_clock())

    assert run.returncode == 0, run.stderr[-2000:]
    assert _ids(run.records("personas")) == sim.ids("personas")
    throttled, granted = sim.token_requests()
    assert sim.oauth.throttled == 1
    assert granted.received_at - throttled.received_at >= 1.5
    assert "token request to" in run.stderr and "retrying in 6" in run.stderr  # 60-66 s (jitter)


def test_a_token_endpoint_throttling_past_the_retries_ends_the_run_with_one_line(only, tmp_path):
    sim = make_simulator(records=10, mint_window_seconds=3600)
    cfg, catalog = only("personas", sim, max_retries=2)
    _minted_elsewhere_first(sim)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog, env=_fast_clock())

    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert len(sim.token_requests()) == 3, "bounded: the first try and max_retries=2 retries"
    [line] = run.cause_lines
    assert "token request refused (429)" in line and "rate_limit_exceeded" in line


def test_a_refresh_token_from_re_authorizing_wins_over_the_stored_rotated_one(only, tmp_path):
    sim = make_simulator(records=5)
    store = tmp_path / "secrets" / "outreach-token.json"
    cfg, catalog = only("personas", sim, refresh_token_store=str(store))
    first = run_tap(TAP, cfg, tmp_path / "1", catalog=catalog)
    assert first.returncode == 0, first.stderr[-2000:]
    stored = json.loads(store.read_text())["refresh_token"]

    # The user revokes the app and authorizes it again: the stored token is dead.
    new_token = sim.oauth.reauthorize()
    assert stored not in sim.refresh_tokens
    second = run_tap(TAP, {**cfg, "refresh_token": new_token}, tmp_path / "2", catalog=catalog)
    assert second.returncode == 0, second.stderr[-2000:]
    assert sim.token_requests()[-1].form()["refresh_token"] == new_token
    assert "The refresh_token setting is newer than the token stored in" in second.stderr
    assert json.loads(store.read_text())["refresh_token"] in sim.refresh_tokens
    assert new_token not in second.output()


@pytest.mark.parametrize("configured_again", [False, True], ids=["stored-token-refused", "setting-refused"])
def test_a_refused_refresh_says_which_token_was_sent_and_where_it_is_kept(only, tmp_path, configured_again):
    sim = make_simulator(records=5)
    store = tmp_path / "outreach-token.json"
    cfg, catalog = only("personas", sim, refresh_token_store=str(store))
    assert run_tap(TAP, cfg, tmp_path / "1", catalog=catalog).returncode == 0
    sim.oauth.revoke_refresh_tokens()
    if configured_again:
        cfg = {**cfg, "refresh_token": "a-token-pasted-after-the-store-was-written"}
    run = run_tap(TAP, cfg, tmp_path / "2", catalog=catalog)

    assert run.returncode == 1 and "Traceback" not in run.stderr
    [line] = run.cause_lines
    assert "token request refused (400)" in line and "invalid_grant" in line
    if configured_again:
        assert line.endswith("(the token sent was the refresh_token setting)")
    else:
        assert line.endswith(f"(the token sent was the rotated refresh token stored in {store})")
