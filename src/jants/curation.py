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

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .report import PackageError, Problem

OBSERVATION_COLUMNS = [name for name in model.field_names("observations") if name != "source_id"]


@dataclass(frozen=True)
class Origin:
    file: str
    row: int


@dataclass
class CuratedTable:
    name: str
    rows: list[dict[str, str]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)


@dataclass
class Curation:
    root: Path
    metadata: dict
    tables: dict[str, CuratedTable]

    def origin(self, table: str, row: int) -> Origin | None:
        """Curated file and line of a published table's spreadsheet row (header = 1)."""
        origins = self.tables[table].origins
        index = row - 2
        return origins[index] if 0 <= index < len(origins) else None


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)


def read_csv_file(path: Path, columns: list[str], root: Path, extra: dict[str, str] | None = None) -> CuratedTable:
    name = _relative(path, root)
    table = CuratedTable(name=name)
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream, strict=True)
            header = next(reader, None)
            if header != columns:
                missing = [c for c in columns if c not in (header or [])]
                unexpected = [c for c in header or [] if c not in columns]
                detail = f"missing {missing}" if missing else f"unexpected {unexpected}" if unexpected else "columns out of order"
                raise PackageError(Problem("curation-error", f"header must be {','.join(columns)} ({detail})", file=name, row=1))
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != len(columns):
                    raise PackageError(Problem("curation-error", f"row has {len(row)} cells, expected {len(columns)}", file=name, row=line))
                values = {column: value.strip() if column not in ("evidence",) else value for column, value in zip(columns, row)}
                if extra:
                    values.update(extra)
                table.rows.append(values)
                table.origins.append(Origin(name, line))
    except UnicodeDecodeError as error:
        raise PackageError(Problem("curation-error", f"not UTF-8 ({error.reason})", file=name))
    except csv.Error as error:
        raise PackageError(Problem("curation-error", f"not valid CSV: {error}", file=name, row=reader.line_num))
    except FileNotFoundError:
        raise PackageError(Problem("curation-error", "file is missing", file=name))
    return table


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
    observations = CuratedTable(name="observations")
    source_ids = [row["source_id"] for row in tables["sources"].rows]
    files = sorted((root / "observations").glob("*.csv"))
    for path in files:
        if path.stem not in source_ids:
            raise PackageError(Problem("curation-error", f"file name {path.stem!r} is not a source_id of sources.csv", file=_relative(path, root)))
    for source_id in source_ids:
        path = root / "observations" / f"{source_id}.csv"
        if not path.exists():
            continue
        part = read_csv_file(path, OBSERVATION_COLUMNS, root, extra={"source_id": source_id})
        observations.rows += part.rows
        observations.origins += part.origins
    tables["observations"] = observations
    return Curation(root=root, metadata=metadata, tables=tables)
