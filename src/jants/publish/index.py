"""The release index (`releases.json`): every released version with its archive's SHA-256.

The index is the package's release metadata. It ships inside the installed jants, so
that a version can be fetched and verified without the repository:

    {"base_url": "https://example.org/jants/releases",   # where archives are published, or null
     "releases": [{"version": "0.1.0", "date": "2026-11-23", "archive": "jants-0.1.0.zip",
                   "sha256": "...", "bytes": 74213, "doi": null}]}

The index is read as untrusted input: every entry is checked before it is used, and an
archive name can only ever be `jants-VERSION.zip`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from ..files import write_atomically
from ..problems import PackageError, Problem

INDEX_NAME = "releases.json"
VERSION_PATTERN = re.compile(r"^(\d{1,6})\.(\d{1,6})\.(\d{1,6})$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    archive: str
    sha256: str
    bytes: int
    doi: str | None = None


@dataclass(frozen=True)
class ReleaseIndex:
    path: Path
    base_url: str | None
    releases: tuple[Release, ...]

    def entry(self, version: str) -> Release:
        """The release VERSION, or an error listing the released ones."""
        parse_version(version)
        for release in self.releases:
            if release.version == version:
                return release
        released = ", ".join(r.version for r in self.releases) or "none"
        raise PackageError(Problem("release-unknown", f"version {version} is not in the release index {self.path} (released: {released})", file=INDEX_NAME))

    def latest(self) -> Release | None:
        return max(self.releases, key=lambda r: parse_version(r.version), default=None)


def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION_PATTERN.match(text) if isinstance(text, str) else None
    if not match:
        raise PackageError(Problem("release-error", f"version {text!r} is not MAJOR.MINOR.PATCH"))
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def archive_name(version: str) -> str:
    return f"jants-{version}.zip"


def read_index(path: Path) -> ReleaseIndex:
    """The index at PATH (an empty one if there is none), every entry checked."""
    if not path.is_file():
        return ReleaseIndex(path, None, ())
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise PackageError(Problem("index-error", f"release index is not valid JSON: {error}", file=str(path)))
    if not isinstance(data, dict) or not isinstance(data.get("releases", []), list):
        raise PackageError(Problem("index-error", "release index is not an object with a 'releases' list", file=str(path)))
    base_url = data.get("base_url")
    if base_url is not None and not (isinstance(base_url, str) and re.match(r"^https?://", base_url)):
        raise PackageError(Problem("index-error", f"base_url {base_url!r} is not an http(s) URL", file=str(path), field="base_url"))
    releases = tuple(_entry(item, position, path) for position, item in enumerate(data.get("releases", []), 1))
    return ReleaseIndex(path, base_url, releases)


def _entry(item, position: int, path: Path) -> Release:
    def bad(field: str, what: str) -> PackageError:
        return PackageError(Problem("index-error", f"release {position}: {what}", file=str(path), row=position, field=field))

    if not isinstance(item, dict):
        raise bad("releases", "is not an object")
    version = item.get("version")
    if not isinstance(version, str) or not VERSION_PATTERN.match(version):
        raise bad("version", f"version {version!r} is not MAJOR.MINOR.PATCH")
    if item.get("archive") != archive_name(version):
        raise bad("archive", f"archive {item.get('archive')!r} is not {archive_name(version)!r}")
    if not isinstance(item.get("sha256"), str) or not SHA256_PATTERN.match(item["sha256"]):
        raise bad("sha256", "sha256 is not 64 lower-case hex digits")
    if not isinstance(item.get("bytes"), int) or isinstance(item["bytes"], bool) or item["bytes"] <= 0:
        raise bad("bytes", f"bytes {item.get('bytes')!r} is not a positive integer")
    if not isinstance(item.get("date"), str) or not DATE_PATTERN.match(item["date"]):
        raise bad("date", f"date {item.get('date')!r} is not YYYY-MM-DD")
    doi = item.get("doi")
    if doi is not None and not (isinstance(doi, str) and doi.startswith("10.")):
        raise bad("doi", f"doi {doi!r} is not a DOI (10.xxxx/...)")
    return Release(version=version, date=item["date"], archive=item["archive"], sha256=item["sha256"], bytes=item["bytes"], doi=doi)


def write_index(path: Path, releases: list[Release]) -> None:
    """Write the index, keeping its other keys (`base_url`)."""
    index = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"base_url": None}
    entries = []
    for release in sorted(releases, key=lambda r: parse_version(r.version)):
        entry = asdict(release)
        if entry["doi"] is None:
            del entry["doi"]
        entries.append(entry)
    index["releases"] = entries
    write_atomically(path, (json.dumps(index, indent=2) + "\n").encode("utf-8"))
