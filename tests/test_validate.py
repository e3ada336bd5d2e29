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
