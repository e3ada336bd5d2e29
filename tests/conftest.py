"""Shared fixtures: the shipped package, copies of it to break, and the source texts."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from jants.files import file_digest

PROJECT = Path(__file__).resolve().parents[1]
SOURCES = PROJECT.parent / "shared" / "sources"


@pytest.fixture(scope="session")
def project() -> Path:
    return PROJECT


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    if not SOURCES.is_dir():
        pytest.skip(f"source texts not found at {SOURCES} (clone with ../shared beside the project to check provenance)")
    return SOURCES


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of the shipped package (descriptor and data/) to mutate."""
    target = tmp_path / "package"
    target.mkdir()
    shutil.copy(PROJECT / "datapackage.json", target / "datapackage.json")
    shutil.copytree(PROJECT / "data", target / "data")
    return target


@pytest.fixture
def scratch(tmp_path) -> Path:
    """An empty folder beside the package, for files a mutation puts outside it."""
    path = tmp_path / "scratch"
    path.mkdir()
    return path


@pytest.fixture
def curation(tmp_path) -> Path:
    """A copy of the curated input to mutate."""
    target = tmp_path / "project"
    target.mkdir()
    shutil.copytree(PROJECT / "curation", target / "curation")
    return target / "curation"


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def set_cell(package: Path, table: str, row: int, field: str, value: str, rehash_all: bool = True) -> None:
    """Set one cell of data/<table>.csv (row as in a spreadsheet: header is 1)."""
    path = package / "data" / f"{table}.csv"
    rows = read_rows(path)
    rows[row - 1][rows[0].index(field)] = value
    write_rows(path, rows)
    if rehash_all:
        rehash(package)


def rehash(package: Path) -> None:
    """Make bytes and hash of every resource match its file, so only the intended check fails."""
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        file = package / resource["path"]
        if file.is_file():
            size, sha256 = file_digest(file)
            resource["bytes"], resource["hash"] = size, f"sha256:{sha256}"
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def derive_figures(package: Path) -> None:
    """Write the derived figures table again from the package's tables, as jants build does,
    for a mutation of a table it is joined from (only the intended check should fail)."""
    import pyarrow.csv as pv

    from jants import model
    from jants.build import figures_table, write_parquet
    from jants.csvtext import write_csv

    tables = {}
    for name in model.TABLES:
        path = package / "data" / f"{name}.csv"
        names = pv.read_csv(path).column_names
        options = pv.ConvertOptions(column_types={n: "string" for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False)
        tables[name] = pv.read_csv(path, convert_options=options)
    figures = figures_table(tables)
    write_csv(package / "data" / "figures.csv", figures)
    write_parquet(package / "data" / "figures.parquet", "figures", figures)
    rehash(package)


def edit_descriptor(package: Path, change) -> None:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def without_parquet(package: Path) -> None:
    """Drop the Parquet copies, for mutations of a CSV whose Parquet would then differ."""
    edit_descriptor(package, lambda d: d.update(resources=[r for r in d["resources"] if "copyOf" not in r]))


def row_of(package: Path, table: str, field: str, value: str) -> int:
    rows = read_rows(package / "data" / f"{table}.csv")
    column = rows[0].index(field)
    for number, row in enumerate(rows[1:], 2):
        if row[column] == value:
            return number
    raise LookupError(f"{value!r} not in {table}.{field}")


def reference_verdict(target: Path) -> bool | None:
    """frictionless-py's valid/invalid for the package in TARGET, or None when it cannot
    read the package at all (no verdict to compare)."""
    frictionless = pytest.importorskip("frictionless")
    try:
        return frictionless.validate(str(target / "datapackage.json")).valid
    except Exception:  # noqa: BLE001 - a package the reference cannot load
        return None
