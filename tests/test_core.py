"""Unit tests of the helpers everything else stands on: number formatting, key
normalisation, type conversion and CSV writing."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pytest

from jants.csvtext import write_csv
from jants.formatting import format_number
from jants.package import Resource, key_fields
from jants.tableschema.types import convert_column


@pytest.mark.parametrize("value, text", [
    (3096.0, "3096"), (0.5, "0.5"), (-2.0, "-2"), (37500000000.0, "37500000000"), (1e16, "1e+16"),
    (float("nan"), "NaN"), (float("inf"), "INF"), (float("-inf"), "-INF"), (95.3, "95.3"),
])
def test_format_number_writes_the_shortest_text(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize("value, fields", [
    ("id", ["id"]), (["a", "b"], ["a", "b"]), ([], []), (5, None), (["a", 5], None), (None, None), ({"a": 1}, None),
])
def test_key_fields_gives_a_list_or_none(value, fields):
    assert key_fields(value) == fields


def test_resource_gives_keys_as_lists():
    resource = Resource({"name": "t", "path": "t.csv", "schema": {
        "fields": [{"name": "a"}, {"name": "b"}], "primaryKey": "a",
        "foreignKeys": [{"fields": "b", "reference": {"resource": "", "fields": "a"}}]}})
    assert resource.primary_key == ["a"]
    assert [(k.fields, k.resource, k.reference_fields) for k in resource.foreign_keys] == [(["b"], "", ["a"])]


@pytest.mark.parametrize("spec, cells, typed, invalid", [
    ({"type": "integer"}, ["125", "-3", "1.5", "9" * 20, None], [125, -3, None, None, None], [False, False, True, True, False]),
    ({"type": "number"}, ["3.5", "1e3", "NaN", "x", None], [3.5, 1000.0, None, None, None], [False, False, False, True, False]),
    ({"type": "date"}, ["2022-01-05", "2022-02-30", "2022-1-5", None], ["2022-01-05", None, None, None], [False, True, True, False]),
    ({"type": "string"}, ["a", "", None], ["a", "", None], [False, False, False]),
])
def test_convert_column_types_cells_and_marks_the_invalid_ones(spec, cells, typed, invalid):
    column, bad, warning = convert_column(pa.array(cells, pa.string()), spec)
    assert list(bad) == invalid and warning is None
    values = column.to_pylist()
    for got, want, is_bad in zip(values, typed, invalid):
        if want is None or is_bad:
            continue
        assert str(got) == str(want) if spec["type"] == "date" else got == want


def test_convert_column_keeps_nan_as_a_number():
    column, bad, _ = convert_column(pa.array(["NaN"], pa.string()), {"type": "number"})
    assert not bad[0] and column.to_pylist()[0] != column.to_pylist()[0]


def test_write_csv_is_what_the_csv_module_writes(tmp_path):
    rows = [["plain", "with, comma", 'with "quote"', "line\nbreak", "", "Қаңтар 2 960", " spaced "],
            ["x", "y", "z", "", None, "🙂", "end"]]
    names = [f"c{i}" for i in range(len(rows[0]))]
    table = pa.table({name: pa.array([row[i] for row in rows], pa.string()) for i, name in enumerate(names)})
    write_csv(tmp_path / "t.csv", table)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    assert (tmp_path / "t.csv").read_bytes() == expected.getvalue().encode("utf-8")
