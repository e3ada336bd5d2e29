"""Table Schema constraints (required, unique, enum, pattern, lengths, bounds) on whole columns.

Repeated values are checked once (see `Distinct`), so a million rows cost a few vectorized passes.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..problems import Problem
from .arrays import mask, matches, valid_mask
from .descriptor import missing_values as missing_value_list
from .table import CompactColumns, Distinct, TypedTable, cell_mask, report_rows, show
from .types import INT64_MAX, INT64_MIN, INTEGER_RE, STRING_FORMATS, convert_column, typed_bound, with_missing

PARALLEL_ROWS = 16_384  # from this size columns are checked on several threads (pyarrow releases the GIL)


def check_columns(header: list[str], data: list, fields: list[dict], table: TypedTable, missing: list[str] | None = None) -> list[Problem]:
    """Convert every column to its type and check field constraints.

    `data` is the list of text columns, in header order; each column a field reads is
    dropped from it (set to None) once converted, so that the text and the typed copy
    of a large table are not both held whole. `missing` is the schema's missingValues
    (default: the empty string); a field's own missingValues replaces it for that field.
    """
    by_position = {name: index for index, name in enumerate(header)}
    specs = [spec for spec in fields if spec["name"] in by_position]
    schema_missing = [""] if missing is None else missing

    def check(spec: dict) -> list[Problem]:
        own = missing_value_list(spec["missingValues"]) if "missingValues" in spec else None
        position = by_position[spec["name"]]
        column = with_missing(data[position], schema_missing if own is None else own)
        data[position] = None
        return check_column(column, spec, table)

    if table.num_rows >= PARALLEL_ROWS and len(specs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            found = list(pool.map(check, specs))
    else:
        found = [check(spec) for spec in specs]
    table.columns = {spec["name"]: table.columns[spec["name"]] for spec in specs}  # field order, whatever the threads did
    return [problem for problems in found for problem in problems]


def check_column(column, spec: dict, table: TypedTable) -> list[Problem]:
    """One column: its type, then its constraints; stores the typed column in table."""
    name = spec["name"]
    problems = []
    raw = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if raw.type != pa.string():
        raw = raw.cast(pa.string())
    table.missing[name] = ~valid_mask(raw)
    costly = (
        spec.get("type", "string") not in ("string", "any")
        or spec.get("format") in STRING_FORMATS
        or {"pattern", "minLength", "maxLength"} & set(spec.get("constraints") or {})
    )
    distinct = Distinct.of(raw) if costly else None
    if distinct and spec.get("type", "string") in ("string", "any"):
        table.distinct[name] = distinct  # for foreign keys and joins: the typed column is this text
    kept = None  # in a batch, the typed column as it is kept (CompactColumns.chunk)
    if distinct:
        values, invalid_values, warning = convert_column(distinct.values, spec)
        invalid = distinct.expand(invalid_values)
        if table.batch is not None and _kept_encoded(values):  # kept as the distinct values and each row's position: no copy a row
            kept = CompactColumns.chunk(pa.DictionaryArray.from_arrays(distinct.indices, values))
        typed = values.take(distinct.indices) if kept is None or _reads_typed_rows(spec) else kept
    else:
        typed, invalid, warning = convert_column(raw, spec)
    if warning:
        problems.append(Problem("type-not-checked", warning, file=table.file, field=name, severity="warning"))
    type_ = spec.get("type", "string")
    fmt = spec.get("format")
    if type_ == "integer":  # reported even when empty, so that every batch of a table makes the same calls
        beyond = invalid & cell_mask(raw, distinct, lambda values: matches(values, INTEGER_RE)) if invalid.any() else invalid
        invalid = invalid & ~beyond
        problems += report_rows(
            beyond, table, name, "integer-out-of-range", lambda v: f"{show(v)} is beyond the 64-bit integers jants reads ({INT64_MIN} to {INT64_MAX})", raw
        )
    problems += report_rows(
        invalid, table, name, "type-error", lambda v: f"{show(v)} is not a valid {type_}" + (f" ({fmt})" if fmt and fmt != "default" else ""), raw
    )
    table.columns[name] = typed
    problems += check_constraints(raw, typed, invalid, spec, table, distinct)
    if table.batch is not None:  # made compact here, on this column's thread
        table.columns[name] = kept if kept is not None else CompactColumns.chunk(typed)
    return problems


def _kept_encoded(values: pa.Array) -> bool:
    """Whether a column's typed distinct values can be kept as its dictionary as they are:
    none invalid (null), none equal to another (as '1' and '1.0' are once numbers)."""
    return values.null_count == 0 and (pa.types.is_string(values.type) or pc.count_distinct(values).as_py() == len(values))


def _reads_typed_rows(spec: dict) -> bool:
    """Whether the constraints of a field read its typed values row by row (see check_constraints)."""
    constraints = spec.get("constraints") or {}
    typed_enum = "enum" in constraints and spec.get("type", "string") not in ("string", "any", "time", "yearmonth")
    bounded = spec.get("type", "string") in BOUNDED_TYPES and any(key in constraints for key, _, _ in BOUNDS)
    return bool(constraints.get("unique")) or typed_enum or bounded


def check_constraints(raw: pa.Array, typed: pa.Array, invalid: np.ndarray, spec: dict, table: TypedTable, distinct: Distinct | None = None) -> list[Problem]:
    name = spec["name"]
    constraints = spec.get("constraints") or {}
    present = valid_mask(raw)
    valid = present & ~invalid
    problems = []
    if constraints.get("required"):
        problems += report_rows(~present, table, name, "constraint-error", lambda v: "a value is required")
    if constraints.get("unique"):
        problems += report_rows(table.duplicated([name]) & valid, table, name, "unique-error", lambda v: f"{show(v)} is not unique", raw)
    if "enum" in constraints:
        allowed = constraints["enum"]
        type_ = spec.get("type", "string")
        if type_ in ("string", "any", "time", "yearmonth") or not allowed:
            inside = pc.is_in(raw, value_set=pa.array([str(v) for v in allowed], pa.string()))
        else:
            values, _, _ = convert_column(pa.array([str(v) for v in allowed], pa.string()), spec)
            inside = pc.is_in(typed, value_set=values.drop_null())
        problems += report_rows(valid & ~mask(inside), table, name, "constraint-error", lambda v: f"{show(v)} is not one of {allowed}", raw)
    if "pattern" in constraints:
        ok = cell_mask(raw, distinct, lambda values: matches(values, f"^(?:{constraints['pattern']})$"))
        problems += report_rows(valid & ~ok, table, name, "constraint-error", lambda v: f"{show(v)} does not match pattern {constraints['pattern']!r}", raw)
    for key, compare, word in (("minLength", pc.less, "shorter than"), ("maxLength", pc.greater, "longer than")):
        if key in constraints:
            bad = cell_mask(raw, distinct, lambda values, c=compare, k=key: c(pc.utf8_length(values), min(constraints[k], INT64_MAX)))
            problems += report_rows(valid & bad, table, name, "constraint-error", lambda v, k=key, w=word: f"{show(v)} is {w} {constraints[k]}", raw)
    if spec.get("type", "string") in BOUNDED_TYPES:
        problems += check_bounds(raw, typed, valid, spec, table)
    return problems


BOUNDED_TYPES = {"integer", "number", "date", "datetime", "time", "year", "yearmonth"}


BOUNDS = (
    ("minimum", pc.less, "below the minimum"),
    ("maximum", pc.greater, "above the maximum"),
    ("exclusiveMinimum", pc.less_equal, "not above the exclusive minimum"),
    ("exclusiveMaximum", pc.greater_equal, "not below the exclusive maximum"),
)


def check_bounds(raw: pa.Array, typed: pa.Array, valid: np.ndarray, spec: dict, table: TypedTable) -> list[Problem]:
    """minimum, maximum and their exclusive forms; NaN is outside every bound, as in
    frictionless-py, where it cannot be compared. Times and year-months compare as text,
    which orders them (both are fixed-width ISO forms)."""
    name = spec["name"]
    constraints = spec.get("constraints") or {}
    problems = []
    nan = mask(pc.is_nan(typed)) if pa.types.is_floating(typed.type) else None
    for key, compare, word in BOUNDS:
        if key not in constraints:
            continue
        text = constraints[key] if isinstance(constraints[key], str) else json.dumps(constraints[key])
        bound = typed_bound(spec.get("type", "string"), str(spec.get("format", "default")), text)
        if bound is None:
            continue  # reported by tableschema.descriptor
        bad = mask(compare(typed, bound.cast(typed.type)))
        if nan is not None:
            bad |= nan
        problems += report_rows(
            valid & bad,
            table,
            name,
            "constraint-error",
            lambda v, k=key, w=word: f"{show(v)} is {w} {constraints[k]}" if v != "NaN" else f"NaN cannot be compared with the {k} {constraints[k]}",
            raw,
        )
    return problems
