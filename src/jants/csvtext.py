"""CSV text as jants writes it: byte for byte what Python's csv module writes (QUOTE_MINIMAL,
"\\n" line ends), built a column at a time.

`jants build` writes every table with it, and `jants validate` uses it to rebuild the bytes
of the derived figures table from the other tables and compare them with the file
(checks.figures), so both must write the same bytes from the same values.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .formatting import format_number

NEEDS_QUOTES = r'[,"\n]'  # what the csv module (QUOTE_MINIMAL, "\n" line ends) quotes
BATCH_ROWS = 200_000


def write_csv(path: Path, table: pa.Table) -> None:
    """A table of text columns as CSV (a null is an empty cell, as csv writes None)."""
    with open(path, "wb") as stream:
        stream.write(header_line(table.column_names))
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            if batch.num_rows:
                stream.write(csv_lines([csv_cells(column) for column in batch.columns]))


def header_line(names: list[str]) -> bytes:
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(names)
    return header.getvalue().encode("utf-8")


def csv_lines(cells: list[pa.Array]) -> bytes:
    """Rows of cells (each column already quoted by `csv_cells`; null is empty) as CSV lines."""
    return bytes(line_buffer(cells))


def line_buffer(cells: list[pa.Array]) -> memoryview:
    """`csv_lines` without copying the bytes out of Arrow's buffer."""
    cells = [column.fill_null("") if column.null_count else column for column in cells]
    cells[-1] = pc.binary_join_element_wise(cells[-1], "\n", "")  # the line end, added to the last (short) column only
    return memoryview(buffer_of(pc.binary_join_element_wise(*cells, ","))).cast("B")


def csv_cells(values: pa.Array) -> pa.Array:
    """Text cells as the csv module writes them: empty for null, quoted (quotes doubled)
    where they hold , " or a line break."""
    values = values.fill_null("")
    text = joined_bytes(values)
    if not any(char in text for char in (b",", b'"', b"\n")):
        return values
    needs = pc.match_substring_regex(values, NEEDS_QUOTES)
    where = pa.array(np.flatnonzero(np.asarray(needs.to_numpy(zero_copy_only=False), dtype=bool)))
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values.take(where), '"', '""'), '"', "")
    return pc.replace_with_mask(values, needs, quoted)


def joined_bytes(values: pa.Array) -> bytes:
    """All cells of a string array back to back."""
    return buffer_of(values).to_pybytes()


def buffer_of(values: pa.Array) -> pa.Buffer:
    """All cells of a string array back to back: its data buffer between the first and last
    offset, so that a slice gives its own cells, not the whole column's."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset : values.offset + len(values) + 1]
    data = values.buffers()[2]
    return data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])) if data is not None else pa.py_buffer(b"")


def canonical_text(values: pa.Array) -> pa.Array:
    """Typed values as the text `jants build` writes for them (null stays null): numbers
    without a trailing .0 (formatting.format_number), dates as ISO 8601, text as it is.
    A dictionary-encoded column is written once per distinct value."""
    if isinstance(values, pa.DictionaryArray):
        return canonical_text(values.dictionary).take(values.indices)
    if pa.types.is_string(values.type):
        return values
    if pa.types.is_floating(values.type):
        numbers = values.to_numpy(zero_copy_only=False)
        whole = np.isfinite(numbers) & (np.abs(numbers) < 1e16) & (numbers == np.floor(numbers))
        text = pa.array(np.where(whole, numbers, 0).astype(np.int64)).cast(pa.string())
        odd = np.flatnonzero(~whole & ~np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool))
        if len(odd):
            mask = np.zeros(len(values), dtype=bool)
            mask[odd] = True
            text = pc.replace_with_mask(text, pa.array(mask), pa.array([format_number(float(numbers[i])) for i in odd], pa.string()))
        return pc.if_else(values.is_null(), pa.scalar(None, pa.string()), text)
    return values.cast(pa.string())  # integers, dates (ISO 8601)
