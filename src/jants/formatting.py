"""How a number is written as text: in CSV cells, tables, charts and the report."""

from __future__ import annotations


def format_number(value: float) -> str:
    """Shortest text of a number, without a trailing .0 for whole numbers."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "INF", "-inf": "-INF"}[str(value)]
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(value)
