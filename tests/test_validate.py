"""Each check of `jants validate`, with a mutation of the shipped package that fails it."""

from __future__ import annotations

import json
import os

import pyarrow.parquet as pq
import pytest

from jants.validate import validate_package

from conftest import edit_descriptor, read_rows, rehash, row_of, set_cell, without_parquet, write_rows


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


# Descriptor ---------------------------------------------------------------------------


def test_descriptor_not_json(package):
    (package / "datapackage.json").write_text("{not json", encoding="utf-8")
    find(validate_package(package), "descriptor-error", file="datapackage.json")


def test_descriptor_not_object(package):
    (package / "datapackage.json").write_text("[1, 2]", encoding="utf-8")
    find(validate_package(package), "descriptor-error", file="datapackage.json")


def test_descriptor_without_resources(package):
    edit_descriptor(package, lambda d: d.pop("resources"))
    find(validate_package(package), "descriptor-error", field="resources")


def test_duplicate_resource_names(package):
    edit_descriptor(package, lambda d: d["resources"][1].update(name=d["resources"][0]["name"]))
    find(validate_package(package), "descriptor-error", field="name")


def test_unknown_field_type(package):
    edit_descriptor(package, lambda d: d["resources"][0]["schema"]["fields"][0].update(type="text"))
    find(validate_package(package), "schema-error", field="body_id")


def test_primary_key_on_missing_column(package):
    edit_descriptor(package, lambda d: d["resources"][0]["schema"].update(primaryKey=["nope"]))
    find(validate_package(package), "schema-error", field="nope")


def test_foreign_key_on_missing_column(package):
    def change(d):
        d["resources"][4]["schema"]["foreignKeys"][0]["fields"] = ["nope"]
    edit_descriptor(package, change)
    find(validate_package(package), "schema-error", field="nope")


def test_schema_missing_column(package):
    edit_descriptor(package, lambda d: d["resources"][0]["schema"]["fields"].append({"name": "extra", "type": "string"}))
    find(validate_package(package), "missing-label", file="data/bodies.csv", row=1, field="extra")


def test_header_extra_column(package):
    edit_descriptor(package, lambda d: d["resources"][0]["schema"]["fields"].pop())
    find(validate_package(package), "extra-label", file="data/bodies.csv", row=1, field="kind")


def test_header_reordered(package):
    def change(d):
        fields = d["resources"][0]["schema"]["fields"]
        fields[1], fields[2] = fields[2], fields[1]
    edit_descriptor(package, change)
    find(validate_package(package), "incorrect-label", file="data/bodies.csv", row=1)


# Paths and files ----------------------------------------------------------------------


@pytest.mark.parametrize("path, code", [
    ("/etc/passwd", "path-error"),
    ("../outside.csv", "path-error"),
    (".hidden/bodies.csv", "path-error"),
    ("https://example.org/bodies.csv", "remote-resource"),
    ("data/missing.csv", "file-missing"),
    ("data", "file-missing"),
])
def test_bad_paths(package, path, code):
    edit_descriptor(package, lambda d: d["resources"][0].update(path=path))
    find(validate_package(package), code)


def test_symlink_out_of_package(package, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_bytes((package / "data" / "bodies.csv").read_bytes())
    (package / "data" / "bodies.csv").unlink()
    os.symlink(outside, package / "data" / "bodies.csv")
    find(validate_package(package), "path-error", field="path")


def test_wrong_bytes(package):
    edit_descriptor(package, lambda d: d["resources"][0].update(bytes=1))
    find(validate_package(package), "bytes-mismatch", file="data/bodies.csv", field="bytes")


def test_wrong_hash(package):
    edit_descriptor(package, lambda d: d["resources"][0].update(hash="sha256:" + "0" * 64))
    find(validate_package(package), "hash-mismatch", file="data/bodies.csv", field="hash")


def test_wrong_parquet_hash(package):
    edit_descriptor(package, lambda d: [r.update(hash="sha256:" + "0" * 64) for r in d["resources"] if r["name"] == "observations-parquet"])
    find(validate_package(package), "hash-mismatch", file="data/observations.parquet")


def test_not_utf8(package):
    path = package / "data" / "bodies.csv"
    path.write_bytes(path.read_bytes().replace(b"Office", b"Offic\xe9", 1))
    rehash(package)
    find(validate_package(package), "encoding-error", file="data/bodies.csv", row=2)


def test_nul_byte(package):
    path = package / "data" / "bodies.csv"
    path.write_bytes(path.read_bytes().replace(b"Office", b"Off\x00ice", 1))
    rehash(package)
    find(validate_package(package), "encoding-error", file="data/bodies.csv")


def test_unclosed_quote(package):
    path = package / "data" / "bodies.csv"
    path.write_bytes(path.read_bytes() + b'zz,"never closed,x,ministry\n')
    rehash(package)
    find(validate_package(package), "csv-parse-error", file="data/bodies.csv")


def test_row_with_too_many_cells(package):
    path = package / "data" / "bodies.csv"
    rows = read_rows(path)
    rows[2].append("surplus")
    write_rows(path, rows)
    rehash(package)
    find(validate_package(package), "extra-cell", file="data/bodies.csv", row=3)


def test_row_with_too_few_cells(package):
    path = package / "data" / "bodies.csv"
    rows = read_rows(path)
    rows[2].pop()
    write_rows(path, rows)
    rehash(package)
    find(validate_package(package), "missing-cell", file="data/bodies.csv", row=3)


def test_empty_file(package):
    (package / "data" / "bodies.csv").write_bytes(b"")
    rehash(package)
    find(validate_package(package), "empty-file", file="data/bodies.csv")


def test_tricky_but_valid_csv_is_accepted(package):
    """BOM, CRLF and a quoted cell with comma, quote and newline are all valid CSV."""
    path = package / "data" / "bodies.csv"
    rows = read_rows(path)
    rows[1][1] = 'Office, "quoted"\nsecond line'
    text = "\r\n".join(",".join('"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n') else c for c in row) for row in rows) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    without_parquet(package)
    edit_descriptor(package, lambda d: d.update(unknownProperty={"any": "thing"}))
    rehash(package)
    report = validate_package(package)
    assert report.valid, report.to_text()


# Parquet ------------------------------------------------------------------------------


def test_truncated_parquet(package):
    path = package / "data" / "observations.parquet"
    path.write_bytes(path.read_bytes()[:100])
    rehash(package)
    find(validate_package(package), "parquet-error", file="data/observations.parquet")


def test_parquet_with_different_rows(package):
    path = package / "data" / "observations.parquet"
    table = pq.read_table(path)
    values = table.column("value").to_pylist()
    values[0] = values[0] + 1
    import pyarrow as pa
    table = table.set_column(table.schema.get_field_index("value"), "value", pa.array(values, pa.float64()))
    pq.write_table(table, path)
    rehash(package)
    find(validate_package(package), "parquet-mismatch", file="data/observations.parquet", row=2, field="value")


def test_parquet_with_different_schema(package):
    path = package / "data" / "bodies.parquet"
    table = pq.read_table(path)
    pq.write_table(table.rename_columns([*table.column_names[:-1], "category"]), path)
    rehash(package)
    find(validate_package(package), "parquet-mismatch", file="data/bodies.parquet")


# Values -------------------------------------------------------------------------------


# One cell changed in a copy of the shipped package, and the error it must produce.
CELL_MUTATIONS = [
    # (table, row, field, new value, error code, field reported)
    ("observations", 2, "value", "many", "type-error", "value"),
    ("observations", 3, "evidence", "", "constraint-error", "evidence"),
    ("observations", 2, "series_id", "no_such_series", "foreign-key-error", "series_id"),
    ("observations", 2, "qualifier", "roughly", "constraint-error", "qualifier"),
    ("observations", 2, "observation_date", "2022-02-30", "type-error", "observation_date"),
    ("observations", 2, "observation_date", "2021-12-31", "date-out-of-coverage", "observation_date"),
    ("observations", 2, "observation_date", "2023-01-20", "date-error", "observation_date"),
    ("observations", 2, "value", "-5", "constraint-error", "value"),
    ("observations", 2, "unit", "parsecs", "unit-error", "unit"),
    ("observations", 2, "evidence", " ".join(["word"] * 13), "evidence-error", "evidence"),
    ("observations", 2, "source_line", "0", "constraint-error", "source_line"),
    ("observations", 2, "attribution", "rumoured", "constraint-error", "attribution"),
    ("series", 2, "metric_id", "no_such_metric", "foreign-key-error", "metric_id"),
    ("sources", 2, "sha256", "not-a-hash", "constraint-error", "sha256"),
    ("discrepancies", 2, "related_observation_ids", "no-such-observation", "foreign-key-error", "related_observation_ids"),
]


@pytest.mark.parametrize("table, row, field, value, code, reported", CELL_MUTATIONS,
                         ids=[f"{m[0]}.{m[2]}={m[3][:20]!r}" for m in CELL_MUTATIONS])
def test_cell_mutation_is_reported(package, table, row, field, value, code, reported):
    set_cell(package, table, row, field, value)
    without_parquet(package)
    find(validate_package(package), code, file=f"data/{table}.csv", row=row, field=reported)


def test_duplicate_primary_key(package):
    first = read_rows(package / "data" / "observations.csv")[1][0]
    set_cell(package, "observations", 4, "observation_id", first)
    without_parquet(package)
    find(validate_package(package), "primary-key-error", file="data/observations.csv", row=4)


def test_value_upper_without_range(package):
    row = row_of(package, "observations", "qualifier", "exact")
    set_cell(package, "observations", row, "value_upper", "999999")
    without_parquet(package)
    find(validate_package(package), "range-error", file="data/observations.csv", row=row, field="value_upper")


def test_range_with_upper_below_value(package):
    set_cell(package, "observations", 2, "qualifier", "range", rehash_all=False)
    set_cell(package, "observations", 2, "value_upper", "0")
    without_parquet(package)
    find(validate_package(package), "range-error", file="data/observations.csv", row=2, field="value_upper")


def test_range_without_upper(package):
    row = row_of(package, "observations", "qualifier", "exact")
    set_cell(package, "observations", row, "qualifier", "range")
    without_parquet(package)
    find(validate_package(package), "range-error", file="data/observations.csv", row=row, field="value_upper")


def test_component_series_without_breakdown(package):
    row = row_of(package, "series", "breakdown", "region")
    set_cell(package, "series", row, "breakdown", "")
    without_parquet(package)
    find(validate_package(package), "breakdown-error", file="data/series.csv", row=row, field="breakdown")


def test_evidence_not_at_its_line(package, sources_dir):
    set_cell(package, "observations", 2, "source_line", "1")
    without_parquet(package)
    find(validate_package(package, sources_dir), "evidence-not-found", file="data/observations.csv", row=2, field="evidence")


def test_locator_beyond_end_of_source(package, sources_dir):
    set_cell(package, "observations", 2, "source_line", "99999")
    without_parquet(package)
    find(validate_package(package, sources_dir), "locator-error", file="data/observations.csv", row=2, field="source_line")


def test_source_text_with_other_hash(package, sources_dir, tmp_path):
    copy = tmp_path / "sources"
    copy.mkdir()
    for text in sources_dir.glob("*.txt"):
        copy.joinpath(text.name).write_bytes(text.read_bytes())
    name = read_rows(package / "data" / "sources.csv")[1][10]
    copy.joinpath(name).write_bytes(copy.joinpath(name).read_bytes() + b"\nedited\n")
    find(validate_package(package, copy), "source-hash-mismatch", file="data/sources.csv", row=2, field="sha256")


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
    rehash(package)
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
    """The 1,095 persons amnestied is stated twice on 5 Jan 2023; make the two disagree."""
    rows = read_rows(package / "data" / "observations.csv")
    header = rows[0]
    amnestied = [n for n, r in enumerate(rows[1:], 2) if r[header.index("series_id")] == "persons_amnestied"]
    assert len(amnestied) == 2
    set_cell(package, "observations", amnestied[1], "value", "1096")
    without_parquet(package)
    report = validate_package(package)
    assert report.valid, report.to_text()
    find(report, "conflicting-figures", file="data/observations.csv", row=amnestied[1], field="value", severity="warning")


def test_hedged_figure_does_not_conflict_with_exact_one(project):
    """'more than 400' and 402 accused on the same day agree; no warning."""
    report = validate_package(project)
    assert not [p for p in report.warnings if p.code == "conflicting-figures"]
