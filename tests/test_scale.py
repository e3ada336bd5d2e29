"""docs/scale.md: the DuckDB queries run on the shipped Parquet tables, and the key checks find a broken row."""

from __future__ import annotations

import re

import pytest

import jants


def test_duckdb_reads_the_parquet_tables(project, monkeypatch):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra: pip install -e '.[test]'")
    text = (project / "docs" / "scale.md").read_text(encoding="utf-8")
    query = re.search(r"```sql\n(.*?)```", text, re.S).group(1)  # the first: a series
    monkeypatch.chdir(project)
    rows = duckdb.sql(query).fetchall()
    expected = jants.series("persons_killed", path=project).sort_values(["observation_date", "observation_id"])
    assert [(str(r[0]), r[1], r[3]) for r in rows] == [
        (d.strftime("%Y-%m-%d"), v, s) for d, v, s in zip(expected.observation_date, expected.value, expected.status.astype(str))]
    assert ("2022-01-09", 164.0, "retracted") in [(str(r[0]), r[1], r[3]) for r in rows]


def key_checks(project) -> str:
    return re.search(r"```sql check\n(.*?)```", (project / "docs" / "scale.md").read_text(encoding="utf-8"), re.S).group(1)


def test_duckdb_key_checks_pass_on_the_shipped_package(project, monkeypatch):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra: pip install -e '.[test]'")
    monkeypatch.chdir(project)
    assert duckdb.sql(key_checks(project)).fetchall() == []


def test_duckdb_key_checks_find_each_broken_row(project, package, monkeypatch):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra: pip install -e '.[test]'")
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = package / "data" / "observations.parquet"
    table = pq.read_table(path)
    ids = table.column("observation_id").to_pylist()
    broken = {"series_id": (1, "no_such_series"), "unit": (2, "parsecs"), "value": (3, -5.0), "observation_id": (4, ids[0])}
    for column, (row, value) in broken.items():
        cells = table.column(column).to_pylist()
        cells[row] = value
        table = table.set_column(table.schema.get_field_index(column), column, pa.array(cells, table.schema.field(column).type))
    pq.write_table(table, path)
    monkeypatch.chdir(package)
    found = duckdb.sql(key_checks(project)).fetchall()
    assert [(code, observation) for code, observation, _ in found] == [
        ("constraint-error", ids[3]),
        ("foreign-key-error", ids[1]),
        ("primary-key-error", ids[0]),
        ("unit-error", ids[2]),
    ]
    details = [detail for _, _, detail in found]
    assert details[:3] == ["value -5.0", "series_id no_such_series", "2 rows"] and details[3].startswith("parsecs is not ")
