"""Read the curated input, the one source of truth of the dataset.

Layout of `curation/`:

- `package.json`: title, version, created, licences, contributors, coverage;
- `bodies.csv`, `sources.csv`, `metrics.csv`, `series.csv`, `discrepancies.csv`: one row
  per item, with the same columns as the published table;
- `observations/<source_id>.csv`: the figures of one source document in the order of its
  lines, so that a reviewer can read them beside the text. The source id comes from the
  file name; the other columns are those of the published observations table.

Every published row remembers the curated file and line it came from (`Origin`), so
that a problem found in a published table can be reported where a person fixes it.
"""

from __future__ import annotations

import codecs
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import model
from .problems import PackageError, Problem

OBSERVATION_COLUMNS = [name for name in model.field_names("observations") if name != "source_id"]
UNSTRIPPED = ("evidence",)  # cells kept exactly as typed; the others lose surrounding whitespace


@dataclass(frozen=True)
class Origin:
    file: str
    row: int


@dataclass
class CuratedTable:
    """A curated table as string columns ("" where empty), with the file and line of each row."""

    name: str
    columns: pa.Table
    files: list[str] = field(default_factory=list)
    file_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    lines: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def rows(self) -> list[dict[str, str]]:
        return self.columns.to_pylist()

    def origin(self, index: int) -> Origin | None:
        if 0 <= index < len(self.lines):
            return Origin(self.files[int(self.file_index[index])], int(self.lines[index]))
        return None

    @classmethod
    def concat(cls, name: str, parts: list[CuratedTable], columns: list[str]) -> CuratedTable:
        if not parts:
            return cls(name, pa.table({column: pa.array([], pa.string()) for column in columns}))
        return cls(
            name,
            pa.concat_tables([part.columns.select(columns) for part in parts]),
            [part.files[0] for part in parts],
            np.concatenate([np.full(len(part.lines), i, dtype=np.int32) for i, part in enumerate(parts)]),
            np.concatenate([part.lines for part in parts]),
        )


@dataclass
class Curation:
    root: Path
    metadata: dict
    tables: dict[str, CuratedTable]

    def origin(self, table: str, row: int) -> Origin | None:
        """Curated file and line of a published table's spreadsheet row (header = 1)."""
        return self.tables[table].origin(row - 2)


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)


def read_csv_file(path: Path, columns: list[str], root: Path, extra: dict[str, str] | None = None) -> CuratedTable:
    """Read one curated CSV file; pyarrow when the file is plain, the csv module otherwise.

    The csv module (strict) is the reference: it gives the exact line of every row and
    the exact error. pyarrow reads the same cells many times faster, so it is used
    whenever nothing could make the two disagree: no blank lines, no line breaks inside
    cells, no stray quote characters, no malformed rows.
    """
    name = _relative(path, root)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PackageError(Problem("curation-error", "file is missing", file=name))
    table = _read_plain(data, columns)
    if table is None:
        cells, lines = _read_strict(path, name, columns)
    else:
        header = [table.column(i)[0].as_py() for i in range(table.num_columns)]
        _check_header(header, columns, name)
        cells = [values.combine_chunks() for values in table.slice(1).columns]
        lines = np.arange(2, table.num_rows + 1)
    columns_out = {}
    for column, values in zip(columns, cells):
        columns_out[column] = values if column in UNSTRIPPED else pc.utf8_trim_whitespace(values)
    for column, value in (extra or {}).items():
        columns_out[column] = pa.array(np.full(len(lines), value, dtype=object), pa.string())
    return CuratedTable(name, pa.table(columns_out), [name], np.zeros(len(lines), dtype=np.int32), lines)


def _stray_quote(data: bytes) -> bool:
    """A quote character that neither opens nor closes a cell nor is doubled (the csv module may reject it)."""
    chars = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(chars == ord('"'))
    if not len(quotes):
        return False
    before = np.where(quotes > 0, chars[np.maximum(quotes - 1, 0)], ord("\n"))
    after = np.where(quotes < len(chars) - 1, chars[np.minimum(quotes + 1, len(chars) - 1)], ord("\n"))
    opens = np.isin(before, [ord(","), ord("\n"), ord('"')])
    closes = np.isin(after, [ord(","), ord("\n"), ord('"')])
    return bool((~opens & ~closes).any())


def _read_plain(data: bytes, columns: list[str]) -> pa.Table | None:
    """The file as string columns, or None unless every row is one line of the right width."""
    if not data or data.startswith((b"\n", codecs.BOM_UTF8)) or b"\n\n" in data or b"\r" in data or _stray_quote(data):
        return None
    invalid = []

    def skip(row) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(len(columns))},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if invalid or table.num_columns != len(columns) or table.num_rows != lines:
        return None  # also when a quoted cell spans lines: fewer rows than lines
    return table


def _check_header(header: list[str] | None, columns: list[str], name: str) -> None:
    if header != columns:
        missing = [c for c in columns if c not in (header or [])]
        unexpected = [c for c in header or [] if c not in columns]
        detail = f"missing {missing}" if missing else f"unexpected {unexpected}" if unexpected else "columns out of order"
        raise PackageError(Problem("curation-error", f"header must be {','.join(columns)} ({detail})", file=name, row=1))


def _read_strict(path: Path, name: str, columns: list[str]) -> tuple[list[pa.Array], np.ndarray]:
    """String columns and the line of each row, by the strict csv module, after the header."""
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream, strict=True)
            _check_header(next(reader, None), columns, name)
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != len(columns):
                    raise PackageError(Problem("curation-error", f"row has {len(row)} cells, expected {len(columns)}", file=name, row=line))
                rows.append(row)
                lines.append(line)
    except UnicodeDecodeError as error:
        raise PackageError(Problem("curation-error", f"not UTF-8 ({error.reason})", file=name))
    except csv.Error as error:
        raise PackageError(Problem("curation-error", f"not valid CSV: {error}", file=name, row=reader.line_num))
    cells = [pa.array([row[i] for row in rows], pa.string()) for i in range(len(columns))]
    return cells, np.array(lines, dtype=np.int64)


def read_curation(root: str | Path) -> Curation:
    root = Path(root)
    metadata_path = root / "package.json"
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(Problem("curation-error", "file is missing", file=_relative(metadata_path, root)))
    except json.JSONDecodeError as error:
        raise PackageError(Problem("curation-error", f"not valid JSON: {error.msg}", file=_relative(metadata_path, root), row=error.lineno))
    tables = {}
    for name in model.TABLES:
        if name == "observations":
            continue
        tables[name] = read_csv_file(root / f"{name}.csv", model.field_names(name), root)
    source_ids = tables["sources"].columns.column("source_id").to_pylist()
    files = sorted((root / "observations").glob("*.csv"))
    for path in files:
        if path.stem not in source_ids:
            raise PackageError(Problem("curation-error", f"file name {path.stem!r} is not a source_id of sources.csv", file=_relative(path, root)))
    parts = []
    for source_id in source_ids:
        path = root / "observations" / f"{source_id}.csv"
        if path.exists():
            parts.append(read_csv_file(path, OBSERVATION_COLUMNS, root, extra={"source_id": source_id}))
    tables["observations"] = CuratedTable.concat("observations", parts, model.field_names("observations"))
    return Curation(root=root, metadata=metadata, tables=tables)
