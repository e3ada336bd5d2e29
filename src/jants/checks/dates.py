"""Rules of dates: coverage, periods, figures not dated after their source, status dates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..problems import Problem
from .view import ISO_DATE, ModelView, located
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
    tables, frames, links, file = view.tables, view.frames, view.links, view.files["observations"]
    coverage = view.descriptor.get("coverage")
    shown = f"{coverage.get('start')} to {coverage.get('end')}" if isinstance(coverage, dict) else ""
    obs = view.observations
    dates = links.date
    starts = days_of(tables["observations"].columns["period_start"])
    problems = []
    bounds = _coverage_bounds(coverage, file)
    if isinstance(bounds, list):
        problems += bounds
    elif bounds:
        start, end = bounds
        for column, days in (("observation_date", dates), ("period_start", starts)):
            with np.errstate(invalid="ignore"):
                outside = (days < start) | (days > end)
            problems += located(
                obs,
                outside,
                file,
                column,
                "date-out-of-coverage",
                lambda r, c=column: f"{r[c]} is outside the package's coverage {shown}",
            )
    with np.errstate(invalid="ignore"):
        problems += located(
            obs,
            starts > dates,
            file,
            "period_start",
            "date-error",
            lambda r: f"period_start {r['period_start']} is after observation_date {r['observation_date']}",
        )
    sources = frames["sources"]
    latest = _period_end(pd.to_datetime(sources["source_date"]), sources["date_precision"])
    latest_days = ((latest - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype="float64", na_value=np.nan)
    known = links.source >= 0
    source_end = np.where(known, latest_days[links.source.clip(0)] if len(latest_days) else np.nan, np.nan)
    source_date = sources["source_date"].to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        late = known & (dates > source_end)
    return problems + located(
        obs,
        late,
        file,
        "observation_date",
        "date-error",
        lambda r: f"{r['observation_date']} is after the date of its source {r['source_id']!r} ({r['source_date']})",
        extra={"source_date": source_date[links.source.clip(0)] if len(source_date) else np.full(len(known), None)},
    )


def check_status(view: ModelView) -> list[Problem]:
    """Status details belong to a figure whose status changed, and cannot precede the figure."""
    tables, links, file = view.tables, view.links, view.files["observations"]
    obs = view.observations
    reported = (obs["status"] == "reported").to_numpy(dtype=bool, na_value=False)
    problems = []
    for column in ("status_date", "status_source_id"):
        problems += located(
            obs, reported & obs[column].notna().to_numpy(), file, column, "status-error", lambda r, c=column: f"{c} is set but the status is 'reported'"
        )
    with np.errstate(invalid="ignore"):
        early = days_of(tables["observations"].columns["status_date"]) < links.date  # False where either is empty
    problems += located(
        obs, early, file, "status_date", "status-error", lambda r: f"status_date {r['status_date']} is before observation_date {r['observation_date']}"
    )
    return problems
