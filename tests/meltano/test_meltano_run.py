"""Every tap through the real `meltano` CLI: into a throwaway PostgreSQL, into the embedded DuckDB,
and standalone into target-jsonl. Data comes from each API's sandbox over real HTTP.

They share one Meltano install (its plugins); each test has its own system database and
`.meltano/run` (see `private_sys_dir`), so tests run in parallel without sharing state.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from .conftest import (
    APIS,
    REPO,
    Meltano,
    as_time,
    bookmark_values,
    loader_bin,
    parse_singer,
    private_sys_dir,
    request_times,
    run_tap_standalone,
)
from .pg import PostgresServer
from .test_hub_definitions import gen

pytestmark = pytest.mark.meltano


def _table(stream: str) -> str:
    return stream.replace("-", "_").lower()


def _pg_counts(postgres: PostgresServer, schema: str) -> dict[str, int]:
    tables = [
        row[0]
        for row in postgres.query(
            f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'"  # noqa: S608
        )
    ]
    return {t: int(postgres.query(f'SELECT count(*) FROM "{schema}"."{t}"')[0][0]) for t in tables}  # noqa: S608


@pytest.mark.postgres
@pytest.mark.parametrize("api", APIS)
def test_meltano_run_into_postgres_upserts_and_keeps_state(
    api: str, meltano_installed: Path, postgres: PostgresServer, sandbox, tmp_path: Path
) -> None:
    """`meltano run tap-X target-postgres`: rows equal the sandbox's; a second run resumes from
    Meltano's bookmark and upserts without duplicates."""
    box = sandbox(api)
    config = box.config  # computed once: a sandbox may reset its token store when asked again
    expected = run_tap_standalone(api, box.fast_config(config), tmp_path)
    schema = f"tap_{api}"
    meltano = Meltano(tmp_path, {**box.meltano_env(gen, config), **postgres.env()})
    state_id = f"dev:tap-{api}-to-target-postgres"

    first_request = len(box.simulator.requests)
    first = meltano("run", f"tap-{api}", "target-postgres")
    counts = _pg_counts(postgres, schema)
    assert expected.streams(), f"tap-{api} emitted no records against its sandbox"
    for stream in expected.streams():
        keys = expected.keys(stream)
        assert counts.get(_table(stream)) == len(keys), (
            f"{stream}: {counts.get(_table(stream))} rows, sandbox has {len(keys)}"
        )
        props = expected.key_properties(stream)
        if len(props) == 1:  # the very ids, not only how many
            rows = postgres.query(f'SELECT "{props[0]}"::text FROM "{schema}"."{_table(stream)}"')  # noqa: S608
            assert {r[0] for r in rows} == {k[0].strip('"') for k in keys}, stream

    state = meltano.state(state_id)
    bookmarks = bookmark_values(state)
    assert bookmarks, f"Meltano kept no bookmark for tap-{api}: {state}"

    second_request = len(box.simulator.requests)
    second = meltano("run", f"tap-{api}", "target-postgres")
    assert _pg_counts(postgres, schema) == counts, "the second run added or lost rows"
    for stream in expected.streams():
        props = ", ".join(f'"{p}"' for p in expected.key_properties(stream))
        distinct = postgres.query(
            f'SELECT count(*) FROM (SELECT DISTINCT {props} FROM "{schema}"."{_table(stream)}") d'  # noqa: S608
        )
        assert int(distinct[0][0]) == counts[_table(stream)], f"{stream} has duplicate keys"

    # The second run started from Meltano's bookmark: the tap was handed it (the SDK logs the
    # value it resumes from), it re-read less, and the time filters it sent sit at a bookmark
    # (less a lookback of up to 2 days, e.g. LivePerson's open conversations).
    marks = {as_time(b) for b in bookmarks} - {None}
    resumed = {as_time(v) for v in re.findall(r"with bookmark value: (\S+)", second.stderr)}
    assert marks & resumed, f"the second run did not resume from Meltano's bookmarks {bookmarks}"
    assert sum(second.record_counts().values()) < sum(first.record_counts().values()), (
        first.record_counts(),
        second.record_counts(),
    )
    run2_requests = box.simulator.requests[second_request:]
    if run2_requests:  # none at all when the bookmark already reached the config's end_date
        new_times = request_times(run2_requests) - request_times(
            box.simulator.requests[first_request:second_request]
        )
        assert any(m - timedelta(days=2) <= moment <= m for m in marks for moment in new_times), (
            f"no request of the second run filters from a bookmark of {bookmarks}"
        )


@pytest.mark.parametrize("api", APIS)
def test_meltano_run_into_the_embedded_duckdb_keeps_every_row(
    api: str, meltano_installed: Path, sandbox, tmp_path: Path
) -> None:
    """The default loader (target-duckdb 0.8.0 on duckdb 1.2.2) stores every record the tap emitted:
    newer duckdb releases silently drop the first row of each batch."""
    box = sandbox(api)
    database = tmp_path / "warehouse.duckdb"
    meltano = Meltano(
        tmp_path,
        {**box.meltano_env(gen), "TARGET_DUCKDB_FILEPATH": str(database)},
    )
    run = meltano("run", f"tap-{api}", "target-duckdb")
    emitted = run.record_counts()
    assert sum(emitted.values()) > 0
    stored = _duckdb_counts(database, f"tap_{api}")
    assert {t: n for t, n in stored.items() if n} == {_table(s): n for s, n in emitted.items() if n}


def _duckdb_counts(database: Path, schema: str) -> dict[str, int]:
    script = (
        "import duckdb, json, sys\n"
        "c = duckdb.connect(sys.argv[1], read_only=True)\n"
        "tables = [r[0] for r in c.execute("
        "'SELECT table_name FROM information_schema.tables WHERE table_schema = ?', [sys.argv[2]]).fetchall()]\n"
        'print(json.dumps({t: c.execute(f\'SELECT count(*) FROM "{sys.argv[2]}"."{t}"\').fetchone()[0] for t in tables}))\n'
    )
    completed = subprocess.run(
        [str(loader_bin("target-duckdb", "python")), "-c", script, str(database), schema],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def test_pinned_duckdb_loader_keeps_the_first_row_of_every_batch(
    meltano_installed: Path, tmp_path: Path
) -> None:
    """`meltano invoke target-duckdb` as configured in meltano.yml, fed several streams in batches
    of 3 (all-text ones too, whose first row duckdb's CSV sniffer may take for a header): no row
    goes missing."""
    version = subprocess.run(
        [str(loader_bin("target-duckdb", "python")), "-c", "import duckdb; print(duckdb.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "1.2.2"
    lines = []
    sizes = {"alpha": 7, "beta": 1, "gamma": 3, "texts": 5}
    for stream, n in sizes.items():
        kind = "string" if stream == "texts" else "integer"
        schema = {"properties": {"id": {"type": kind}, "name": {"type": "string"}}}
        lines.append({"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]})
        lines += [
            {
                "type": "RECORD",
                "stream": stream,
                "record": {"id": str(i) if kind == "string" else i, "name": f"n{i}"},
            }
            for i in range(n)
        ]
    database = tmp_path / "batches.duckdb"
    meltano = Meltano(
        tmp_path,
        {
            "TARGET_DUCKDB_FILEPATH": str(database),
            "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": "t",
            "TARGET_DUCKDB_BATCH_SIZE_ROWS": "3",
        },
    )
    meltano.input = "\n".join(json.dumps(m) for m in lines) + "\n"
    meltano("invoke", "target-duckdb")
    assert _duckdb_counts(database, "t") == sizes
    # Meltano wrote the loader's logging config in this test's own run directory, where no
    # concurrent run can truncate it while this loader reads it.
    assert (private_sys_dir(tmp_path) / "run" / "target-duckdb" / "target.pipelinewise_logging.conf").exists()


@pytest.mark.parametrize("api", APIS)
def test_standalone_executable_piped_into_target_jsonl(
    api: str, meltano_installed: Path, sandbox, tmp_path: Path
) -> None:
    """`tap-X --config c.json | target-jsonl --config t.json` writes every record, unchanged."""
    box = sandbox(api)
    tap_config = tmp_path / "tap.json"
    tap_config.write_text(json.dumps(box.fast_config(box.config)))
    out = tmp_path / "jsonl"
    out.mkdir()
    target_config = tmp_path / "target.json"
    target_config.write_text(json.dumps({"destination_path": str(out), "do_timestamp_file": False}))
    singer = tmp_path / "singer.out"
    tap = REPO / ".venv" / "bin" / f"tap-{api}"
    pipeline = (
        f"set -o pipefail; '{tap}' --config '{tap_config}' | tee '{singer}' "
        f"| '{loader_bin('target-jsonl')}' --config '{target_config}'"
    )
    completed = subprocess.run(
        ["bash", "-c", pipeline], capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    emitted = parse_singer(singer.read_text())
    assert emitted.streams()
    for stream in emitted.streams():
        written = [json.loads(line) for line in (out / f"{stream}.jsonl").read_text().splitlines()]
        assert written == emitted.records(stream), stream
