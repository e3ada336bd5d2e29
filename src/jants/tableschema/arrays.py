"""Masks over pyarrow arrays: the small vocabulary every check is written in."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..limits import release_mapped


def matches(column: pa.Array, pattern: str) -> pa.Array:
    return pc.match_substring_regex(column, pattern)


def valid_mask(array: pa.Array) -> np.ndarray:
    """Cells that hold a value (without a compute call when none is null, as in most columns)."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    return mask(pc.is_valid(array))


def mask(array: pa.Array) -> np.ndarray:
    if array.null_count:
        array = array.fill_null(False)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def duplicated(columns: list[pa.Array]) -> np.ndarray:
    """Rows whose key (one or more columns) appeared in an earlier row; null keys never clash."""
    key = columns[0] if len(columns) == 1 else key_strings(columns)
    encoded = key.dictionary_encode()
    if len(encoded.dictionary) == len(key) - key.null_count:  # every key differs (ids): nothing repeats
        return np.zeros(len(key), dtype=bool)
    codes = encoded.indices
    present = valid_mask(codes)
    codes = np.asarray(codes.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    first = np.zeros(len(codes), dtype=bool)
    _, first_positions = np.unique(codes, return_index=True)
    first[first_positions] = True
    return ~first & present


def key_strings(columns: list[pa.Array]) -> pa.Array:
    if len(columns) == 1:
        return columns[0].cast(pa.string())
    return pc.binary_join_element_wise(*[c.cast(pa.string()) for c in columns], "\x1f")


SCAN_ROWS = 1 << 20  # rows of a long column read at a time by `scanned`


def scanned(column: pa.Array, of_part) -> np.ndarray:
    """OF_PART (an Arrow array -> a numpy array of one result a row) over COLUMN, a part of
    SCAN_ROWS rows at a time where it is long: pages of a column spilled to a file
    (table.GrowingText) are dropped after each part, so they are never all in the process."""
    if len(column) <= SCAN_ROWS:
        return of_part(column)
    parts = []
    for start in range(0, len(column), SCAN_ROWS):
        parts.append(of_part(column.slice(start, SCAN_ROWS)))
        release_mapped()
    return np.concatenate(parts)
