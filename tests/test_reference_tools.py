"""The shipped descriptor is accepted as it is by frictionless-py, the reference validator."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_frictionless_validate(project):
    beside = Path(sys.executable).parent / "frictionless"
    exe = str(beside) if beside.exists() else shutil.which("frictionless")
    if exe is None:
        pytest.skip("frictionless command not installed (pip install -e '.[test]')")
    result = subprocess.run([exe, "validate", "datapackage.json", "--json"], capture_output=True, text=True, cwd=project)
    report = json.loads(result.stdout)
    errors = [(task["name"], e["type"], e.get("message")) for task in report["tasks"] for e in task["errors"]]
    assert report["valid"], errors
    assert result.returncode == 0


def test_descriptor_has_what_a_citation_needs(project):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    for key in ("name", "title", "version", "created", "licenses", "contributors", "sources"):
        assert descriptor.get(key), key
    for resource in descriptor["resources"]:
        assert resource["bytes"] > 0 and resource["hash"].startswith("sha256:"), resource["name"]
        if "schema" in resource:
            assert resource["profile"] == "tabular-data-resource"
