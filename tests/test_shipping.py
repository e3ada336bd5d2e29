"""What users without the repository get: the installed wheel, and each release archive
unzipped into an empty folder and read by pandas, R and frictionless-py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import jants
from jants.publish.index import INDEX_NAME, read_index

from conftest import PROJECT

RELEASES = read_index(PROJECT / INDEX_NAME).releases
NO_NETWORK = "import socket\ndef _refuse(*a, **k):\n    raise OSError('network is off in this test')\nsocket.socket.connect = _refuse\nsocket.create_connection = _refuse\n"


def unzipped(version: str, where: Path) -> Path:
    where.mkdir()
    with zipfile.ZipFile(PROJECT / "dist" / f"jants-{version}.zip") as archive:
        archive.extractall(where)
    return where


@pytest.mark.parametrize("version", [r.version for r in RELEASES])
def test_release_unzipped_reads_in_pandas_and_frictionless(version, tmp_path):
    root = unzipped(version, tmp_path / version)
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        schema = by_name[resource.get("copyOf", resource["name"])]["schema"]
        frame = pd.read_parquet(root / resource["path"]) if resource["path"].endswith(".parquet") else pd.read_csv(root / resource["path"])
        assert len(frame) > 0 and list(frame.columns) == [f["name"] for f in schema["fields"]]
    frictionless = shutil.which("frictionless", path=str(Path(sys.executable).parent))
    result = subprocess.run([frictionless, "validate", "datapackage.json"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("version", [r.version for r in RELEASES])
@pytest.mark.parametrize("script, library", [("load_jants.R", "frictionless"), ("load_jants_readr.R", "readr")])
def test_release_unzipped_reads_in_r(version, script, library, tmp_path):
    from test_r import run_r

    root = unzipped(version, tmp_path / version)
    shutil.copy(PROJECT / "scripts" / script, root / script)
    tables = run_r(root, script, library)
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] in tables:
            assert tables[resource["name"]]["rows"] > 0
            assert list(tables[resource["name"]]["types"]) == [f["name"] for f in resource["schema"]["fields"]]


def test_latest_release_is_a_download_for_people_who_never_use_python(tmp_path):
    latest = max(RELEASES, key=lambda r: tuple(map(int, r.version.split("."))))
    root = unzipped(latest.version, tmp_path / "latest")
    for name in ["README.md", "LICENSE.txt", "codebook.md", "CHANGELOG.md", "CITATION.cff", "SHA256SUMS"]:
        assert (root / name).is_file(), name
    assert "Attribution 4.0 International" in (root / "LICENSE.txt").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    for topic in ["## What this dataset is, and is not", "## Coverage", "spreadsheet", "pandas", "library(frictionless)",
                  "DuckDB", "## How to cite", f"Version {latest.version}", "qualifier", "status", "attribution"]:
        assert topic in readme, topic
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource.get("copyOf"):
            continue
        section = readme.split(f"### {resource['name']}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
        columns = re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)
        assert columns == [f["name"] for f in resource["schema"]["fields"]], resource["name"]
    observations = pd.read_csv(root / "data" / "observations.csv")
    assert f"{len(observations):,} figures" in readme


def test_installed_package_is_the_current_release():
    descriptor = json.loads((PROJECT / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == jants.__version__
    released = {r.version: r for r in RELEASES}
    if jants.__version__ in released:  # at a release, the bundled files are the archive's
        with zipfile.ZipFile(PROJECT / "dist" / released[jants.__version__].archive) as archive:
            for resource in descriptor["resources"]:
                assert archive.read(resource["path"]) == (PROJECT / resource["path"]).read_bytes(), resource["path"]
            assert archive.read("datapackage.json") == (PROJECT / "datapackage.json").read_bytes()


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from this checkout, installed in a new virtual environment whose
    only other packages are this environment's dependencies (no network needed)."""
    base = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(base / "dist"), str(PROJECT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    [wheel] = (base / "dist").glob("jants-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"jants/bundled/datapackage.json", "jants/bundled/releases.json", "jants/bundled/data/observations.parquet"} <= names
    assert {f"jants/bundled/dist/{r.archive}" for r in RELEASES} <= names, "list each release archive in pyproject.toml (force-include)"
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # this environment's libraries, as a plain path: its .pth files (the editable jants) are not read
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (site / "no_network.py").write_text(NO_NETWORK)
    (site / "no_network.pth").write_text("import no_network\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    return venv


def run_installed(venv: Path, where: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "JANTS_CACHE": str(where / ".cache")}
    environment.pop("JANTS_SOURCES", None)
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=where, capture_output=True, text=True, env=environment)


@pytest.mark.slow
def test_wheel_works_from_an_empty_folder_offline(installed, tmp_path):
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    script = ("import jants; t = jants.load(); print(jants.__file__); print(t.origin); "
              "print(len(t.observations), len(jants.observations()), len(jants.series('persons_killed')))")
    loaded = run_installed(installed, empty, "python", "-c", script)
    assert loaded.returncode == 0, loaded.stderr
    module, origin, counts = loaded.stdout.splitlines()
    assert str(installed) in module and origin == f"bundled {jants.__version__}"
    rows = len(pd.read_csv(PROJECT / "data" / "observations.csv"))
    assert counts.split()[:2] == [str(rows), str(rows)]
    info = run_installed(installed, empty, "jants", "info")
    assert info.returncode == 0 and f"package: bundled {jants.__version__}" in info.stdout, info.stderr
    for command in (["jants", "list", "--topic", "casualties"], ["jants", "show", "persons_killed"], ["jants", "validate"],
                    ["jants", "cite"], ["jants", "codebook"], ["jants", "report", "-o", "report"],
                    ["jants", "plot", "persons_killed", "-o", "killed.svg"]):
        result = run_installed(installed, empty, *command)
        assert result.returncode == 0, (command, result.stdout[-1000:], result.stderr[-1000:])
        assert "Traceback" not in result.stderr
    validated = run_installed(installed, empty, "jants", "validate", "--json")
    assert json.loads(validated.stdout)["provenance"].startswith("not checked")
    assert (empty / "report" / "index.html").is_file() and (empty / "killed.svg").is_file()
    cited = run_installed(installed, empty, "jants", "cite")
    latest = max(RELEASES, key=lambda r: tuple(map(int, r.version.split("."))))
    assert f"Version {latest.version}" in cited.stdout and latest.sha256 in cited.stdout
    assert sorted(p.name for p in empty.iterdir()) == ["killed.svg", "report"]


@pytest.mark.slow
def test_wheel_reads_an_archive_and_an_older_version(installed, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(PROJECT / "dist" / "jants-0.1.0.zip", folder)
    validated = run_installed(installed, folder, "jants", "validate", "jants-0.1.0.zip")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    shown = run_installed(installed, folder, "jants", "show", "criminal_cases", "--path", "jants-0.1.0.zip", "--csv")
    assert shown.returncode == 0 and "briefing-2022-02-16" in shown.stdout, shown.stderr
    # every released version works offline: the wheel carries the archives, verified by the index
    diffed = run_installed(installed, folder, "jants", "diff", "0.1.0", "0.2.0")
    assert diffed.returncode == 0 and "requires a minor version bump" in diffed.stdout, diffed.stderr
    latest = max(RELEASES, key=lambda r: tuple(map(int, r.version.split("."))))
    for command in (["jants", "validate", "0.1.0"], ["jants", "show", "persons_killed", "--version", latest.version, "--csv"],
                    ["jants", "fetch", "0.2.0", "--output", "got"], ["jants", "diff"]):
        result = run_installed(installed, folder, *command)
        assert result.returncode == 0, (command, result.stdout[-500:], result.stderr[-500:])
    assert (folder / "got" / "jants-0.2.0.zip").is_file()


@pytest.mark.slow
def test_sdist_carries_the_package_and_builds_a_wheel_that_bundles_it(tmp_path):
    import tarfile

    hatchling = shutil.which("hatchling", path=str(Path(sys.executable).parent))
    subprocess.run([hatchling, "build", "-t", "sdist", "-d", str(tmp_path)], cwd=PROJECT, check=True, capture_output=True)
    [sdist] = tmp_path.glob("jants-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        archive.extractall(tmp_path / "unpacked", filter="data")
    assert {"datapackage.json", "releases.json", "data/observations.csv", "data/observations.parquet"} <= names
    [root] = (tmp_path / "unpacked").iterdir()
    subprocess.run([hatchling, "build", "-t", "wheel", "-d", str(tmp_path / "wheel")], cwd=root, check=True, capture_output=True)
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("jants/bundled/data/observations.csv") == (PROJECT / "data" / "observations.csv").read_bytes()
