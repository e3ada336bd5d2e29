"""Consistency findings (warnings unless recorded as discrepancies): components against totals,
falling cumulative counts, different figures of one series on one day. A recorded discrepancy
that no longer holds is an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..flat import date_precision
from ..problems import Problem
from ..tableschema.table import TypedTable, range_of
from .view import UPPER_BOUND_QUALIFIERS, Gathered, Links, ModelView, first_positions, isin, located, numbers, per_row, positions

COMPONENT_KINDS = {"components_exceed_total", "components_differ_from_total"}


def _recorded(view: ModelView, kinds: set[str]) -> np.ndarray:
    """Which observations a discrepancy of one of KINDS names (as the figure or a related one)."""
    disc = view.frames["discrepancies"]
    disc = disc[disc["kind"].isin(kinds)]
    ids = set(disc["observation_id"].dropna())
    for related in disc["related_observation_ids"].dropna():
        ids.update(related.split())
    return isin(view.tables["observations"].columns["observation_id"], sorted(ids))


def component_sums(tables: dict[str, TypedTable], links: Links, wanted) -> tuple[pd.DataFrame, list[str]]:
    """Stated totals beside the sum of their components stated in the same source and
    date: the rows of them that WANTED (a function of such a frame -> a mask of its rows)
    keeps.

    One row per (total observation, breakdown): `index` is the total's position in the
    observations table; `breakdown` is the position of the breakdown's name in the list
    returned with the rows. The observations are read a slice of rows at a time, twice:
    the components' sums are added up by (total series, breakdown, source, date), then
    each slice's totals are matched with them; neither pass holds a frame of every row.
    """
    series = tables["series"].columns
    parent = positions(series["parent_series_id"], series["series_id"]).astype(np.int32)
    breakdowns = series["breakdown"].dictionary_encode()
    breakdown = breakdowns.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    names = breakdowns.dictionary.to_pylist()
    component = np.append((parent >= 0) & (breakdown >= 0), False)  # per series, and False for an unknown one (-1)
    total = np.zeros(len(parent) + 1, dtype=bool)
    total[parent[component[:-1]]] = True
    parent, breakdown = np.append(parent, -1), np.append(breakdown, -1)
    keys = ["parent", "breakdown", "source", "date"]
    partial = []
    for _, part in links.slices():
        rows = np.flatnonzero(component[part.series] & part.counted & ~np.isnan(part.date))
        of_series = part.series[rows]
        children = pd.DataFrame(
            {
                "parent": parent[of_series],
                "breakdown": breakdown[of_series],
                "source": part.source[rows],
                "date": part.date[rows].astype(np.int32),
                "value": part.value[rows],
            }
        )
        partial.append(children.groupby(keys)["value"].agg(component_sum="sum", component_count="size").reset_index())
    sums = pd.concat(partial).groupby(keys)[["component_sum", "component_count"]].sum().reset_index()  # (Links.slices gives one slice at least)
    found = []
    for start, part in links.slices():
        rows = np.flatnonzero(total[part.series] & part.counted & ~np.isnan(part.date))
        candidates = pd.DataFrame(
            {
                "index": rows + start,
                "series": part.series[rows],
                "source": part.source[rows],
                "date": part.date[rows].astype(np.int32),
                "value": part.value[rows],
            }
        )
        totals = candidates.merge(sums, left_on=["series", "source", "date"], right_on=["parent", "source", "date"])
        found.append(totals[wanted(totals)])
    return pd.concat(found, ignore_index=True), names


def check_components(view: ModelView) -> list[Problem]:
    tables, frames, files = view.tables, view.frames, view.files
    recorded = _recorded(view, COMPONENT_KINDS)
    hedged = per_row(tables["observations"], "qualifier", lambda qualifier: isin(qualifier, UPPER_BOUND_QUALIFIERS), False)
    disc = frames["discrepancies"]
    claimed = disc[disc["kind"].isin(sorted(COMPONENT_KINDS))]
    at = first_positions(claimed["observation_id"].tolist(), tables["observations"].columns["observation_id"])
    claimed_rows = np.zeros(len(recorded), dtype=bool)
    claimed_rows[at[at >= 0]] = True

    def wanted(totals: pd.DataFrame) -> np.ndarray:  # a total its components exceed, or one a discrepancy names
        index = totals["index"].to_numpy()
        return ((totals["component_sum"] > totals["value"]).to_numpy() & hedged[index] & ~recorded[index]) | claimed_rows[index]

    totals, breakdown_names = component_sums(tables, view.links, wanted)
    index = totals["index"].to_numpy(dtype=np.int64)
    names = np.array(breakdown_names + [None], dtype=object)
    shown = np.flatnonzero((totals["component_sum"] > totals["value"]).to_numpy() & hedged[index] & ~recorded[index])
    problems = located(
        view.observations,
        index[shown],
        files["observations"],
        "value",
        "components-exceed-total",
        lambda r: (
            f"{r['component_count']} components by {r['breakdown']} sum to {r['component_sum']:g}, more than the total {r['value']:g} "
            f"({r['observation_id']}); record it in discrepancies"
        ),
        severity="warning",
        extra={
            "component_sum": totals["component_sum"].to_numpy()[shown],
            "component_count": totals["component_count"].to_numpy()[shown],
            "breakdown": names[totals["breakdown"].to_numpy(dtype=np.int64)[shown]],
        },
    )
    for (_, claim), position in zip(claimed.iterrows(), at):
        rows = totals[totals["index"] == position]
        holds = (rows["component_sum"] > rows["value"]) if claim["kind"] == "components_exceed_total" else (rows["component_sum"] != rows["value"])
        if not holds.any():
            problems.append(
                Problem(
                    "discrepancy-not-found",
                    f"recorded {claim['kind']} for {claim['observation_id']} does not hold: no breakdown of that figure disagrees with it",
                    file=files["discrepancies"],
                    row=int(claim["_row"]),
                    field="kind",
                )
            )
    return problems


NO_UPPER_BOUND = ["more_than", "at_least"]  # "more than 3,000": any figure above 3,000
NO_LOWER_BOUND = ["less_than", "at_most", "almost"]  # "almost 3,000": a little below 3,000, how little is not said


def _bounds(table: TypedTable, links: Links, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest figure each of ROWS (of the range LINKS covers) allows, by
    its qualifier (CURATION.md 2): "more than"/"at least" have no upper bound, "less
    than"/"up to" and "almost" no lower one, a range runs to value_upper; "approximately"
    is taken at its value on both sides."""
    value, at = links.value[rows], rows + links.span.start
    upper = per_row(table, "value_upper", numbers, np.nan, at)

    def qualified(names: list[str]) -> np.ndarray:  # through the qualifiers' distinct values, not a string a row
        return per_row(table, "qualifier", lambda qualifier: isin(qualifier, names), False, at)

    highest = np.where(qualified(["range"]) & ~np.isnan(upper), upper, value)
    highest = np.where(qualified(NO_UPPER_BOUND), np.inf, highest)
    lowest = np.where(qualified(NO_LOWER_BOUND), -np.inf, value)
    return lowest, highest


def check_cumulative(view: ModelView) -> list[Problem]:
    """A running total (or money amount) that cannot reach the lowest figure an earlier date allows:
    hedged figures are compared as the ranges their qualifiers state. The observations are
    read a slice of rows at a time, twice: the highest lowest figure of each series and
    day, then each row against the days before its own."""
    tables, file = view.tables, view.files["observations"]
    table = tables["observations"]
    cumulative_metric = np.append(isin(tables["metrics"].columns["kind"], ["cumulative_count", "money_amount"]), False)  # False for an unknown metric (-1)

    def selected(part: Links) -> np.ndarray:
        return np.flatnonzero(cumulative_metric[part.metric] & part.counted & ~np.isnan(part.date))

    per_day = []
    for _, part in view.links.slices():
        rows = selected(part)
        lowest, _ = _bounds(table, part, rows)
        per_day.append(pd.Series(lowest).groupby(_day_keys(part.series[rows], part.date[rows])).max())
    earlier = _earlier_max(pd.concat(per_day).groupby(level=0).max())
    recorded = _recorded(view, {"cumulative_decrease"})
    found = Gathered()
    for start, part in view.links.slices():
        rows = selected(part)
        _, highest = _bounds(table, part, rows)
        before = earlier[_day_keys(part.series[rows], part.date[rows])]
        with np.errstate(invalid="ignore"):
            fall = (highest < before) & ~recorded[rows + start]
        found.add("falls", rows[fall] + start)
        found.add("earlier_max", before[fall])
    return located(
        view.observations,
        found["falls"],
        file,
        "value",
        "cumulative-decrease",
        lambda r: (
            f"{r['value']:g} on {r['observation_date']} is below an earlier figure {r['earlier_max']:g} of cumulative series "
            f"{r['series_id']!r}; record it in discrepancies"
        ),
        severity="warning",
        extra={"earlier_max": found["earlier_max"]},
    )


def _day_keys(series: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """One 64-bit key a (series, day) of rows that have dates: the series' position above the day's."""
    return (series.astype(np.int64) << 32) | (dates.astype(np.int64) + (1 << 31))


class _ByDay:
    """A number of each (series, day) key, looked up for rows by their keys (NaN for a key it lacks)."""

    def __init__(self, per_key: pd.Series):
        self.keys = pd.Index(per_key.index.to_numpy(dtype=np.int64))
        self.values = np.append(per_key.to_numpy(dtype="float64"), np.nan)

    def __getitem__(self, keys: np.ndarray) -> np.ndarray:
        return self.values[self.keys.get_indexer(pd.Index(keys))]  # -1 (not found): the NaN added last


def _earlier_max(per_day: pd.Series) -> _ByDay:
    """For each (series, day), the highest of the lowest figures of its series on each
    earlier date (NaN if there is none), from PER_DAY, the highest lowest figure of each
    (series, day) key (NaN where every figure of the day is empty): the running maximum
    taken over the days, which are few, not over the rows."""
    keys = per_day.index.to_numpy(dtype=np.int64)
    groups = pd.MultiIndex.from_arrays([keys >> 32, keys & 0xFFFFFFFF])
    by_day = pd.Series(per_day.to_numpy(dtype="float64"), index=groups).sort_index()
    earlier = by_day.groupby(level=0).cummax().groupby(level=0).shift(1)
    return _ByDay(pd.Series(earlier.reindex(groups).to_numpy(dtype="float64"), index=keys))


def _dated_to_the_day(view: ModelView, links: Links) -> np.ndarray:
    """Observations (of the range LINKS covers) whose date is a known day, by the rule of figures.date_precision."""
    observations, sources = view.tables["observations"].columns, view.tables["sources"].columns
    rows = links.span
    at = pa.array(links.source, mask=links.source < 0)  # null where the source is unknown
    own = range_of(observations, "date_precision", rows) if "date_precision" in observations else pa.nulls(len(at), pa.string())
    precision = date_precision(
        own, range_of(observations, "observation_date", rows), pc.take(sources["source_date"], at), pc.take(sources["date_precision"], at)
    )
    return np.asarray(pc.equal(precision, "day").fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def check_same_day_conflicts(view: ModelView) -> list[Problem]:
    """Different exact figures of one series on one day; hedged figures (more than 400 vs 402) may
    agree, and a figure whose date is only a month, a year or an upper bound has no day to share.
    The observations are read a slice of rows at a time, twice: the distinct figures of each
    series and day, then the rows of the days with more than one."""
    file, table = view.files["observations"], view.tables["observations"]
    recorded = _recorded(view, {"conflicting_figures"})
    selected = per_row(table, "qualifier", lambda qualifier: isin(qualifier, ["exact"]), False)  # then narrowed slice by slice, for the second pass
    figures = []
    for _, part in view.links.slices():
        selected[part.span] &= part.counted & _dated_to_the_day(view, part) & ~np.isnan(part.date)
        rows = np.flatnonzero(selected[part.span])
        rows = rows[~np.isnan(part.value[rows])]  # an empty figure is no other figure
        figures.append(pd.DataFrame({"key": _day_keys(part.series[rows], part.date[rows]), "value": part.value[rows]}).drop_duplicates())
    distinct = pd.concat(figures).drop_duplicates()
    counts = distinct["key"].value_counts()
    differing = pd.Index(counts.index[counts.to_numpy() > 1].to_numpy(dtype=np.int64))
    conflicts = Gathered()
    for start, part in view.links.slices():
        rows = np.flatnonzero(selected[part.span])
        rows = rows[differing.get_indexer(pd.Index(_day_keys(part.series[rows], part.date[rows]))) >= 0] + start
        conflicts.add("rows", rows[~recorded[rows]])
    return located(
        view.observations,
        conflicts["rows"],
        file,
        "value",
        "conflicting-figures",
        lambda r: f"{r['value']:g} differs from another figure of series {r['series_id']!r} on {r['observation_date']}; record it in discrepancies",
        severity="warning",
    )
