"""Which package a command works on, decided here and nowhere else.

In this order:
1. what the user named: a package folder, a `datapackage.json`, a release archive
   (`.zip`, read without unpacking it by hand), or a released version (`0.1.0`);
2. a package or curated project in the current folder (a checkout of the repository);
3. the release bundled with the installed jants (the wheel carries it), or, in a
   development install, the checkout jants is imported from.

A version is resolved through the release index to a verified archive (see `fetch`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .archive import is_archive, opened_archive
from .package import DESCRIPTOR_NAME, load_descriptor
from .problems import PackageError, Problem
from .publish.index import INDEX_NAME, VERSION_PATTERN, ReleaseIndex, read_index

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"  # filled by the wheel build (pyproject.toml)
CHECKOUT_DIR = Path(__file__).resolve().parents[2]  # the repository, for a development install
DIST_DIR = "dist"


@dataclass(frozen=True)
class Located:
    """A package folder ready to read, and how to name it to the user."""

    root: Path
    label: str


def project_dir(cwd: Path | None = None) -> Path | None:
    """The current folder, when it holds a package or curated input."""
    cwd = Path.cwd() if cwd is None else cwd
    if (cwd / DESCRIPTOR_NAME).is_file() or (cwd / "curation" / "package.json").is_file():
        return cwd
    return None


def installed_dir() -> Path | None:
    """The package installed with jants: bundled in the wheel, or the development checkout."""
    for folder in (BUNDLED_DIR, CHECKOUT_DIR):
        if (folder / DESCRIPTOR_NAME).is_file() and (folder / INDEX_NAME).is_file():
            return folder
    return None


def default_dir() -> Path:
    """Where a command works when it is given nothing: the current project, else the installed package."""
    folder = project_dir() or installed_dir()
    if folder is None:
        raise PackageError(
            Problem(
                "package-missing",
                f"no {DESCRIPTOR_NAME} in the current folder and no package bundled with this jants; give a package folder, archive or version",
            )
        )
    return folder


def release_index() -> ReleaseIndex:
    """The current project's release index, else the one installed with jants."""
    for folder in (project_dir(), installed_dir()):
        if folder is not None and (folder / INDEX_NAME).is_file():
            return read_index(folder / INDEX_NAME)
    return ReleaseIndex(Path(INDEX_NAME), None, ())


def dist_dir() -> Path | None:
    """dist/ of the checkout that holds the release index, where release archives are kept."""
    index = release_index()
    return index.path.parent / DIST_DIR if index.path.is_file() else None


def _label(folder: Path) -> str:
    if folder == BUNDLED_DIR:
        return f"bundled {load_descriptor(folder).version}"
    return str(folder)


def version_archive(version: str, url: str | None = None, cache: Path | None = None) -> Path:
    """The verified release archive of VERSION (dist/, the download cache, or a download)."""
    from .publish.fetch import release_archive

    return release_archive(release_index(), version, dist_dir(), url, cache)


def names_a_version(given: str | Path) -> bool:
    """True for `0.1.0` when no file or folder of that name exists here."""
    return not Path(given).exists() and bool(VERSION_PATTERN.match(str(given)))


def package_path(given: str | None) -> Path:
    """The folder, descriptor or archive to validate: as given, a released version's
    verified archive, or the default package."""
    if given is None:
        return default_dir()
    if names_a_version(given):
        return version_archive(given)
    if not Path(given).exists():
        raise PackageError(Problem("usage-error", f"no such package, archive or released version: {given}"))
    return Path(given)


@contextlib.contextmanager
def opened(path: str | Path | None = None, version: str | None = None) -> Iterator[Located]:
    """The package to read, as a folder; an archive is unpacked into a temporary folder
    that is removed afterwards. A string that is no existing path but a version number
    (`0.1.0`) is taken as a version."""
    if path is not None and version is not None:
        raise PackageError(Problem("usage-error", "give a package path or a version, not both"))
    if path is not None and names_a_version(path):
        path, version = None, str(path)
    if version is not None:
        archive = version_archive(version)
        with opened_archive(archive) as root:
            yield Located(root, f"release {version} ({archive})")
        return
    if path is None:
        folder = default_dir()
        yield Located(folder, _label(folder))
        return
    path = Path(path)
    if not path.exists():
        raise PackageError(Problem("package-missing", f"no such package, archive or released version: {path}"))
    if is_archive(path):
        with opened_archive(path) as root:
            yield Located(root, str(path))
        return
    folder = path.parent if path.is_file() else path
    if not (folder / DESCRIPTOR_NAME).is_file():
        raise PackageError(Problem("descriptor-missing", f"no {DESCRIPTOR_NAME} in {folder}", file=str(folder)))
    yield Located(folder, str(path))
