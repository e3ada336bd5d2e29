"""One view of a package in the jants model, built once and read by every check.

The observations table can hold millions of rows, so its joins with the small tables are
made as row positions (`Links`), a slice of rows at a time (`Links.slices`), and every
check on observations is a numpy or pyarrow operation over a slice (or once per distinct
value of a column); pandas only groups integer keys. A check's memory stays that of a
slice, not of the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import model
from ..problems import Problem
from ..tableschema.arrays import scanned, valid_mask
from ..tableschema.table import MAX_PROBLEMS_PER_CHECK, CompactColumns, Distinct, TypedTable, decoded, encoded

UPPER_BOUND_QUALIFIERS = {"exact", "at_most", "less_than", "almost", "approximately"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Optional fields added to the model after a release: a package without them is still of the
# jants model (an older release keeps its checks), and the checks read them where present.
ADDED_FIELDS = {"observations": {"date_precision"}, "figures": {"date_precision"}}


def uses_jants_model(tables: dict[str, TypedTable]) -> bool:
    return all(
        name in tables and all(field in tables[name].columns for field in model.field_names(name) if field not in ADDED_FIELDS.get(name, ()))
        for name in model.TABLES
    )


def frame(table: TypedTable, compact: bool = False) -> pd.DataFrame:
    """A table as pandas. With COMPACT, a text column kept dictionary-encoded
    (CompactColumns) becomes a categorical column, its codes and distinct values, not a
    string a row; text that does not repeat (the ids) and dates stay Arrow arrays, not a
    Python object a row."""
    data = pd.DataFrame({name: _series(table, name, compact) for name in table.columns})
    data["_row"] = _row_numbers(table)
    return data


def _row_numbers(table: TypedTable, rows: np.ndarray | None = None) -> np.ndarray:
    if table.row_numbers is not None:
        return table.row_numbers if rows is None else table.row_numbers[rows]
    numbers = np.arange(2, table.num_rows + 2, dtype=np.int32 if table.num_rows < 1 << 30 else np.int64)
    return numbers if rows is None else numbers[rows]


def _series(table: TypedTable, name: str, compact: bool, rows: np.ndarray | None = None) -> pd.Series:
    """Column NAME of TABLE as pandas (only ROWS, when given, as they are in the whole column:
    an integer column with an empty cell anywhere is float in both)."""
    columns = table.columns
    compacted = columns if compact and isinstance(columns, CompactColumns) else None
    kept = compacted.stored(name) if compacted is not None else columns[name]
    taken = kept if rows is None else kept.take(pa.array(rows, pa.int64()))
    if compacted is not None:
        if isinstance(taken, pa.DictionaryArray) and pa.types.is_string(taken.type.value_type):
            return taken.to_pandas()
        values = decoded(taken)
        if pa.types.is_string(values.type) or pa.types.is_date(values.type):
            return values.to_pandas(types_mapper=pd.ArrowDtype)
    else:
        values = taken
    series = values.to_pandas()
    if rows is not None and kept.null_count and pa.types.is_integer(values.type):
        series = series.astype("float64")  # as in the whole column, which has empty cells
    return series


class ObservationFrame:
    """The observations as the checks read them through pandas, made a column at a time
    when asked and not kept (a whole frame is 60 bytes a row or more at millions of rows),
    and as a DataFrame only for the rows a message names (`iloc`). The same values, of
    the same types, as `frame(table, compact=True)`."""

    def __init__(self, table: TypedTable):
        self.table = table

    def __len__(self) -> int:
        return self.table.num_rows

    def __contains__(self, name: object) -> bool:
        return name == "_row" or name in self.table.columns

    def __getitem__(self, name: str) -> pd.Series:
        if name == "_row":
            return pd.Series(_row_numbers(self.table))
        return _series(self.table, name, compact=True)

    @property
    def iloc(self) -> _Rows:
        return _Rows(self.table)


class _Rows:
    def __init__(self, table: TypedTable):
        self.table = table

    def __getitem__(self, rows) -> pd.DataFrame:
        rows = np.asarray(rows, dtype=np.int64)
        data = pd.DataFrame({name: _series(self.table, name, compact=True, rows=rows) for name in self.table.columns})
        data["_row"] = _row_numbers(self.table, rows)
        return data


def positions(values: pa.Array, keys: pa.Array, distinct: Distinct | None = None) -> np.ndarray:
    """Position of each value among keys, -1 where it is missing; through the values'
    distinct values when they are known."""
    if distinct is not None:
        per_value = pc.index_in(distinct.values, value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return np.where(distinct.present, per_value[distinct.positions], -1)
    return pc.index_in(values, value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def first_positions(named: list, column: pa.Array) -> np.ndarray:
    """Position of the first row of COLUMN holding each of a few NAMED values, -1 where none does.

    The same as `positions(named, column)`, but the hash table is built of the few names,
    not of a column of millions of rows."""
    found = np.full(len(named), -1, dtype=np.int64)
    if not named or not len(column):
        return found
    distinct = list(dict.fromkeys(name for name in named if isinstance(name, str)))
    value_set = pa.array(distinct, pa.string())
    which = np.asarray(scanned(column, lambda part: pc.index_in(part, value_set=value_set).fill_null(-1).to_numpy(zero_copy_only=False)), dtype=np.int64)
    hit = np.flatnonzero(which >= 0)
    names, first = np.unique(which[hit], return_index=True)
    at = dict(zip(names.tolist(), hit[first].tolist()))
    slot = {name: index for index, name in enumerate(distinct)}
    for index, name in enumerate(named):
        if isinstance(name, str) and slot[name] in at:
            found[index] = at[slot[name]]
    return found


def days(dates: pa.Array) -> np.ndarray:
    """Dates as days since 1970 (float, NaN where empty), for comparisons and grouping."""
    return np.asarray(dates.cast(pa.int32()).to_numpy(zero_copy_only=False), dtype="float64")


def isin(column: pa.Array, values) -> np.ndarray:
    value_set = pa.array(sorted(values), pa.string())
    return scanned(column, lambda part: np.asarray(pc.is_in(part, value_set=value_set).fill_null(False).to_numpy(zero_copy_only=False), dtype=bool))


CHECK_SLICE_ROWS = 1 << 21  # observations a check reads at a time (Links.slices): its arrays of a number a row stay tens of MB


class Links:
    """The observations' joins with the small tables, as row positions (-1 if unknown), and
    their dates and values as numbers. Each is made when a check first reads it, once per
    distinct value of a column kept dictionary-encoded (no column of a string a row is
    made), and let go of after that check (`forget`): 29 bytes a row in all, at millions
    of rows more than a check needs at once, so the checks read them a slice of rows at a
    time (`slices`)."""

    NAMES = ("series", "metric", "source", "date", "value", "counted")

    def __init__(self, tables: dict[str, TypedTable], rows: slice | None = None):
        """ROWS: only these observations (a range), as `slices` gives them."""
        self.tables = tables
        self.rows = rows

    @classmethod
    def of(cls, tables: dict[str, TypedTable]) -> Links:
        return cls(tables)

    def slices(self) -> Iterator[tuple[int, Links]]:
        """The observations a range of rows at a time (one empty range if there are none):
        the first row's position, and the links of the range."""
        count, size = self.tables["observations"].num_rows, CHECK_SLICE_ROWS
        if count <= size:  # one slice: these links, whose arrays a check's passes share
            yield 0, self
            return
        for start in range(0, count, size):
            yield start, Links(self.tables, slice(start, min(start + size, count)))

    @property
    def span(self) -> slice:
        """The range of observations it covers."""
        return self.rows or slice(0, self.tables["observations"].num_rows)

    def forget(self) -> None:
        for name in self.NAMES:
            self.__dict__.pop(name, None)

    def _positions_in(self, table: str, key: str) -> np.ndarray:
        """Each observation's row in TABLE, by its KEY column, in 32 bits."""
        keys = self.tables[table].columns[key]
        return per_row(self.tables["observations"], key, lambda ids: positions(ids, keys), -1, self.rows).astype(np.int32)

    @cached_property
    def series(self) -> np.ndarray:
        return self._positions_in("series", "series_id")

    @cached_property
    def metric(self) -> np.ndarray:
        series = self.tables["series"].columns
        metric_of_series = positions(series["metric_id"], self.tables["metrics"].columns["metric_id"]).astype(np.int32)
        if not len(metric_of_series):
            return np.full(len(self.series), -1, dtype=np.int32)
        return np.where(self.series >= 0, metric_of_series[self.series], np.int32(-1))

    @cached_property
    def source(self) -> np.ndarray:
        return self._positions_in("sources", "source_id")

    @cached_property
    def date(self) -> np.ndarray:
        return per_row(self.tables["observations"], "observation_date", days, np.nan, self.rows)

    @cached_property
    def value(self) -> np.ndarray:
        return per_row(self.tables["observations"], "value", numbers, np.nan, self.rows)

    @cached_property
    def counted(self) -> np.ndarray:
        """Not retracted or withdrawn."""
        return ~per_row(self.tables["observations"], "status", lambda status: isin(status, model.NOT_STANDING), False, self.rows)


class Gathered:
    """Arrays found slice by slice (Links.slices), by name, joined when read: the
    positions of the rows a check names, and values aligned with them."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {}

    def add(self, name: str, values: np.ndarray) -> None:
        self.parts.setdefault(name, []).append(values)

    def where(self, name: str, mask: np.ndarray, start: int) -> np.ndarray:
        """Add the rows of a slice starting at row START where MASK holds; give their positions in the slice."""
        rows = np.flatnonzero(mask)
        self.add(name, rows + start)
        return rows

    def __getitem__(self, name: str) -> np.ndarray:
        parts = self.parts.get(name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def numbers(values: pa.Array) -> np.ndarray:
    """Numbers as float64, NaN where empty."""
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype="float64")


def per_row(table: TypedTable, name: str, of_values, empty, rows: np.ndarray | slice | None = None) -> np.ndarray:
    """OF_VALUES (an Arrow array -> a numpy array of one result per cell, EMPTY for a null)
    over a column of TABLE (only its ROWS, positions or a range, when given): once per
    distinct value where the column is kept dictionary-encoded (CompactColumns) or its
    distinct values are known."""
    kept = encoded(table.columns, name)
    if kept is None:
        distinct = table.distinct.get(name)
        if distinct is None:
            column = table.columns[name]
            if isinstance(rows, slice):
                return of_values(column.slice(rows.start, rows.stop - rows.start))
            found = of_values(column)
            return found if rows is None else found[rows]
        values, indices, present = distinct.values, distinct.positions, distinct.present
    else:
        if isinstance(rows, slice):  # the range's positions only, not the whole column's
            kept, rows = kept.slice(rows.start, rows.stop - rows.start), None
        values, indices, present = kept.dictionary, kept.indices.fill_null(0).to_numpy(zero_copy_only=False), valid_mask(kept.indices)
    if rows is not None:
        indices, present = indices[rows], present[rows]
    found = of_values(values)
    if not len(found):
        return np.full(len(indices), empty, dtype=found.dtype)
    result = found[indices]
    if not present.all():
        result[~present] = empty
    return result


@dataclass
class ModelView:
    """The typed tables, their pandas frames, file names and links, the descriptor, and
    the folder of source texts (None: provenance is not checked)."""

    tables: dict[str, TypedTable]
    frames: dict[str, pd.DataFrame]  # the small tables
    observations: ObservationFrame
    files: dict[str, str]
    links: Links
    descriptor: dict
    sources_dir: Path | None

    @classmethod
    def of(cls, tables: dict[str, TypedTable], descriptor: dict, sources_dir: Path | None) -> ModelView:
        return cls(
            tables=tables,
            frames={name: frame(tables[name]) for name in model.TABLES if name != "observations"},
            observations=ObservationFrame(tables["observations"]),
            files={name: tables[name].file for name in model.TABLES},
            links=Links.of(tables),
            descriptor=descriptor,
            sources_dir=sources_dir,
        )


def located(
    data: pd.DataFrame | ObservationFrame,
    where: np.ndarray,
    file: str,
    field: str,
    code: str,
    message,
    severity: str = "error",
    extra: dict[str, np.ndarray] | None = None,
) -> list[Problem]:
    """Problems for the rows of DATA at WHERE (a boolean mask, or positions, repeats allowed):
    one per row up to MAX_PROBLEMS_PER_CHECK, then one line for the rest. `message` makes
    the text from the row; `extra` holds further columns for it, aligned with DATA's rows
    for a mask and with WHERE for positions."""
    where = np.asarray(where)
    if where.dtype.kind not in "iu":  # a mask
        where = np.flatnonzero(where)
        extra = {name: values[where[:MAX_PROBLEMS_PER_CHECK]] for name, values in (extra or {}).items()}
    if not len(where):
        return []
    rows = data.iloc[where[:MAX_PROBLEMS_PER_CHECK]]
    if extra:
        rows = rows.assign(**{name: values[: len(rows)] for name, values in extra.items()})
    problems = [Problem(code, message(row), file=file, row=int(row["_row"]), field=field, severity=severity) for row in rows.to_dict("records")]
    if len(where) > len(rows):
        problems.append(Problem(code, f"... and {len(where) - len(rows)} more rows like these", file=file, field=field, severity=severity))
    return problems
