"""Reading a Parquet resource and comparing a Parquet copy (`copyOf`) with its CSV."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..formatting import format_number
from ..limits import current as current_limits
from ..problems import Problem
from .arrays import mask
from .constraints import check_columns
from .csvfile import check_blank_rows, check_header, clean_message, schema_missing_values
from .keys import check_primary_key
from .table import MAX_PROBLEMS_PER_CHECK, TypedTable, decoded, report_rows, show

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "year": pa.int64(),
}


def read_parquet(path: Path, file: str) -> tuple[pa.Table | None, list[Problem]]:
    import pyarrow.parquet as pq

    try:
        problem = parquet_bounds(pq.ParquetFile(path), path, file)
        if problem:
            return None, [problem]
        table = pq.read_table(path)
        table.column_names  # noqa: B018 - names are decoded here, and may not be UTF-8
        table.validate(full=True)  # string cells are valid UTF-8
        return table, []
    except UNREADABLE_PARQUET as error:
        return None, [_parquet_error(error, file)]


UNREADABLE_PARQUET = (pa.ArrowException, OSError, UnicodeDecodeError)  # names and text cells may not be UTF-8


def parquet_bounds(parquet, path: Path, file: str) -> Problem | None:
    """Refuse, from the file's metadata alone, a Parquet file that would expand past the
    limits: too many rows or columns, or a table in memory far larger than the file (the
    zip-bomb rule of archive.py). Its size in memory is taken as the larger of the sizes
    the metadata declares and 8 bytes per cell."""
    limits = current_limits()
    metadata = parquet.metadata
    rows, columns = metadata.num_rows, metadata.num_columns
    declared = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    expanded = max(declared, rows * max(columns, 1) * 8)
    size = path.stat().st_size
    if rows > limits.max_parquet_rows:
        return Problem(
            "parquet-too-large", f"{rows} rows, more than {limits.max_parquet_rows}, the most jants reads (raise it with JANTS_MAX_PARQUET_ROWS)", file=file
        )
    if columns > limits.max_columns:
        return Problem(
            "too-many-columns", f"{columns} columns, more than {limits.max_columns}, the most jants reads (raise it with JANTS_MAX_COLUMNS)", file=file
        )
    if expanded > limits.max_parquet_bytes:
        return Problem(
            "parquet-too-large", f"expands to about {expanded} bytes, more than {limits.max_parquet_bytes} (raise it with JANTS_MAX_PARQUET_BYTES)", file=file
        )
    if expanded > max(limits.max_parquet_ratio * size, limits.parquet_ratio_floor):
        return Problem(
            "parquet-too-large",
            f"a {size}-byte file that expands to about {expanded} bytes ({rows} rows), more than {limits.max_parquet_ratio} times its size; refusing a possible decompression bomb (raise it with JANTS_MAX_PARQUET_RATIO)",
            file=file,
        )
    return None


def _parquet_error(error: Exception, file: str, field: str | None = None) -> Problem:
    return Problem("parquet-error", f"cannot be read as Parquet: {clean_message(str(error))}", file=file, field=field)


def read_typed_parquet(path: Path, resource: dict, file: str) -> tuple[TypedTable | None, list[Problem]]:
    """A tabular Parquet resource: its columns, as text, go through the same checks as CSV."""
    parquet, problems = read_parquet(path, file)
    if parquet is None:
        return None, problems
    header = parquet.column_names
    fields = resource["schema"]["fields"]
    problems += check_header(header, fields, file)
    try:
        as_text = pa.table([_as_text(parquet.column(i)) for i in range(parquet.num_columns)], names=[f"f{i}" for i in range(parquet.num_columns)])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        return None, problems + [Problem("parquet-error", f"column cannot be read as text: {clean_message(str(error))}", file=file)]
    table = TypedTable(name=resource["name"], file=file, num_rows=parquet.num_rows)
    missing = schema_missing_values(resource["schema"])
    columns = as_text.columns
    del as_text
    problems += check_columns(header, columns, fields, table, missing)
    problems += check_blank_rows(header, columns, table, missing)
    problems += check_primary_key(resource["schema"], table)
    return table, problems


def _as_text(column) -> pa.Array:
    column = column.combine_chunks()
    if pa.types.is_floating(column.type):
        return pa.array([None if v is None else format_number(v) for v in column.to_pylist()], pa.string())
    return column.cast(pa.string())


def check_parquet_copy(path: Path, file: str, csv_table: TypedTable, fields: list[dict]) -> list[Problem]:
    """A Parquet copy of a CSV table must have the same columns, types and values.

    The file is read one column at a time, in batches of rows, so that memory holds one
    batch of one column of it besides the CSV's table.
    """
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        names, num_rows = parquet.schema_arrow.names, parquet.metadata.num_rows
        too_large = parquet_bounds(parquet, path, file)
    except UNREADABLE_PARQUET as error:
        return [_parquet_error(error, file)]
    if too_large:
        return [too_large]
    expected = [f["name"] for f in fields]
    if names != expected:
        return [Problem("parquet-mismatch", f"columns {names} differ from the CSV's {expected}", file=file)]
    if num_rows != csv_table.num_rows:
        return [Problem("parquet-mismatch", f"{num_rows} rows, the CSV has {csv_table.num_rows}", file=file)]
    problems: list[Problem] = []
    types = {name: parquet.schema_arrow.field(name).type for name in names}
    kept = {spec["name"]: _kept(csv_table.columns, spec["name"]) for spec in fields}
    encoded = [
        name
        for name, column in kept.items()
        if isinstance(column, pa.DictionaryArray) and pa.types.is_string(column.type.value_type) and pa.types.is_string(types[name])
    ]
    if encoded:  # text the CSV's table keeps dictionary-encoded is read so from Parquet too, and compared through its distinct values
        try:
            parquet = pq.ParquetFile(path, read_dictionary=encoded)
        except UNREADABLE_PARQUET as error:
            return [_parquet_error(error, file)]
    for spec in fields:
        name = spec["name"]
        want = ARROW_TYPES.get(spec.get("type", "string"), pa.string())
        found = types[name]
        if found != want:
            problems.append(Problem("parquet-mismatch", f"type {found} differs from the schema's {spec.get('type', 'string')} ({want})", file=file, field=name))
            continue
        try:
            differs, shown = _differing_rows(parquet, name, kept[name])
        except UNREADABLE_PARQUET as error:
            return problems + [_parquet_error(error, file, name)]
        if differs is None:
            continue
        problems += report_rows(differs, csv_table, name, "parquet-mismatch", lambda v: f"Parquet value {show(v)} differs from the CSV", shown, file=file)
    return problems


def _kept(columns, name: str) -> pa.Array | None:
    """A column as its table keeps it (dictionary-encoded where it is), so that it is
    compared without being made whole."""
    if name not in columns:
        return None
    stored = getattr(columns, "stored", None)
    return stored(name) if stored is not None else columns[name]


BATCH_ROWS = 1 << 16


def _differing_rows(parquet, name: str, theirs: pa.Array | None) -> tuple[np.ndarray | None, pa.Array | None]:
    """Rows where a Parquet column differs from the CSV's typed column, and the Parquet
    values of the first of them (the rest null), read in batches."""
    masks: list[np.ndarray] = []
    first: dict[int, object] = {}
    offset = 0
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=[name], use_threads=False):
        column = batch.column(0)
        column.validate(full=True)  # string cells are valid UTF-8 (of a dictionary-encoded column: its distinct values)
        if theirs is not None:
            differs = ~_same(column, theirs.slice(offset, len(column)))
            for index in np.flatnonzero(differs)[: MAX_PROBLEMS_PER_CHECK - len(first)]:
                first[offset + int(index)] = column[int(index)].as_py()
            masks.append(differs)
        offset += len(column)
    if theirs is None:
        return None, None
    return (np.concatenate(masks) if masks else np.zeros(0, dtype=bool)), cast(pa.Array, FirstValues(first))


def _same(column: pa.Array, mine: pa.Array) -> np.ndarray:
    """Where two columns hold the same value (both null, or both NaN, counts as the same)."""
    if isinstance(column, pa.DictionaryArray) and isinstance(mine, pa.DictionaryArray) and column.type.value_type == mine.type.value_type:
        # each distinct value of both dictionaries (which may repeat values) gets one number
        numbers = pa.concat_arrays([column.dictionary, mine.dictionary]).dictionary_encode().indices
        ours = numbers.take(column.indices)
        theirs = numbers.take(pc.add(mine.indices.cast(pa.int32()), len(column.dictionary)))
        return mask(pc.or_kleene(pc.equal(ours, theirs), pc.and_(pc.is_null(ours), pc.is_null(theirs))))
    column, mine = decoded(column), decoded(mine)
    if mine.type != column.type:
        mine = mine.cast(column.type)
    same = pc.or_kleene(pc.equal(column, mine), pc.and_(pc.is_null(column), pc.is_null(mine)))
    if pa.types.is_floating(column.type):  # NaN is the same value in both, though not equal to itself
        same = pc.or_kleene(same, pc.and_kleene(pc.is_nan(column), pc.is_nan(mine)))
    return mask(same)


class FirstValues:
    """The Parquet values of the first differing rows, by row position: all that
    `report_rows` shows of a column."""

    def __init__(self, values: dict[int, object]):
        self.values = values

    def __getitem__(self, index: int) -> pa.Scalar:
        return pa.scalar(self.values.get(index))
