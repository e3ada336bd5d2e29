"""The figures table as a join: observations with the labels of their series, metric, body
and source, and the discrepancies they take part in.

One function, used twice: `jants build` applies it to the text of the tables it writes,
and `jants validate` to the typed tables it reads, then compares the result with the
published figures table (checks.figures). It works on whatever Arrow type the columns
have, so both get the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import model
from .limits import release_mapped

Columns = Mapping[str, pa.Array]
OBSERVATION_FIELDS = [field for _, table, field in model.FIGURE_COLUMNS if table == "observations"] + ["date_precision"]
"""The observations' fields the join reads (date_precision, optional, gives figures.date_precision)."""


def figures_join(tables: Mapping[str, Columns]) -> dict[str, pa.Array]:
    """The figures table's columns (model.FIGURES), from the columns of the model's tables.

    A row whose series, body or source is unknown gets nulls in the joined columns (the
    validator reports the broken key itself)."""
    join = FiguresJoin(tables)
    return {spec["name"]: join.column(spec["name"]) for spec in model.FIGURES["fields"]}


ORDER_PART_ROWS = 1 << 20  # rows whose ids figure_order sorts at a time, in a table larger than this


def figure_order(observations: Columns) -> pa.Array:
    """The observations' positions in the order of the figures table (32-bit where they fit:
    4 bytes a row kept while the figures are checked, not 8).

    A table of more than ORDER_PART_ROWS rows is sorted by date first, then its ids a
    part at a time, each part whole days: the ids are read a part at a time (they may be
    spilled to a file, tableschema.table.GrowingText), never all at once. Both sorts are
    stable, so the order is the one sort by (date, id) gives."""
    first, then = model.FIGURE_ORDER
    if len(observations[then]) <= ORDER_PART_ROWS:
        order = pc.sort_indices(
            pa.table({name: observations[name] for name in model.FIGURE_ORDER}), sort_keys=[(name, "ascending") for name in model.FIGURE_ORDER]
        )
        release_mapped()  # the sort read every id: a column spilled to a file leaves the process again
        return order.cast(pa.uint32()) if len(order) <= np.iinfo(np.uint32).max else order
    dates = observations[first]
    by_date = pc.sort_indices(dates).to_numpy()  # empty dates last, as in the sort of both
    width = np.uint32 if len(by_date) <= np.iinfo(np.uint32).max else np.uint64
    by_date = by_date.astype(width)
    days = pc.take(dates, pa.array(by_date)).cast(pa.int32())
    day = np.asarray(days.fill_null(np.iinfo(np.int32).max).to_numpy(zero_copy_only=False))
    del days
    ends = np.append(np.flatnonzero(day[1:] != day[:-1]) + 1, len(day))  # where each day's rows end
    del day
    order = np.empty(len(by_date), dtype=width)
    at = 0
    while at < len(by_date):
        within = np.searchsorted(ends, at + ORDER_PART_ROWS, side="right") - 1  # the last day that ends within a part
        end = int(ends[within]) if within >= 0 and ends[within] > at else int(ends[np.searchsorted(ends, at, side="right")])  # or one longer day whole
        rows = pa.array(by_date[at:end])
        part = pa.table({first: pc.take(dates, rows), then: _rows(observations, then, rows)})
        order[at:end] = by_date[at:end][pc.sort_indices(part, sort_keys=[(first, "ascending"), (then, "ascending")]).to_numpy()]
        at = end
    release_mapped()  # spilled ids read for the parts leave the process again
    return pa.array(order)


class FiguresJoin:
    """The figures table's columns one at a time, each gathered once, already in order:
    the observations' own by position, the joined ones from the small tables by key."""

    def __init__(self, tables: Mapping[str, Columns], order: pa.Array | None = None, in_order: bool = False):
        """ORDER: the observations' positions in the figures' order (sorted here if not
        given); IN_ORDER: the observations are in that order already."""
        self.tables = tables
        unsorted = tables["observations"]
        if in_order:
            order = pa.array(np.arange(len(unsorted["observation_id"]), dtype=np.int32))
        elif order is None:
            order = figure_order(unsorted)
        self.order = order
        self.num_rows = len(order)
        self.in_order = in_order
        # read by several columns: the observations' keys in order, whole and as kept, and each row's position in a small table
        self._keys: dict[str, pa.Array] = {}
        self._compact_keys: dict[str, pa.Array] = {}
        self._at: dict[str, pa.Array] = {}

    def observations(self, field: str) -> pa.Array:
        if self.in_order:
            return self.tables["observations"][field]
        if field in self._keys:
            return self._keys[field]
        column = self.tables["observations"][field].take(self.order)
        if field in KEYS:
            self._keys[field] = column
        return column

    def compact(self, field: str) -> pa.Array:
        """An observations' column in order, as that table keeps it (dictionary-encoded or not)."""
        stored = getattr(self.tables["observations"], "stored", None)
        if self.in_order or stored is None:
            return self.observations(field)
        if field in self._compact_keys:
            return self._compact_keys[field]
        column = stored(field).take(self.order)
        if field in KEYS:
            self._compact_keys[field] = column
        return column

    def at(self, table: str) -> pa.Array:
        """Each row's position in a small table (found once per distinct key)."""
        if table not in self._at:
            if table == "metrics":
                metric_at = pc.index_in(self.tables["series"]["metric_id"], value_set=self.tables["metrics"]["metric_id"])
                self._at[table] = pc.take(metric_at, self.at("series"))
            else:
                key = {"series": "series_id", "bodies": "body_id", "sources": "source_id"}[table]
                self._at[table] = _positions(self.compact(key), self.tables[table][key])
        return self._at[table]

    def kept(self, name: str) -> pa.Array:
        """A column as compactly as its sources keep it: a joined one as its small table's
        values and each row's position among them, an observations' one as that table keeps
        it, date_precision as its few distinct values."""
        table, field = SOURCE_OF.get(name, ("", ""))
        if table == "observations":
            return self.compact(field)
        if table:
            return pa.DictionaryArray.from_arrays(self.at(table), self.tables[table][field])
        if name == "date_precision" and "date_precision" in self.tables["observations"]:
            return self._date_precision_kept()
        return self.column(name)

    def _date_precision_kept(self) -> pa.DictionaryArray:
        """`date_precision` worked out once per distinct combination of what it reads (the
        observation's precision and date, the source)."""
        parts = [_codes(self.compact("date_precision")), _codes(self.compact("observation_date")), np.asarray(self.at("sources").fill_null(-1)) + 1]
        key = np.zeros(self.num_rows, dtype=np.int64)
        for codes in parts:
            key = key * (int(codes.max(initial=0)) + 1) + codes
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        rows = pa.array(self.order.to_numpy()[first] if not self.in_order else first)
        unsorted = self.tables["observations"]
        sources_at = pc.take(self.at("sources"), pa.array(first))
        values = date_precision(
            _rows(unsorted, "date_precision", rows),
            _rows(unsorted, "observation_date", rows),
            pc.take(self.tables["sources"]["source_date"], sources_at),
            pc.take(self.tables["sources"]["date_precision"], sources_at),
        )
        return pa.DictionaryArray.from_arrays(pa.array(inverse.astype(np.int32)), values)

    def column(self, name: str) -> pa.Array:
        if name == "date_precision":
            unsorted = self.tables["observations"]
            own = self.observations("date_precision") if "date_precision" in unsorted else pa.nulls(self.num_rows, pa.string())
            source_precision = pc.take(self.tables["sources"]["date_precision"], self.at("sources"))
            return date_precision(own, self.observations("observation_date"), self.column("source_date"), source_precision)
        if name == "discrepancy_ids":
            return discrepancy_ids(self.observations("observation_id"), self.tables["discrepancies"])
        table, field = SOURCE_OF[name]
        return self.observations(field) if table == "observations" else pc.take(self.tables[table][field], self.at(table))


def _positions(keys: pa.Array, values: pa.Array) -> pa.Array:
    """Each key's position among VALUES (null where missing), once per distinct key."""
    if isinstance(keys, pa.DictionaryArray):
        return pc.take(pc.index_in(keys.dictionary, value_set=values), keys.indices)
    return pc.index_in(keys, value_set=values)


def _rows(columns: Columns, name: str, rows: pa.Array) -> pa.Array:
    """Some rows of a column, without making a compact one (tableschema.table.CompactColumns) whole."""
    taken = getattr(columns, "taken", None)
    return taken(name, rows) if taken is not None else pc.take(columns[name], rows)


def _codes(column: pa.Array) -> np.ndarray:
    """A number for each distinct value of a column, 0 for null."""
    encoded = column if isinstance(column, pa.DictionaryArray) else column.dictionary_encode()
    return np.asarray(encoded.indices.cast(pa.int64()).fill_null(-1)) + 1


SOURCE_OF = {name: (table, field) for name, table, field in model.FIGURE_COLUMNS}
KEYS = {"observation_id", "observation_date", "series_id", "body_id", "source_id"}


def date_precision(own: pa.Array, observation_date: pa.Array, source_date: pa.Array, source_precision: pa.Array) -> pa.Array:
    """How precisely each figure's date is known (model.FIGURE_DATE_PRECISION): the
    observation's own precision, else day where the source states a date of its own for the
    figure or its date is known to the day, else the source's precision."""
    own = pc.if_else(pc.equal(own.cast(pa.string()), ""), pa.scalar(None, pa.string()), own.cast(pa.string()))
    source_precision = source_precision.cast(pa.string())
    to_the_day = pc.or_(pc.not_equal(observation_date, source_date), pc.is_in(source_precision, value_set=pa.array(["day", "day_of_statement"])))
    inherited = pc.if_else(to_the_day, pa.scalar("day"), source_precision)
    return pc.coalesce(own, inherited)


def discrepancy_ids(observation_ids: pa.Array, discrepancies: Columns) -> pa.Array:
    """For each observation, the ids of the discrepancies that name it (as their figure or a
    related one), sorted and space-separated; null where none does."""
    named: dict[str, set[str]] = {}
    related = discrepancies["related_observation_ids"].to_pylist()
    for discrepancy, figure, others in zip(discrepancies["discrepancy_id"].to_pylist(), discrepancies["observation_id"].to_pylist(), related):
        for observation in model.concerned_figures(figure, others):
            named.setdefault(observation, set()).add(discrepancy)
    keys = pa.array(sorted(named), pa.string())
    values = pa.array([" ".join(sorted(named[key])) for key in keys.to_pylist()], pa.string())
    return pc.take(values, pc.index_in(observation_ids, value_set=keys))
