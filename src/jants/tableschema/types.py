"""Table Schema types: text cells converted to typed columns, whole columns at a time."""

from __future__ import annotations

import functools
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrays import mask, matches, valid_mask

UNCHECKED_TYPES = {"duration", "geopoint", "geojson", "list"}
SMALL = 64  # columns up to this many cells are looked at in Python where that saves a compute call


NUMBER_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$|^(NaN|INF|-INF)$"


INTEGER_RE = r"^[+-]?[0-9]+$"


DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"


TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$"


YEAR_RE = r"^-?[0-9]{4}$"


YEARMONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def convert_column(raw: pa.Array, spec: dict) -> tuple[pa.Array, np.ndarray, str | None]:
    """Typed column, mask of cells that are present but not of the type, and a warning."""
    type_ = spec.get("type", "string")
    present = valid_mask(raw)
    if type_ == "string" and spec.get("format") in STRING_FORMATS:
        return raw, present & ~_string_format_ok(raw, spec["format"]), None
    if type_ in ("string", "any"):
        return raw, np.zeros(len(raw), dtype=bool), None
    if type_ in UNCHECKED_TYPES:
        return raw, np.zeros(len(raw), dtype=bool), f"type {type_!r} is read as text; its values are not checked"
    if type_ == "integer":
        ok = mask(matches(raw, INTEGER_RE))
        ok &= ~_beyond_int64(raw, ok)
        typed = _safe_cast(raw, ok, pa.int64())
    elif type_ == "number":
        text = raw
        group = spec.get("groupChar")
        if group:
            text = pc.replace_substring(text, group, "")
        decimal = spec.get("decimalChar", ".")
        if decimal != ".":
            text = pc.replace_substring(text, decimal, ".")
        ok = mask(matches(text, NUMBER_RE))
        text = pc.replace_substring_regex(text, r"^INF$", "inf")
        text = pc.replace_substring_regex(text, r"^-INF$", "-inf")
        typed = _safe_cast(text, ok, pa.float64())
    elif type_ == "boolean":
        true_values = spec.get("trueValues", ["true", "True", "TRUE", "1"])
        false_values = spec.get("falseValues", ["false", "False", "FALSE", "0"])
        is_true = mask(pc.is_in(raw, value_set=pa.array(true_values, pa.string())))
        is_false = mask(pc.is_in(raw, value_set=pa.array(false_values, pa.string())))
        ok = is_true | is_false
        typed = pa.array(np.where(ok, is_true, False), mask=~ok | ~present, type=pa.bool_())
    elif type_ == "date":
        typed, ok = _convert_date(raw, spec.get("format", "default"))
    elif type_ == "datetime":
        ok = mask(matches(raw, DATETIME_RE))
        typed = _safe_cast(pc.replace_substring_regex(raw, "Z$", "+00:00"), ok, pa.timestamp("s", tz="UTC"), lenient=True)
        ok = ok & valid_mask(typed)
    elif type_ == "time":
        ok = mask(matches(raw, TIME_RE))
        typed = raw
    elif type_ == "year":
        ok = mask(matches(raw, YEAR_RE))
        typed = _safe_cast(raw, ok, pa.int64())
    elif type_ == "yearmonth":
        ok = mask(matches(raw, YEARMONTH_RE))
        typed = raw
    elif type_ in ("object", "array"):
        ok = np.zeros(len(raw), dtype=bool)
        want = dict if type_ == "object" else list
        for index in np.flatnonzero(present):
            try:
                ok[index] = isinstance(json.loads(raw[int(index)].as_py()), want)
            except ValueError:
                pass
        typed = raw
    else:  # pragma: no cover - KNOWN_TYPES is exhaustive
        raise ValueError(type_)
    invalid = present & ~ok
    return typed, invalid, None


STRING_FORMATS = {"email", "uri", "uuid", "binary", "wkt"}


@functools.lru_cache(maxsize=8)
def _string_reader(fmt: str):
    """frictionless-py's own reader of a string format: these formats are defined by the
    libraries it uses (rfc3986, validators), so jants asks the same ones."""
    from frictionless import fields

    try:
        return fields.StringField(name="cell", format=fmt).create_value_reader()
    except Exception:  # noqa: BLE001 - a format whose library is missing: no value can be shown to be of it
        return lambda value: None


def _string_format_ok(raw: pa.Array, fmt: str) -> np.ndarray:
    """Cells in the string format, each distinct value read once."""
    reader = _string_reader(fmt)
    values = pc.unique(raw.drop_null())
    good = [value for value in values.to_pylist() if _reads(reader, value)]
    return mask(pc.is_in(raw, value_set=pa.array(good, pa.string())))


def _reads(reader, value: str) -> bool:
    try:
        return reader(value) is not None
    except Exception:  # noqa: BLE001 - a value the reference's reader fails on is not of the format
        return False


INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def _beyond_int64(raw: pa.Array, ok: np.ndarray) -> np.ndarray:
    """Integers written with more than 18 digits that do not fit 64 bits (checked one by one: they are rare)."""
    if not len(raw) or _longest_bytes(raw) <= 18:  # no cell has 19 characters: nothing to look at
        return np.zeros(len(raw), dtype=bool)
    long = ok & mask(pc.greater(pc.utf8_length(raw), 18))
    beyond = np.zeros(len(raw), dtype=bool)
    for index in np.flatnonzero(long):
        beyond[index] = not INT64_MIN <= int(raw[int(index)].as_py()) <= INT64_MAX
    return beyond


def _longest_bytes(raw: pa.Array) -> int:
    """The length in bytes of the longest cell of a string column, read from its offsets."""
    offsets = np.frombuffer(raw.buffers()[1], dtype=np.int32)[raw.offset : raw.offset + len(raw) + 1]
    return int(np.diff(offsets).max())


def _safe_cast(raw: pa.Array, ok: np.ndarray, target: pa.DataType, lenient: bool = False) -> pa.Array:
    cleaned = pc.if_else(pa.array(ok), raw, pa.scalar(None, pa.string()))
    try:
        return pc.cast(cleaned, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = []
        for value in cleaned.to_pylist():
            try:
                values.append(pc.cast(pa.array([value], pa.string()), target)[0].as_py() if value is not None else None)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                values.append(None)
        return pa.array(values, target)


def _convert_date(raw: pa.Array, fmt: str) -> tuple[pa.Array, np.ndarray]:
    """Dates that exist: a parse then format round trip rejects 2022-02-30."""
    if fmt in ("default", None):
        shaped = mask(matches(raw, DATE_RE))
        pattern = "%Y-%m-%d"
    elif fmt == "any":
        shaped = np.ones(len(raw), dtype=bool)
        pattern = "%Y-%m-%d"
    else:
        shaped = np.ones(len(raw), dtype=bool)
        pattern = fmt
    parsed = pc.strptime(raw, format=pattern, unit="s", error_is_null=True)
    roundtrip = pc.strftime(parsed, format=pattern)
    same = mask(pc.equal(roundtrip, raw)) if fmt in ("default", None, "any") else valid_mask(parsed)
    ok = shaped & same
    typed = pc.cast(pc.if_else(pa.array(ok), parsed, pa.scalar(None, parsed.type)), pa.date32())
    return typed, ok


def with_missing(column, missing: list[str]) -> pa.Array:
    """A text column with its missing values (the schema's missingValues) as nulls."""
    raw = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if raw.type != pa.string():
        raw = raw.cast(pa.string())
    if not missing:
        return raw
    if len(raw) <= SMALL and not set(raw.to_pylist()) & set(missing):  # a small column: one look, no compute call
        return raw
    if missing == [""]:
        hit = pc.equal(raw, "")
    else:
        hit = pc.is_in(raw, value_set=pa.array(missing, pa.string()))
    if hit.null_count:
        hit = hit.fill_null(False)
    if not pc.any(hit).as_py():
        return raw
    if raw.null_count == 0 and raw.offset == 0:  # the same text buffers, with the missing cells marked null: no copy of the text
        validity = pc.invert(hit)
        if validity.offset == 0:
            offsets, text = raw.buffers()[1:]
            return pa.Array.from_buffers(pa.string(), len(raw), [validity.buffers()[1], offsets, text])
    return pc.if_else(hit, pa.scalar(None, pa.string()), raw)


@functools.lru_cache(maxsize=1024)
def typed_bound(type_: str, fmt: str, text: str) -> pa.Scalar | None:
    """A bound as a value of its field's type (None if it is not one), converted once per package."""
    bound, invalid, _ = convert_column(pa.array([text], pa.string()), {"type": type_, "format": fmt})
    return None if invalid[0] or bound.null_count else bound[0]
