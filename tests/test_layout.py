"""The house plan: modules import only downward, so there are no cycles and a newcomer
can read the code from the bottom up (README, "How the code is laid out")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "jants"

# Bottom to top. A module may import only modules listed before it (also inside functions).
LAYERS = [
    "files", "problems", "limits", "formatting", "csvtext", "model", "figures", "flat",   # foundations: files, problems, bounds, the jants model, its figures table
    "package", "archive",                                       # opening any data package, safely
    "tableschema.arrays", "tableschema.table", "tableschema.types", "tableschema.descriptor", "tableschema.text",
    "tableschema.constraints", "tableschema.keys", "tableschema.csvfile", "tableschema.parquet",
    "tableschema",                                              # Table Schema
    "checks.view", "checks.structure", "checks.dates", "checks.evidence", "checks.provenance", "checks.consistency", "checks.figures",
    "checks",                                                   # the jants rules, each check(view)
    "validate",                                                 # validation as a whole
    "curation", "build",                                        # curated input -> package
    "publish.index", "publish.fetch", "locate",                 # which package: path, archive, version, bundled
    "publish.citation",                                         # how to cite a version (also on every report page)
    "explore.codebook", "explore.rows", "explore.tables", "explore.plot", "explore.report", "explore.database",   # reading for people
    "publish.diff", "publish.datareadme", "publish.release",  # releases
    "explore", "publish",                                       # (docstrings only)
    "cli", "__init__",                                          # the command line, the package's face
]


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 1 else ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """The jants modules a file imports, at the top or inside functions."""
    parts = path.relative_to(SOURCE).with_suffix("").parts
    package = list(parts[:-1])  # the package the file is in (its own, for an __init__.py)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = [*base, *(node.module.split(".") if node.module else [])]
            if node.module:  # `from .tableschema import descriptor` imports the module tableschema.descriptor
                module = ".".join(target)
                found.update(f"{module}.{a.name}" if f"{module}.{a.name}" in LAYERS else module for a in node.names)
            else:  # `from . import model` names a module, `from . import __version__` does not
                found.update(n for n in (".".join([*target, a.name]) for a in node.names) if n in LAYERS)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jants."):
            found.add(node.module.removeprefix("jants."))
    return found


MODULES = sorted(SOURCE.rglob("*.py"))


def test_every_module_has_a_place_in_the_plan():
    assert sorted(module_name(p) for p in MODULES) == sorted(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_module_imports_only_downward(path):
    name = module_name(path)
    rank = LAYERS.index(name)
    for target in imports_of(path):
        assert target in LAYERS, f"{name} imports {target}, which has no place in the plan"
        assert LAYERS.index(target) < rank, f"{name} imports {target}, which sits above it in the plan"
