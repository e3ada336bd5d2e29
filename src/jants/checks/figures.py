"""The figures table is derived, never edited: it must equal the join it comes from
(flat.figures_join of the typed tables), cell for cell and in the same order.

A figures table as `jants build` wrote it is checked without being read as a table: its
bytes are compared with the bytes the build writes from the other tables
(`BuiltFigures`, `written_as_built`); only a file that differs is read and compared cell
by cell (`check_figures`), to say where.
"""

from __future__ import annotations

import mmap
from collections import deque
from collections.abc import Iterator, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import model
from ..csvtext import canonical_text, csv_cells, header_line, line_buffer
from ..flat import OBSERVATION_FIELDS, SOURCE_OF, FiguresJoin, figure_order, figures_join
from ..formatting import format_number
from ..limits import release_mapped
from ..problems import Problem
from ..tableschema.table import MAX_PROBLEMS_PER_CHECK, TypedTable, encoded, rows_of, show
from .view import ADDED_FIELDS, ModelView, positions

CODE = "figures-mismatch"
FROM = {name: table for name, table, _ in model.FIGURE_COLUMNS} | {"discrepancy_ids": "discrepancies", "date_precision": "the observation with its source"}


SLICE_ROWS = 1 << 16  # the join is made and compared this many rows at a time, so that it is never held whole


def check_figures(view: ModelView) -> list[Problem]:
    """Nothing when the package has no figures table (releases before it was added)."""
    figures = view.tables.get("figures")
    if figures is None:
        return []
    file = figures.file
    tables = {name: view.tables[name].columns for name in model.TABLES}
    observations = tables["observations"]
    order = figure_order(observations)
    joined = figures_join({**tables, "observations": _observations(observations, order.slice(0, 0))})
    # a column added to the model after a release is compared only where the package has it (0.4.0 has no date_precision)
    names = [name for name in joined if name in figures.columns or name not in ADDED_FIELDS.get("figures", ())]
    absent = [name for name in names if name not in figures.columns]
    if absent:
        return [Problem(CODE, f"column {name!r} of the figures table is missing", file=file, field=name) for name in absent]
    problems = [] if _same_ids(figures, observations, order) else _placed(figures, observations, order)
    if problems:
        return problems
    found: dict[str, tuple[list[Problem], int]] = {name: ([], 0) for name in names}
    for start in range(0, len(order), SLICE_ROWS):
        part = order.slice(start, SLICE_ROWS)
        expected = figures_join({**tables, "observations": _observations(observations, part)})
        rows = pa.array(np.arange(start, start + len(part)))
        for name in names:
            column = expected[name]
            shown, count = found[name]
            more, differ = _cells(figures, name, rows_of(figures.columns, name, rows), column, start, MAX_PROBLEMS_PER_CHECK - len(shown))
            found[name] = (shown + more, count + differ)
    for name, (shown, count) in found.items():
        problems += shown
        if count > MAX_PROBLEMS_PER_CHECK:
            problems.append(Problem(CODE, f"... and {count - MAX_PROBLEMS_PER_CHECK} more rows like these", file=file, field=name))
    return problems


class BuiltFigures:
    """The figures table that the other tables give, as `jants build` would write it: as a
    typed table whose columns are gathered when read, or as the CSV's bytes, a slice of
    rows at a time; never held whole.

    For the bytes, the join (flat.FiguresJoin) is made of CSV cells instead of typed
    values: each small table's cells, and each distinct value of an observations column
    kept dictionary-encoded, are written once, and the cells of a run of columns from one
    small table are joined once per row of that table. The join only copies and compares
    its keys (ids, ISO dates, precisions, which a valid package never quotes), so it gives
    the cells of the typed join."""

    def __init__(self, tables: dict[str, TypedTable]):
        self.tables = {name: tables[name].columns for name in model.TABLES}
        self.order = figure_order(self.tables["observations"])
        self.num_rows = len(self.order)
        self.join = FiguresJoin(self.tables, self.order)
        self.cells = {
            name: {field: csv_cells(canonical_text(columns[field])) for field in columns}
            for name, columns in self.tables.items()
            if name not in ("observations", "discrepancies")
        }
        observations = self.tables["observations"]
        distinct = {}  # each dictionary-encoded column: a position a row (null: the empty cell added last) and the cells of its values
        for name in _joined_fields(observations):
            stored = encoded(observations, name)
            if stored is not None:
                distinct[name] = (stored.indices, pa.concat_arrays([csv_cells(canonical_text(stored.dictionary)), pa.array([""], pa.string())]))
        self.pieces: list[tuple] = []  # how each piece of a line is made, in order
        for table, names in _runs():
            if table == "observations":
                self.pieces += _observation_pieces([SOURCE_OF[name][1] for name in names], distinct)
            elif table == "":  # a column computed from the cells of others
                self.pieces.append(("computed", names[0]))
            else:  # a run of one small table's columns: joined once per row of that table
                self.pieces.append(("segment", table, pc.binary_join_element_wise(*[self.cells[table][SOURCE_OF[name][1]] for name in names], ",")))

    def table(self, file: str) -> TypedTable:
        """As the typed table read from FILE: each column made whole only when it is read."""
        return TypedTable(name="figures", file=file, columns=cast(MutableMapping, JoinedColumns(self.join)), num_rows=self.num_rows)

    def csv(self, start: int, count: int) -> memoryview:
        """Rows START to START + COUNT as the lines of figures.csv."""
        part = self.order.slice(start, count)
        observations = self.tables["observations"]
        keys = {field: csv_cells(canonical_text(rows_of(observations, field, part))) for field in COMPUTED_FROM if field in observations}
        join = FiguresJoin({**self.cells, "discrepancies": self.tables["discrepancies"], "observations": keys}, in_order=True)
        pieces = []
        for piece in self.pieces:
            if piece[0] == "text":  # an observations' column of values that do not repeat
                pieces.append(csv_cells(canonical_text(rows_of(observations, piece[1], part))))
            elif piece[0] == "distinct":  # consecutive observations' columns of repeated values, written once per combination
                at, cells = piece[1], piece[2]
                pieces.append(cells.take(at.take(part).fill_null(len(cells) - 1)))
            elif piece[0] == "computed":
                pieces.append(csv_cells(canonical_text(join.column(piece[1]))))
            else:
                pieces.append(piece[2].take(join.at(piece[1])))
        return line_buffer(pieces)


# The observations' fields the computed columns and the joins read, as cells (ids, ISO
# dates and precisions, never quoted in a valid package).
COMPUTED_FROM = ("observation_id", "observation_date", "date_precision", "series_id", "body_id", "source_id")


def _observation_pieces(fields: list[str], distinct: dict[str, tuple[pa.Array, pa.Array]]) -> list[tuple]:
    """The pieces of a run of consecutive observations' columns: each column of values that
    do not repeat on its own, and each run of columns of repeated values as one piece,
    the cells of every combination of their values joined once."""
    pieces: list[tuple] = []
    group: list[str] = []
    for field in [*fields, None]:
        if field is not None and field in distinct:
            group.append(field)
            continue
        if group:
            pieces.append(("distinct", *_combined([distinct[name] for name in group])))
            group = []
        if field is not None:
            pieces.append(("text", field))
    return pieces


def _combined(columns: list[tuple[pa.Array, pa.Array]]) -> tuple[pa.Array, pa.Array]:
    """Columns of positions into cells, as one: a position a row into the joined cells of
    each combination of values found (a combination is numbered in mixed radix, the number
    of cells of each column its base)."""
    if len(columns) == 1:
        return columns[0]
    sizes = [len(cells) for _, cells in columns]
    if np.prod(np.array(sizes, dtype=np.float64)) >= 2.0**62:  # too many combinations to number: halves
        half = len(columns) // 2
        first, second = _combined(columns[:half]), _combined(columns[half:])
        return _combined([first, second])
    number = np.zeros(len(columns[0][0]), dtype=np.int64)
    for (at, _), size in zip(columns, sizes):
        number = number * size + np.asarray(at.fill_null(size - 1), dtype=np.int64)
    found = pa.array(number).dictionary_encode()
    combinations = np.asarray(found.dictionary, dtype=np.int64)
    digits = []
    for size in reversed(sizes):
        digits.append(combinations % size)
        combinations = combinations // size
    cells = [cells.take(pa.array(digit)) for (_, cells), digit in zip(columns, reversed(digits))]
    return found.indices, pc.binary_join_element_wise(*cells, ",")


def _runs() -> list[tuple[str, list[str]]]:
    """The figures table's columns in runs of consecutive columns from one table, each
    computed column (table "") a run of its own."""
    runs: list[tuple[str, list[str]]] = []
    for spec in model.FIGURES["fields"]:
        table = SOURCE_OF[spec["name"]][0] if spec["name"] in SOURCE_OF else ""
        if runs and table == runs[-1][0] and table != "":
            runs[-1][1].append(spec["name"])
        else:
            runs.append((table, [spec["name"]]))
    return runs


class JoinedColumns(Mapping[str, pa.Array]):
    """The columns of a FiguresJoin by name, each gathered when it is read."""

    def __init__(self, join: FiguresJoin):
        self.join = join
        self.names = [spec["name"] for spec in model.FIGURES["fields"]]

    def __getitem__(self, name: str) -> pa.Array:
        if name not in self.names:
            raise KeyError(name)
        return self.join.column(name)

    def __contains__(self, name: object) -> bool:  # without gathering the column (Mapping's would)
        return name in self.names

    def stored(self, name: str) -> pa.Array:
        """A column as compactly as the join gives it (see FiguresJoin.kept)."""
        return self.join.kept(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _joined_fields(observations) -> list[str]:
    wanted = set(OBSERVATION_FIELDS) | set(model.FIGURE_ORDER)
    return [name for name in observations if name in wanted]


WRITERS = 2  # slices of the expected bytes made side by side (in pyarrow, without the GIL), compared in order
LINES_AT_ONCE = 1 << 14  # rows a slice of the expected bytes: about 16 MB, and three slices at a time


def written_as_built(built: BuiltFigures, path: Path) -> bool:
    """Whether a figures.csv holds, byte for byte, what `jants build` writes for BUILT:
    then it is the join, cell for cell, and its cells meet the figures schema because the
    cells they are copied from meet the same constraints (tests/test_figures_built.py)."""
    header = header_line([spec["name"] for spec in model.FIGURES["fields"]])
    size = path.stat().st_size
    if size < len(header):
        return False
    starts = iter(range(0, built.num_rows, LINES_AT_ONCE))
    with open(path, "rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as whole, ThreadPoolExecutor(max_workers=WRITERS) as writers:
        file = np.frombuffer(whole, dtype=np.uint8)  # the file's pages, read where compared, never copied
        try:
            if file[: len(header)].tobytes() != header:
                return False
            at, released = len(header), 0
            coming = deque(writers.submit(built.csv, start, LINES_AT_ONCE) for start in islice(starts, WRITERS + 1))
            while coming:
                expected = coming.popleft().result()
                coming.extend(writers.submit(built.csv, start, LINES_AT_ONCE) for start in islice(starts, 1))
                if at + len(expected) > size or not _same_bytes(file[at : at + len(expected)], expected):
                    for later in coming:
                        later.cancel()
                    return False
                at += len(expected)
                done = at // mmap.PAGESIZE * mmap.PAGESIZE
                if done > released and hasattr(mmap, "MADV_DONTNEED"):  # pages compared leave the process (not the page cache)
                    whole.madvise(mmap.MADV_DONTNEED, released, done - released)
                    released = done
                release_mapped()  # and so do the pages of spilled ids read for the slice
            return at == size
        finally:
            del file  # (the map closes only once no array holds it)


def _same_bytes(ours: np.ndarray, theirs: memoryview) -> bool:
    """Equal bytes of the same length, compared 8 bytes at a time."""
    whole = len(ours) // 8 * 8
    expected = np.frombuffer(theirs, dtype=np.uint8)
    if len(expected) != len(ours):
        return False
    return bool(np.array_equal(ours[:whole].view(np.uint64), expected[:whole].view(np.uint64))) and bool(np.array_equal(ours[whole:], expected[whole:]))


def _same_ids(figures: TypedTable, observations, order: pa.Array) -> bool:
    """Whether the figures' ids are the observations' ids in the figures' order, compared a
    slice at a time: the usual case, checked without a hash table of every id. (The ids
    are unique in both tables here: a repeated id is a primary-key error, which stops the
    model checks, so equal slices mean what `_placed` would find: nothing.)"""
    if figures.num_rows != len(order):
        return False
    for start in range(0, len(order), SLICE_ROWS):
        part = order.slice(start, SLICE_ROWS)
        ours = rows_of(figures.columns, "observation_id", pa.array(np.arange(start, start + len(part))))
        theirs = rows_of(observations, "observation_id", part)
        if ours.null_count or theirs.null_count or not pc.all(pc.equal(ours, theirs)).as_py():
            return False
    return True


def _placed(figures: TypedTable, observations, order: pa.Array) -> list[Problem]:
    """Observations without a row, rows of no observation, or the first row out of order."""
    ids = figures.columns["observation_id"]
    expected_ids = rows_of(observations, "observation_id", order)
    at = positions(expected_ids, ids)  # each expected row's place in the table
    problems = _rows(figures, expected_ids, at)
    if problems:
        return problems
    if (at != np.arange(len(at))).any():
        first = int(np.flatnonzero(at != np.arange(len(at)))[0])
        return [
            Problem(
                CODE,
                f"rows are not in the order of {', '.join(model.FIGURE_ORDER)}: observation {expected_ids[first].as_py()!r} belongs here",
                file=figures.file,
                row=figures.row_number(first),
                field="observation_id",
            )
        ]
    return []


def _observations(observations, rows: pa.Array) -> dict[str, pa.Array]:
    """The observations' columns of the join, at ROWS (in the figures' order)."""
    return {name: rows_of(observations, name, rows) for name in _joined_fields(observations)}


def _rows(figures: TypedTable, expected_ids: pa.Array, at: np.ndarray) -> list[Problem]:
    """Observations without a row, and rows of no observation."""
    problems = [
        Problem(CODE, f"observation {observation!r} has no row in the figures table", file=figures.file, field="observation_id")
        for observation in expected_ids.filter(pa.array(at < 0)).to_pylist()[:MAX_PROBLEMS_PER_CHECK]
    ]
    extra = np.ones(figures.num_rows, dtype=bool)
    extra[at[at >= 0]] = False
    for index in np.flatnonzero(extra)[:MAX_PROBLEMS_PER_CHECK]:
        shown = show(figures.columns["observation_id"][int(index)].as_py())
        problems.append(
            Problem(
                CODE, f"row of observation {shown}, which is not in observations", file=figures.file, row=figures.row_number(int(index)), field="observation_id"
            )
        )
    return problems


def _cells(figures: TypedTable, name: str, ours: pa.Array, theirs: pa.Array, start: int, room: int) -> tuple[list[Problem], int]:
    """Cells of rows START... that differ from the join (compared as text where the table
    gives the column another type): the first ROOM of them as problems, and how many."""
    if ours.type != theirs.type:
        ours, theirs = ours.cast(pa.string()), theirs.cast(pa.string())
    same = pc.or_kleene(pc.equal(ours, theirs), pc.and_kleene(pc.is_null(ours), pc.is_null(theirs))).fill_null(False)
    differ = np.flatnonzero(~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool))
    problems = []
    for index in differ[: max(room, 0)]:
        was, wanted = ours[int(index)].as_py(), theirs[int(index)].as_py()
        problems.append(
            Problem(
                CODE,
                f"{_shown(was)}, but {FROM[name]} gives {_shown(wanted)} (the figures table is derived: rebuild it with jants build)",
                file=figures.file,
                row=figures.row_number(start + int(index)),
                field=name,
            )
        )
    return problems, len(differ)


def _shown(value) -> str:
    if value is None:
        return "empty"
    return show(format_number(value) if isinstance(value, float) else value)
