"""Random mutations of the shipped package: jants never crashes, and never calls valid
what frictionless-py rejects.

Each example copies the package, changes one cell, a few bytes of one file, or one key
of the descriptor, and (for cell and byte changes) brings `bytes` and `hash` up to date
so that the deeper checks are reached. Every verdict is compared with frictionless-py's:
jants may reject more only through the rules of the jants model, which frictionless-py
does not know. JANTS_FUZZ_EXAMPLES sets the number of examples (default 60; more for a deeper search).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jants.cli import cli
from jants.validate import validate_package

from conftest import PROJECT, read_rows, reference_verdict, rehash, write_rows

EXAMPLES = int(os.environ.get("JANTS_FUZZ_EXAMPLES", "60"))
# Codes that only the jants model gives (frictionless-py checks Table Schema, not these).
JANTS_ONLY = {"range-error", "unit-error", "breakdown-error", "date-error", "date-out-of-coverage", "evidence-error",
              "locator-error", "status-error", "evidence-not-found", "discrepancy-not-found", "foreign-key-error",
              "parquet-mismatch",
              "figures-mismatch",  # the figures table is derived from the others; frictionless-py does not know the join
              "parquet-error", "parquet-too-large",  # frictionless-py does not read the Parquet copies of this package
              "encoding-error"}  # a NUL byte in a CSV: jants refuses it (docs/security.md), frictionless-py reads it
TABLES = ["bodies", "sources", "metrics", "series", "observations", "discrepancies"]
FILES = [f"data/{t}.csv" for t in TABLES] + [f"data/{t}.parquet" for t in TABLES]

cell_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "2022-02-30", "2021-12-31", "2022-01-05", "exact", "range",
                     "pgo", "x" * 300, "\x00", "\ufeff", '"', "a,b", "line\nbreak", "ü", "１２"]),
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@st.composite
def cell_mutation(draw):
    table = draw(st.sampled_from(TABLES))
    rows = read_rows(PROJECT / "data" / f"{table}.csv")
    row = draw(st.integers(1, len(rows) - 1))
    column = draw(st.integers(0, len(rows[0]) - 1))
    return ("cell", table, row, column, draw(cell_values))


@st.composite
def byte_mutation(draw):
    file = draw(st.sampled_from(FILES))
    size = (PROJECT / file).stat().st_size
    offset = draw(st.integers(0, size - 1))
    kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
    return ("bytes", file, offset, kind, draw(st.binary(min_size=1, max_size=4)))


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                           lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
                           max_leaves=5)


@st.composite
def descriptor_mutation(draw):
    descriptor = json.loads((PROJECT / "datapackage.json").read_text(encoding="utf-8"))
    path = []
    node = descriptor
    while isinstance(node, (dict, list)) and node and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
        path.append(key)
        node = node[key]
    return ("descriptor", tuple(path), draw(st.sampled_from(["delete", "replace"])), draw(json_values))


def apply(package: Path, mutation) -> None:
    kind = mutation[0]
    if kind == "cell":
        _, table, row, column, value = mutation
        path = package / "data" / f"{table}.csv"
        rows = read_rows(path)
        rows[row][column] = value
        write_rows(path, rows)
        rehash(package)
    elif kind == "bytes":
        _, file, offset, how, data = mutation
        path = package / file
        content = path.read_bytes()
        if how == "flip":
            content = content[:offset] + bytes([content[offset] ^ data[0] or 1]) + content[offset + 1:]
        elif how == "insert":
            content = content[:offset] + data + content[offset:]
        elif how == "delete":
            content = content[:offset] + content[offset + len(data):]
        else:
            content = content[:offset]
        path.write_bytes(content)
        rehash(package)
    else:
        _, path, how, value = mutation
        file = package / "datapackage.json"
        descriptor = json.loads(file.read_text(encoding="utf-8"))
        if not path:
            descriptor = value if how == "replace" else {}
        else:
            node = descriptor
            for key in path[:-1]:
                node = node[key]
            if how == "delete":
                del node[path[-1]]
            else:
                node[path[-1]] = value
        file.write_text(json.dumps(descriptor), encoding="utf-8")


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutation=st.one_of(cell_mutation(), byte_mutation(), descriptor_mutation()))
def test_random_mutation_never_crashes_nor_passes_what_the_reference_rejects(mutation):
    with tempfile.TemporaryDirectory() as temporary:
        package = Path(temporary) / "package"
        package.mkdir()
        shutil.copy(PROJECT / "datapackage.json", package / "datapackage.json")
        shutil.copytree(PROJECT / "data", package / "data")
        apply(package, mutation)
        report = validate_package(package)  # must not raise
        report.to_text(), report.to_json()
        assert "internal-error" not in {p.code for p in report.errors}, f"jants failed inside on {mutation!r}: {report.to_text()}"
        reference = reference_verdict(package)
        if report.valid:
            assert reference is not False, f"jants calls valid what frictionless-py rejects: {mutation!r}"
        elif reference:
            codes = {p.code for p in report.errors}
            assert codes <= JANTS_ONLY, f"jants rejects with {sorted(codes - JANTS_ONLY)} what frictionless-py accepts: {mutation!r}"


def test_command_exits_0_or_1_on_a_mutated_package(package):
    apply(package, ("bytes", "data/observations.csv", 10, "insert", b'"'))
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1 and "Traceback" not in result.output
