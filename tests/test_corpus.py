"""Every corpus case through `jants validate`, and the same cases through frictionless-py.

For each bad package: exit code 1, the exact problem in the JSON report (code, file,
row, field), one text line naming the same place, and not one file created or changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jants.cli import cli

from conftest import reference_verdict
from corpus import CASES, VALID

SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"


def tree(*roots: Path) -> dict[str, str]:
    """Every file under the roots with its SHA-256: what validation must leave untouched."""
    found = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or path.is_file():
                data = path.read_bytes() if path.is_file() else str(path.readlink()).encode()
                found[str(path)] = hashlib.sha256(data).hexdigest()
    return found


def mutated(package: Path, scratch: Path, mutate) -> Path:
    return mutate(package, scratch) or package


def run_validate(target: Path, *options: str):
    return CliRunner().invoke(cli, ["validate", str(target), *options])


def test_corpus_is_large_and_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) >= 40
    assert len(set(names)) == len(names)


@pytest.fixture(params=["every-cell", "distinct-values"])
def cell_strategy(request, monkeypatch):
    """Run each case both ways the validator checks a column: cell by cell, and through
    its distinct values (used on large tables, forced here on the small test tables)."""
    if request.param == "distinct-values":
        from jants.tableschema.table import Distinct

        monkeypatch.setattr(Distinct, "MIN_ROWS", 0)
        monkeypatch.setattr(Distinct, "MAX_SHARE", 1.0)
    return request.param


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_package_gives_the_exact_error(package, scratch, case, cell_strategy):
    if case.sources and not SOURCES.is_dir():
        pytest.skip(f"source texts not found at {SOURCES}")
    target = mutated(package, scratch, case.mutate)
    options = ["--sources", str(SOURCES)] if case.sources else []
    before = tree(package.parent)

    as_json = run_validate(target, *options, "--json")
    assert as_json.exit_code == 1, as_json.output
    report = json.loads(as_json.output)
    assert report["valid"] is False
    wanted = {"code": case.code, "file": case.file, "row": case.row, "field": case.field}
    matching = [e for e in report["errors"] if all(e[k] == v for k, v in wanted.items() if v is not None or k == "code")]
    assert matching, f"expected {wanted}, got {report['errors']}"
    assert set(matching[0]) == {"code", "message", "file", "row", "field", "severity"}

    as_text = run_validate(target, *options)
    assert as_text.exit_code == 1
    assert "Traceback" not in as_text.output
    line = next((l for l in as_text.output.splitlines() if f"[{case.code}]" in l), None)
    assert line, as_text.output
    assert line.startswith(case.file or "datapackage")
    if case.row is not None:
        assert f": row {case.row}" in line
    if case.field is not None:
        assert f"field {case.field!r}" in line

    assert tree(package.parent) == before, "validation created or changed a file"


@pytest.mark.parametrize("name", sorted(VALID))
def test_tricky_but_valid_package_is_accepted(package, scratch, name):
    target = mutated(package, scratch, VALID[name])
    result = run_validate(target)
    assert result.exit_code == 0, result.output


# Differential test against the reference ----------------------------------------------------


@pytest.mark.parametrize("case", [c for c in CASES if not c.reference_skip], ids=[c.name for c in CASES if not c.reference_skip])
def test_reference_agrees_on_bad_package(package, scratch, case):
    target = mutated(package, scratch, case.mutate)
    verdict = reference_verdict(target)
    if verdict is None:
        pytest.skip("frictionless-py cannot load this descriptor")
    if case.jants_only:
        assert verdict is True, f"listed as jants-only ({case.jants_only}) but frictionless-py rejects it too"
    else:
        assert verdict is False, "frictionless-py accepts a package that jants rejects; list the reason in the case"


@pytest.mark.parametrize("name", [n for n in sorted(VALID) if "archive" not in n])
def test_reference_agrees_on_valid_package(package, scratch, name):
    target = mutated(package, scratch, VALID[name])
    assert reference_verdict(target) is True
