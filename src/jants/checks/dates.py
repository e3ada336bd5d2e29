"""Rules of dates: coverage, periods, figures not dated after their source, status dates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..problems import Problem
from ..tableschema.arrays import valid_mask
from .view import ISO_DATE, Gathered, ModelView, isin, located, per_row
from .view import days as days_of


def _period_end(dates: pd.Series, precision: pd.Series) -> pd.Series:
    end = dates.copy()
    month = precision == "month"
    year = precision == "year"
    end[month] = dates[month] + pd.offsets.MonthEnd(0)
    end[year] = dates[year] + pd.offsets.YearEnd(0)
    return end


def _coverage_bounds(coverage, file: str) -> tuple[float, float] | list[Problem] | None:
    """Start and end of the descriptor's coverage as days, or the problems that prevent it."""
    if not (isinstance(coverage, dict) and coverage.get("start") and coverage.get("end")):
        return None
    days, problems = [], []
    for key in ("start", "end"):
        try:
            if not (isinstance(coverage[key], str) and ISO_DATE.fullmatch(coverage[key])):
                raise ValueError(coverage[key])
            days.append(float((date.fromisoformat(coverage[key]) - date(1970, 1, 1)).days))
        except (TypeError, ValueError):
            problems.append(
                Problem("descriptor-error", f"coverage {key} {coverage[key]!r} is not a date (YYYY-MM-DD)", file="datapackage.json", field=f"coverage.{key}")
            )
    return problems or (days[0], days[1])


def check_dates(view: ModelView) -> list[Problem]:
    table, sources, file = view.tables["observations"], view.frames["sources"], view.files["observations"]
    coverage = view.descriptor.get("coverage")
    shown = f"{coverage.get('start')} to {coverage.get('end')}" if isinstance(coverage, dict) else ""
    bounds = _coverage_bounds(coverage, file)
    latest = _period_end(pd.to_datetime(sources["source_date"]), sources["date_precision"])
    latest_days = np.append(
        ((latest - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype="float64", na_value=np.nan), np.nan
    )  # NaN for an unknown source (-1)
    found = Gathered()
    for start, part in view.links.slices():
        dates, starts = part.date, per_row(table, "period_start", days_of, np.nan, part.rows)
        with np.errstate(invalid="ignore"):
            if isinstance(bounds, tuple):
                for column, days in (("observation_date", dates), ("period_start", starts)):
                    found.where(column, (days < bounds[0]) | (days > bounds[1]), start)
            found.where("started_after", starts > dates, start)
            late = found.where("late", dates > latest_days[part.source], start)  # False where either is empty or the source unknown
        found.add("late_source", part.source[late])
    obs = view.observations
    problems = bounds if isinstance(bounds, list) else []
    if isinstance(bounds, tuple):
        for column in ("observation_date", "period_start"):
            problems += located(
                obs,
                found[column],
                file,
                column,
                "date-out-of-coverage",
                lambda r, c=column: f"{r[c]} is outside the package's coverage {shown}",
            )
    problems += located(
        obs,
        found["started_after"],
        file,
        "period_start",
        "date-error",
        lambda r: f"period_start {r['period_start']} is after observation_date {r['observation_date']}",
    )
    return problems + located(
        obs,
        found["late"],
        file,
        "observation_date",
        "date-error",
        lambda r: f"{r['observation_date']} is after the date of its source {r['source_id']!r} ({r['source_date']})",
        extra={"source_date": sources["source_date"].to_numpy(dtype=object)[found["late_source"]]},
    )


def check_status(view: ModelView) -> list[Problem]:
    """Status details belong to a figure whose status changed, and cannot precede the figure."""
    table, file = view.tables["observations"], view.files["observations"]
    found = Gathered()
    for start, part in view.links.slices():
        reported = per_row(table, "status", lambda status: isin(status, ["reported"]), False, part.rows)
        for column in ("status_date", "status_source_id"):
            present = per_row(table, column, valid_mask, False, part.rows)
            found.where(column, reported & present, start)
        with np.errstate(invalid="ignore"):
            found.where("early", per_row(table, "status_date", days_of, np.nan, part.rows) < part.date, start)  # False where either is empty
    obs = view.observations
    problems = []
    for column in ("status_date", "status_source_id"):
        problems += located(obs, found[column], file, column, "status-error", lambda r, c=column: f"{c} is set but the status is 'reported'")
    problems += located(
        obs, found["early"], file, "status_date", "status-error", lambda r: f"status_date {r['status_date']} is before observation_date {r['observation_date']}"
    )
    return problems
