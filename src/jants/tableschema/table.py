"""A table read for checking: its raw and typed columns, and problems located by row.

Row numbers are those of a spreadsheet: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..problems import Problem
from .arrays import duplicated, mask, valid_mask

MAX_PROBLEMS_PER_CHECK = 20


@dataclass
class TypedTable:
    """A resource's columns converted to their schema types (invalid cells are null)."""

    name: str
    file: str
    columns: dict[str, pa.Array] = field(default_factory=dict)
    num_rows: int = 0
    row_numbers: np.ndarray | None = None

    missing: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # cells without a value, per field
    distinct: dict[str, Distinct] = field(default_factory=dict, repr=False)  # of text fields whose typed column is their text
    _duplicates: dict = field(default_factory=dict, repr=False)

    def duplicated(self, key: list[str]) -> np.ndarray:
        """Rows whose key repeats an earlier row, computed once per key (unique and primaryKey share it)."""
        if tuple(key) not in self._duplicates:
            self._duplicates[tuple(key)] = duplicated([self.columns[name] for name in key])
        return self._duplicates[tuple(key)]

    def row_number(self, index: int) -> int:
        if self.row_numbers is not None:
            return int(self.row_numbers[index])
        return index + 2


def report_rows(
    mask: np.ndarray,
    table: TypedTable,
    field_name: str | None,
    code: str,
    describe,
    raw: pa.Array | None = None,
    file: str | None = None,
    severity: str = "error",
) -> list[Problem]:
    """One problem per offending row (up to a limit), each naming file, row and field."""
    file = file or table.file
    indexes = np.flatnonzero(mask)
    problems = []
    for index in indexes[:MAX_PROBLEMS_PER_CHECK]:
        value = raw[int(index)].as_py() if raw is not None else None
        problems.append(Problem(code, describe(value), file=file, row=table.row_number(int(index)), field=field_name, severity=severity))
    if len(indexes) > MAX_PROBLEMS_PER_CHECK:
        problems.append(Problem(code, f"... and {len(indexes) - MAX_PROBLEMS_PER_CHECK} more rows", file=file, field=field_name, severity=severity))
    return problems


def show(value) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


@dataclass
class Distinct:
    """A column's distinct values and each row's position among them.

    Columns of ids, dates and vocabularies repeat a few values over many rows; a
    check of each distinct value, spread back over the rows, gives the same result as
    a check of every cell for a fraction of the work.
    """

    values: pa.Array
    indices: pa.Array
    positions: np.ndarray
    present: np.ndarray

    MIN_ROWS = 4096  # below this, checking every cell is as fast
    MAX_SHARE = 0.125  # distinct values per row above which checking every cell is faster

    @classmethod
    def of(cls, raw: pa.Array) -> Distinct | None:
        if len(raw) < cls.MIN_ROWS or raw.null_count == len(raw):
            return None
        sample = raw.slice(0, cls.MIN_ROWS)
        if pc.count_distinct(sample).as_py() > cls.MAX_SHARE * len(sample):
            return None  # ids and free text: nearly every value differs
        encoded = raw.dictionary_encode()
        if len(encoded.dictionary) > cls.MAX_SHARE * len(raw):
            return None
        indices = encoded.indices
        return cls(encoded.dictionary, indices, indices.fill_null(0).to_numpy(), valid_mask(indices))

    def expand(self, per_value: np.ndarray) -> np.ndarray:
        """A mask over the distinct values, as a mask over the rows (False where empty)."""
        return per_value[self.positions] & self.present


def cell_mask(raw: pa.Array, distinct: Distinct | None, test) -> np.ndarray:
    """`test` (array -> boolean array) over every cell, through the distinct values when known."""
    if distinct is not None:
        return distinct.expand(mask(test(distinct.values)))
    return mask(test(raw))
