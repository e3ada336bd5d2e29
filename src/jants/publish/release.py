"""Cut a citable release: a deterministic archive and an entry in the release index.

A release is refused unless the package validates, the version is higher than the last
release, the bump is at least what the diff against the last release requires, and
CHANGELOG.md has an entry for it. Released versions are never overwritten.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from pathlib import Path

from ..files import file_digest
from ..locate import DIST_DIR
from ..package import DESCRIPTOR_NAME, load_descriptor
from ..problems import PackageError, Problem
from .diff import BUMPS, diff_packages
from .index import INDEX_NAME, Release, archive_name, parse_version, read_index, write_index

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip member can carry
DATA_LICENCE = Path("docs") / "LICENSE-CC-BY-4.0.txt"
CODEBOOK = Path("docs") / "codebook.md"
DATABASE, DATABASE_METADATA = "jants.db", "jants.metadata.json"  # the package in SQLite, for Datasette


def bump_between(old: str, new: str) -> str:
    a, b = parse_version(old), parse_version(new)
    if b[0] > a[0]:
        return "major"
    if b[:2] > a[:2]:
        return "minor"
    return "patch" if b > a else "none"


def changelog_date(project: Path, version: str) -> str:
    """The date of VERSION's entry in CHANGELOG.md (`## [VERSION] - YYYY-MM-DD`)."""
    path = project / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    match = re.search(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d{{2}}-\d{{2}})\s*$", text, re.MULTILINE)
    if not match:
        raise PackageError(Problem("release-error", f"CHANGELOG.md has no entry '## [{version}] - YYYY-MM-DD'", file="CHANGELOG.md"))
    return match.group(1)


def archive_members(project: Path, descriptor: dict, date: str) -> list[tuple[str, bytes]]:
    """What a release holds, in a fixed order: the package, and what a reader who never
    uses Python needs beside it (the package as a SQLite database with its Datasette
    metadata, a data README, the licence, the codebook, the changelog and the citation),
    with the SHA-256 of each in SHA256SUMS."""
    from ..explore.codebook import codebook
    from ..explore.database import database_bytes
    from .datareadme import data_readme

    members = [(name, (project / name).read_bytes()) for name in [DESCRIPTOR_NAME, *(r["path"] for r in descriptor["resources"])]]
    database, metadata = database_bytes(project, DATABASE.removesuffix(".db"))
    members += [
        (DATABASE, database),
        (DATABASE_METADATA, metadata),
        ("README.md", data_readme(project, descriptor, date).encode("utf-8")),
        ("LICENSE.txt", (project / DATA_LICENCE).read_bytes()),
        ("codebook.md", codebook(project).encode("utf-8")),
        ("CHANGELOG.md", (project / "CHANGELOG.md").read_bytes()),
        ("CITATION.cff", (project / "CITATION.cff").read_bytes()),
    ]
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
    return [*members, ("SHA256SUMS", sums.encode("utf-8"))]


def write_archive(members: list[tuple[str, bytes]], target: Path) -> None:
    """A zip whose bytes depend only on the members' content: fixed order, time and mode."""
    with zipfile.ZipFile(target, "w") as stream:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            stream.writestr(info, data, compresslevel=9)


def make_release(project: str | Path, version: str, sources_dir: str | Path | None) -> Release:
    """Check everything, then write CITATION.cff, dist/jants-VERSION.zip and the index entry.

    Provenance is part of the check: the evidence of every held text is compared with the
    source texts in SOURCES_DIR, so a release cannot be cut without them."""
    from ..validate import validate_package
    from .citation import write_citation_cff

    project = Path(project)
    index = read_index(project / INDEX_NAME)
    if any(r.version == version for r in index.releases):
        raise PackageError(Problem("release-error", f"version {version} is already released; released versions are never overwritten", file=INDEX_NAME))
    parse_version(version)
    if sources_dir is None or not Path(sources_dir).is_dir():
        raise PackageError(Problem("release-error", "a release checks provenance against the source texts: give --sources DIR (or set JANTS_SOURCES)"))
    descriptor = load_descriptor(project).descriptor
    if descriptor.get("version") != version:
        raise PackageError(
            Problem(
                "release-error",
                f"datapackage.json has version {descriptor.get('version')!r}, not {version} (set it in curation/package.json and src/jants/__init__.py, and run jants build)",
                file=DESCRIPTOR_NAME,
                field="version",
            )
        )
    report = validate_package(project, sources_dir)
    if not report.valid:
        raise PackageError(
            Problem("release-error", f"the package does not validate ({len(report.errors)} errors); run jants validate --sources DIR"), report.errors
        )
    last = index.latest()
    if last is not None:
        if parse_version(version) <= parse_version(last.version):
            raise PackageError(Problem("release-error", f"version {version} is not higher than the last release {last.version}", file=INDEX_NAME))
        previous = project / DIST_DIR / last.archive
        if not previous.exists():
            raise PackageError(
                Problem(
                    "release-error",
                    f"the last release archive {previous} is needed to check the version bump; run jants fetch {last.version} --output {DIST_DIR}",
                )
            )
        required = diff_packages(previous, project).bump
        offered = bump_between(last.version, version)
        if BUMPS.index(offered) < BUMPS.index(required):
            raise PackageError(
                Problem("release-error", f"the changes since {last.version} need a {required} version bump, {version} is a {offered} bump; see jants diff")
            )
    date = changelog_date(project, version)
    dist = project / DIST_DIR
    target = dist / archive_name(version)
    if target.exists():
        raise PackageError(Problem("release-error", f"{target} exists already; released archives are never overwritten"))
    write_citation_cff(project, descriptor, date)
    dist.mkdir(exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}-", dir=dist)
    os.close(handle)
    try:
        write_archive(archive_members(project, descriptor, date), Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    size, sha256 = file_digest(target)
    release = Release(version=version, date=date, archive=target.name, sha256=sha256, bytes=size)
    write_index(project / INDEX_NAME, [*index.releases, release])
    return release
