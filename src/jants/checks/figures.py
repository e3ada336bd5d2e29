"""The figures table is derived, never edited: it must equal the join it comes from
(flat.figures_join of the typed tables), cell for cell and in the same order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import model
from ..flat import OBSERVATION_FIELDS, figures_join
from ..formatting import format_number
from ..problems import Problem
from ..tableschema.table import MAX_PROBLEMS_PER_CHECK, TypedTable, rows_of, show
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
    order = pc.sort_indices(pa.table({name: observations[name] for name in model.FIGURE_ORDER}), sort_keys=[(name, "ascending") for name in model.FIGURE_ORDER])
    if len(order) <= np.iinfo(np.uint32).max:  # 4 bytes a row kept through the check, not 8
        order = order.cast(pa.uint32())
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
    wanted = set(OBSERVATION_FIELDS) | set(model.FIGURE_ORDER)
    return {name: rows_of(observations, name, rows) for name in observations if name in wanted}


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
