"""Validate a data package: descriptor, files, tables, keys, Parquet copies, jants model.

`validate_package` never raises for a bad package; everything it finds is a `Problem`
in the returned `Report`.
"""

from __future__ import annotations

import contextvars
import functools
import json
import re
from collections import Counter
from collections.abc import Callable, Collection
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import archive, model
from .limits import Limits, lean_memory
from .limits import current as current_limits
from .limits import fixed as fixed_limits
from .limits import shared as shared_limits
from .package import NAME_PATTERN, URL_PATTERN, Package, PackageError, check_integrity, load_descriptor, resolve_path, resource_format
from .problems import Problem, Report
from .tableschema import descriptor as descriptor_checks
from .tableschema.csvfile import read_typed_csv, read_untyped_csv
from .tableschema.keys import check_foreign_keys
from .tableschema.parquet import check_parquet_copy, read_parquet, read_typed_parquet
from .tableschema.table import CompactColumns, TypedTable
from .tableschema.text import scan_text_file

SWAP_JOURNAL = ".jants-swap"  # written by build.swap_into_place
# Errors of a file's size or hash only: its table was read and typed, so the jants model
# checks still run and can say which row of an edited file differs (e.g. figures.csv).
INTEGRITY_CODES = {"bytes-mismatch", "hash-mismatch"}


def validate_package(path: str | Path, sources_dir: str | Path | None = None, memory_budget: int | None = None) -> Report:
    """Check a package directory, a descriptor file, or a release archive (.zip).

    Never raises: whatever the package holds, the answer is a Report (an unexpected
    failure is itself reported, as `internal-error`, so that --json still prints JSON).
    A table whose file is larger than `memory_budget` bytes (default: JANTS_MEMORY_BUDGET,
    else a 64th of the machine's memory) is read in batches, with the same problems.
    """
    try:
        with fixed_limits(memory_budget), lean_memory():
            return _validate(Path(path), sources_dir)
    except PackageError as error:  # what stops the work (no room to spill a table read in batches)
        report = Report(package=str(path))
        report.add(error.problems)
        return report
    except Exception as error:  # noqa: BLE001 - the last line of defence: a report, never a traceback
        report = Report(package=str(path))
        report.add([Problem("internal-error", f"jants could not finish validating: {type(error).__name__}: {_clean(str(error))} (please report it)")])
        return report


def usage_error(path: str | Path | None, message: str, code: str = "usage-error") -> Report:
    """A Report for what stops validation before it starts (no such package, no --sources
    folder, a version that cannot be fetched), so that --json always prints JSON."""
    report = Report(package=str(path) if path is not None else "")
    report.add([Problem(code, message)])
    return report


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text)[:300]


def _validate(path: Path, sources_dir) -> Report:
    try:
        packed = archive.is_archive(path)
    except (OSError, ValueError) as error:
        report = Report(package=str(path))
        report.add([Problem("descriptor-missing", f"cannot open the package: {getattr(error, 'strerror', None) or error}")])
        return report
    if packed:
        try:
            with archive.opened_archive(path) as root:
                report = _validate_directory(root, sources_dir)
        except PackageError as error:
            report = Report(package=str(path))
            report.add(error.problems)
        report.package = str(path)
        return report
    return _validate_directory(path, sources_dir)


def _validate_directory(path: Path, sources_dir: str | Path | None) -> Report:
    report = Report(package=str(path))
    if sources_dir is not None:
        report.provenance = "not checked: the package could not be read far enough"
    limits = current_limits()
    try:
        package = load_descriptor(path, max_bytes=limits.max_descriptor_bytes)
    except PackageError as error:
        report.add(error.problems)
        return report
    if (package.root / SWAP_JOURNAL).exists():
        report.add(
            [
                Problem(
                    "build-interrupted",
                    f"a jants build was interrupted while moving files into place ({SWAP_JOURNAL} exists); run jants build to finish it",
                    file=SWAP_JOURNAL,
                )
            ]
        )
        return report
    problems, unreadable = check_descriptor(package, limits)
    report.add(problems)
    if any(p.code == "descriptor-error" and p.field in ("resources", "name") for p in problems):
        return report
    # Parquet copies are compared on `background` while the CSV tables are checked; a
    # figures table as jants build writes it is scanned on `aside` instead of being read
    with ThreadPoolExecutor(max_workers=1) as background, ThreadPoolExecutor(max_workers=1) as aside:
        built = _built_figures(package, unreadable, aside)
        tables, copies = read_resources(package, report, background, skip=unreadable, built=built)
        if built is not None and not report.errors:  # compared while the keys are checked (if they break, it is read after all)
            beside = _batched_bytes(package, tables) <= COMPARE_BESIDE_BUDGETS * current_limits().memory_budget
            built.start_comparison(tables, background, beside)
        keyed = [resource for resource in package.resources if resource["name"] in tables and resource["name"] not in unreadable]
        keys = _foreign_key_problems(keyed, tables)
        found = None
        if built is not None:
            found = _compared_as_built(built, package, report, tables, keys, sources_dir)
            if found is None:  # read and checked as any other table, to say what differs
                report.problems[built.slot : built.slot] = built.read(tables, background)
                if built.name in tables:
                    keys.update(_foreign_key_problems([built.resource], tables))
        at = len(report.problems)
        for resource in package.resources:  # in the order of the resources
            report.add(keys.get(resource["name"], []))
        _check_model(package, report, tables, sources_dir, found)
        report.problems[at:at] = [problem for copy in copies for problem in copy.result()]
    rows = {}
    for resource in package.resources:
        if resource["name"] in tables:
            rows[resource["name"]] = tables[resource["name"]].num_rows
        elif found is not None and built is not None and resource is built.resource:
            rows[built.name] = built.num_rows
    report.stats = {"resources": len(package.resources), "rows": rows}
    return report


COMPARE_BESIDE_BUDGETS = 4  # up to this many memory budgets of text read in batches, figures.csv is compared beside the other checks


def _batched_bytes(package: Package, tables: dict[str, TypedTable]) -> int:
    """The size of the files of the tables read in batches (larger than the memory budget)."""
    size = 0
    for resource in package.resources:
        table = tables.get(resource["name"])
        if table is not None and isinstance(table.columns, CompactColumns):
            path, _ = resolve_path(package, resource)
            try:
                size += path.stat().st_size if path is not None else 0
            except OSError:  # gone since it was read: the budget is what it was
                continue
    return size


def _foreign_key_problems(resources: list[dict], tables: dict[str, TypedTable]) -> dict[str, list[Problem]]:
    """Each table's foreign-key problems, the tables checked side by side."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = pool.map(lambda resource: check_foreign_keys(resource["schema"], tables[resource["name"]], tables), resources)
        return {resource["name"]: problems for resource, problems in zip(resources, found)}


def _check_model(package: Package, report: Report, tables: dict[str, TypedTable], sources_dir, found: list[Problem] | None) -> None:
    """The jants model checks, when the package is of the model and has no other errors
    (FOUND: their problems, when they have been run already)."""
    from . import checks

    declared = {resource["name"] for resource in package.resources}
    unread = [name for name in model.TABLES if name in declared and name not in tables]
    if unread and report.errors:  # a table of the model that could not be read is an error, not another model
        report.provenance = f"not checked: table {unread[0]!r} of the jants model could not be read"
    elif not checks.uses_jants_model(tables):
        report.provenance = "not applicable: the package lacks tables or fields of the jants model of this jants version"
        if sources_dir is not None:
            report.add([Problem("provenance-not-checked", "--sources given, but the package does not use the jants model", severity="warning")])
    elif any(problem.code not in INTEGRITY_CODES for problem in report.errors):
        report.provenance = "not checked: the package has errors that stop the jants model checks"
    else:
        report.add(found if found is not None else checks.check_model(tables, package.descriptor, Path(sources_dir) if sources_dir else None))
        if sources_dir is not None:
            report.provenance = f"checked: every evidence string of a held text against the source texts in {sources_dir}"


def check_descriptor(package: Package, limits: Limits | None = None) -> tuple[list[Problem], set[str]]:
    """Problems of the descriptor, and the resources whose table cannot be read."""
    limits = limits or current_limits()
    file = package.descriptor_file
    resources = package.descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        return [Problem("descriptor-error", "descriptor has no resources list", file=file, field="resources")], set()
    if len(resources) > limits.max_resources:
        return [
            Problem(
                "descriptor-error",
                f"descriptor lists {len(resources)} resources, more than {limits.max_resources}, the most jants reads (raise it with JANTS_MAX_RESOURCES)",
                file=file,
                field="resources",
            )
        ], set()
    problems = []
    names = []
    for position, resource in enumerate(resources, 1):
        if not isinstance(resource, dict):
            problems.append(Problem("descriptor-error", f"resource {position} is not an object", file=file, field="resources"))
            continue
        name = resource.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            problems.append(
                Problem("descriptor-error", f"resource {position} has no valid name (lower case letters, digits, '.', '_', '-')", file=file, field="name")
            )
            continue
        names.append(name)
    counts = Counter(names)
    for name in sorted(n for n, count in counts.items() if count > 1):
        problems.append(Problem("descriptor-error", f"resource name {name!r} is used more than once", file=file, field="name"))
    if problems:
        return problems, set()
    problems += descriptor_checks.check_profiles(package.descriptor, file)
    problems += check_profile(package)
    by_name = {resource["name"]: resource for resource in resources}
    unreadable = set()
    for resource in resources:
        own = descriptor_checks.check_dialect(resource, file)
        if "schema" in resource:
            own += descriptor_checks.check_schema(resource, file, by_name)
        if own:
            unreadable.add(resource["name"])
        problems += own
        copy_of = resource.get("copyOf")
        if copy_of is not None and (not isinstance(copy_of, str) or copy_of not in by_name):
            problems.append(Problem("descriptor-error", f"resource {resource['name']!r}: copyOf names unknown resource {copy_of!r}", file=file, field="copyOf"))
            unreadable.add(resource["name"])
    return problems, unreadable


PROPERTY = re.compile(r" at property '([^']*)'$")
OWN_CHECKS = ("is not safe", "field type", "cannot be checked against the profile")  # reported by resolve_path and tableschema.descriptor


def check_profile(package: Package) -> list[Problem]:
    """The descriptor against the Data Package and Data Resource profiles (JSON Schema).

    frictionless-py is the reference implementation of the profiles, so it does this
    part, on a copy of the descriptor that points it at nothing to read, and with every
    connection refused; its notes become problems naming the resource and property.
    """
    from frictionless import Package as ReferencePackage
    from frictionless import Resource as ReferenceResource

    file = package.descriptor_file
    stand_in = {"name": "stand-in", "path": "stand-in.csv", "profile": "tabular-data-resource", "schema": {"fields": [{"name": "x"}]}}
    found = [(None, note) for _, note in _profile_notes(ReferencePackage, {**descriptor_checks.for_reference(package.descriptor), "resources": [stand_in]})]
    notes_of_shape: dict[str, list] = {}
    for resource in package.resources:
        shape = _shape(descriptor_checks.for_reference(resource))
        if shape not in notes_of_shape:
            notes_of_shape[shape] = _profile_notes(ReferenceResource, json.loads(shape))
        found += [(resource["name"], note) for _, note in notes_of_shape[shape]]
    problems = []
    for name, note in found:
        if any(marker in note for marker in OWN_CHECKS):
            continue
        where = PROPERTY.search(note)
        message = PROPERTY.sub("", note)
        prefix = f"resource {name!r}: " if name else ""
        problems.append(Problem("profile-error", f"{prefix}{message} (Data Package profile)", file=file, field=where.group(1) if where else None))
    return problems


HASH = re.compile(r"^([^:]+:[a-fA-F0-9]+|[a-fA-F0-9]{32}|)$")


def _shape(resource: dict) -> str:
    """A resource descriptor without what makes each resource of a package different (its
    name, path, title, size and hash, when they are well formed: jants checks those itself),
    so that resources of one shape are checked against the profile once: the cost per
    resource stays the same however many there are."""
    shape = dict(resource)
    if isinstance(shape.get("name"), str) and NAME_PATTERN.match(shape["name"]):
        shape["name"] = "stand-in"
    path = shape.get("path")
    if isinstance(path, str) and path and not descriptor_checks.is_unsafe_path(path) and not URL_PATTERN.match(path):
        shape["path"] = "stand-in.csv"
    for key in ("title", "description"):
        if isinstance(shape.get(key), str):
            shape[key] = "stand-in"
    if isinstance(shape.get("bytes"), int) and not isinstance(shape["bytes"], bool) and shape["bytes"] >= 0:
        shape["bytes"] = 0
    if isinstance(shape.get("hash"), str) and HASH.match(shape["hash"]):
        shape["hash"] = shape["hash"].split(":")[0] + ":" + "0" * 32 if ":" in shape["hash"] else "0" * 32
    return json.dumps(shape, sort_keys=True, ensure_ascii=False)


def _profile_notes(kind, descriptor: dict) -> list[tuple[str, str]]:
    try:
        with descriptor_checks.no_network():
            return kind.validate_descriptor(descriptor).flatten(["type", "note"])
    except Exception as error:  # noqa: BLE001 - the reference failing on a malformed value is reported by jants' own checks
        return [("profile-error", f"cannot be checked against the profile: {type(error).__name__}")]


def read_resources(
    package: Package, report: Report, background: Executor, skip: Collection[str] = frozenset(), built: AsBuilt | None = None
) -> tuple[dict[str, TypedTable], list]:
    """Check each resource's file and read its table. The Parquet copies are compared with
    their tables on `background`; the futures of those comparisons (each giving a list of
    problems) are returned with the tables.

    Resources in `skip` have a schema that cannot be applied; only their files are checked.
    The figures table of BUILT is not read: its place in the report is kept for it.
    """
    tables = {}
    copies: list = []
    waiting = []
    paths = [resolve_path(package, resource) for resource in package.resources]
    is_built = [built is not None and resource is built.resource for resource in package.resources]
    large = [
        path is not None and not deferred and _scanned_while_parsed(resource, path, resource["name"] in skip)
        for resource, (path, _), deferred in zip(package.resources, paths, is_built)
    ]
    share = min(sum(large), LARGE_TABLES_AT_ONCE)
    with ThreadPoolExecutor(max_workers=LARGE_TABLES_AT_ONCE) as readers:
        read: list[Future | tuple[list[Problem], TypedTable | None] | None] = []
        for resource, (path, problem), is_large, deferred in zip(package.resources, paths, large, is_built):
            if path is None:
                read.append(([problem] if problem else [], None))
                continue
            if resource.get("copyOf") and resource["name"] not in skip and not resource.get("compression"):
                waiting.append((resource, path, resource["path"]))
            if deferred:
                read.append(None)
            elif is_large:  # large tables are read side by side, each with its share of the memory budget
                read.append(readers.submit(contextvars.copy_context().run, _read_side_by_side, resource, path, share))
            else:
                read.append(read_resource(resource, path, resource["name"] in skip))
        for resource, result in zip(package.resources, read):
            if result is None:
                built.slot = len(report.problems)  # type: ignore[union-attr]
                continue
            problems, table = result.result() if isinstance(result, Future) else result
            report.add(problems)
            if table is not None:
                tables[resource["name"]] = table
    by_name = {resource["name"]: resource for resource in package.resources}
    for resource, path, file in waiting:
        if built is not None and resource["copyOf"] == built.name:
            built.copy = (resource, path, file)
            copies.append(built)
        else:
            copies.append(compare_copy(background, resource, path, file, tables.get(resource["copyOf"]), by_name[resource["copyOf"]]))
    return tables, copies


def compare_copy(background: Executor, resource: dict, path: Path, file: str, table: TypedTable | None, original: dict) -> Future:
    """A Parquet copy compared with its table on `background`: a future of its problems."""
    if table is None or not isinstance(original.get("schema"), dict):
        done: Future = Future()
        done.set_result(
            [Problem("parquet-mismatch", f"resource {resource['name']!r}: cannot be compared, its table {resource['copyOf']!r} was not read", file=file)]
        )
        return done
    return background.submit(check_parquet_copy, path, file, table, original["schema"]["fields"])


def read_resource(resource: dict, path: Path, skip: bool) -> tuple[list[Problem], TypedTable | None]:
    """One resource's file checks and, unless skipped or a copy, its table and table checks."""
    name = resource["name"]
    file = resource["path"]
    problems = check_integrity(path, resource, file)
    if resource.get("compression"):
        return problems + [Problem("unsupported-resource", f"resource {name!r}: compressed resources are not supported", file=file, field="compression")], None
    if skip or resource.get("copyOf"):
        return problems, None
    fmt = resource_format(resource)
    has_schema = isinstance(resource.get("schema"), dict)
    if fmt == "csv":
        encoding = str(resource.get("encoding", "utf-8")).lower().replace("_", "-")
        if encoding not in ("utf-8", "utf8", "utf-8-sig"):
            return problems + [
                Problem("unsupported-resource", f"resource {name!r}: encoding {encoding!r} is not supported; jants reads UTF-8", file=file, field="encoding")
            ], None
        if not has_schema:
            return problems + read_untyped_csv(path, resource, file), None
        table, found = read_typed_csv(path, resource, file)
        return problems + found, table
    if fmt == "parquet" and has_schema:
        table, found = read_typed_parquet(path, resource, file)
        return problems + found, table
    if fmt == "parquet":
        _, found = read_parquet(path, file)
        return problems + (
            found
            or [
                Problem(
                    "no-schema", f"resource {name!r} has no schema: only its structure was checked, not types or constraints", file=file, severity="warning"
                )
            ]
        ), None
    return problems + [
        Problem(
            "unsupported-resource", f"resource {name!r}: format {fmt or 'unknown'!r} cannot be checked; jants reads CSV and Parquet", file=file, field="format"
        )
    ], None


LARGE_TABLES_AT_ONCE = 2  # large CSV tables read side by side (each parsed, typed and scanned on threads of its own)
SCAN_ASIDE_BYTES = 1 << 20  # from this size a CSV file's bytes are scanned on a thread of their own


class AsBuilt:
    """A figures table that may be as `jants build` writes it (the model's schemas, CSV in
    UTF-8): its file is scanned (size, SHA-256, text checks) while the other tables are
    read, then compared with the bytes the build writes from them, without being read as
    a table (checks.figures.written_as_built). If the package has errors, or the file is
    not as built, it is read and checked as any other table after all."""

    def __init__(self, resource: dict, path: Path, aside: Executor):
        self.resource = resource
        self.name = resource["name"]
        self.path = path
        self.aside = aside
        self.scan = aside.submit(scan_text_file, path, resource["path"], current_limits().max_line_bytes)
        self.comparison: Future | None = None  # of the figures the other tables give, or None if the file is not as built
        self.slot = 0  # where its problems go in the report
        self.copy: tuple[dict, Path, str] | None = None  # its Parquet copy: resource, path, file
        self.copy_compared: Future | None = None  # the problems of its Parquet copy
        self.num_rows = 0
        self.beside = True  # compared beside the other checks (False: after them)
        self._deferred: Callable[[], Any] | None = None

    def start_comparison(self, tables: dict[str, TypedTable], background: Executor, beside: bool = True) -> None:
        """Start comparing the file with the bytes the build writes from TABLES (and the
        Parquet copy with the table they give), on `aside`: now, BESIDE the other checks,
        or (when the tables read in batches are several times the memory budget) once the
        other checks are done (`compared`), so that their memory is not added up."""
        from . import checks

        self.beside = beside
        if checks.uses_jants_model(tables):
            if self.beside:
                self.comparison = self.aside.submit(self._compared, tables, background)
            else:
                self.comparison = Future()  # pending until `compared` submits it
                self._deferred = functools.partial(self._compared, tables, background)

    def compared(self):
        """The figures the other tables give if the file is as built, else None."""
        if self._deferred is not None:
            self.comparison = self.aside.submit(self._deferred)
            self._deferred = None
        return self.comparison.result() if self.comparison is not None else None

    def _compared(self, tables: dict[str, TypedTable], background: Executor):
        from . import checks

        figures = checks.BuiltFigures(tables)
        self.compare_copy(background, figures.table(self.resource["path"]))
        return figures if checks.written_as_built(figures, self.path) else None

    def result(self) -> list[Problem]:
        """The problems of its Parquet copy (read_resources lists it with the copies' futures)."""
        return self.copy_compared.result() if self.copy_compared is not None else []

    def compare_copy(self, background: Executor, table: TypedTable | None) -> None:
        if self.copy is not None:
            resource, path, file = self.copy
            self.copy_compared = compare_copy(background, resource, path, file, table, self.resource)

    def read(self, tables: dict[str, TypedTable], background: Executor) -> list[Problem]:
        """The file read as any other table's: its problems (its table put in TABLES, its
        Parquet copy compared with it)."""
        if self.comparison is not None and not self.comparison.cancel():
            self.comparison.result()  # (it may have started comparing the Parquet copy with the join)
        if _scanned_while_parsed(self.resource, self.path, False):
            problems, table = _read_large_csv(self.resource, self.path, self.scan)
        else:
            problems, table = read_resource(self.resource, self.path, False)
        if table is not None:
            tables[self.name] = table
        self.compare_copy(background, table)
        return problems


COMPARE_AS_BUILT = True  # False: the figures table is always read (tests compare both ways)


def _built_figures(package: Package, unreadable: Collection[str], aside: Executor) -> AsBuilt | None:
    """The figures resource, if it may be as `jants build` writes it: every table of the
    model with the model's schema (so that the join's cells meet the figures schema), and
    figures.csv in UTF-8 without a dialect."""
    if not COMPARE_AS_BUILT:
        return None
    by_name = {resource["name"]: resource for resource in package.resources}
    for name in (*model.TABLES, "figures"):
        resource = by_name.get(name)
        if resource is None or name in unreadable or resource.get("schema") != model.schema(name):
            return None
    figures = by_name["figures"]
    if resource_format(figures) != "csv" or figures.get("encoding", "utf-8") != "utf-8" or any(key in figures for key in ("dialect", "compression", "copyOf")):
        return None
    path, _ = resolve_path(package, figures)
    if path is None or not path.is_file():
        return None
    return AsBuilt(figures, path, aside)


def _compared_as_built(
    built: AsBuilt, package: Package, report: Report, tables: dict[str, TypedTable], keys: dict[str, list[Problem]], sources_dir
) -> list[Problem] | None:
    """The jants model checks' problems, with figures.csv compared with the bytes `jants
    build` writes from the other tables; None when it must be read as a table instead:
    the package has other errors (then the figures table's own are reported too), or its
    text or bytes are not as built."""
    from . import checks

    errors = report.errors + [problem for found in keys.values() for problem in found if problem.severity == "error"]
    if any(problem.code not in INTEGRITY_CODES for problem in errors) or built.comparison is None:
        return None
    scanned = built.scan.result()
    if scanned.problems:
        return None
    file = built.resource["path"]
    own = check_integrity(built.path, built.resource, file, digest=(scanned.size, scanned.sha256))
    if any(problem.severity == "error" and problem.code not in INTEGRITY_CODES for problem in own):
        return None
    found = checks.check_model_as_built(tables, package.descriptor, Path(sources_dir) if sources_dir else None, built.compared, beside=built.beside)
    if found is None:
        return None
    problems, figures = found
    report.problems[built.slot : built.slot] = own
    built.num_rows = figures.num_rows
    return problems


def _scanned_while_parsed(resource: dict, path: Path, skip: bool) -> bool:
    """Whether a resource is a large CSV table with a schema, whose bytes are worth reading
    (size, SHA-256, text checks) on another thread while it is parsed."""
    if skip or resource.get("copyOf") or resource.get("compression") or not isinstance(resource.get("schema"), dict):
        return False
    encoding = str(resource.get("encoding", "utf-8")).lower().replace("_", "-")
    if resource_format(resource) != "csv" or encoding not in ("utf-8", "utf8", "utf-8-sig"):
        return False
    try:
        return path.stat().st_size >= SCAN_ASIDE_BYTES
    except OSError:
        return False


def _read_side_by_side(resource: dict, path: Path, share: int) -> tuple[list[Problem], TypedTable | None]:
    """`_read_large_csv` on a thread, beside SHARE - 1 others, with its share of the memory budget."""
    with shared_limits(share):
        return _read_large_csv(resource, path)


def _read_large_csv(resource: dict, path: Path, scan: Future | None = None) -> tuple[list[Problem], TypedTable | None]:
    """`read_resource` for a large CSV table: its bytes are read once, on a thread of their
    own, for the descriptor's size and hash and for the text checks, while it is parsed and
    typed here (SCAN: that reading, when it was started already). The problems are those
    `read_resource` gives otherwise, in the same order."""
    file = resource["path"]
    with ThreadPoolExecutor(max_workers=1) as aside:
        if scan is None:
            scan = aside.submit(scan_text_file, path, file, current_limits().max_line_bytes)
        started = scan
        table, found = read_typed_csv(path, resource, file, text_problems=lambda: started.result().problems)
        scanned = scan.result()
    return check_integrity(path, resource, file, digest=(scanned.size, scanned.sha256)) + found, table
