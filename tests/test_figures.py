"""The figures table: one flat labelled row per observation, derived by jants build and
checked by jants validate to equal the join it comes from."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from conftest import derive_figures, read_rows, rehash, set_cell, write_rows
from jants import formatting, model
from jants.cli import cli
from jants.explore.tables import load, observations
from jants.validate import validate_package


def figures_rows(root):
    with open(root / "data" / "figures.csv", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_one_row_per_observation_with_its_labels(project):
    """Every figure, with the labels of its series, metric, body and source as the tables give them."""
    tables = load(project)
    rows = figures_rows(project)
    assert [r["observation_id"] for r in rows] == sorted(
        tables.observations["observation_id"], key=lambda i: (str(tables.observations.set_index("observation_id").at[i, "observation_date"].date()), i)
    )
    tidy = observations(tables=tables).set_index("observation_id")
    sources = tables.sources.set_index("source_id")
    for row in rows:
        joined = tidy.loc[row["observation_id"]]
        assert row["series_label"] == joined["series_label"]
        assert row["metric_label"] == joined["metric_label"]
        assert row["topic"] == joined["topic"]
        assert row["body_label"] == joined["body_short_name"]
        assert row["body_type"] == joined["body_type"]
        assert row["source_title"] == joined["source_title"]
        assert row["url"] == (sources.at[row["source_id"], "url"] if isinstance(sources.at[row["source_id"], "url"], str) else "")
        assert row["status"] == joined["status"]


def test_discrepancy_ids_name_every_discrepancy_a_figure_takes_part_in(project):
    rows = {r["observation_id"]: r["discrepancy_ids"].split() for r in figures_rows(project)}
    expected: dict[str, set[str]] = {}
    for d in read_rows(project / "data" / "discrepancies.csv")[1:]:
        for observation in [d[2], *d[3].split()]:
            expected.setdefault(observation, set()).add(d[0])
    assert {k: v for k, v in rows.items() if v} == {k: sorted(v) for k, v in expected.items()}
    assert len(expected) > 50


def test_schema_is_derived_from_the_tables_it_joins():
    fields = {f["name"]: f for f in model.FIGURES["fields"]}
    for name, table, field in model.FIGURE_COLUMNS:
        source = next(f for f in model.schema(table)["fields"] if f["name"] == field)
        assert fields[name]["type"] == source["type"]
        assert source["description"].rstrip(".") in fields[name]["description"]
    assert list(fields)[-1] == "discrepancy_ids"


def test_descriptor_lists_figures_with_its_parquet_copy(project):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in descriptor["resources"]}
    assert by_name["figures"]["schema"] == model.FIGURES
    assert by_name["figures-parquet"]["copyOf"] == "figures"


def _edited_cell(package, field):
    rows = read_rows(package / "data" / "figures.csv")
    column = rows[0].index(field)
    row = next(n for n, r in enumerate(rows[1:], 2) if r[column])
    rows[row - 1][column] = rows[row - 1][column] + "0" if field == "value" else "edited " + rows[row - 1][column]
    write_rows(package / "data" / "figures.csv", rows)
    return row


@pytest.mark.parametrize("field", ["value", "series_label", "url", "evidence_en", "discrepancy_ids"])
def test_an_edited_cell_fails_validation_at_its_row_and_field(package, field):
    row = _edited_cell(package, field)
    rehash(package)
    report = validate_package(package)
    found = [p for p in report.errors if p.code == "figures-mismatch"]
    assert [(p.file, p.row, p.field) for p in found] == [("data/figures.csv", row, field)], report.to_text()


def test_an_edited_file_fails_at_its_row_even_before_the_hash_is_fixed(package):
    row = _edited_cell(package, "value")
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert "data/figures.csv: field 'hash': error:" in result.output
    assert f"data/figures.csv: row {row}: field 'value': error:" in result.output
    assert "[figures-mismatch]" in result.output


def test_a_missing_row_and_rows_out_of_order_fail(package):
    rows = read_rows(package / "data" / "figures.csv")
    write_rows(package / "data" / "figures.csv", [rows[0], *rows[2:]])
    rehash(package)
    report = validate_package(package)
    assert [p.message for p in report.errors if p.code == "figures-mismatch"] == [f"observation {rows[1][0]!r} has no row in the figures table"]

    write_rows(package / "data" / "figures.csv", [rows[0], rows[2], rows[1], *rows[3:]])
    rehash(package)
    report = validate_package(package)
    found = [p for p in report.errors if p.code == "figures-mismatch"]
    assert [(p.row, p.field) for p in found] == [(2, "observation_id")], report.to_text()


def test_a_change_to_a_joined_table_needs_the_figures_derived_again(package):
    """A label changed in bodies.csv alone leaves figures behind; deriving them again agrees."""
    set_cell(package, "bodies", 2, "short_name", "PGO")
    report = validate_package(package)
    assert {p.field for p in report.errors if p.code == "figures-mismatch"} >= {"body_label"}
    derive_figures(package)
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "bodies-parquet"]
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate_package(package)
    assert report.valid, report.to_text()


def test_a_package_without_figures_is_still_checked_as_the_jants_model(package):
    """Releases before 0.4 have no figures table."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if not r["name"].startswith("figures")]
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate_package(package)
    assert report.valid, report.to_text()
    assert not report.provenance.startswith("not applicable")


def test_date_precision_reads_the_observation_then_its_source(project):
    """Own precision first; else day where the source states the date or dates itself to the
    day; else the source's month or year (the date is then the last day of that period)."""
    figures = {r["observation_id"]: r for r in figures_rows(project)}
    observations_by_id = {r["observation_id"]: r for r in csv.DictReader(open(project / "data" / "observations.csv", encoding="utf-8"))}
    sources = {r["source_id"]: r for r in csv.DictReader(open(project / "data" / "sources.csv", encoding="utf-8"))}
    for observation_id, row in figures.items():
        own = observations_by_id[observation_id]["date_precision"] or None
        source = sources[row["source_id"]]
        # the same rule as the one the report and jants show apply to single figures
        expected = formatting.date_precision(own, row["observation_date"], source["source_date"], source["date_precision"])
        assert row["date_precision"] == expected, observation_id
    assert figures["joint-ngo-statement-2022-07-29-001"]["date_precision"] == "on_or_before"
    assert figures["kaskelen-2024-01-001"]["date_precision"] == "month"
    assert {r["date_precision"] for r in figures.values()} == set(model.OBSERVATION_DATE_PRECISIONS)


def test_an_edited_date_precision_fails_validation_at_its_row(package):
    rows = read_rows(package / "data" / "figures.csv")
    column = rows[0].index("date_precision")
    row = next(n for n, r in enumerate(rows[1:], 2) if r[column] == "day")
    rows[row - 1][column] = "year"
    write_rows(package / "data" / "figures.csv", rows)
    rehash(package)
    found = [p for p in validate_package(package).errors if p.code == "figures-mismatch"]
    assert [(p.row, p.field) for p in found] == [(row, "date_precision")]
    assert "'year', but the observation with its source gives 'day'" in found[0].message
