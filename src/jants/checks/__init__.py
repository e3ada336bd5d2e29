"""The jants rules: checks that only make sense for packages in the jants model.

They run after the Table Schema checks, on the typed tables, each as `check(view)` over
one `ModelView` of the package. Errors break the package; consistency findings are
warnings unless the package records the discrepancy with an explanation.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..limits import release_memory
from ..problems import Problem
from ..tableschema.table import TypedTable
from .consistency import check_components, check_cumulative, check_same_day_conflicts
from .dates import check_dates, check_status
from .evidence import check_evidence_length, check_locators, check_web_evidence
from .figures import check_figures
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

__all__ = ["CHECKS", "ModelView", "check_model", "uses_jants_model"]


def check_model(tables: dict[str, TypedTable], descriptor: dict, sources_dir: Path | None) -> list[Problem]:
    view = ModelView.of(tables, descriptor, sources_dir)
    found: dict = {}
    with ThreadPoolExecutor(max_workers=1) as aside:
        # the figures table's comparison with its join reads only the typed tables (in
        # pyarrow, mostly without the GIL): it runs beside the other checks
        found[check_figures] = aside.submit(check_figures, view)
        for check in CHECKS:
            if check is not check_figures:
                found[check] = check(view)
                release_memory()  # each check's arrays of a number a row, given back before the next
        found[check_figures] = found[check_figures].result()
    return [problem for check in CHECKS for problem in found[check]]
