"""A verified archive of a released version: from dist/, the download cache, or a download.

Whatever is returned has the SHA-256 and size that the release index records, checked
each time (a cached file is checked again before it is used). A download is capped at
the index's size, written beside its final name and renamed only once verified, so the
cache never holds a partial or altered archive.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from ..files import file_digest, write_atomically
from ..problems import PackageError, Problem
from .index import INDEX_NAME, Release, ReleaseIndex

BASE_URL_VARIABLE = "JANTS_RELEASE_URL"
CACHE_VARIABLE = "JANTS_CACHE"
TIMEOUT_SECONDS = 60


def cache_dir() -> Path:
    """The per-user download cache: JANTS_CACHE, else $XDG_CACHE_HOME/jants, else ~/.cache/jants."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jants"


def is_verified(path: Path, release: Release) -> bool:
    if not path.is_file():
        return False
    size, sha256 = file_digest(path)
    return size == release.bytes and sha256 == release.sha256


def base_url(index: ReleaseIndex, given: str | None = None) -> str:
    """Where archives are published: the option, else JANTS_RELEASE_URL, else the index's base_url."""
    url = given or os.environ.get(BASE_URL_VARIABLE) or index.base_url
    if not url:
        raise PackageError(
            Problem(
                "fetch-error",
                f'no download location for releases: {index.path} has "base_url": null. Give --base-url URL or set '
                f"{BASE_URL_VARIABLE}=URL (the folder where jants-VERSION.zip archives are published); maintainers "
                f'set "base_url" in {INDEX_NAME}',
                file=INDEX_NAME,
                field="base_url",
            )
        )
    if not url.startswith(("http://", "https://")):
        raise PackageError(Problem("fetch-error", f"release URL {url!r} is not http(s)", field="base_url"))
    return url.rstrip("/")


def release_archive(index: ReleaseIndex, version: str, dist: Path | None = None, url: str | None = None, cache: Path | None = None) -> Path:
    """The verified archive of VERSION: dist/ of a checkout, the cache, or a download into the cache."""
    release = index.entry(version)
    cache = Path(cache or cache_dir())
    for folder in (dist, cache):
        if folder is not None and is_verified(folder / release.archive, release):
            return folder / release.archive
    return download(release, f"{base_url(index, url)}/{release.archive}", cache)


def download(release: Release, address: str, cache: Path) -> Path:
    """Download into the cache, keeping the file only if its size and SHA-256 match."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / release.archive  # archive names are checked by the index: jants-VERSION.zip
    handle, temporary = tempfile.mkstemp(prefix=f".{release.archive}-", dir=cache)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as sink, urllib.request.urlopen(address, timeout=TIMEOUT_SECONDS) as response:
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > release.bytes:
                    raise PackageError(Problem("fetch-error", f"{address}: larger than the {release.bytes} bytes the release index records (download deleted)"))
                digest.update(chunk)
                sink.write(chunk)
        if size != release.bytes or digest.hexdigest() != release.sha256:
            raise PackageError(
                Problem(
                    "fetch-error",
                    f"{address}: {size} bytes with SHA-256 {digest.hexdigest()}, but the release index records {release.bytes} bytes with SHA-256 {release.sha256} (download deleted)",
                )
            )
        os.replace(temporary, target)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        raise PackageError(Problem("fetch-error", f"{address}: download failed: {error}"))
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def copy_archive(archive: Path, folder: Path) -> Path:
    """Put a verified archive into FOLDER (e.g. dist/ of a checkout), atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / archive.name
    if target.resolve() == archive.resolve():
        return target
    write_atomically(target, archive.read_bytes())  # archives are well under a megabyte
    return target
