"""Open a data package: its descriptor, its resources' files, and their raw tables.

Nothing here judges the content of a table; it only finds and reads what the
descriptor points to, refusing anything that is not a local file inside the package.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .report import PackageError, Problem

DESCRIPTOR_NAME = "datapackage.json"
NAME_PATTERN = re.compile(r"^[a-z0-9._-]+$")
URL_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass
class Package:
    root: Path
    descriptor: dict
    descriptor_file: str = DESCRIPTOR_NAME

    @property
    def resources(self) -> list[dict]:
        return self.descriptor.get("resources", [])

    def resource(self, name: str) -> dict | None:
        for resource in self.resources:
            if resource.get("name") == name:
                return resource
        return None


def load_descriptor(path: str | Path) -> Package:
    """Read `datapackage.json` from a package directory or a descriptor path."""
    path = Path(path)
    if path.is_dir():
        path = path / DESCRIPTOR_NAME
    name = path.name
    if not path.is_file():
        raise PackageError(Problem("descriptor-missing", f"no descriptor at {path}", file=name))
    try:
        text = path.read_bytes().decode("utf-8-sig")
        descriptor = json.loads(text)
    except UnicodeDecodeError as error:
        raise PackageError(Problem("descriptor-error", f"descriptor is not UTF-8 ({error.reason} at byte {error.start})", file=name))
    except json.JSONDecodeError as error:
        raise PackageError(
            Problem("descriptor-error", f"descriptor is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})", file=name)
        )
    if not isinstance(descriptor, dict):
        raise PackageError(Problem("descriptor-error", "descriptor is not a JSON object", file=name))
    return Package(root=path.parent.resolve(), descriptor=descriptor, descriptor_file=name)


def resolve_path(package: Package, resource: dict) -> tuple[Path | None, Problem | None]:
    """The local file of a resource, or the reason it cannot be opened safely."""
    name = resource.get("name")
    raw = resource.get("path")
    where = package.descriptor_file

    def refuse(code, message):
        return None, Problem(code, f"resource {name!r}: {message}", file=where, field="path")

    if "data" in resource and raw is None:
        return refuse("unsupported-resource", "inline data is not supported; jants reads local CSV or Parquet files")
    if isinstance(raw, list):
        return refuse("unsupported-resource", "multipart paths are not supported")
    if not isinstance(raw, str) or not raw:
        return refuse("path-error", "has no path")
    if URL_PATTERN.match(raw):
        return refuse("remote-resource", f"path {raw!r} is a URL; jants never fetches remote resources")
    if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw):
        return refuse("path-error", f"path {raw!r} is absolute; paths must be relative to the package")
    parts = raw.replace("\\", "/").split("/")
    if ".." in parts:
        return refuse("path-error", f"path {raw!r} leaves the package ('..')")
    if any(part.startswith(".") for part in parts):
        return refuse("path-error", f"path {raw!r} goes through a hidden file or directory")
    full = package.root / raw
    try:
        real = full.resolve(strict=False)
    except OSError as error:
        return refuse("path-error", f"path {raw!r} cannot be resolved ({error.strerror})")
    if not real.is_relative_to(package.root):
        return refuse("path-error", f"path {raw!r} points outside the package (through a symbolic link)")
    if not real.exists():
        return None, Problem("file-missing", f"resource {name!r}: file {raw!r} does not exist", file=raw)
    if not real.is_file():
        return None, Problem("file-missing", f"resource {name!r}: {raw!r} is not a regular file", file=raw)
    return real, None


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in chunks so memory stays bounded."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def check_integrity(path: Path, resource: dict, file: str) -> list[Problem]:
    """`bytes` and `hash` of the descriptor against the file."""
    problems = []
    expected_bytes = resource.get("bytes")
    expected_hash = resource.get("hash")
    if expected_bytes is None and expected_hash is None:
        return problems
    size, sha256 = file_digest(path)
    if expected_bytes is not None and expected_bytes != size:
        problems.append(Problem("bytes-mismatch", f"descriptor says {expected_bytes} bytes, file has {size}", file=file, field="bytes"))
    if expected_hash is not None:
        algorithm, _, value = str(expected_hash).rpartition(":")
        algorithm = algorithm or "md5"
        if algorithm == "sha256":
            actual = sha256
        elif algorithm in ("md5", "sha1", "sha512"):
            actual = _hash_file(path, algorithm)
        else:
            problems.append(Problem("hash-mismatch", f"unknown hash algorithm {algorithm!r}", file=file, field="hash"))
            return problems
        if value.lower() != actual:
            problems.append(Problem("hash-mismatch", f"descriptor says {algorithm} {value}, file has {actual}", file=file, field="hash"))
    return problems


def _hash_file(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def resource_format(resource: dict, path: Path | None = None) -> str:
    fmt = resource.get("format")
    if not fmt:
        raw = resource.get("path") if isinstance(resource.get("path"), str) else ""
        fmt = raw.rsplit(".", 1)[-1] if "." in raw else ""
    return str(fmt).lower()
