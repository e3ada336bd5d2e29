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
from ..tableschema.table import TypedTable
from .view import UPPER_BOUND_QUALIFIERS, Links, ModelView, first_positions, isin, located, per_row, positions

COMPONENT_KINDS = {"components_exceed_total", "components_differ_from_total"}


def _recorded(view: ModelView, kinds: set[str]) -> np.ndarray:
    """Which observations a discrepancy of one of KINDS names (as the figure or a related one)."""
    disc = view.frames["discrepancies"]
    disc = disc[disc["kind"].isin(kinds)]
    ids = set(disc["observation_id"].dropna())
    for related in disc["related_observation_ids"].dropna():
        ids.update(related.split())
    return isin(view.tables["observations"].columns["observation_id"], sorted(ids))


def component_sums(tables: dict[str, TypedTable], links: Links) -> tuple[pd.DataFrame, list[str]]:
    """Each stated total beside the sum of its components stated in the same source and date.

    One row per (total observation, breakdown): `index` is the total's position in the
    observations table; `breakdown` is the position of the breakdown's name in the list
    returned with the rows.
    """
    series = tables["series"].columns
    parent = positions(series["parent_series_id"], series["series_id"]).astype(np.int32)
    breakdowns = series["breakdown"].dictionary_encode()
    breakdown = breakdowns.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    known = np.flatnonzero((links.series >= 0) & links.counted & ~np.isnan(links.date))
    # keys of 32 bits (a date is a whole number of days once the empty ones are left out),
    # and frames of the components and of the totals that could have some, not of every observation
    of_series = links.series[known]
    parents = parent[of_series] if len(parent) else np.full(len(known), -1, dtype=np.int32)
    kinds = breakdown[of_series] if len(breakdown) else np.full(len(known), -1, dtype=np.int32)
    component = (parents >= 0) & (kinds >= 0)
    rows = known[component]
    children = pd.DataFrame(
        {
            "parent": parents[component],
            "breakdown": kinds[component],
            "source": links.source[rows],
            "date": links.date[rows].astype(np.int32),
            "value": links.value[rows],
        }
    )
    del of_series, parents, kinds, component, rows
    sums = children.groupby(["parent", "breakdown", "source", "date"])["value"].agg(component_sum="sum", component_count="size").reset_index()
    del children
    rows = known[np.isin(links.series[known], sums["parent"].unique())]  # the others match no sum
    candidates = pd.DataFrame(
        {"index": rows, "series": links.series[rows], "source": links.source[rows], "date": links.date[rows].astype(np.int32), "value": links.value[rows]}
    )
    totals = candidates.merge(sums, left_on=["series", "source", "date"], right_on=["parent", "source", "date"])
    return totals, breakdowns.dictionary.to_pylist()


def check_components(view: ModelView) -> list[Problem]:
    tables, frames, links, files = view.tables, view.frames, view.links, view.files
    recorded = _recorded(view, COMPONENT_KINDS)
    totals, breakdown_names = component_sums(tables, links)
    index = totals["index"].to_numpy()
    names = np.array(breakdown_names + [None], dtype=object)
    hedged = per_row(tables["observations"], "qualifier", lambda qualifier: isin(qualifier, UPPER_BOUND_QUALIFIERS), False)[index]
    shown = np.flatnonzero((totals["component_sum"] > totals["value"]).to_numpy() & hedged & ~recorded[index])
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
            "breakdown": names[totals["breakdown"].to_numpy()[shown]],
        },
    )
    disc = frames["discrepancies"]
    claimed = disc[disc["kind"].isin(sorted(COMPONENT_KINDS))]
    at = first_positions(claimed["observation_id"].tolist(), tables["observations"].columns["observation_id"])
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


def _bounds(view: ModelView, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest figure each of ROWS allows, by its qualifier (CURATION.md 2):
    "more than"/"at least" have no upper bound, "less than"/"up to" and "almost" no lower one,
    a range runs to value_upper; "approximately" is taken at its value on both sides."""
    table, value = view.tables["observations"], view.links.value[rows]
    upper = per_row(table, "value_upper", lambda values: np.asarray(values.to_numpy(zero_copy_only=False), dtype="float64"), np.nan, rows)

    def qualified(names: list[str]) -> np.ndarray:  # through the qualifiers' distinct values, not a string a row
        return per_row(table, "qualifier", lambda qualifier: isin(qualifier, names), False, rows)

    highest = np.where(qualified(["range"]) & ~np.isnan(upper), upper, value)
    highest = np.where(qualified(NO_UPPER_BOUND), np.inf, highest)
    lowest = np.where(qualified(NO_LOWER_BOUND), -np.inf, value)
    return lowest, highest


def check_cumulative(view: ModelView) -> list[Problem]:
    """A running total (or money amount) that cannot reach the lowest figure an earlier date allows:
    hedged figures are compared as the ranges their qualifiers state."""
    tables, links, file = view.tables, view.links, view.files["observations"]
    cumulative_metric = isin(tables["metrics"].columns["kind"], ["cumulative_count", "money_amount"])
    selected = (links.metric >= 0) & links.counted & ~np.isnan(links.date)
    if len(cumulative_metric):
        selected &= cumulative_metric[links.metric.clip(0)]
    else:
        selected[:] = False
    where = np.flatnonzero(selected)
    del selected
    lowest, highest = _bounds(view, where)
    earlier_max = _earlier_max(links.series[where], links.date[where], lowest)
    del lowest
    with np.errstate(invalid="ignore"):
        falls = (highest < earlier_max) & ~_recorded(view, {"cumulative_decrease"})[where]
    return located(
        view.observations,
        where[falls],
        file,
        "value",
        "cumulative-decrease",
        lambda r: (
            f"{r['value']:g} on {r['observation_date']} is below an earlier figure {r['earlier_max']:g} of cumulative series "
            f"{r['series_id']!r}; record it in discrepancies"
        ),
        severity="warning",
        extra={"earlier_max": earlier_max[falls]},
    )


def _earlier_max(series: np.ndarray, dates: np.ndarray, lowest: np.ndarray) -> np.ndarray:
    """For each row, the highest of the lowest figures of its series on each earlier date
    (NaN if there is none): the rows grouped by (series, day) through one 64-bit key a row,
    the running maximum taken over the groups, which are few, not over the rows."""
    days = dates.astype(np.int64)  # whole days: the rows have dates
    first = int(days.min()) if len(days) else 0
    codes, keys = pd.factorize((series.astype(np.int64) << 32) | (days - first))
    del days
    per_day = pd.Series(lowest).groupby(codes).max()  # by code 0, 1, ...: NaN where every figure of the day is empty
    groups = pd.MultiIndex.from_arrays([keys >> 32, (keys & 0xFFFFFFFF) + first])
    by_day = pd.Series(per_day.to_numpy(), index=groups).sort_index()
    earlier = by_day.groupby(level=0).cummax().groupby(level=0).shift(1)
    return earlier.reindex(groups).to_numpy(dtype="float64")[codes]


def _dated_to_the_day(view: ModelView) -> np.ndarray:
    """Observations whose date is a known day, by the rule of figures.date_precision."""
    observations, sources = view.tables["observations"].columns, view.tables["sources"].columns
    at = pa.array(view.links.source, mask=view.links.source < 0)  # null where the source is unknown
    own = observations["date_precision"] if "date_precision" in observations else pa.nulls(len(at), pa.string())
    precision = date_precision(own, observations["observation_date"], pc.take(sources["source_date"], at), pc.take(sources["date_precision"], at))
    return np.asarray(pc.equal(precision, "day").fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def check_same_day_conflicts(view: ModelView) -> list[Problem]:
    """Different exact figures of one series on one day; hedged figures (more than 400 vs 402) may
    agree, and a figure whose date is only a month, a year or an upper bound has no day to share."""
    links, file = view.links, view.files["observations"]
    recorded = _recorded(view, {"conflicting_figures"})
    obs = view.observations
    exact = (obs["qualifier"] == "exact").to_numpy(dtype=bool, na_value=False)
    where = np.flatnonzero(exact & links.counted & _dated_to_the_day(view))
    keys = pd.DataFrame({"series": links.series[where], "date": links.date[where], "value": links.value[where]})
    spread = keys.groupby(["series", "date"])["value"].transform("nunique").to_numpy()
    mask = np.zeros(len(links.series), dtype=bool)
    mask[where[spread > 1]] = True
    return located(
        obs,
        mask & ~recorded,
        file,
        "value",
        "conflicting-figures",
        lambda r: f"{r['value']:g} differs from another figure of series {r['series_id']!r} on {r['observation_date']}; record it in discrepancies",
        severity="warning",
    )
