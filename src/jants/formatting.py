"""How a number is written as text: in CSV cells, tables, charts and the report."""

from __future__ import annotations


def format_number(value: float) -> str:
    """Shortest text of a number, without a trailing .0 for whole numbers."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "INF", "-inf": "-INF"}[str(value)]
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


PRECISIONS = ("day", "month", "year", "on_or_before")  # observations.date_precision


def _is_missing(value) -> bool:
    """None, empty text, NaN, and pandas' NA and NaT (without importing pandas)."""
    if value is None or isinstance(value, str):
        return not value
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def date_precision(own, observation_date=None, source_date=None, source_precision=None) -> str:
    """How precisely a figure's date is known, as observations.date_precision defines it: its
    own precision where given; empty, the source's (month or year) where the figure is dated
    by its source's own date; else the day."""
    if not _is_missing(own):
        return str(own)
    if source_precision in ("month", "year") and not _is_missing(observation_date) and _as_date(observation_date) == _as_date(source_date):
        return str(source_precision)
    return "day"


def _as_date(value):
    import datetime

    if _is_missing(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def date_as_stated(date, precision=None, long: bool = False) -> str:
    """A figure's date only as precisely as it is known, so that a month or a year never
    reads as a day: ISO style (2022-07-29, 2024-01, 2023, on or before 2022-07-29) for
    tables, or LONG (29 July 2022, January 2024, 2023, on or before 29 July 2022) for prose.
    PRECISION: day, month, year, on_or_before; empty is day."""
    day = _as_date(date)
    if day is None:
        return ""
    precision = "day" if _is_missing(precision) else str(precision)
    if precision not in PRECISIONS:
        raise ValueError(f"date precision {precision!r} is not one of {', '.join(PRECISIONS)}")
    if precision == "year":
        return f"{day.year}"
    if precision == "month":
        return f"{day:%B %Y}" if long else f"{day:%Y-%m}"
    text = f"{day.day} {day:%B %Y}" if long else day.isoformat()
    return f"on or before {text}" if precision == "on_or_before" else text
