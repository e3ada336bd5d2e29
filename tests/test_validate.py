"""Checks of `jants validate` beyond the corpus of bad packages (tests/corpus.py): other
packages than ours, consistency warnings, missing source texts."""

from __future__ import annotations

import json

import pytest

from jants.validate import validate_package

from conftest import derive_figures, read_rows, rehash, row_of, set_cell, without_parquet, write_rows


def find(report, code, file=None, row=None, field=None, severity="error"):
    """The problem of that code at that place, or a failure listing what was found."""
    for problem in report.problems:
        if (problem.code == code and problem.severity == severity
                and (file is None or problem.file == file)
                and (row is None or problem.row == row)
                and (field is None or problem.field == field)):
            return problem
    pytest.fail(f"no {severity} {code} at {file}:{row}:{field}; got:\n{report.to_text()}")


def test_shipped_package_is_valid(project, sources_dir):
    report = validate_package(project, sources_dir)
    assert report.valid, report.to_text()
    assert not report.warnings, report.to_text()


# Any tabular package, not only the jants model ----------------------------------------------


def _plain_package(root, resources, files):
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "datapackage.json").write_text(json.dumps({"name": "plain", "resources": resources}), encoding="utf-8")
    return root


def test_package_of_another_model_gets_table_schema_checks(tmp_path):
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "when", "type": "date"}], "primaryKey": ["id"]}
    root = _plain_package(tmp_path / "plain", [{"name": "things", "path": "things.csv", "schema": schema}],
                          {"things.csv": "id,when\n1,2024-01-01\n1,2024-02-30\n"})
    report = validate_package(root)
    find(report, "primary-key-error", file="things.csv", row=3)
    find(report, "type-error", file="things.csv", row=3, field="when")


def test_csv_without_schema_gets_structure_checks_and_a_warning(tmp_path):
    root = _plain_package(tmp_path / "plain", [{"name": "things", "path": "things.csv"}], {"things.csv": "a,b\n1,2\n"})
    report = validate_package(root)
    assert report.valid, report.to_text()
    find(report, "no-schema", file="things.csv", severity="warning")
    (root / "things.csv").write_text("a,b\n1,2,3\n", encoding="utf-8")
    find(validate_package(root), "extra-cell", file="things.csv", row=2)


@pytest.mark.parametrize("resource, code", [
    ({"name": "things", "path": "things.json", "format": "json"}, "unsupported-resource"),
    ({"name": "things", "data": [{"a": 1}]}, "unsupported-resource"),
    ({"name": "things", "path": "things.csv", "compression": "gz"}, "unsupported-resource"),
    ({"name": "things", "path": ["things.csv", "things.csv"]}, "unsupported-resource"),
])
def test_resource_jants_cannot_read_is_an_error_naming_it(tmp_path, resource, code):
    root = _plain_package(tmp_path / "plain", [resource], {"things.csv": "a\n1\n", "things.json": "[]"})
    report = validate_package(root)
    assert not report.valid
    assert "'things'" in find(report, code).message


def test_interrupted_build_is_reported(package):
    (package / ".jants-swap").write_text(".jants-build-x\n", encoding="utf-8")
    find(validate_package(package), "build-interrupted", file=".jants-swap")


def test_missing_source_text(package, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    find(validate_package(package, empty), "source-missing", file="data/sources.csv", row=2, field="file_name")


# Consistency --------------------------------------------------------------------------


def _discrepancy_row(package, kind):
    return row_of(package, "discrepancies", "kind", kind)


@pytest.mark.parametrize("kind, code", [
    ("components_exceed_total", "components-exceed-total"),
    ("cumulative_decrease", "cumulative-decrease"),
])
def test_unrecorded_discrepancy_is_a_warning(package, kind, code):
    path = package / "data" / "discrepancies.csv"
    rows = read_rows(path)
    kind_column = rows[0].index("kind")
    write_rows(path, [rows[0]] + [r for r in rows[1:] if r[kind_column] != kind])
    without_parquet(package)
    derive_figures(package)
    report = validate_package(package)
    assert report.valid, report.to_text()
    find(report, code, file="data/observations.csv", field="value", severity="warning")


def test_recorded_discrepancy_that_does_not_hold(package):
    row = _discrepancy_row(package, "components_exceed_total")
    total = read_rows(package / "data" / "discrepancies.csv")[row - 1][2]
    other = row_of(package, "observations", "observation_id", total)
    # make the components fit: raise the total far above them
    set_cell(package, "observations", other, "value", "99999999")
    without_parquet(package)
    find(validate_package(package), "discrepancy-not-found", file="data/discrepancies.csv", row=row, field="kind")


def test_same_day_conflict_is_a_warning(package):
    """The 1,095 persons amnestied is stated more than once on 5 Jan 2023; make two disagree."""
    rows = read_rows(package / "data" / "observations.csv")
    header = rows[0]
    amnestied = [n for n, r in enumerate(rows[1:], 2) if r[header.index("series_id")] == "persons_amnestied"]
    assert len(amnestied) >= 2
    set_cell(package, "observations", amnestied[1], "value", "1096")
    without_parquet(package)
    derive_figures(package)
    report = validate_package(package)
    assert report.valid, report.to_text()
    find(report, "conflicting-figures", file="data/observations.csv", row=amnestied[1], field="value", severity="warning")


def test_hedged_figure_does_not_conflict_with_exact_one(project):
    """'more than 400' and 402 accused on the same day agree; no warning."""
    report = validate_package(project)
    assert not [p for p in report.warnings if p.code == "conflicting-figures"]


# The same verdicts by the fast paths ----------------------------------------------------------

SMALL_FILES = {
    "plain": b"id,label\n1,abc\n2,def\n",
    "no final newline": b"id,label\n1,abc\n2,def",
    "header only": b"id,label\n",
    "quoted cell": b'id,label\n1,"a,b"\n',
    "carriage returns": b"id,label\r\n1,abc\r\n",
    "byte-order mark": "\ufeffid,label\n1,abc\n".encode(),
    "blank line": b"id,label\n1,abc\n\n2,def\n",
    "short row": b"id,label\n1\n2,def\n",
    "long row": b"id,label\n1,abc,x\n",
    "one column with a blank line": b"id\n1\n\n2\n",
    "empty cells": b"id,label\n,\n2,\n",
}


@pytest.mark.parametrize("name", SMALL_FILES)
def test_small_plain_csv_reads_as_through_pyarrow(tmp_path, monkeypatch, name):
    """A small file is split in Python only when its rows are plain; either way the
    problems are those of the pyarrow path, which the corpus compares with frictionless-py."""
    from jants.tableschema import csvfile

    schema = {"fields": [{"name": "id", "type": "integer", "constraints": {"required": True}}, {"name": "label"}], "primaryKey": ["id"]}
    root = tmp_path / "p"
    root.mkdir()
    (root / "t.csv").write_bytes(SMALL_FILES[name])
    (root / "datapackage.json").write_text(json.dumps({"name": "small", "resources": [{"name": "t", "path": "t.csv", "schema": schema}]}))
    plain = csvfile._plain_table(root / "t.csv", ",", '"')
    assert (plain is not None) == (name in ("plain", "no final newline", "header only", "empty cells"))
    fast = validate_package(root).to_dict()
    monkeypatch.setattr(csvfile, "_plain_table", lambda *args: None)
    assert validate_package(root).to_dict() == fast


def test_figure_in_evidence_is_checked_for_every_row_that_repeats_it(package):
    """The figure-in-evidence rule is worked out once per distinct (evidence, value), and
    each row that has it is reported."""
    path = package / "data" / "observations.csv"
    rows = read_rows(path)
    header = rows[0]
    web = [i for i, row in enumerate(rows[1:], 1) if row[header.index("source_line")] == "" and row[header.index("evidence_en")] != ""]
    first = web[0]
    copies = []
    for number in range(3):
        copy = list(rows[first])
        copy[header.index("observation_id")] += f"-copy{number}"
        copy[header.index("value")] = "987654"
        copies.append(copy)
    write_rows(path, rows + copies)
    without_parquet(package)
    rehash(package)
    report = validate_package(package)
    found = [p.row for p in report.errors if p.code == "evidence-error" and p.field == "evidence"]
    assert found == [len(rows) + 1, len(rows) + 2, len(rows) + 3], report.to_text()


def test_a_model_table_that_cannot_be_read_leaves_provenance_not_checked(package):
    path = package / "data" / "series.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b'\n"', 1))  # an unclosed quote in the first data row
    rehash(package)
    report = validate_package(package)
    assert not report.valid
    assert report.provenance == "not checked: table 'series' of the jants model could not be read"
