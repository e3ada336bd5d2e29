"""R users load every table with the schema's types (rOpenSci frictionless, run as R)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

import jants
from jants import model

R_CLASSES = {"string": "character", "number": "numeric", "integer": "numeric", "date": "Date"}


def run_r(project, script: str, library: str):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed (.ci/run installs r-base-core from Debian)")
    probe = subprocess.run(["Rscript", "-e", f"library({library})"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"R package {library} not installed (see ../shared/vendor/README.md; .ci/run installs it)")
    result = subprocess.run(["Rscript", script, "datapackage.json"], capture_output=True, text=True, cwd=project)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("script, library", [
    ("scripts/load_jants.R", "frictionless"),
    ("scripts/load_jants_readr.R", "readr"),
])
def test_r_reads_every_table_with_schema_types(project, script, library):
    r_tables = run_r(project, script, library)
    tables = jants.load(project)
    assert sorted(r_tables) == sorted(model.PUBLISHED)
    for name, (schema, _) in model.PUBLISHED.items():
        rows = len(tables[name]) if name in tables else len(tables["observations"])  # figures: one row per observation
        assert r_tables[name]["rows"] == rows, name
        for field in schema["fields"]:
            enum = (field.get("constraints") or {}).get("enum")
            expected = "factor" if enum else R_CLASSES[field["type"]]
            assert r_tables[name]["types"][field["name"]] == expected, (name, field["name"])
