"""The catalogue of problem codes is complete, and docs/problems.md is generated from it."""

from __future__ import annotations

import re
from pathlib import Path

from jants.problems import CATALOGUE, catalogue_markdown

SOURCE = Path(__file__).resolve().parents[1] / "src" / "jants"
# Strings shaped like codes that are not codes: profiles, encodings, CSL, HTML and Vega names.
NOT_CODES = {"data-package", "tabular-data-package", "data-resource", "tabular-data-resource", "csl-json",
             "date-parts", "stand-in", "table-wrap", "utf-8", "utf-8-sig", "retired-data",
             "fill-key", "metric-count", "metric-search", "triangle-up", "triangle-down"}


def test_every_code_in_the_source_is_in_the_catalogue():
    used = set()
    for path in SOURCE.rglob("*.py"):
        used |= set(re.findall(r"\"([a-z]+(?:-[a-z0-9]+)+)\"", path.read_text(encoding="utf-8")))
    assert sorted(used - NOT_CODES - CATALOGUE.keys()) == []
    assert sorted(CATALOGUE.keys() - used) == [], "catalogued codes that nothing gives"


def test_every_code_says_what_it_means():
    for code in CATALOGUE.values():
        assert code.severity in ("error", "warning", "stop") and code.meaning.endswith(".") and code.example, code


def test_docs_list_of_codes_is_generated_from_the_catalogue(project):
    assert (project / "docs" / "problems.md").read_text(encoding="utf-8") == catalogue_markdown(), \
        "docs/problems.md is stale: python -m jants.problems > docs/problems.md"


def test_report_counts_read_as_english():
    from jants.problems import Problem, Report

    report = Report(package="pkg")
    report.add([Problem("type-error", "bad", file="data/x.csv", row=2, field="value"), Problem("no-schema", "none", severity="warning")])
    assert report.to_text().splitlines()[-1] == "pkg: invalid (1 error, 1 warning)"
    report.add([Problem("type-error", "bad", file="data/x.csv", row=3, field="value")])
    assert report.to_text().splitlines()[-1] == "pkg: invalid (2 errors, 1 warning)"
