"""docs/ci-example.yml: its commands, run here as the workflow runs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


@pytest.mark.slow
def test_ci_example_commands_pass_on_the_shipped_package(project, tmp_path):
    workflow = yaml.safe_load((project / "docs" / "ci-example.yml").read_text(encoding="utf-8"))
    steps = [s for s in workflow["jobs"]["validate"]["steps"] if "run" in s]
    assert steps[0]["name"] == "Install jants"  # done here by the test environment already
    checkout = tmp_path / "checkout"
    shutil.copytree(project, checkout, ignore=shutil.ignore_patterns(".git", ".venv*", "dist", "__pycache__", ".pytest_cache", ".hypothesis"))
    subprocess.run(["git", "init", "-q"], cwd=checkout, check=True)
    subprocess.run(["git", "add", "-A"], cwd=checkout, check=True)
    subprocess.run(["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org", "commit", "-qm", "checkout"], cwd=checkout, check=True)
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    for step in steps[1:]:
        result = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=checkout, env=env, capture_output=True, text=True)
        assert result.returncode == 0, f"{step['name']}: {result.stdout}{result.stderr}"


@pytest.mark.slow
def test_ci_example_fails_on_a_broken_package(project, tmp_path):
    workflow = yaml.safe_load((project / "docs" / "ci-example.yml").read_text(encoding="utf-8"))
    validate = next(s for s in workflow["jobs"]["validate"]["steps"] if s.get("name") == "Validate the package")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(project / "datapackage.json", checkout / "datapackage.json")
    shutil.copytree(project / "data", checkout / "data")
    (checkout / "data" / "bodies.csv").write_text("broken\n", encoding="utf-8")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(["bash", "-eo", "pipefail", "-c", validate["run"]], cwd=checkout, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "data/bodies.csv" in result.stdout
