"""docs/scale.md: the DuckDB query runs on the shipped Parquet tables."""

from __future__ import annotations

import re

import pytest


def test_duckdb_reads_the_parquet_tables(project, monkeypatch):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra: pip install -e '.[test]'")
    text = (project / "docs" / "scale.md").read_text(encoding="utf-8")
    query = re.search(r"```sql\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(project)
    rows = duckdb.sql(query).fetchall()
    assert [(str(r[0]), r[1]) for r in rows] == [("2022-03-18", 230.0), ("2023-01-05", 238.0)]
