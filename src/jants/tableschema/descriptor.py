"""Checks of the descriptor's structure that decide whether a resource can be read at all:
schemas, dialects and profiles, each property of the type the Table Schema and Data
Package specifications give it.

A value of the wrong type (`maxLength: "5"`, `primaryKey: 5`) would otherwise reach the
table checks and fail there as an internal error; here it becomes a problem naming the
resource and property, and the resource's table is not read.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import socket

import pyarrow as pa
import pyarrow.compute as pc

from ..package import URL_PATTERN, key_fields
from ..problems import Problem
from .types import typed_bound  # bounds get the same conversion as cells

KNOWN_TYPES = {
    "string",
    "number",
    "integer",
    "boolean",
    "date",
    "datetime",
    "time",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "object",
    "array",
    "list",
    "any",
}
PACKAGE_PROFILES = {"data-package", "tabular-data-package"}
RESOURCE_PROFILES = {"data-resource", "tabular-data-resource"}
UNSUPPORTED_DIALECT = {  # properties that change how a CSV is read, with the value that changes nothing
    "escapeChar": None,
    "commentChar": None,
    "skipInitialSpace": False,
    "nullSequence": None,
    "headerRowCount": 1,
    "commentRows": None,
    "headerRows": [1],
    "headerJoin": " ",
}


def is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def is_unsafe_path(text: str) -> bool:
    """The rule frictionless-py applies to profile, schema and dialect paths."""
    return (
        text.startswith(("/", "\\", "~"))
        or re.match(r"^[A-Za-z]:", text) is not None
        or ".." in re.split(r"[\\/]", text)
        or "$" in text
        or re.search(r"%.+%", text) is not None
        or text.lower().startswith("file:")
    )


# Schemas ------------------------------------------------------------------------------


def check_schema(resource: dict, file: str, resources: dict[str, dict]) -> list[Problem]:
    """Everything about a resource's schema that would stop its table being checked."""
    name = str(resource.get("name"))
    schema = resource.get("schema")

    def problem(message, field="schema", code="schema-error"):
        return Problem(code, f"resource {name!r}: {message}", file=file, field=field)

    if isinstance(schema, str):
        return [_reference_problem(name, "schema", schema, file)]
    if not isinstance(schema, dict):
        return [problem("schema must be an object with fields")]
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        return [problem("schema has no fields")]
    problems = []
    names = []
    for position, spec in enumerate(fields, 1):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            problems.append(problem(f"field {position} has no name"))
            continue
        names.append(spec["name"])
        problems += [problem(message, field=spec["name"]) for message in _field_problems_once(json.dumps(spec, sort_keys=True, default=str))]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        problems.append(problem(f"duplicate field names {dupes}"))
    if "missingValues" in schema and missing_values(schema["missingValues"]) is None:
        problems.append(problem(f"missingValues must be a list of strings, not {_shown(schema['missingValues'])}", field="missingValues"))
    problems += _primary_key_problems(schema, set(names), problem)
    problems += _foreign_key_problems(schema, set(names), name, resources, problem)
    return problems


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def missing_values(entries) -> list[str] | None:
    """The strings of a missingValues list (plain strings, or v2 objects with a value), None if malformed."""
    if not isinstance(entries, list):
        return None
    values = [entry.get("value") if isinstance(entry, dict) else entry for entry in entries]
    strings = [value for value in values if isinstance(value, str)]
    return strings if len(strings) == len(values) else None


@functools.lru_cache(maxsize=4096)
def _field_problems_once(spec: str) -> tuple[str, ...]:
    """field_problems of a field written as JSON, computed once for fields repeated across resources."""
    return tuple(field_problems(json.loads(spec)))


def field_problems(spec: dict) -> list[str]:
    """What is wrong with one field descriptor, as messages."""
    type_ = spec.get("type", "string")
    if not isinstance(type_, str) or type_ not in KNOWN_TYPES:
        return [f"field {spec['name']!r} has unknown type {_shown(type_)}"]
    messages = []
    for key in ("format", "decimalChar", "groupChar"):
        if key in spec and not isinstance(spec[key], str):
            messages.append(f"field {spec['name']!r}: {key} must be a string, not {_shown(spec[key])}")
    for key in ("decimalChar", "groupChar"):
        if isinstance(spec.get(key), str) and len(spec[key]) != 1:
            messages.append(f"field {spec['name']!r}: {key} must be one character, not {_shown(spec[key])}")
    for key in ("trueValues", "falseValues", "missingValues"):
        if key in spec and (missing_values(spec[key]) if key == "missingValues" else spec[key] if _strings(spec[key]) else None) is None:
            messages.append(f"field {spec['name']!r}: {key} must be a list of strings, not {_shown(spec[key])}")
    constraints = spec.get("constraints", {})
    if not isinstance(constraints, dict):
        return messages + [f"field {spec['name']!r}: constraints must be an object, not {_shown(constraints)}"]
    return messages + [f"field {spec['name']!r}: {message}" for message in constraint_problems(spec, constraints)]


def constraint_problems(spec: dict, constraints: dict) -> list[str]:
    messages = []
    for key in ("required", "unique"):
        if key in constraints and not isinstance(constraints[key], bool):
            messages.append(f"constraint {key} must be true or false, not {_shown(constraints[key])}")
    for key in ("minLength", "maxLength"):
        if key in constraints and not (is_whole(constraints[key]) and constraints[key] >= 0):
            messages.append(f"constraint {key} must be a whole number of at least 0, not {_shown(constraints[key])}")
    if "enum" in constraints and not (isinstance(constraints["enum"], list) and constraints["enum"]):
        messages.append(f"constraint enum must be a non-empty list, not {_shown(constraints['enum'])}")
    if "pattern" in constraints:
        messages += pattern_problems(constraints["pattern"])
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in constraints:
            messages += bound_problems(spec, key, constraints[key])
    return messages


def pattern_problems(pattern) -> list[str]:
    """A pattern must be a string that both Python and RE2 (which jants matches with) compile."""
    if not isinstance(pattern, str):
        return [f"constraint pattern must be a string, not {_shown(pattern)}"]
    try:
        re.compile(pattern)
    except re.error as error:
        return [f"constraint pattern {_shown(pattern)} is not a valid regular expression ({error})"]
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        return [f"constraint pattern {_shown(pattern)} uses a feature jants cannot match (RE2 syntax: {str(error).splitlines()[0]})"]
    return []


def bound_problems(spec: dict, key: str, bound) -> list[str]:
    """A bound must be a value of the field's type (numbers may be written as JSON numbers)."""

    type_ = spec.get("type", "string")
    if isinstance(bound, bool) or not isinstance(bound, (str, int, float)) or (isinstance(bound, float) and bound != bound):
        return [f"constraint {key} must be a {type_}, not {_shown(bound)}"]
    if type_ in ("string", "any", "boolean") or type_ not in KNOWN_TYPES:
        return []  # not a bound of this type; the profile check says so
    if not isinstance(bound, str) and type_ not in ("integer", "number", "year"):
        return [f"constraint {key} must be a {type_} written as a string, not {_shown(bound)}"]
    text = bound if isinstance(bound, str) else json.dumps(bound)
    if type_ == "integer" and not isinstance(bound, str) and not is_whole(bound):
        return [f"constraint {key} must be an integer, not {_shown(bound)}"]
    if typed_bound(type_, str(spec.get("format", "default")), text) is None:
        return [f"constraint {key} {_shown(bound)} is not a valid {type_}" + (" within 64 bits" if type_ == "integer" else "")]
    return []


def _primary_key_problems(schema: dict, known: set[str], problem) -> list[Problem]:
    if "primaryKey" not in schema:
        return []
    key = key_fields(schema["primaryKey"])
    if not key:
        return [problem(f"primaryKey must be a field name or a list of them, not {_shown(schema['primaryKey'])}", field="primaryKey")]
    return [problem(f"primary key names unknown field {column!r}", field=column) for column in key if column not in known]


def _foreign_key_problems(schema: dict, known: set[str], name: str, resources: dict[str, dict], problem) -> list[Problem]:
    if "foreignKeys" not in schema:
        return []
    if not isinstance(schema["foreignKeys"], list):
        return [problem(f"foreignKeys must be a list, not {_shown(schema['foreignKeys'])}", field="foreignKeys")]
    problems = []
    for position, fk in enumerate(schema["foreignKeys"], 1):
        reference = fk.get("reference") if isinstance(fk, dict) else None
        local = key_fields(fk.get("fields")) if isinstance(fk, dict) else None
        remote = key_fields(reference.get("fields")) if isinstance(reference, dict) else None
        target = reference.get("resource", "") if isinstance(reference, dict) else None
        if not local or not remote or not isinstance(target, str):
            problems.append(
                problem(f"foreign key {position} must have fields and a reference with a resource and fields, not {_shown(fk)}", field="foreignKeys")
            )
            continue
        label = ",".join(local)
        problems += [problem(f"foreign key names unknown field {column!r}", field=column) for column in local if column not in known]
        if len(local) != len(remote):
            problems.append(problem("foreign key fields and reference fields differ in number", field=label))
        problems += _reference_target_problems(target or name, remote, label, name, schema, resources, problem)
    return problems


def _reference_target_problems(target: str, remote: list[str], label: str, name: str, schema: dict, resources: dict[str, dict], problem) -> list[Problem]:
    """The referenced resource must exist, have a table jants reads, and have the referenced fields."""
    other = resources.get(target)
    if other is None:
        return [problem(f"foreign key refers to unknown resource {target!r}", field=label)]
    target_schema = schema if target == name else other.get("schema")
    if not isinstance(target_schema, dict) or other.get("copyOf") or not isinstance(target_schema.get("fields"), list):
        return [problem(f"foreign key refers to resource {target!r}, which has no table schema to check it against", field=label)]
    fields = {spec.get("name") for spec in target_schema["fields"] if isinstance(spec, dict)}
    return [
        problem(f"foreign key refers to field {column!r}, which resource {target!r} does not have", field=label) for column in remote if column not in fields
    ]


# Dialects -----------------------------------------------------------------------------


def check_dialect(resource: dict, file: str) -> list[Problem]:
    """A CSV dialect jants can read: one-character delimiter and quote, no comment or escape character."""
    name = resource.get("name")
    dialect = resource.get("dialect")
    if dialect is None:
        return []
    if isinstance(dialect, str):
        return [_reference_problem(name, "dialect", dialect, file)]

    def problem(message, field="dialect", code="dialect-error"):
        return Problem(code, f"resource {name!r}: {message}", file=file, field=field)

    if not isinstance(dialect, dict):
        return [problem(f"dialect must be an object, not {_shown(dialect)}")]
    problems = []
    for key, default in (("delimiter", ","), ("quoteChar", '"')):
        value = dialect.get(key, default)
        if not isinstance(value, str) or len(value) != 1 or value in "\r\n":
            problems.append(problem(f"dialect {key} must be one character other than a line break, not {_shown(value)}", field=f"dialect.{key}"))
    if not problems and dialect.get("delimiter", ",") == dialect.get("quoteChar", '"'):
        problems.append(problem("dialect delimiter and quoteChar are the same character", field="dialect.delimiter"))
    for key in ("doubleQuote", "header", "skipInitialSpace", "caseSensitiveHeader"):
        if key in dialect and not isinstance(dialect[key], bool):
            problems.append(problem(f"dialect {key} must be true or false, not {_shown(dialect[key])}", field=f"dialect.{key}"))
    if dialect.get("header", True) is False:
        problems.append(problem("dialect header: false is not supported", code="unsupported-resource"))
    for key, neutral in UNSUPPORTED_DIALECT.items():
        if key in dialect and dialect[key] != neutral:
            problems.append(
                problem(
                    f"dialect {key} {_shown(dialect[key])} is not supported; jants reads plain RFC 4180 CSV",
                    field=f"dialect.{key}",
                    code="unsupported-resource",
                )
            )
    return problems


def _reference_problem(name, key: str, value: str, file: str) -> Problem:
    """A schema or dialect given as a path or URL: jants reads neither."""
    if URL_PATTERN.match(value):
        reason = f"is a URL ({_shown(value)}); jants never fetches anything"
        code = "remote-resource"
    elif is_unsafe_path(value):
        reason = f"path {_shown(value)} is not safe (absolute, '..', '~' or a variable)"
        code = f"{key}-error"
    else:
        reason = f"is given as a file ({_shown(value)}); jants reads {key}s written in the descriptor only"
        code = "unsupported-resource"
    return Problem(code, f"resource {name!r}: {key} {reason}", file=file, field=key)


# Profiles -----------------------------------------------------------------------------


def check_profiles(descriptor: dict, file: str) -> list[Problem]:
    """Profiles jants can check are the standard ones; it never fetches nor reads a custom one."""
    problems = _profile_problem(descriptor.get("profile"), PACKAGE_PROFILES, None, file)
    tabular_package = descriptor.get("profile") == "tabular-data-package"
    for resource in descriptor.get("resources", []):
        name = resource["name"]
        profile = resource.get("profile")
        problems += _profile_problem(profile, RESOURCE_PROFILES, name, file)
        if tabular_package and profile != "tabular-data-resource":
            problems.append(
                Problem(
                    "profile-error",
                    f"resource {name!r}: profile 'tabular-data-package' requires every resource to have profile 'tabular-data-resource'",
                    file=file,
                    field="profile",
                )
            )
        if profile == "tabular-data-resource" and "schema" not in resource:
            problems.append(Problem("profile-error", f"resource {name!r}: profile 'tabular-data-resource' requires a schema", file=file, field="schema"))
    return problems


def _profile_problem(profile, standard: set[str], name: str | None, file: str) -> list[Problem]:
    if not isinstance(profile, str) or profile in standard or profile == "":
        return []  # a profile of the wrong type is reported by the profile check; an empty one is none, as in frictionless-py
    prefix = f"resource {name!r}: " if name else ""
    if URL_PATTERN.match(profile):
        return [
            Problem(
                "unsupported-profile",
                f"{prefix}profile {_shown(profile)} is a URL; jants never fetches it, so the descriptor cannot be checked against it",
                file=file,
                field="profile",
            )
        ]
    if is_unsafe_path(profile):
        return [Problem("profile-error", f"{prefix}profile path {_shown(profile)} is not safe (absolute, '..', '~' or a variable)", file=file, field="profile")]
    return [
        Problem(
            "unsupported-profile",
            f"{prefix}profile {_shown(profile)} is not one jants can check (standard profiles: {', '.join(sorted(standard))})",
            file=file,
            field="profile",
        )
    ]


def for_reference(descriptor: dict) -> dict:
    """A copy of a package or resource descriptor that makes frictionless-py read nothing:
    custom profiles, and schemas and dialects given as paths or URLs, are left out
    (check_profiles, check_schema and check_dialect report them)."""
    copy = dict(descriptor)
    if isinstance(copy.get("profile"), str) and copy["profile"] not in PACKAGE_PROFILES | RESOURCE_PROFILES:
        copy.pop("profile")
    for key in ("schema", "dialect"):
        if isinstance(copy.get(key), str):
            copy.pop(key)
    return copy


# Network ------------------------------------------------------------------------------


class NetworkRefused(OSError):
    """Raised by any attempt to open a connection while validating."""


@contextlib.contextmanager
def no_network():
    """Make every connection attempt fail, while the reference library runs: whatever a
    descriptor says, validation opens no socket."""

    def refuse(*args, **kwargs):
        raise NetworkRefused("jants validate opens no network connection")

    saved = socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo
    socket.socket.connect = socket.socket.connect_ex = refuse
    socket.create_connection = socket.getaddrinfo = refuse
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo = saved
