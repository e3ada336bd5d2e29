"""Build the published package from the curated input, atomically.

curation/ -> rows normalised by type -> data/*.csv -> validated -> data/*.parquet ->
datapackage.json -> validated again -> swapped into place. The build works in a
temporary directory beside the target and touches the published files only when the
new package is valid; a lock keeps two builds from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import model
from .csvtext import write_csv
from .curation import Curation, read_curation
from .files import file_digest
from .flat import figures_join
from .formatting import format_number
from .problems import PackageError, Problem, Report
from .tableschema.parquet import ARROW_TYPES
from .tableschema.types import convert_column
from .validate import SWAP_JOURNAL as JOURNAL_NAME
from .validate import validate_package

DATA_DIR = "data"
LOCK_NAME = ".jants-build.lock"
BUILD_PREFIX = ".jants-build-"


class BuildError(Exception):
    def __init__(self, report: Report):
        super().__init__(report.to_text())
        self.report = report


# Rows to files ---------------------------------------------------------------------


def normalise(value: str, type_: str) -> str:
    """Canonical text of a cell: NFC text, numbers without separators or trailing .0."""
    value = unicodedata.normalize("NFC", value)
    if value == "" or type_ not in ("number", "integer"):
        return value
    try:
        number = float(value)
    except ValueError:
        return value  # left as typed; the validator reports it
    if type_ == "integer" and number.is_integer():
        return str(int(number))
    return format_number(number) if type_ == "number" else value


def normalise_column(values: pa.Array, type_: str) -> pa.Array:
    """`normalise` over a whole column: whole numbers below 10^15 in bulk, anything else cell by cell."""
    if not pc.all(pc.string_is_ascii(values)).as_py():  # ASCII text is already NFC
        values = pc.utf8_normalize(values, "NFC")
    if type_ not in ("number", "integer"):
        return values
    present = np.asarray(pc.not_equal(values, "").to_numpy(zero_copy_only=False), dtype=bool)
    try:
        numbers = pc.cast(values.filter(pa.array(present)), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([normalise(value, type_) for value in values.to_pylist()], pa.string())
    whole = np.isfinite(numbers) & (np.abs(numbers) < 1e15) & (numbers == np.floor(numbers))
    text = pa.array(np.where(whole, numbers, 0).astype(np.int64)).cast(pa.string())
    if not whole.all():
        originals = values.filter(pa.array(present)).to_pylist()
        text = text.to_pylist()
        for i in np.flatnonzero(~whole):
            text[i] = normalise(originals[i], type_)
        text = pa.array(text, pa.string())
    return pc.replace_with_mask(values, pa.array(present), text)


def normalised_table(curation: Curation, name: str) -> pa.Table:
    """The curated table in published column order, every cell in canonical text ("" where empty)."""
    table = curation.tables[name].columns
    columns = {}
    for spec in model.schema(name)["fields"]:
        values = table.column(spec["name"]).combine_chunks() if spec["name"] in table.column_names else pa.array([""] * table.num_rows, pa.string())
        columns[spec["name"]] = normalise_column(values, spec.get("type", "string"))
    return pa.table(columns)


def write_parquet(path: Path, name: str, table: pa.Table) -> None:
    """The typed table as Parquet; the validation that follows compares it cell by cell with the CSV."""
    import pyarrow.parquet as pq

    fields = model.schema(name)["fields"]
    columns = [typed_column(table.column(spec["name"]).combine_chunks(), spec) for spec in fields]
    pq.write_table(pa.table(columns, names=[f["name"] for f in fields]), path, compression="zstd", write_statistics=False, store_schema=False)


def figures_table(tables: dict[str, pa.Table]) -> pa.Table:
    """The derived figures table, joined from the canonical text of the model's tables."""
    columns = {name: {column: table.column(column).combine_chunks() for column in table.column_names} for name, table in tables.items()}
    return pa.table(figures_join(columns))


def typed_column(text: pa.Array, spec: dict) -> pa.Array:
    """Canonical text to the column's Arrow type: a plain cast, or the validator's conversion if that fails."""
    raw = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    target = ARROW_TYPES[spec.get("type", "string")]
    if target == pa.string():
        return raw
    try:
        return pc.cast(raw, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        typed, _, _ = convert_column(raw, spec)
        return typed.cast(target)


def make_descriptor(curation: Curation, root: Path) -> dict:
    meta = curation.metadata
    resources = []
    for name, (schema, description) in model.PUBLISHED.items():
        csv_path = f"{DATA_DIR}/{name}.csv"
        size, sha256 = file_digest(root / csv_path)
        resources.append(
            {
                "name": name,
                "path": csv_path,
                "profile": "tabular-data-resource",
                "title": name.capitalize(),
                "description": description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": size,
                "hash": f"sha256:{sha256}",
                "schema": schema,
            }
        )
    for name in model.PUBLISHED:
        parquet_path = f"{DATA_DIR}/{name}.parquet"
        size, sha256 = file_digest(root / parquet_path)
        resources.append(
            {
                "name": f"{name}-parquet",
                "path": parquet_path,
                "title": f"{name.capitalize()} (Parquet)",
                "description": f"The {name} table in Parquet, with the same columns, types and rows as {name}.csv. "
                "Described as a file (format bin) so that generic tools verify its bytes and hash; "
                "jants validate also compares its rows with the CSV.",
                "format": "bin",
                "mediatype": "application/vnd.apache.parquet",
                "bytes": size,
                "hash": f"sha256:{sha256}",
                "copyOf": name,
            }
        )
    sources = [{"title": row["title"], **({"path": row["url"]} if row.get("url") else {})} for row in curation.tables["sources"].rows]
    descriptor = {
        "profile": "data-package",
        "name": meta["name"],
        "title": meta["title"],
        "description": meta["description"],
        "version": meta["version"],
        "created": meta["created"],
        "homepage": meta.get("homepage"),
        "keywords": meta.get("keywords", []),
        "licenses": meta["licenses"],
        "contributors": meta["contributors"],
        "sources": sources,
        "coverage": meta["coverage"],
        "resources": resources,
    }
    return {k: v for k, v in descriptor.items() if v is not None}


def write_descriptor(path: Path, descriptor: dict) -> None:
    path.write_bytes((json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def write_package(curation: Curation, root: Path, sources_dir: Path | None) -> Report:
    """Write CSVs, Parquet and the descriptor, then check them all; return the report."""
    (root / DATA_DIR).mkdir(parents=True, exist_ok=True)
    tables = {name: normalised_table(curation, name) for name in model.TABLES}
    tables["figures"] = figures_table(tables)
    for name, table in tables.items():
        write_csv(root / DATA_DIR / f"{name}.csv", table)
        write_parquet(root / DATA_DIR / f"{name}.parquet", name, table)
    write_descriptor(root / "datapackage.json", make_descriptor(curation, root))
    return validate_package(root, sources_dir)


def to_curation_problems(report: Report, curation: Curation) -> Report:
    """Point problems in generated tables at the curated file and line a person edits."""
    mapped = Report(package=str(curation.root), stats=report.stats)
    for problem in report.problems:
        table = Path(problem.file).stem if problem.file and problem.file.startswith(f"{DATA_DIR}/") else None
        origin = curation.origin(table, problem.row) if table in model.TABLES and problem.row else None
        if origin:
            problem = Problem(problem.code, problem.message, file=origin.file, row=origin.row, field=problem.field, severity=problem.severity)
        mapped.problems.append(problem)
    return mapped


# Into place ------------------------------------------------------------------------


@contextlib.contextmanager
def build_lock(target: Path):
    """An exclusive lock on the target directory; released even if the process dies."""
    path = target / LOCK_NAME
    try:
        handle = open(path, "a")
    except OSError as error:
        raise PackageError(Problem("build-error", f"cannot write the package: {error.strerror} ({target})"))
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PackageError(Problem("build-locked", f"another jants build is running in {target} (lock {LOCK_NAME})"))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def swap_into_place(built: Path, target: Path) -> None:
    """Replace target's data/ and datapackage.json with the built ones.

    Two renames cannot be one atomic step, so a journal names the built folder first:
    if the process dies between the renames, the next build finishes the swap
    (`finish_interrupted_swap`) and `jants validate` reports the package as unfinished.
    """
    journal = target / JOURNAL_NAME
    pending = target / (JOURNAL_NAME + ".tmp")
    pending.write_text(built.name + "\n", encoding="utf-8")
    with open(pending, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pending, journal)
    _roll_forward(built, target)
    journal.unlink()


def _roll_forward(built: Path, target: Path) -> None:
    new_data, old_data = built / DATA_DIR, target / DATA_DIR
    retired = built / "retired-data"
    if new_data.exists():
        if old_data.exists() and not retired.exists():
            os.replace(old_data, retired)
        elif old_data.exists():
            shutil.rmtree(old_data)
        os.replace(new_data, old_data)
    if (built / "datapackage.json").exists():
        os.replace(built / "datapackage.json", target / "datapackage.json")


def finish_interrupted_swap(target: Path) -> None:
    """Complete a swap that a killed build left half done, then drop stale build folders."""
    journal = target / JOURNAL_NAME
    if journal.exists():
        built = target / journal.read_text(encoding="utf-8").strip()
        if built.name.startswith(BUILD_PREFIX) and built.parent == target and built.is_dir():
            _roll_forward(built, target)
        journal.unlink()
    (target / (JOURNAL_NAME + ".tmp")).unlink(missing_ok=True)
    for stale in target.glob(BUILD_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def build_package(curation_dir: str | Path, target: str | Path, sources_dir: str | Path | None = None) -> Report:
    """Build the package from curation_dir into target; raise BuildError if it is invalid."""
    target = Path(target).resolve()
    curation = read_curation(curation_dir)
    sources = Path(sources_dir) if sources_dir else None
    with build_lock(target):
        finish_interrupted_swap(target)
        built = Path(tempfile.mkdtemp(prefix=BUILD_PREFIX, dir=target))
        try:
            report = to_curation_problems(write_package(curation, built, sources), curation)
            if not report.valid:
                raise BuildError(report)
            swap_into_place(built, target)
        except OSError as error:
            raise PackageError(Problem("build-error", f"cannot write the package: {error.strerror or error} ({error.filename or target})"))
        finally:
            if not (target / JOURNAL_NAME).exists():  # else the next build finishes the swap from it
                shutil.rmtree(built, ignore_errors=True)
    report.package = str(target)
    return report
