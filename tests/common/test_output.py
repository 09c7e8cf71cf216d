"""The record path: selection, conformance and stream maps, as the SDK would apply them."""

from __future__ import annotations

import copy

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
