"""The record path: selection, conformance and stream maps, as the SDK would apply them."""

from __future__ import annotations

import copy
import subprocess
import sys

from tests.common.toy import ToyAPI, ToyTap, config_for, sync


def catalog_without(url: str, field: str) -> dict:
    catalog = copy.deepcopy(ToyTap(config=config_for(url)).catalog_dict)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == ["properties", field]:
                metadata["metadata"]["selected"] = False
    return catalog


def test_a_deselected_property_is_not_emitted(serve):
    url = serve(ToyAPI(records=120)).url
    result = sync(config_for(url), catalog=catalog_without(url, "n"))
    assert result.exit_code == 0
    assert len(result.records) == 120
    assert all(set(record) == {"id", "date_updated"} for record in result.records)


def test_every_property_is_emitted_when_all_are_selected(serve):
    url = serve(ToyAPI(records=120)).url
    result = sync(config_for(url))
    assert all(set(record) == {"id", "n", "date_updated"} for record in result.records)


def test_stream_maps_still_filter_and_drop_properties(serve):
    url = serve(ToyAPI(records=120)).url
    maps = {"things": {"__filter__": "n >= 5", "date_updated": "__NULL__"}}
    result = sync(config_for(url, stream_maps=maps))
    assert result.exit_code == 0
    assert result.records and all(record["n"] >= 5 for record in result.records)
    assert all(set(record) == {"id", "n"} for record in result.records)
    everything = sync(config_for(url)).records
    assert [r["id"] for r in result.records] == [r["id"] for r in everything if r["n"] >= 5]


def test_records_still_buffered_at_exit_reach_stdout_and_a_closed_stdout_is_quiet(tmp_path):
    """The writer buffers RECORDs until the next STATE. At exit the rest is written; if the
    descriptor is gone by then (a test runner closed its capture file), exit stays quiet."""
    script = (
        "import os, sys\n"
        "from singer_sdk.singerlib.messages import RecordMessage\n"
        "from tap_common.output import BufferedSingerWriter\n"
        "writer = BufferedSingerWriter()\n"
        "writer.write_message(RecordMessage(stream='things', record={'id': 1}))\n"
        "if sys.argv[1] == 'close':\n"
        "    os.close(sys.stdout.fileno())\n"
    )
    kept = subprocess.run([sys.executable, "-c", script, "keep"], capture_output=True, text=True, check=False)
    assert kept.returncode == 0, kept.stderr
    assert '"record":{"id":1}' in kept.stdout.replace(" ", "")
    closed = subprocess.run(
        [sys.executable, "-c", script, "close"], capture_output=True, text=True, check=False
    )
    assert closed.returncode == 0
    assert closed.stderr == ""
