"""Hostile packages (tests/hostile.py) through `jants validate`, with networking forbidden.

For each case: the exit code and the exact problem (code, file, row, field) in the JSON
report, one text line naming the same place, no traceback, not one connection attempted,
not one file created or changed; and frictionless-py's verdict on the same package. Then
the promises that need more than one package: no socket whatever the descriptor points
at (in process and in a subprocess), and bounds that hold at their defaults.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from jants.cli import cli
from jants.validate import validate_package

from conftest import edit_descriptor, reference_verdict
from hostile import HOSTILE, SOURCES
from test_corpus import tree


class Connections:
    """Every attempt to open a connection, refused and recorded."""

    def __init__(self):
        self.attempts = []

    def refuse(self, *args, **kwargs):
        self.attempts.append(args[1:] if args and isinstance(args[0], socket.socket) else args)
        raise OSError("network forbidden in this test")


@pytest.fixture
def no_network(monkeypatch) -> Connections:
    connections = Connections()
    monkeypatch.setattr(socket.socket, "connect", lambda *a, **k: connections.refuse(*a, **k))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda *a, **k: connections.refuse(*a, **k))
    monkeypatch.setattr(socket, "create_connection", connections.refuse)
    monkeypatch.setattr(socket, "getaddrinfo", connections.refuse)
    return connections


def prepare(case, package, scratch, monkeypatch):
    if case.sources is not None and not SOURCES.is_dir():
        pytest.skip(f"source texts not found at {SOURCES}")
    target = case.mutate(package, scratch) or package
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    options = ["--sources", str(case.sources(scratch))] if case.sources else []
    return target, options


def run(target, options, *more):
    return CliRunner().invoke(cli, ["validate", str(target), *options, *more])


@pytest.mark.parametrize("case", HOSTILE, ids=[c.name for c in HOSTILE])
def test_hostile_package_gets_the_exact_verdict(package, scratch, case, no_network, monkeypatch):
    target, options = prepare(case, package, scratch, monkeypatch)
    before = tree(package.parent)

    as_json = run(target, options, "--json")
    report = json.loads(as_json.output)
    if case.code is None:
        assert as_json.exit_code == 0 and report["valid"], report["errors"]
    else:
        assert as_json.exit_code == 1, as_json.output
        wanted = {"code": case.code, "file": case.file, "row": case.row, "field": case.field}
        matching = [e for e in report["errors"] if all(e[k] == v for k, v in wanted.items() if v is not None or k == "code")]
        assert matching, f"expected {wanted}, got {report['errors']}"
    assert not [e for e in report["errors"] if e["code"] == "internal-error"], report["errors"]
    if case.absent:
        assert not [e for e in report["errors"] if e["code"] == case.absent], report["errors"]

    as_text = run(target, options)
    assert as_text.exit_code == as_json.exit_code
    assert "Traceback" not in as_text.output and "internal error" not in as_text.output
    if case.code is not None:
        line = next((l for l in as_text.output.splitlines() if f"[{case.code}]" in l), None)
        assert line and line.startswith(case.file or "datapackage"), as_text.output
        if case.row is not None:
            assert f": row {case.row}" in line

    assert not no_network.attempts, f"validation tried to connect: {no_network.attempts}"
    assert tree(package.parent) == before, "validation created or changed a file"


# Differential test against the reference ----------------------------------------------------


DIFFERENTIAL = [c for c in HOSTILE if not c.reference_skip and not c.sources]


@pytest.mark.slow
@pytest.mark.parametrize("case", DIFFERENTIAL, ids=[c.name for c in DIFFERENTIAL])
def test_reference_agrees_on_hostile_package(package, scratch, case, no_network):
    target = case.mutate(package, scratch) or package
    if target.suffix == ".zip":
        pytest.skip("frictionless-py does not open archives of packages")
    verdict = reference_verdict(target)
    if verdict is None:
        pytest.skip("frictionless-py cannot load this package")
    if case.code is None:
        assert verdict is True
    elif case.jants_only:
        assert verdict is True, f"listed as jants-only ({case.jants_only}) but frictionless-py rejects it too"
    else:
        assert verdict is False, "frictionless-py accepts a package that jants rejects; list the reason in the case"


# No network, whatever the descriptor points at --------------------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    """A server on 127.0.0.1 that serves a permissive profile and records every request."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        Recorder.requests.append(self.path)
        body = json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                           "properties": {"x": {"$ref": f"http://127.0.0.1:{self.server.server_port}/ref.json"}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    Recorder.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def point_everything_at(package: Path, url: str) -> None:
    """URL-valued properties in the descriptor, resources, schemas, dialects and profiles."""
    def change(d):
        d["profile"] = f"{url}/package-profile.json"
        d["$schema"] = f"{url}/custom-schema.json"
        d["licenses"][0]["path"] = f"{url}/license"
        resources = d["resources"]
        resources[0]["profile"] = f"{url}/resource-profile.json"
        resources[1]["schema"] = f"{url}/schema.json"
        resources[2]["dialect"] = f"{url}/dialect.json"
        resources[3]["path"] = f"{url}/series.csv"
        resources[4]["schema"]["foreignKeys"][0]["reference"]["resource"] = f"{url}/series"
        resources[5]["sources"] = [{"title": "remote", "path": f"{url}/source"}]
    edit_descriptor(package, change)


def test_no_socket_in_process_whatever_the_urls(package, server, no_network):
    point_everything_at(package, server)
    report = validate_package(package)
    assert not report.valid
    codes = {p.code for p in report.errors}
    assert {"unsupported-profile", "remote-resource"} <= codes, report.to_text()
    assert "internal-error" not in codes
    assert not no_network.attempts
    assert not Recorder.requests


GUARD = """
import socket
def refuse(*args, **kwargs):
    with open({marker!r}, "a") as stream:
        stream.write(repr(args[1:] if args and isinstance(args[0], socket.socket) else args) + "\\n")
    raise OSError("network forbidden")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
"""


def test_no_socket_from_the_command_line(package, server, tmp_path):
    """The CLI as a subprocess, every connection refused by a sitecustomize module."""
    point_everything_at(package, server)
    guard = tmp_path / "guard"
    guard.mkdir()
    marker = tmp_path / "connections.log"
    (guard / "sitecustomize.py").write_text(GUARD.format(marker=str(marker)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(guard), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", "from jants.cli import cli; cli()", "validate", str(package), "--json"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert "unsupported-profile" in {e["code"] for e in report["errors"]}
    assert "Traceback" not in result.stderr
    assert not marker.exists(), marker.read_text()
    assert not Recorder.requests


# Bounds at their defaults ------------------------------------------------------------------------


def test_parquet_of_100_million_rows_is_refused_from_its_metadata(tmp_path):
    """A few hundred KB that would expand to 100 million rows: refused before any row is read."""
    root = tmp_path / "bomb"
    root.mkdir()
    chunk = pa.table({"zero": pa.array(bytes(1 << 20), pa.int8()).cast(pa.int64())})
    with pq.ParquetWriter(root / "zeros.parquet", chunk.schema, compression="zstd") as writer:
        for _ in range(96):
            writer.write_table(chunk, row_group_size=1 << 20)
    (root / "datapackage.json").write_text(json.dumps({"name": "bomb", "resources": [
        {"name": "zeros", "path": "zeros.parquet", "format": "parquet", "schema": {"fields": [{"name": "zero", "type": "integer"}]}}]}))
    started = time.perf_counter()
    report = validate_package(root)
    assert time.perf_counter() - started < 10
    assert [p.code for p in report.errors] == ["parquet-too-large"], report.to_text()


# Messages that must not mislead -------------------------------------------------------------------


def _plain(root: Path, resources: list[dict], files: dict[str, bytes]) -> Path:
    root.mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "datapackage.json").write_text(json.dumps({"name": "plain", "resources": resources}), encoding="utf-8")
    return root


def test_too_large_primary_key_is_not_called_missing(tmp_path):
    schema = {"fields": [{"name": "id", "type": "integer"}], "primaryKey": ["id"]}
    root = _plain(tmp_path / "p", [{"name": "t", "path": "t.csv", "schema": schema}], {"t.csv": b"id\n1\n99999999999999999999\n"})
    report = validate_package(root)
    assert [(p.code, p.row) for p in report.errors] == [("integer-out-of-range", 3)], report.to_text()


def test_nan_in_csv_and_parquet_copy_is_the_same_value(tmp_path):
    schema = {"fields": [{"name": "x", "type": "number"}]}
    root = _plain(tmp_path / "p", [{"name": "t", "path": "t.csv", "schema": schema},
                                   {"name": "t-parquet", "path": "t.parquet", "format": "parquet", "copyOf": "t"}],
                  {"t.csv": b"x\nNaN\n1.5\n"})
    pq.write_table(pa.table({"x": pa.array([float("nan"), 1.5])}), root / "t.parquet")
    report = validate_package(root)
    assert report.valid, report.to_text()


def test_time_and_yearmonth_bounds_are_checked(tmp_path):
    schema = {"fields": [{"name": "t", "type": "time", "constraints": {"maximum": "12:00:00"}},
                         {"name": "m", "type": "yearmonth", "constraints": {"minimum": "2022-01"}}]}
    root = _plain(tmp_path / "p", [{"name": "t", "path": "t.csv", "schema": schema}], {"t.csv": b"t,m\n11:00:00,2022-02\n13:00:00,2021-12\n"})
    report = validate_package(root)
    assert sorted((p.row, p.field) for p in report.errors) == [(3, "m"), (3, "t")], report.to_text()


def test_field_missing_values_replace_the_schema_ones(tmp_path):
    schema = {"fields": [{"name": "n", "type": "integer", "missingValues": ["-"]}], "missingValues": ["NA"]}
    root = _plain(tmp_path / "p", [{"name": "t", "path": "t.csv", "schema": schema}], {"t.csv": b"n\n-\nNA\n"})
    report = validate_package(root)
    assert sorted((p.code, p.row) for p in report.errors) == [("blank-row", 2), ("type-error", 3)], report.to_text()  # as frictionless-py


def test_validate_package_never_raises_on_a_bad_path():
    for path in ["no\x00such", "x" * 5000, "/nonexistent/package"]:
        report = validate_package(path)
        assert not report.valid
        assert {p.code for p in report.errors} <= {"descriptor-missing"}, report.to_text()
