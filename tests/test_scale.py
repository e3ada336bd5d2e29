"""docs/scale.md: the DuckDB query runs on the shipped Parquet tables."""

from __future__ import annotations

import re

import pytest

import jants


def test_duckdb_reads_the_parquet_tables(project, monkeypatch):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra: pip install -e '.[test]'")
    text = (project / "docs" / "scale.md").read_text(encoding="utf-8")
    query = re.search(r"```sql\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(project)
    rows = duckdb.sql(query).fetchall()
    expected = jants.series("persons_killed", path=project).sort_values(["observation_date", "observation_id"])
    assert [(str(r[0]), r[1], r[3]) for r in rows] == [
        (d.strftime("%Y-%m-%d"), v, s) for d, v, s in zip(expected.observation_date, expected.value, expected.status.astype(str))]
    assert ("2022-01-09", 164.0, "retracted") in [(str(r[0]), r[1], r[3]) for r in rows]
