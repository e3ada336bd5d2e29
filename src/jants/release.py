"""Cut a citable release: a deterministic archive and an entry in the release index.

A release is refused unless the package validates, the version is higher than the last
release, the bump is at least what the diff against the last release requires, and
CHANGELOG.md has an entry for it. Released versions are never overwritten.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .diff import BUMPS, diff_packages
from .package import DESCRIPTOR_NAME, file_digest
from .report import PackageError, Problem

INDEX_NAME = "releases.json"
DIST_DIR = "dist"
VERSION_PATTERN = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip member can carry


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    archive: str
    sha256: str
    bytes: int


def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION_PATTERN.match(text or "")
    if not match:
        raise PackageError(Problem("release-error", f"version {text!r} is not MAJOR.MINOR.PATCH"))
    return tuple(int(part) for part in match.groups())


def bump_between(old: str, new: str) -> str:
    a, b = parse_version(old), parse_version(new)
    if b[0] > a[0]:
        return "major"
    if b[:2] > a[:2]:
        return "minor"
    return "patch" if b > a else "none"


def read_index(project: Path) -> list[Release]:
    path = project / INDEX_NAME
    if not path.exists():
        return []
    return [Release(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))["releases"]]


def write_index(project: Path, releases: list[Release]) -> None:
    """Write the index, keeping its other keys (`base_url`, where archives are published)."""
    path = project / INDEX_NAME
    index = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"base_url": None}
    index["releases"] = [r.__dict__ for r in sorted(releases, key=lambda r: parse_version(r.version))]
    write_atomically(path, (json.dumps(index, indent=2) + "\n").encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def changelog_date(project: Path, version: str) -> str:
    """The date of VERSION's entry in CHANGELOG.md (`## [VERSION] - YYYY-MM-DD`)."""
    path = project / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    match = re.search(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d{{2}}-\d{{2}})\s*$", text, re.MULTILINE)
    if not match:
        raise PackageError(Problem("release-error", f"CHANGELOG.md has no entry '## [{version}] - YYYY-MM-DD'", file="CHANGELOG.md"))
    return match.group(1)


def archive_members(project: Path) -> list[str]:
    descriptor = json.loads((project / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
    tables = [r["path"] for r in descriptor["resources"]]
    return [DESCRIPTOR_NAME, *tables, "README.md", "CHANGELOG.md", "CITATION.cff"]


def write_archive(project: Path, members: list[str], target: Path) -> None:
    """A zip whose bytes depend only on the members' content: fixed order, time and mode."""
    sums = "".join(f"{file_digest(project / m)[1]}  {m}\n" for m in members)
    with zipfile.ZipFile(target, "w") as stream:
        for name, data in [*((m, (project / m).read_bytes()) for m in members), ("SHA256SUMS", sums.encode())]:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            stream.writestr(info, data, compresslevel=9)


def make_release(project: str | Path, version: str) -> Release:
    from .citation import write_citation_cff
    from .validate import validate_package

    project = Path(project)
    releases = read_index(project)
    if any(r.version == version for r in releases):
        raise PackageError(Problem("release-error", f"version {version} is already released; released versions are never overwritten", file=INDEX_NAME))
    parse_version(version)
    descriptor = json.loads((project / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
    if descriptor.get("version") != version:
        raise PackageError(Problem("release-error", f"datapackage.json has version {descriptor.get('version')!r}, not {version} (set it in curation/package.json and run jants build)", file=DESCRIPTOR_NAME, field="version"))
    report = validate_package(project)
    if not report.valid:
        raise PackageError(Problem("release-error", f"the package does not validate ({len(report.errors)} errors); run jants validate"), report.errors)
    if releases:
        last = max(releases, key=lambda r: parse_version(r.version))
        if parse_version(version) <= parse_version(last.version):
            raise PackageError(Problem("release-error", f"version {version} is not higher than the last release {last.version}", file=INDEX_NAME))
        previous = project / DIST_DIR / last.archive
        if not previous.exists():
            raise PackageError(Problem("release-error", f"the last release archive {previous} is needed to check the version bump; run jants fetch {last.version} --output {DIST_DIR}"))
        required = diff_packages(previous, project).bump
        offered = bump_between(last.version, version)
        if BUMPS.index(offered) < BUMPS.index(required):
            raise PackageError(Problem("release-error", f"the changes since {last.version} need a {required} version bump, {version} is a {offered} bump; see jants diff"))
    date = changelog_date(project, version)
    write_citation_cff(project, descriptor, date)
    dist = project / DIST_DIR
    dist.mkdir(exist_ok=True)
    name = f"jants-{version}.zip"
    target = dist / name
    if target.exists():
        raise PackageError(Problem("release-error", f"{target} exists already; released archives are never overwritten"))
    handle, temporary = tempfile.mkstemp(prefix=f".{name}-", dir=dist)
    os.close(handle)
    try:
        write_archive(project, archive_members(project), Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    size, sha256 = file_digest(target)
    release = Release(version=version, date=date, archive=name, sha256=sha256, bytes=size)
    write_index(project, [*releases, release])
    return release

