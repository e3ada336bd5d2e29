"""A figures table as `jants build` writes it is checked by its bytes (issue 19): jants
writes the bytes the build would write from the other tables and compares them with the
file, without reading it as a table. This is sound only because every cell of the figures
table meets the figures schema whenever the cells it is copied from meet theirs; the first
test holds the model to that. Packages whose figures.csv differs are read as before, and
tests/test_streaming.py compares the problems of every bad and hostile package both ways.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from jants import model, validate
from jants.checks.figures import BuiltFigures, written_as_built
from jants.flat import SOURCE_OF, FiguresJoin
from jants.limits import fixed, parse_bytes
from jants.package import load_descriptor
from jants.problems import Report
from jants.tableschema import csvfile
from jants.validate import validate_package

from conftest import read_rows, rehash, write_rows


def fields(table: str) -> dict[str, dict]:
    return {spec["name"]: spec for spec in model.schema(table)["fields"]}


def rule(spec: dict) -> dict:
    """What a field requires of its cells."""
    return {key: value for key, value in spec.items() if key not in ("name", "title", "description")}


def test_every_figures_cell_meets_its_schema_when_the_cells_it_is_copied_from_meet_theirs():
    figures = fields("figures")
    for name, (table, field) in SOURCE_OF.items():
        assert rule(figures[name]) == rule(fields(table)[field]), f"figures.{name} is copied from {table}.{field}: same type and constraints"
    # date_precision: the observation's own (a subset of the figures' vocabulary), else
    # "day" or the source's precision, which is required; day_of_statement becomes "day"
    own = set(fields("observations")["date_precision"]["constraints"]["enum"])
    source = fields("sources")["date_precision"]["constraints"]
    assert source["required"] is True
    assert own | (set(source["enum"]) - {"day_of_statement"}) <= set(figures["date_precision"]["constraints"]["enum"])
    assert rule(figures["date_precision"]) == {"type": "string", "constraints": {"enum": figures["date_precision"]["constraints"]["enum"], "required": True}}
    # discrepancy_ids: discrepancy ids (which match the id pattern) joined by single spaces
    id_pattern = fields("discrepancies")["discrepancy_id"]["constraints"]["pattern"]
    assert figures["discrepancy_ids"]["constraints"]["pattern"] == f"{id_pattern[:-1]}( {id_pattern[1:-1]})*$"
    assert set(figures) == set(SOURCE_OF) | {"date_precision", "discrepancy_ids"}
    # keys: the figures' primary key and foreign keys follow from the observations' and the series'
    schema = model.schema("figures")
    assert schema["primaryKey"] == model.schema("observations")["primaryKey"] == ["observation_id"]
    held = {(tuple(key["fields"]), key["reference"]["resource"], tuple(key["reference"]["fields"])) for table in ("observations", "series") for key in model.schema(table).get("foreignKeys", [])}
    for key in schema["foreignKeys"]:
        resource, target = key["reference"]["resource"], tuple(key["reference"]["fields"])
        if resource == "observations":
            assert target == ("observation_id",)  # each row is one observation's
            continue
        assert (tuple(key["fields"]), resource, target) in held, key


def typed_tables(root, budget=None):
    with fixed(budget):
        package = load_descriptor(root)
        package.descriptor["resources"] = [r for r in package.descriptor["resources"] if r["name"] in model.TABLES]
        report = Report(package=str(root))
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as background:
            tables, _ = validate.read_resources(package, report, background)
    assert report.problems == []
    return tables


@pytest.mark.parametrize("budget", [None, 4096], ids=["whole", "in-batches"])
def test_the_shipped_figures_csv_is_byte_for_byte_what_the_tables_give(project, budget):
    """With the tables read whole, and read in batches (kept dictionary-encoded)."""
    built = BuiltFigures(typed_tables(project, budget))
    assert written_as_built(built, project / "data" / "figures.csv")
    data = (project / "data" / "figures.csv").read_bytes()
    lines = b"".join(bytes(built.csv(start, 100)) for start in range(0, built.num_rows, 100))
    assert data.split(b"\n", 1)[1] == lines


@pytest.mark.parametrize("budget", [None, 4096], ids=["whole", "in-batches"])
def test_compact_columns_of_the_join_are_its_columns(project, budget):
    """FiguresJoin.kept (what the Parquet copy is compared with) gives the same values as
    FiguresJoin.column (what the build writes), column by column."""
    tables = typed_tables(project, budget)
    columns = {name: tables[name].columns for name in model.TABLES}
    join = FiguresJoin(columns)
    for spec in model.FIGURES["fields"]:
        kept, column = join.kept(spec["name"]), join.column(spec["name"])
        if isinstance(kept, pa.DictionaryArray):
            kept = kept.dictionary.take(kept.indices)
        assert kept.equals(column), spec["name"]


def reads(monkeypatch) -> list[str]:
    """The CSV files read as tables."""
    read: list[str] = []
    original = csvfile.read_typed_csv

    def recording(path, *args, **kwargs):
        read.append(path.name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(validate, "read_typed_csv", recording)
    return read


def test_a_figures_table_as_built_is_not_read_as_a_table(project, monkeypatch):
    read = reads(monkeypatch)
    report = validate_package(project)
    assert report.valid, report.to_text()
    assert "figures.csv" not in read and "observations.csv" in read
    assert report.stats["rows"]["figures"] == report.stats["rows"]["observations"]
    assert list(report.stats["rows"]) == [r["name"] for r in json.loads((project / "datapackage.json").read_text())["resources"] if "copyOf" not in r]


@pytest.mark.parametrize("budget", [None, "32K"])
def test_figures_are_compared_after_the_other_checks_when_the_package_is_far_larger_than_the_budget(project, monkeypatch, budget):
    """Beside the checks when the tables fit the budget; after them (their memory given back
    first) when the tables read in batches hold more than a few budgets of text."""
    from jants import checks

    events: list[str] = []
    last = checks.CHECKS[-2]  # the last check run before check_figures
    assert checks.CHECKS[-1] is checks.check_figures
    monkeypatch.setattr(checks, "CHECKS", [*checks.CHECKS[:-2], lambda view: events.append("checks done") or last(view), checks.check_figures])
    original = checks.written_as_built
    monkeypatch.setattr(checks, "written_as_built", lambda figures, path: events.append("figures compared") or original(figures, path))
    report = validate_package(project, memory_budget=parse_bytes(budget) if budget else None)
    assert report.valid and report.stats["rows"]["figures"] == report.stats["rows"]["observations"], report.to_text()
    assert sorted(events) == ["checks done", "figures compared"]
    if budget:
        assert events == ["checks done", "figures compared"]


def both(package) -> list[dict]:
    """The problems with figures.csv compared as built, asserted equal to those of reading it."""
    found = validate_package(package)
    validate.COMPARE_AS_BUILT = False
    try:
        read = validate_package(package)
    finally:
        validate.COMPARE_AS_BUILT = True
    assert [asdict(p) for p in found.problems] == [asdict(p) for p in read.problems]
    assert found.stats == read.stats
    return [asdict(p) for p in found.problems]


def test_an_edited_cell_makes_the_table_read_and_reported_at_its_row(package, monkeypatch):
    path = package / "data" / "figures.csv"
    rows = read_rows(path)
    rows[7][rows[0].index("value")] = "12345"
    write_rows(path, rows)
    rehash(package)
    read = reads(monkeypatch)
    problems = both(package)
    assert "figures.csv" in read
    mismatches = [(p["row"], p["field"]) for p in problems if p["code"] == "figures-mismatch"]
    parquet = [(p["row"], p["field"]) for p in problems if p["code"] == "parquet-mismatch"]
    assert mismatches == [(8, "value")] and parquet == [(8, "value")], problems


def test_figures_written_by_another_tool_are_read_and_stay_valid(package, monkeypatch):
    """Every cell quoted, as pyarrow writes CSV: other bytes, the same cells."""
    path = package / "data" / "figures.csv"
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in read_rows(path)[0]}))
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="all_valid"))
    rehash(package)
    assert re.match(rb'^"observation_id","observation_date"', path.read_bytes())
    read = reads(monkeypatch)
    assert both(package) == []
    assert "figures.csv" in read


def test_an_edited_parquet_copy_of_figures_as_built_is_reported_at_its_row(package):
    import pyarrow.parquet as pq

    path = package / "data" / "figures.parquet"
    table = pq.read_table(path)
    at = table.column_names.index("series_label")
    labels = table.column(at).to_pylist()
    labels[11] = "An edited label"
    pq.write_table(table.set_column(at, "series_label", pa.array(labels, pa.string())), path)
    rehash(package)
    problems = both(package)
    assert [(p["code"], p["file"], p["row"], p["field"]) for p in problems] == [("parquet-mismatch", "data/figures.parquet", 13, "series_label")], problems


def test_a_figures_file_cut_short_or_with_a_row_more_is_not_taken_as_built(package):
    path = package / "data" / "figures.csv"
    data = path.read_bytes()
    for changed in (data[:-1], data + data.split(b"\n")[1] + b"\n", data.rstrip(b"\n")):
        path.write_bytes(changed)
        rehash(package)
        problems = both(package)
        if changed == data.rstrip(b"\n"):  # the same rows without the last line end: valid, read as a table
            assert problems == []
        else:
            assert any(p["file"] == "data/figures.csv" and p["severity"] == "error" for p in problems), problems


def test_text_problems_of_a_figures_file_are_found_when_the_bytes_are_not_read_as_a_table(package, monkeypatch):
    """A line of figures.csv longer than the limit, with every line of the other files
    within it: the same problem either way."""
    longest = {path.name: max(map(len, path.read_bytes().split(b"\n"))) for path in (package / "data").glob("*.csv")}
    others = max(size for name, size in longest.items() if name != "figures.csv")
    assert longest["figures.csv"] > others + 1
    monkeypatch.setenv("JANTS_MAX_LINE_BYTES", str(others + 1))
    problems = both(package)
    assert [(p["code"], p["file"]) for p in problems] == [("line-too-long", "data/figures.csv"), ("parquet-mismatch", "data/figures.parquet")], problems


@pytest.mark.parametrize("size", [3, 1 << 13], ids=["few-values", "too-many-combinations-to-number"])
def test_runs_of_repeated_columns_are_written_once_per_combination(size):
    """Each row's cells of a run of dictionary-encoded columns, joined, whatever the number
    of combinations (past 2^62, the run is numbered in halves); a null is an empty cell."""
    import numpy as np

    from jants.checks.figures import _combined

    rng = np.random.default_rng(7)
    rows = 200
    columns = []
    for column in range(5):
        cells = pa.array([f"c{column}v{value}" for value in range(size)] + [""], pa.string())
        at = rng.integers(0, size, rows)
        columns.append((pa.array(at, mask=rng.random(rows) < 0.1).cast(pa.int32()), cells))
    at, cells = _combined(columns)
    got = cells.take(at).to_pylist()
    expected = [",".join(cells_.take(pa.array([positions[row].as_py() if positions[row].is_valid else len(cells_) - 1])).to_pylist()[0] for positions, cells_ in columns) for row in range(rows)]
    assert got == expected
