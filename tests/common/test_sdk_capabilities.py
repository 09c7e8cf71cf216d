"""SDK capabilities a Singer user expects from every tap of the suite: ACTIVATE_VERSION, BATCH."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.common.toy import ToyAPI, config_for, sync


@pytest.fixture
def url(serve) -> str:
    return serve(ToyAPI(records=250)).url


def messages(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"type":')]


def test_emit_activate_version_messages_ends_a_full_table_stream_with_activate_version(url):
    quiet = messages(sync(config_for(url)).output)
    assert not [m for m in quiet if m["type"] == "ACTIVATE_VERSION"]

    run = sync(config_for(url, emit_activate_version_messages=True))
    assert run.exit_code == 0, run.output
    sent = messages(run.output)
    (activate,) = [m for m in sent if m["type"] == "ACTIVATE_VERSION"]
    versions = {m["version"] for m in sent if m["type"] == "RECORD"}
    assert versions == {activate["version"]} and len(run.records) == 250


def test_batch_messages_in_parquet_hold_every_record(url, tmp_path: Path):
    batch = {
        "encoding": {"format": "parquet", "compression": "gzip"},
        "storage": {"root": f"file://{tmp_path}"},
    }
    run = sync(config_for(url, batch_config=batch))
    assert run.exit_code == 0, run.output
    (message,) = [m for m in messages(run.output) if m["type"] == "BATCH"]
    assert message["encoding"]["format"] == "parquet"
    rows = [
        row for uri in message["manifest"] for row in pq.read_table(uri.removeprefix("file://")).to_pylist()
    ]
    assert sorted(row["id"] for row in rows) == sorted(f"t_{i}" for i in range(250))
