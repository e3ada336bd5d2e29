"""The figures table as a join: observations with the labels of their series, metric, body
and source, and the discrepancies they take part in.

One function, used twice: `jants build` applies it to the text of the tables it writes,
and `jants validate` to the typed tables it reads, then compares the result with the
published figures table (checks.figures). It works on whatever Arrow type the columns
have, so both get the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from . import model

Columns = Mapping[str, pa.Array]
OBSERVATION_FIELDS = [field for _, table, field in model.FIGURE_COLUMNS if table == "observations"] + ["date_precision"]
"""The observations' fields the join reads (date_precision, optional, gives figures.date_precision)."""


def figures_join(tables: Mapping[str, Columns]) -> dict[str, pa.Array]:
    """The figures table's columns (model.FIGURES), from the columns of the model's tables.

    A row whose series, body or source is unknown gets nulls in the joined columns (the
    validator reports the broken key itself)."""
    # The rows' order first, so that each column is gathered once, already in order: the
    # observations' own by position, the joined ones from the small tables by key.
    unsorted = tables["observations"]
    order = pc.sort_indices(pa.table({name: unsorted[name] for name in model.FIGURE_ORDER}), sort_keys=[(name, "ascending") for name in model.FIGURE_ORDER])
    obs = {field: unsorted[field].take(order) for _, table, field in model.FIGURE_COLUMNS if table == "observations"}
    series_at = pc.index_in(obs["series_id"], value_set=tables["series"]["series_id"])
    metric_ids = pc.take(tables["series"]["metric_id"], series_at)
    at = {
        "series": series_at,
        "metrics": pc.index_in(metric_ids, value_set=tables["metrics"]["metric_id"]),
        "bodies": pc.index_in(obs["body_id"], value_set=tables["bodies"]["body_id"]),
        "sources": pc.index_in(obs["source_id"], value_set=tables["sources"]["source_id"]),
    }
    columns = {}
    for name, table, field in model.FIGURE_COLUMNS:
        columns[name] = obs[field] if table == "observations" else pc.take(tables[table][field], at[table])
    own = unsorted["date_precision"].take(order) if "date_precision" in unsorted else pa.nulls(len(order), pa.string())
    columns["date_precision"] = date_precision(
        own, obs["observation_date"], columns["source_date"], pc.take(tables["sources"]["date_precision"], at["sources"])
    )
    columns["discrepancy_ids"] = discrepancy_ids(obs["observation_id"], tables["discrepancies"])
    return {spec["name"]: columns[spec["name"]] for spec in model.FIGURES["fields"]}


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
