"""Download a released version by name, verified against the release index.

pooch does the download: the archive's SHA-256 from releases.json is checked before
the file is kept, a corrupted or truncated download is deleted, and a verified archive
is reused from the per-user cache. The archive is then unpacked with the same checks as
`jants validate` applies to archives, into a folder named after the version.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .archive import extract_archive
from .release import read_index
from .report import PackageError, Problem

BASE_URL_VARIABLE = "JANTS_RELEASE_URL"
CACHE_VARIABLE = "JANTS_CACHE"


def cache_dir() -> Path:
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    import pooch

    return Path(pooch.os_cache("jants"))


def base_url(project: Path, given: str | None = None) -> str:
    """Where archives are published: the option, else JANTS_RELEASE_URL, else the index's."""
    import json

    url = given or os.environ.get(BASE_URL_VARIABLE)
    if not url and (project / "releases.json").exists():
        url = json.loads((project / "releases.json").read_text(encoding="utf-8")).get("base_url")
    if not url:
        raise PackageError(Problem("fetch-error", f"no release URL: pass --base-url or set {BASE_URL_VARIABLE}"))
    return url.rstrip("/")


def fetch_release(project: Path, version: str, url: str | None = None, cache: Path | None = None,
                  progress: bool = False) -> Path:
    """The unpacked package of VERSION in the cache, downloading and verifying it if needed."""
    import pooch
    import requests

    entry = next((r for r in read_index(project) if r.version == version), None)
    if entry is None:
        raise PackageError(Problem("fetch-error", f"version {version} is not in releases.json", file="releases.json"))
    cache = Path(cache or cache_dir())
    unpacked = cache / f"jants-{version}"
    if (unpacked / "datapackage.json").is_file():
        return unpacked
    cache.mkdir(parents=True, exist_ok=True)
    address = f"{base_url(project, url)}/{entry.archive}"
    try:
        archive = Path(pooch.retrieve(address, known_hash=f"sha256:{entry.sha256}", fname=entry.archive,
                                      path=cache, progressbar=progress))
    except ValueError as error:  # pooch: hash mismatch, the download is already deleted
        raise PackageError(Problem("fetch-error", f"{address}: {str(error).splitlines()[0]} (download deleted)"))
    except (requests.RequestException, OSError) as error:
        raise PackageError(Problem("fetch-error", f"{address}: download failed: {error}"))
    staging = Path(tempfile.mkdtemp(prefix=f".jants-{version}-", dir=cache))
    try:
        root = extract_archive(archive, staging)
        os.replace(root, unpacked)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return unpacked
