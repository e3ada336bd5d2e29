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

from .files import file_digest
from .problems import PackageError, Problem

DESCRIPTOR_NAME = "datapackage.json"
NAME_PATTERN = re.compile(r"^[a-z0-9._-]+$")
URL_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def key_fields(value) -> list[str] | None:
    """A key's field names: the Table Schema allows a string or a list of strings; None
    if it is neither. The one place where a key becomes a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


@dataclass(frozen=True)
class ForeignKey:
    fields: list[str]
    resource: str  # "" for the same resource
    reference_fields: list[str]


@dataclass(frozen=True)
class Resource:
    """One resource of a descriptor, read through properties that give keys as lists."""

    descriptor: dict

    @property
    def name(self) -> str:
        return self.descriptor.get("name", "")

    @property
    def path(self) -> str | None:
        path = self.descriptor.get("path")
        return path if isinstance(path, str) else None

    @property
    def schema(self) -> dict:
        schema = self.descriptor.get("schema")
        return schema if isinstance(schema, dict) else {}

    @property
    def fields(self) -> list[dict]:
        return [f for f in self.schema.get("fields", []) if isinstance(f, dict)]

    @property
    def copy_of(self) -> str | None:
        return self.descriptor.get("copyOf")

    @property
    def primary_key(self) -> list[str]:
        return key_fields(self.schema.get("primaryKey")) or []

    @property
    def foreign_keys(self) -> list[ForeignKey]:
        keys = []
        for fk in self.schema.get("foreignKeys") or []:
            reference = fk.get("reference") or {}
            keys.append(ForeignKey(key_fields(fk.get("fields")) or [], reference.get("resource") or "", key_fields(reference.get("fields")) or []))
        return keys


@dataclass
class Package:
    """A descriptor and the folder it sits in: the only reader of datapackage.json."""

    root: Path
    descriptor: dict
    descriptor_file: str = DESCRIPTOR_NAME

    @property
    def resources(self) -> list[dict]:
        return self.descriptor.get("resources", [])

    @property
    def version(self) -> str | None:
        return self.descriptor.get("version")

    def resource(self, name: str) -> Resource | None:
        for resource in self.resources:
            if isinstance(resource, dict) and resource.get("name") == name:
                return Resource(resource)
        return None

    def tables(self) -> list[Resource]:
        """The tables with a schema, without their copies in other formats."""
        return [Resource(r) for r in self.resources if isinstance(r, dict) and "schema" in r and not r.get("copyOf")]

    def copy_of(self, name: str, fmt: str) -> Resource | None:
        """The copy of table NAME in format FMT (e.g. its Parquet file), if any."""
        for resource in self.resources:
            if isinstance(resource, dict) and resource.get("copyOf") == name and str(resource.get("path", "")).endswith(f".{fmt}"):
                return Resource(resource)
        return None


def load_descriptor(path: str | Path, max_bytes: int | None = None) -> Package:
    """Read `datapackage.json` from a package directory or a descriptor path."""
    path = Path(path)
    name = path.name or str(path)
    try:
        if path.is_dir():
            path = path / DESCRIPTOR_NAME
            name = path.name
        found = path.is_file()
        size = path.stat().st_size if found else 0
    except (OSError, ValueError) as error:
        raise PackageError(Problem("descriptor-missing", f"cannot open {_printable(str(path))}: {_reason(error)}", file=_printable(name)))
    if not found:
        raise PackageError(Problem("descriptor-missing", f"no descriptor at {path}", file=name))
    if max_bytes is not None and size > max_bytes:
        raise PackageError(
            Problem("descriptor-error", f"descriptor is {size} bytes, more than the limit of {max_bytes} (JANTS_MAX_DESCRIPTOR_BYTES)", file=name)
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
        descriptor = json.loads(text)
    except UnicodeDecodeError as error:
        raise PackageError(Problem("descriptor-error", f"descriptor is not UTF-8 ({error.reason} at byte {error.start})", file=name))
    except json.JSONDecodeError as error:
        raise PackageError(Problem("descriptor-error", f"descriptor is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})", file=name))
    except RecursionError:
        raise PackageError(Problem("descriptor-error", "descriptor is nested too deeply to be read", file=name))
    except OSError as error:
        raise PackageError(Problem("descriptor-missing", f"cannot read the descriptor: {_reason(error)}", file=name))
    if not isinstance(descriptor, dict):
        raise PackageError(Problem("descriptor-error", "descriptor is not a JSON object", file=name))
    depth = nesting_depth(descriptor)
    if depth > MAX_DEPTH:
        raise PackageError(Problem("descriptor-error", f"descriptor is nested {depth} levels deep, more than {MAX_DEPTH}", file=name))
    return Package(root=path.parent.resolve(), descriptor=descriptor, descriptor_file=name)


MAX_DEPTH = 64  # a Data Package descriptor needs about 8; deeper nesting only serves to exhaust the stack


def nesting_depth(value) -> int:
    """Depth of nested objects and arrays, counted without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def _printable(text: str) -> str:
    """A path as it can be shown: no NUL or control characters, and not endless."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= 200 else shown[:197] + "..."


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
    if "\x00" in raw or any(not c.isprintable() for c in raw):
        return refuse("path-error", f"path {_printable(raw)!r} contains a NUL or control character")
    full = package.root / raw
    try:
        real = full.resolve(strict=False)
        inside = real.is_relative_to(package.root)
        exists, regular = (real.exists(), real.is_file()) if inside else (False, False)
    except (OSError, RuntimeError, ValueError) as error:  # symbolic link loops, names too long
        return refuse("path-error", f"path {_printable(raw)!r} cannot be resolved ({_reason(error)})")
    if not inside:
        return refuse("path-error", f"path {raw!r} points outside the package (through a symbolic link)")
    if not exists:
        return None, Problem("file-missing", f"resource {name!r}: file {raw!r} does not exist", file=raw)
    if not regular:
        return None, Problem("file-missing", f"resource {name!r}: {raw!r} is not a regular file", file=raw)
    return real, None


def check_integrity(path: Path, resource: dict, file: str, digest: tuple[int, str] | None = None) -> list[Problem]:
    """`bytes` and `hash` of the descriptor against the file (DIGEST: its size and SHA-256,
    when they were read already)."""
    problems = []
    expected_bytes = resource.get("bytes")
    expected_hash = resource.get("hash")
    if expected_bytes is not None and (isinstance(expected_bytes, bool) or not isinstance(expected_bytes, int)):
        problems.append(Problem("descriptor-error", f"bytes must be a whole number, not {json.dumps(expected_bytes)[:60]}", file=file, field="bytes"))
        expected_bytes = None
    if expected_hash is not None and not isinstance(expected_hash, str):
        problems.append(Problem("descriptor-error", f"hash must be a string, not {json.dumps(expected_hash)[:60]}", file=file, field="hash"))
        expected_hash = None
    if expected_bytes is None and expected_hash is None:
        return problems
    size, sha256 = digest or file_digest(path)
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
        raw: str = resource["path"] if isinstance(resource.get("path"), str) else ""
        fmt = raw.rsplit(".", 1)[-1] if "." in raw else ""
    return str(fmt).lower()
