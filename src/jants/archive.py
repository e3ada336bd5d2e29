"""Open a release archive (.zip) safely, so that it can be validated like a directory.

A downloaded archive is untrusted input. Members are checked before anything is
written: no absolute or `..` names (zip slip), no symbolic links, no member that
expands more than `MAX_RATIO` times its compressed size or past `MAX_MEMBER_BYTES`
(zip bomb). Extraction counts the bytes actually written rather than trusting the
sizes the archive declares, and goes into a temporary directory that is removed
afterwards.
"""

from __future__ import annotations

import contextlib
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from .package import DESCRIPTOR_NAME
from .problems import PackageError, Problem

MAX_RATIO = 100
MAX_MEMBER_BYTES = 4 << 30
MAX_TOTAL_BYTES = 16 << 30
MAX_MEMBERS = 10_000


def is_archive(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def check_members(archive: zipfile.ZipFile, name: str) -> list[Problem]:
    """Everything unsafe about an archive's members, found without extracting them."""
    problems = []
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        return [Problem("archive-error", f"archive has {len(members)} members, more than {MAX_MEMBERS}", file=name)]
    total = 0
    for member in members:
        where = f"{name}:{member.filename}"
        member_name = member.filename
        parts = PurePosixPath(member_name.replace("\\", "/")).parts
        mode = member.external_attr >> 16
        if "\x00" in member_name or member_name.startswith(("/", "\\")) or (len(member_name) > 1 and member_name[1] == ":"):
            problems.append(Problem("archive-error", f"member name {member_name!r} is absolute", file=where))
        elif ".." in parts:
            problems.append(Problem("archive-error", f"member name {member_name!r} leaves the archive ('..')", file=where))
        elif stat.S_ISLNK(mode):
            problems.append(Problem("archive-error", f"member {member_name!r} is a symbolic link", file=where))
        elif member.is_dir():
            continue
        elif member.flag_bits & 0x1:
            problems.append(Problem("archive-error", f"member {member_name!r} is encrypted; jants reads unencrypted archives only", file=where))
        elif member.file_size > MAX_MEMBER_BYTES:
            problems.append(
                Problem("archive-error", f"member {member_name!r} expands to {member.file_size} bytes, more than the limit of {MAX_MEMBER_BYTES}", file=where)
            )
        elif member.file_size > MAX_RATIO * max(member.compress_size, 1) and member.file_size > 1 << 20:
            ratio = member.file_size / max(member.compress_size, 1)
            problems.append(
                Problem(
                    "archive-error",
                    f"member {member_name!r} expands {ratio:.0f} times its compressed size (limit {MAX_RATIO}); refusing a possible zip bomb",
                    file=where,
                )
            )
        total += member.file_size
    if total > MAX_TOTAL_BYTES:
        problems.append(Problem("archive-error", f"archive expands to {total} bytes, more than the limit of {MAX_TOTAL_BYTES}", file=name))
    return problems


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, name: str) -> None:
    """Copy one member, stopping as soon as it writes more than it declared."""
    destination = target / member.filename
    destination.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(member) as source, open(destination, "wb") as sink:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > member.file_size:
                raise PackageError(Problem("archive-error", f"member {member.filename!r} expands past its declared size", file=f"{name}:{member.filename}"))
            sink.write(chunk)


def extract_archive(path: Path, target: Path) -> Path:
    """Check an archive, extract it into target, and return the package folder inside.

    The descriptor is `datapackage.json` at the top of the archive or inside its one
    top-level folder. Raises `PackageError` for an unreadable or unsafe archive.
    """
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as error:
        raise PackageError(Problem("archive-error", f"not a readable zip archive: {error}", file=name))
    with archive:
        problems = check_members(archive, name)
        if problems:
            raise PackageError(problems[0], problems)
        try:
            for member in archive.infolist():
                if not member.is_dir():
                    _extract(archive, member, target, name)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
            raise PackageError(Problem("archive-error", f"member cannot be extracted: {error}", file=name))
    candidates = [target] + sorted(child for child in target.iterdir() if child.is_dir())
    roots = [c for c in candidates if (c / DESCRIPTOR_NAME).is_file()]
    if not roots:
        raise PackageError(Problem("descriptor-missing", f"no {DESCRIPTOR_NAME} at the top of the archive or in its top-level folder", file=name))
    return roots[0]


@contextlib.contextmanager
def opened_archive(path: Path):
    """The package folder inside an archive, extracted to a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="jants-archive-") as temporary:
        yield extract_archive(path, Path(temporary))
