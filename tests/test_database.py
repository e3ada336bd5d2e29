"""`jants sqlite`: the package in SQLite (keys, types, full-text search) with Datasette
metadata; Datasette started on it for real, queried through its JSON API and shown in
headless Chromium."""

from __future__ import annotations

import csv
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import set_cell
from jants.cli import cli
from jants.explore.database import SEARCHED, database_bytes, metadata_path, write_database
from jants.package import load_descriptor
from jants.problems import PackageError


@pytest.fixture(scope="module")
def database(tmp_path_factory, project) -> Path:
    target = tmp_path_factory.mktemp("db") / "jants.db"
    result = CliRunner().invoke(cli, ["sqlite", str(target), "--path", str(project)])
    assert result.exit_code == 0, result.output
    assert result.output.split() == [str(target), str(metadata_path(target))]
    return target


@pytest.fixture(scope="module")
def shipped(project):
    """The shipped package's descriptor, read once."""
    return load_descriptor(project)


def rows_of(project: Path, table: str) -> list[dict]:
    with open(project / "data" / f"{table}.csv", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    return connection


# The database ----------------------------------------------------------------------------


def test_every_table_with_its_rows_primary_and_foreign_keys(database, shipped, project):
    with connect(database) as db:
        for resource in shipped.tables():
            assert db.execute(f'SELECT count(*) FROM "{resource.name}"').fetchone()[0] == len(rows_of(project, resource.name))
            info = db.execute(f'PRAGMA table_info("{resource.name}")').fetchall()
            assert [c["name"] for c in info] == [f["name"] for f in resource.fields]
            assert [c["name"] for c in info if c["pk"]] == resource.primary_key
            required = {f["name"] for f in resource.fields if (f.get("constraints") or {}).get("required")}
            assert {c["name"] for c in info if c["notnull"]} == required
            keys = {(k["from"], k["table"], k["to"]) for k in db.execute(f'PRAGMA foreign_key_list("{resource.name}")')}
            assert keys == {(fk.fields[0], fk.resource or resource.name, fk.reference_fields[0]) for fk in resource.foreign_keys}
            indexed = {i["name"] for i in db.execute(f'PRAGMA index_list("{resource.name}")')}
            for column, _, _ in keys:
                if [column] != resource.primary_key:
                    assert f"idx_{resource.name}_{column}" in indexed
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_columns_are_typed(database):
    with connect(database) as db:
        assert {r[0] for r in db.execute("SELECT typeof(value) FROM observations")} == {"real"}
        assert {r[0] for r in db.execute("SELECT typeof(source_line) FROM figures")} == {"integer", "null"}
        dates = [r[0] for r in db.execute("SELECT observation_date FROM figures UNION SELECT source_date FROM sources")]
        assert dates and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates)
        assert db.execute("SELECT count(*) FROM figures WHERE value_upper IS NULL").fetchone()[0] > 0  # empty cells are NULL, not ''
        assert "STRICT" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'observations'").fetchone()[0]
        with pytest.raises(sqlite3.Error):  # a strict table refuses text in a number column (the connection is read-only too)
            db.execute("INSERT INTO bodies VALUES ('x', 'x', 'x', 'ngo', 'independent')")


def test_full_text_search_over_evidence_english_rendering_notes_and_labels(database, project):
    with connect(database) as db:
        for table, columns in SEARCHED.items():
            assert db.execute(f"SELECT count(*) FROM {table}_fts").fetchone()[0] == len(rows_of(project, table))
            searched = [r["name"] for r in db.execute(f"PRAGMA table_info({table}_fts)")]
            assert searched == [c for c in columns if c in searched]
        found = db.execute(
            "SELECT figures.* FROM figures JOIN figures_fts ON figures.rowid = figures_fts.rowid WHERE figures_fts MATCH 'weapons'"
        ).fetchall()
        texts = [" ".join(str(row[c] or "") for c in SEARCHED["figures"]).lower() for row in found]
        assert len(found) >= 10 and all("weapons" in text for text in texts)
        expected = [r for r in rows_of(project, "figures") if "оружи" in r["evidence"].lower()]
        russian = db.execute("SELECT observation_id FROM figures_fts JOIN figures ON figures.rowid = figures_fts.rowid WHERE figures_fts MATCH 'оружи*'")
        assert {r[0] for r in russian} >= {r["observation_id"] for r in expected} and expected


def test_metadata_comes_from_the_descriptor(database, shipped, project):
    metadata = json.loads(metadata_path(database).read_text(encoding="utf-8"))
    descriptor = shipped.descriptor
    assert metadata["title"] == descriptor["title"] and metadata["description"] == descriptor["description"]
    assert (metadata["license"], metadata["license_url"]) == (descriptor["licenses"][0]["title"], descriptor["licenses"][0]["path"])
    assert descriptor["version"] in metadata["source"]
    tables = metadata["databases"]["jants"]["tables"]
    assert list(tables) == [r.name for r in shipped.tables()]
    for resource in shipped.tables():
        entry = tables[resource.name]
        assert entry["description"] == resource.descriptor["description"]
        for spec in resource.fields:
            assert entry["columns"][spec["name"]].startswith(spec["description"])
    assert tables["figures"]["facets"] == ["body_label", "body_type", "topic", "status", "qualifier"]
    units = sorted({r["unit"] for r in rows_of(project, "figures")})
    assert f"({', '.join(units)})" in tables["figures"]["columns"]["value"]
    assert tables["bodies"]["label_column"] == "short_name"


def test_building_twice_gives_the_same_bytes(project, tmp_path):
    first = database_bytes(project)
    second = database_bytes(project)
    assert first == second
    assert first[0][:16] == b"SQLite format 3\x00"


def test_a_bad_cell_stops_the_database_and_leaves_the_old_one(package, tmp_path):
    copy = package
    target = tmp_path / "out" / "jants.db"
    target.parent.mkdir()
    write_database(copy, target)
    before = target.read_bytes()
    set_cell(copy, "observations", 3, "value", "many")
    result = CliRunner().invoke(cli, ["sqlite", str(target), "--path", str(copy)])
    assert result.exit_code == 1
    assert "Error: data/observations.csv: row 3: field 'value': error: 'many' is not a valid number [type-error]" in result.output
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["jants.db", "jants.metadata.json"]  # no temporary file left
    with pytest.raises(PackageError):
        write_database(copy, target)


def test_a_database_jants_wrote_is_marked_in_its_header(database):
    """The mark that lets `jants sqlite` replace its own database and nothing else."""
    from jants.explore.database import APPLICATION_ID, written_by_jants

    with connect(database) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert written_by_jants(database) and not written_by_jants(metadata_path(database))


def test_a_folder_that_does_not_exist_is_one_line_naming_it(tmp_path, project):
    result = CliRunner().invoke(cli, ["sqlite", str(tmp_path / "missing" / "jants.db"), "--path", str(project)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot write {tmp_path / 'missing' / 'jants.db'}: no such folder"


def test_serve_without_datasette_is_a_usage_error(tmp_path, monkeypatch):
    """What a user without the extra sees: how to install it (exit 2), and nothing written."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a))
    result = CliRunner().invoke(cli, ["sqlite", str(tmp_path / "jants.db"), "--serve"])
    assert result.exit_code == 2
    assert "pip install 'jants[datasette]'" in result.output
    assert list(tmp_path.iterdir()) == []


# Datasette, for real -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def datasette(tmp_path_factory, project):
    """`jants sqlite jants.db --serve` as a user runs it, on a free port of 127.0.0.1."""
    pytest.importorskip("datasette")
    folder = tmp_path_factory.mktemp("served")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jants.cli", "sqlite", str(folder / "jants.db"), "--serve", "--port", str(port), "--path", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stdout.read().decode())
                time.sleep(0.1)
        else:
            pytest.fail("Datasette did not answer within 30 s")
        yield base
    finally:
        server.terminate()  # jants became Datasette: stopping the process it started stops the server
        server.wait(timeout=10)
        with pytest.raises(OSError):
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)


def get_json(base: str, path: str, **query) -> dict:
    url = f"{base}{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_datasette_facets_figures_by_body(datasette, project):
    answer = get_json(datasette, "/jants/figures.json", _facet="body_label", _facet_size="max", _size=0)
    counts = {item["value"]: item["count"] for item in answer["facet_results"]["body_label"]["results"]}
    expected: dict[str, int] = {}
    for row in rows_of(project, "figures"):
        expected[row["body_label"]] = expected.get(row["body_label"], 0) + 1
    assert counts == expected
    assert answer["filtered_table_rows_count"] == len(rows_of(project, "figures"))


@pytest.mark.slow
def test_datasette_full_text_search_for_weapons_finds_figures(datasette, project):
    answer = get_json(datasette, "/jants/figures.json", _search="weapons", _shape="objects", _size="max")
    ids = {row["observation_id"] for row in answer["rows"]}
    weapons = {r["observation_id"] for r in rows_of(project, "figures") if r["metric_id"].startswith("weapons") and "weapons" in r["evidence"].lower()}
    assert weapons and weapons <= ids
    assert all(isinstance(row["value"], float) for row in answer["rows"])


@pytest.mark.slow
def test_datasette_shows_the_label_of_a_foreign_key(datasette, project):
    first = rows_of(project, "observations")[0]
    answer = get_json(datasette, "/jants/observations.json", observation_id=first["observation_id"], _labels="on", _shape="objects")
    [row] = answer["rows"]
    body = next(b for b in rows_of(project, "bodies") if b["body_id"] == first["body_id"])
    series = next(s for s in rows_of(project, "series") if s["series_id"] == first["series_id"])
    assert row["body_id"] == {"value": body["body_id"], "label": body["short_name"]}
    assert row["series_id"] == {"value": series["series_id"], "label": series["label"]}


@pytest.mark.slow
def test_datasette_pages_load_in_chromium_without_errors(datasette, project):
    from test_report import QUIET, chromium

    sync_api = pytest.importorskip("playwright.sync_api")
    first = rows_of(project, "figures")[0]["observation_id"]
    pages = {
        "/": "jants",
        "/jants": "figures",
        "/jants/figures": "Start here",
        "/jants/figures?_search=weapons": "weapons",
        "/jants/figures?_facet=topic&status=reported": "topic",
        f"/jants/figures/{first}": first,
        "/jants/observations?_sort=observation_date": "observation_date",
        "/jants/discrepancies": "explanation",
    }
    errors: list[str] = []
    outside: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=QUIET)
        page = browser.new_page()
        page.on("console", lambda message: errors.append(message.text) if message.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: None if request.url.startswith(datasette) else outside.append(request.url))
        for path, text in pages.items():
            response = page.goto(datasette + path, wait_until="load")
            assert response.status == 200, path
            assert text in page.inner_text("body"), path
        browser.close()
    assert errors == [] and outside == []
