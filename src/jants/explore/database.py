"""The package as a SQLite database for exploring, with Datasette metadata beside it.

Every table of the package becomes a table with its primary key, foreign keys, not-null
columns and indexes, typed from its Table Schema (integers, reals, dates as ISO text),
and full-text search (FTS5) over its free text. The database is written aside and moved
into place, and the same package gives the same bytes (same SQLite library): rows go in
in the file's order, and a VACUUM lays the pages out afresh.
"""

from __future__ import annotations

import csv
import errno
import importlib.util
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from ..files import write_atomically
from ..package import Package, Resource, load_descriptor
from ..problems import PackageError, Problem

SQLITE_TYPES = {"integer": "INTEGER", "year": "INTEGER", "boolean": "INTEGER", "number": "REAL"}  # anything else: TEXT
# Free text searched in each table, where the table has the column (FTS5).
SEARCHED = {
    "figures": [
        "evidence",
        "evidence_en",
        "note",
        "series_label",
        "metric_label",
        "body_label",
        "body_name",
        "speaker",
        "source_title",
        "publisher",
    ],
    "observations": ["evidence", "evidence_en", "note", "speaker", "source_section"],
    "series": ["label"],
    "metrics": ["label", "definition"],
    "bodies": ["name", "short_name"],
    "sources": ["title", "publisher", "description"],
    "discrepancies": ["explanation"],
}
FACETS = {
    "figures": ["body_label", "body_type", "topic", "status", "qualifier"],
    "observations": ["body_id", "status", "qualifier", "unit"],
    "series": ["metric_id", "breakdown"],
    "metrics": ["topic", "kind", "unit"],
    "bodies": ["body_type", "kind"],
    "sources": ["source_kind", "source_type", "language"],
    "discrepancies": ["kind"],
}
LABELS = {"bodies": "short_name", "series": "label", "metrics": "label", "sources": "title"}  # what Datasette shows for a foreign key
SORTED_BY = {"figures": "observation_date", "observations": "observation_date"}
APPLICATION_ID = int.from_bytes(b"jnts", "big")  # in the SQLite header: marks a database jants wrote
TOKENIZER = "unicode61 remove_diacritics 2"  # case and accents folded, in every script


def metadata_path(database: Path) -> Path:
    """Where the Datasette metadata of DATABASE goes: jants.db -> jants.metadata.json."""
    return database.with_name(database.stem + ".metadata.json")


def write_database(root: Path, target: Path, replace: bool = False) -> tuple[Path, Path]:
    """Write the package at ROOT to the SQLite file TARGET and its Datasette metadata
    beside it; return both paths. A package that does not validate is refused with its
    errors: keys and types are only what the schemas say of a valid package. An existing
    TARGET is replaced only if jants wrote it (or REPLACE): any other file is kept.
    Unwritable paths raise OSError naming TARGET."""
    from ..validate import validate_package

    target = Path(target)
    check_target(target, replace)
    report = validate_package(root)
    if not report.valid:
        raise PackageError(report.errors[0], report.errors)
    package = load_descriptor(root)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    os.close(handle)
    try:
        fill_database(package, Path(temporary))
        os.chmod(temporary, 0o644)  # readable as any file a command writes, not private as a temporary one
        write_atomically(metadata_path(target), (json.dumps(datasette_metadata(package, target.stem), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        os.replace(temporary, target)
    except sqlite3.Error as error:  # a disk full while SQLite writes
        raise OSError(errno.EIO, str(error), str(target)) from None
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target, metadata_path(target)


def written_by_jants(path: Path) -> bool:
    """Whether PATH is a SQLite database that jants wrote: the SQLite header, and jants's
    application id in it (offset 68)."""
    try:
        with open(path, "rb") as stream:
            header = stream.read(100)
    except OSError:
        return False
    return len(header) == 100 and header[:16] == b"SQLite format 3\x00" and int.from_bytes(header[68:72], "big") == APPLICATION_ID


def check_target(target: Path, replace: bool = False) -> None:
    """Refuse, before anything is written, to overwrite a file jants did not write: a
    folder, or any other file unless REPLACE."""
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(target))
    if target.exists() and not replace and not written_by_jants(target):
        raise FileExistsError(errno.EEXIST, "the file exists and is not a database jants wrote; --replace overwrites it", str(target))
    beside = metadata_path(target)
    if beside.exists() and not replace and not _metadata_of(beside, target.stem):
        raise FileExistsError(errno.EEXIST, f"{beside.name} beside it exists and is not metadata jants wrote; --replace overwrites it", str(target))


def _metadata_of(path: Path, name: str) -> bool:
    """Whether PATH is Datasette metadata jants wrote for the database NAME."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(metadata, dict) and isinstance(metadata.get("databases"), dict) and name in metadata["databases"]


def database_bytes(root: Path, name: str = "jants") -> tuple[bytes, bytes]:
    """The database and its metadata as bytes (for a release archive), built in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="jants-db-") as folder:
        database, metadata = write_database(root, Path(folder) / f"{name}.db")
        return database.read_bytes(), metadata.read_bytes()


def fill_database(package: Package, path: Path) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode = OFF")  # a temporary file, moved into place only when complete
    db.execute("PRAGMA synchronous = OFF")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    try:
        for resource in _in_reference_order(package.tables()):
            _add_table(db, package, resource)
        db.vacuum()
    finally:
        db.close()


def _in_reference_order(resources: list[Resource]) -> list[Resource]:
    """Tables after the tables their foreign keys point to (the package's order otherwise)."""
    names = {r.name for r in resources}
    ordered: list[Resource] = []
    pending = list(resources)
    while pending:
        done = {r.name for r in ordered}
        ready = [r for r in pending if all(fk.resource in done or fk.resource in ("", r.name) or fk.resource not in names for fk in r.foreign_keys)]
        ready = ready or pending[:1]  # a cycle: keep the package's order
        ordered.append(ready[0])
        pending.remove(ready[0])
    return ordered


def _add_table(db, package: Package, resource: Resource) -> None:
    fields = resource.fields
    columns = {f["name"]: SQLITE_TYPES.get(f.get("type", "string"), "TEXT") for f in fields}
    not_null = [f["name"] for f in fields if (f.get("constraints") or {}).get("required")]
    foreign_keys = [
        (fk.fields[0], fk.resource or resource.name, fk.reference_fields[0])
        for fk in resource.foreign_keys
        if len(fk.fields) == 1 and len(fk.reference_fields) == 1 and (fk.resource or resource.name) in db.table_names() + [resource.name]
    ]
    table = db[resource.name]
    table.create(columns, pk=_key(resource.primary_key), foreign_keys=foreign_keys, not_null=not_null, strict=db.supports_strict)
    names = ", ".join(_quoted(name) for name in columns)
    with db.conn:  # one transaction; plain executemany, as sqlite-utils' insert_all costs 4 times more per row
        db.conn.executemany(f"INSERT INTO {_quoted(resource.name)} ({names}) VALUES ({', '.join('?' * len(columns))})", _typed_rows(package, resource, columns))
    indexed = [column for column, _, _ in foreign_keys] + [c for c in FACETS.get(resource.name, []) if c in columns]
    for column in dict.fromkeys(c for c in indexed if c not in resource.primary_key):
        table.create_index([column])
    searched = [c for c in SEARCHED.get(resource.name, []) if c in columns]
    if searched:
        table.enable_fts(searched, fts_version="FTS5", tokenize=TOKENIZER)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _key(primary_key: list[str]):
    if not primary_key:
        return None
    return primary_key[0] if len(primary_key) == 1 else tuple(primary_key)


def _typed_rows(package: Package, resource: Resource, columns: dict[str, str]):
    """The CSV's rows as tuples of typed values: empty cells as NULL, numbers as int or float."""
    file = str(resource.path)
    with open(package.root / file, encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        for row_number, row in enumerate(reader, 2):
            typed = []
            for name, sql_type in columns.items():
                text = row.get(name) or ""
                try:
                    typed.append(None if text == "" else int(text) if sql_type == "INTEGER" else float(text) if sql_type == "REAL" else text)
                except ValueError:
                    raise PackageError(
                        Problem("type-error", f"{text!r} is not a valid {sql_type.lower()}; run jants validate", file=file, row=row_number, field=name)
                    )
            yield tuple(typed)


# Datasette ----------------------------------------------------------------------------


def datasette_metadata(package: Package, database: str) -> dict:
    """Datasette's metadata.json: the package's title, description, licence and source,
    and each table's and column's description from its schema, with facets and labels."""
    descriptor = package.descriptor
    licence = (descriptor.get("licenses") or [{}])[0]
    version = descriptor.get("version", "")
    units = _units(package)
    tables = {}
    for resource in package.tables():
        columns = {f["name"]: f.get("description", "") for f in resource.fields}
        for column in ("value", "value_upper"):
            if column in columns and "unit" in columns and units:
                columns[column] += f" In the unit of column unit ({', '.join(units)})."
        entry: dict = {"title": resource.descriptor.get("title", resource.name), "description": resource.descriptor.get("description", ""), "columns": columns}
        facets = [c for c in FACETS.get(resource.name, []) if c in columns]
        if facets:
            entry["facets"] = facets
        if LABELS.get(resource.name) in columns:
            entry["label_column"] = LABELS[resource.name]
        if SORTED_BY.get(resource.name) in columns:
            entry["sort"] = SORTED_BY[resource.name]
        tables[resource.name] = entry
    metadata = {
        "title": descriptor.get("title", descriptor.get("name", "")),
        "description": descriptor.get("description", ""),
        "license": licence.get("title") or licence.get("name", ""),
        "license_url": licence.get("path", ""),
        "source": f"jants data package, version {version}" if version else "jants data package",
        "source_url": descriptor.get("homepage") or "https://datapackage.org/",
        "databases": {
            database: {
                "description": f"Every table of the package, version {version}" + ("; start with figures." if "figures" in tables else "."),
                "tables": tables,
            }
        },
    }
    return metadata


def _units(package: Package) -> list[str]:
    """The metrics' units: every figure's unit is its metric's (checks.structure)."""
    metrics = package.resource("metrics")
    if metrics is None or metrics.path is None:
        return []
    with open(package.root / metrics.path, encoding="utf-8-sig", newline="") as stream:
        return sorted({row.get("unit") or "" for row in csv.DictReader(stream)} - {""})


def require_datasette() -> None:
    """A usage error, saying how to install it, when Datasette (an optional extra) is missing."""
    if importlib.util.find_spec("datasette") is None:
        raise PackageError(Problem("usage-error", "--serve needs Datasette: pip install 'jants[datasette]' (or pip install datasette)"))


def serve(database: Path, port: int) -> NoReturn:
    """Become Datasette serving DATABASE (with its metadata) at 127.0.0.1:PORT: the process
    is replaced, so that a signal that stops it stops the server, with nothing left behind."""
    require_datasette()
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(database),
        "--metadata",
        str(metadata_path(database)),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    sys.stdout.flush()
    os.execv(sys.executable, command)
