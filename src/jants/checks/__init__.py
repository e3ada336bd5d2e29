"""The jants rules: checks that only make sense for packages in the jants model.

They run after the Table Schema checks, on the typed tables, each as `check(view)` over
one `ModelView` of the package. Errors break the package; consistency findings are
warnings unless the package records the discrepancy with an explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..limits import release_memory
from ..problems import Problem
from ..tableschema.table import CompactColumns, TypedTable
from .consistency import check_components, check_cumulative, check_same_day_conflicts
from .dates import check_dates, check_status
from .evidence import check_evidence_length, check_locators, check_web_evidence
from .figures import BuiltFigures, check_figures, written_as_built
from .provenance import check_provenance
from .structure import check_breakdowns, check_discrepancy_links, check_ranges, check_units
from .view import ModelView, uses_jants_model

# In the order their problems are reported.
CHECKS = [
    check_ranges,
    check_units,
    check_breakdowns,
    check_dates,
    check_evidence_length,
    check_discrepancy_links,
    check_locators,
    check_web_evidence,
    check_status,
    check_provenance,
    check_components,
    check_cumulative,
    check_same_day_conflicts,
    check_figures,
]

__all__ = ["CHECKS", "BuiltFigures", "ModelView", "check_model", "check_model_as_built", "uses_jants_model", "written_as_built"]

T = TypeVar("T")


def check_model(tables: dict[str, TypedTable], descriptor: dict, sources_dir: Path | None) -> list[Problem]:
    view = ModelView.of(tables, descriptor, sources_dir)
    # the figures table's comparison with its join reads only the typed tables (in
    # pyarrow, mostly without the GIL): it runs beside the other checks
    found, figures = _checked(view, lambda: check_figures(view))
    found[check_figures] = figures
    return [problem for check in CHECKS for problem in found[check]]


def check_model_as_built(
    tables: dict[str, TypedTable], descriptor: dict, sources_dir: Path | None, compared: Callable[[], BuiltFigures | None], beside: bool = True
) -> tuple[list[Problem], BuiltFigures] | None:
    """`check_model` for a package whose figures table was not read: COMPARED gives the
    figures the other tables give if the file holds the bytes `jants build` writes for
    them (BuiltFigures, written_as_built), else None; it is awaited beside the other
    checks, or with BESIDE false called after them, once their memory is given back (a
    package larger than the memory budget). None when they differ (the table must then be
    read, to say where); else the problems, and those figures."""
    if beside:
        found, built = _checked(ModelView.of(tables, descriptor, sources_dir), compared)
    else:
        found, _ = _checked(ModelView.of(tables, descriptor, sources_dir), lambda: None)
        release_memory()
        built = compared()
    if built is None:
        return None
    found[check_figures] = []
    return [problem for check in CHECKS for problem in found[check]], built


def _checked(view: ModelView, beside: Callable[[], T]) -> tuple[dict, T]:
    """The problems of each check but check_figures, and what BESIDE gives, run on a thread of its own meanwhile."""
    found: dict = {}
    if any(isinstance(table.columns, CompactColumns) for table in view.tables.values()):
        release_memory()  # what reading tables in batches freed (a package read whole reuses it)
    with ThreadPoolExecutor(max_workers=1) as aside:
        result = aside.submit(beside)
        for check in CHECKS:
            if check is not check_figures:
                found[check] = check(view)
                view.links.forget()
                release_memory()  # each check's arrays of a number a row, given back before the next
        return found, result.result()
