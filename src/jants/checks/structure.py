"""Rules of the model's structure: ranges, units, breakdowns, links from discrepancies."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import model
from ..problems import Problem
from ..tableschema.table import range_of
from .view import Gathered, ModelView, first_positions, isin, located, numbers, per_row


def check_ranges(view: ModelView) -> list[Problem]:
    table, file = view.tables["observations"], view.files["observations"]
    found = Gathered()
    for start, part in view.links.slices():
        is_range = per_row(table, "qualifier", lambda qualifier: isin(qualifier, ["range"]), False, part.rows)
        upper = per_row(table, "value_upper", numbers, np.nan, part.rows)
        has_upper = ~np.isnan(upper)
        with np.errstate(invalid="ignore"):
            above = upper <= part.value  # False where either is empty
        found.where("not_range", has_upper & ~is_range, start)
        found.where("no_upper", is_range & ~has_upper, start)
        found.where("above", has_upper & above, start)
    obs = view.observations
    problems = located(
        obs, found["not_range"], file, "value_upper", "range-error", lambda r: f"value_upper is set but qualifier is {r['qualifier']!r}, not 'range'"
    )
    problems += located(obs, found["no_upper"], file, "value_upper", "range-error", lambda r: "qualifier is 'range' but value_upper is missing")
    problems += located(
        obs, found["above"], file, "value_upper", "range-error", lambda r: f"value_upper {r['value_upper']:g} is not above value {r['value']:g}"
    )
    return problems


def check_units(view: ModelView) -> list[Problem]:
    tables, frames, file = view.tables, view.frames, view.files["observations"]
    metric_units = tables["metrics"].columns["unit"]
    found = Gathered()
    for start, part in view.links.slices():
        known = part.metric >= 0
        expected = pc.take(metric_units, pa.array(np.where(known, part.metric, 0))) if len(metric_units) else pa.nulls(len(known), pa.string())
        differs = pc.not_equal(range_of(tables["observations"].columns, "unit", part.span), expected)
        bad = found.where("rows", known & np.asarray(differs.fill_null(True).to_numpy(zero_copy_only=False), dtype=bool), start)
        found.add("metric", part.metric[bad])
    metric_ids = frames["metrics"]["metric_id"].to_numpy(dtype=object)
    units = frames["metrics"]["unit"].to_numpy(dtype=object)
    return located(
        view.observations,
        found["rows"],
        file,
        "unit",
        "unit-error",
        lambda r: f"unit {r['unit']!r} differs from metric {r['metric_id']!r}'s unit {r['metric_unit']!r}",
        extra={"metric_id": metric_ids[found["metric"]], "metric_unit": units[found["metric"]]},
    )


def check_breakdowns(view: ModelView) -> list[Problem]:
    series, file = view.frames["series"], view.files["series"]
    has_parent = series["parent_series_id"].notna()
    has_breakdown = series["breakdown"].notna()
    problems = located(
        series,
        (has_parent & ~has_breakdown).to_numpy(),
        file,
        "breakdown",
        "breakdown-error",
        lambda r: "a component series needs the dimension that splits its parent (breakdown)",
    )
    problems += located(
        series,
        (~has_parent & has_breakdown).to_numpy(),
        file,
        "parent_series_id",
        "breakdown-error",
        lambda r: f"breakdown {r['breakdown']!r} is set but the series has no parent",
    )
    problems += located(
        series,
        (series["parent_series_id"] == series["series_id"]).to_numpy(dtype=bool, na_value=False),
        file,
        "parent_series_id",
        "breakdown-error",
        lambda r: "a series cannot be its own parent",
    )
    for dimension in model.DIMENSIONS:
        missing = (has_breakdown & (series["breakdown"] == dimension) & series[dimension].isna()).to_numpy(dtype=bool, na_value=False)
        problems += located(
            series, missing, file, dimension, "breakdown-error", lambda r: f"breakdown is {r['breakdown']!r} but the {r['breakdown']} value is missing"
        )
    return problems


def check_discrepancy_links(view: ModelView) -> list[Problem]:
    tables, frames, file = view.tables, view.frames, view.files["discrepancies"]
    disc = frames["discrepancies"]
    related = disc["related_observation_ids"].fillna("").str.split()
    named = sorted({i for ids in related for i in ids})
    ids = tables["observations"].columns["observation_id"]
    known = _present(named, ids)
    unknown = related.map(lambda ids: [i for i in ids if i not in known])
    dangling = (unknown.str.len() > 0).to_numpy()
    return located(
        disc,
        dangling,
        file,
        "related_observation_ids",
        "foreign-key-error",
        lambda r: f"{' '.join(r['_unknown'])} not found in observations.observation_id",
        extra={"_unknown": unknown.to_numpy()},
    )


def _present(named: list[str], ids: pa.Array) -> set[str]:
    """The named ids that occur in the column ids."""
    if not named:
        return set()
    return {name for name, position in zip(named, first_positions(named, ids)) if position >= 0}
