"""`jants build`: deterministic, atomic, and errors pointing at the curated input."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from jants.build import LOCK_NAME, BuildError, build_package
from jants.problems import PackageError

from conftest import read_rows, write_rows


def digests(root: Path) -> dict[str, str]:
    files = [root / "datapackage.json", *sorted((root / "data").iterdir())]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def test_committed_package_is_what_the_curation_builds(project, sources_dir, tmp_path):
    build_package(project / "curation", tmp_path, sources_dir)
    assert digests(tmp_path) == digests(project)


def test_building_twice_gives_identical_files(project, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    build_package(project / "curation", first)
    build_package(project / "curation", second)
    build_package(project / "curation", second)
    assert digests(first) == digests(second)


def test_build_leaves_no_temporary_files(project, tmp_path):
    build_package(project / "curation", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["data", "datapackage.json", LOCK_NAME])


def _edit_observation(curation: Path, field: str, value: str, row: int = 2) -> Path:
    path = sorted((curation / "observations").glob("*.csv"))[0]
    rows = read_rows(path)
    rows[row - 1][rows[0].index(field)] = value
    write_rows(path, rows)
    return path


@pytest.mark.parametrize("field, value, code", [
    ("series_id", "no_such_series", "foreign-key-error"),
    ("qualifier", "roughly", "constraint-error"),
    ("source_line", "99999", "locator-error"),
])
def test_curated_error_points_at_the_curated_file(curation, sources_dir, tmp_path, field, value, code):
    edited = _edit_observation(curation, field, value)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BuildError) as raised:
        build_package(curation, out, sources_dir)
    problems = [p for p in raised.value.report.errors if p.code == code]
    assert problems, raised.value.report.to_text()
    assert problems[0].file == f"curation/observations/{edited.name}"
    assert problems[0].row == 2
    assert problems[0].field == field
    assert not (out / "datapackage.json").exists()


def test_duplicated_observation_points_at_the_repeated_line(curation, tmp_path):
    path = sorted((curation / "observations").glob("*.csv"))[0]
    rows = read_rows(path)
    write_rows(path, rows + [rows[1]])
    with pytest.raises(BuildError) as raised:
        build_package(curation, tmp_path)
    problem = next(p for p in raised.value.report.errors if p.code == "unique-error")
    assert problem.file == f"curation/observations/{path.name}"
    assert problem.row == len(rows) + 1


def test_failed_build_keeps_the_previous_package(project, curation, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    build_package(project / "curation", out)
    before = digests(out)
    _edit_observation(curation, "value", "lots")
    with pytest.raises(BuildError):
        build_package(curation, out)
    assert digests(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(["data", "datapackage.json", LOCK_NAME])


def test_second_build_is_refused_while_one_runs(project, tmp_path):
    with open(tmp_path / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(PackageError, match="another jants build is running"):
            build_package(project / "curation", tmp_path)


def test_unknown_source_file_in_curation(curation, tmp_path):
    shutil.copy(sorted((curation / "observations").glob("*.csv"))[0], curation / "observations" / "unknown-source.csv")
    with pytest.raises(PackageError, match="not a source_id"):
        build_package(curation, tmp_path)


@contextlib.contextmanager
def mounted_tmpfs(where: Path, size: int):
    """A real tmpfs of `size` bytes at `where`, or a skip saying why there is none."""
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8); the mocked write error test covers the code path")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_build_on_a_full_disk_fails_cleanly(project, tmp_path):
    package_size = sum(f.stat().st_size for f in (project / "data").iterdir()) + (project / "datapackage.json").stat().st_size
    with mounted_tmpfs(tmp_path / "disk", package_size + 96 * 1024) as disk:
        shutil.copytree(project / "data", disk / "data")
        shutil.copy(project / "datapackage.json", disk / "datapackage.json")
        before = digests(disk)
        with pytest.raises(PackageError, match="No space left on device"):
            build_package(project / "curation", disk)
        assert digests(disk) == before
        assert not list(disk.glob(".jants-build-*"))


def test_build_on_a_read_only_directory_fails_cleanly(project, tmp_path):
    with mounted_tmpfs(tmp_path / "disk", 8 << 20) as disk:
        build_package(project / "curation", disk)
        before = digests(disk)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        with pytest.raises(PackageError, match="Read-only file system"):
            build_package(project / "curation", disk)
        assert digests(disk) == before


def test_write_error_keeps_the_previous_package(project, tmp_path, monkeypatch):
    build_package(project / "curation", tmp_path)
    before = digests(tmp_path)
    import jants.build

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", "data/observations.parquet")

    monkeypatch.setattr(jants.build, "write_parquet", disk_full)
    with pytest.raises(PackageError, match="No space left on device"):
        build_package(project / "curation", tmp_path)
    assert digests(tmp_path) == before


def _project_copy(project: Path, where: Path) -> Path:
    where.mkdir()
    shutil.copytree(project / "curation", where / "curation")
    shutil.copytree(project / "data", where / "data")
    shutil.copy(project / "datapackage.json", where / "datapackage.json")
    return where


def _snapshot(root: Path) -> dict[str, bytes]:
    files = [root / "datapackage.json", *sorted((root / "data").iterdir())] if (root / "data").is_dir() else [root / "datapackage.json"]
    return {f.name: f.read_bytes() for f in files if f.is_file()}


@pytest.mark.slow
def test_build_killed_at_random_points_leaves_a_whole_package(project, tmp_path):
    """SIGKILL a real `jants build` subprocess; the package is the old one or the new one, never a mix."""
    import random
    import signal
    import subprocess
    import sys
    import time

    from jants.validate import validate_package

    template = _project_copy(project, tmp_path / "template")
    _edit_observation(template / "curation", "note", "Edited so that the new build differs.")
    old = _snapshot(template)
    finished = _project_copy(template, tmp_path / "finished")
    build_package(finished / "curation", finished)
    new = _snapshot(finished)
    assert new != old

    command = [sys.executable, "-m", "jants.cli", "build"]
    started = time.perf_counter()
    subprocess.run(command + ["--curation", str(finished / "curation"), "--output", str(finished)], check=True, capture_output=True)
    duration = time.perf_counter() - started
    delays = sorted(random.Random(20220105).uniform(0.05, duration) for _ in range(8))
    inside = 0  # kills that landed while the build had files half-written
    for trial, delay in enumerate(delays):
        root = _project_copy(template, tmp_path / f"trial-{trial}")
        process = subprocess.Popen(command + ["--curation", str(root / "curation"), "--output", str(root)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
        inside += running and (bool(list(root.glob(".jants-build-*"))) or (root / ".jants-swap").exists())
        if (root / ".jants-swap").exists():
            assert validate_package(root).errors[0].code == "build-interrupted"
            build_package(root / "curation", root)
            assert _snapshot(root) == new
        else:
            assert _snapshot(root) in (old, new), f"killed after {delay:.2f}s: package is a mix of old and new files"
        assert validate_package(root).valid, f"killed after {delay:.2f}s"
        build_package(root / "curation", root)
        assert _snapshot(root) == new
        assert not list(root.glob(".jants-build-*")), "a later build removes what the killed one left"
    assert inside >= 1, "no kill landed inside the build; the test proved nothing"


@pytest.mark.parametrize("renames_before_crash", [1, 2])
def test_swap_interrupted_between_renames_is_finished_by_the_next_build(project, tmp_path, monkeypatch, renames_before_crash):
    import os

    import jants.build
    from jants.validate import validate_package

    root = _project_copy(project, tmp_path / "project")
    _edit_observation(root / "curation", "note", "Edited so that the new build differs.")
    real_replace = os.replace
    calls = []

    def crash_after(source, destination):
        if len(calls) == renames_before_crash + 1:  # the first rename writes the journal
            raise KeyboardInterrupt("simulated power cut")
        calls.append(destination)
        real_replace(source, destination)

    monkeypatch.setattr(jants.build.os, "replace", crash_after)
    with pytest.raises(KeyboardInterrupt):
        build_package(root / "curation", root)
    monkeypatch.setattr(jants.build.os, "replace", real_replace)
    assert list(root.glob(".jants-build-*")), "the built files are kept for the next build to finish the swap"
    assert [p.code for p in validate_package(root).errors] == ["build-interrupted"]
    build_package(root / "curation", root)
    assert validate_package(root).valid
    reference = _project_copy(project, tmp_path / "reference")
    _edit_observation(reference / "curation", "note", "Edited so that the new build differs.")
    build_package(reference / "curation", reference)
    assert _snapshot(root) == _snapshot(reference)
