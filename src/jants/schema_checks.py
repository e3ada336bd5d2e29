"""Table Schema checks that apply to any tabular data package.

Every check works on whole columns (pyarrow compute and numpy), so that validating a
million rows costs a few vectorized passes, not a Python loop per cell. Row numbers
are those of a spreadsheet: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import codecs
import functools
import csv
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .report import Problem

from .descriptor_checks import key_fields, missing_values as missing_value_list
from .limits import current as current_limits
UNCHECKED_TYPES = {"duration", "geopoint", "geojson", "list"}
MAX_PROBLEMS_PER_CHECK = 20

NUMBER_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$|^(NaN|INF|-INF)$"
INTEGER_RE = r"^[+-]?[0-9]+$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"
TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$"
YEAR_RE = r"^-?[0-9]{4}$"
YEARMONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


@dataclass
class TypedTable:
    """A resource's columns converted to their schema types (invalid cells are null)."""

    name: str
    file: str
    columns: dict[str, pa.Array] = field(default_factory=dict)
    num_rows: int = 0
    row_numbers: np.ndarray | None = None

    missing: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # cells without a value, per field
    _duplicates: dict = field(default_factory=dict, repr=False)

    def duplicated(self, key: list[str]) -> np.ndarray:
        """Rows whose key repeats an earlier row, computed once per key (unique and primaryKey share it)."""
        if tuple(key) not in self._duplicates:
            self._duplicates[tuple(key)] = duplicated([self.columns[name] for name in key])
        return self._duplicates[tuple(key)]

    def row_number(self, index: int) -> int:
        if self.row_numbers is not None:
            return int(self.row_numbers[index])
        return index + 2


# Reading ----------------------------------------------------------------------------


def check_text_bytes(path: Path, file: str, encoding: str = "utf-8", max_line: int | None = None) -> list[Problem]:
    """UTF-8 validity, NUL bytes and line length, streamed so that memory stays bounded.

    Lines are counted only to locate a problem, by a second pass up to its offset; line
    lengths are measured with numpy over each chunk, not per line in Python.
    """
    max_line = max_line or current_limits().max_line_bytes
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    lines = LineLengths(max_line)
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                line = _line_at(path, offset + nul)
                return [Problem("encoding-error", f"NUL byte at byte {offset + nul}, line {line}", file=file, row=line)]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line = _line_at(path, offset + error.start)
                return [Problem("encoding-error", f"not valid {encoding}: {error.reason} at byte {offset + error.start}, line {line}", file=file, row=line)]
            too_long = lines.feed(chunk, offset)
            if too_long is not None:
                return [_line_too_long(too_long, max_line, file)]
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return [Problem("encoding-error", f"not valid {encoding}: file ends inside a character", file=file)]
    return []


def _line_too_long(line: int, limit: int, file: str) -> Problem:
    return Problem("line-too-long", f"line {line} is longer than {limit} bytes, the longest line jants reads (raise it with JANTS_MAX_LINE_BYTES)", file=file, row=line)


class LineLengths:
    """Finds the first line longer than a limit, fed one chunk at a time."""

    def __init__(self, limit: int):
        self.limit = limit
        self.line_start = 0  # offset of the first byte of the current line
        self.lines = 0  # line breaks seen

    def feed(self, chunk: bytes, offset: int) -> int | None:
        """The number (from 1) of a line longer than the limit, once it is certain."""
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + offset
        if len(ends):
            starts = np.concatenate(([self.line_start], ends[:-1] + 1))
            over = np.flatnonzero(ends - starts > self.limit)
            if len(over):
                return self.lines + int(over[0]) + 1
            self.lines += len(ends)
            self.line_start = int(ends[-1]) + 1
        if offset + len(chunk) - self.line_start > self.limit:
            return self.lines + 1
        return None


def _line_at(path: Path, offset: int) -> int:
    """Line number (from 1) of the byte at offset."""
    line = 1
    with open(path, "rb") as stream:
        while offset > 0 and (chunk := stream.read(min(1 << 20, offset))):
            line += chunk.count(b"\n")
            offset -= len(chunk)
    return line


BLOCK_SIZE = 1 << 24


def read_csv_strings(path: Path, resource: dict, file: str) -> tuple[list[str] | None, pa.Table | None, np.ndarray | None, list[Problem]]:
    """Header, data rows as string columns (no cell is null yet: missing values are the
    schema's to decide), row numbers when rows were dropped.

    Blank lines are rows, as in frictionless-py: they are reported and counted, so that
    every later row keeps its number. The dialect was checked by descriptor_checks.
    """
    dialect = resource.get("dialect") or {}
    delimiter = dialect.get("delimiter", ",")
    quote = dialect.get("quoteChar", '"')
    try:
        width = _header_width(path, delimiter, quote)
    except csv.Error as error:
        return None, None, None, [Problem("csv-parse-error", f"cannot be parsed as CSV: {error}", file=file, row=1)]
    if width is None:
        return None, None, None, [Problem("empty-file", "file is empty (no header row)", file=file, row=1)]
    limit = current_limits().max_columns
    if width > limit:
        return None, None, None, [Problem("too-many-columns", f"header has {width} columns, more than {limit}, the most jants reads (raise it with JANTS_MAX_COLUMNS)", file=file, row=1)]
    bad_rows: list[int | None] = []

    def on_invalid(row):
        bad_rows.append(row.number)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=BLOCK_SIZE, use_threads=_large(path)),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=quote, newlines_in_values=True, ignore_empty_lines=False,
                double_quote=dialect.get("doubleQuote", True), invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=_string_columns(width), strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as error:
        message = str(error).splitlines()[0]
        if "Empty CSV file" in message:
            return None, None, None, [Problem("empty-file", "file is empty (no header row)", file=file, row=1)]
        if "straddl" in message:
            message = f"a row is longer than {BLOCK_SIZE >> 20} MiB, the longest row jants reads"
        return None, None, None, [Problem("csv-parse-error", f"cannot be parsed as CSV: {_clean(message)}", file=file, row=_locate_parse_error(path, delimiter, quote))]
    if table.num_rows == 0:
        return None, None, None, [Problem("empty-file", "file is empty (no header row)", file=file, row=1)]
    header = [value if value is not None else "" for value in table.slice(0, 1).to_pylist()[0].values()]
    data = table.slice(1)
    problems = []
    row_numbers = None
    if bad_rows:
        try:
            located = _rows_with_wrong_width(path, delimiter, quote, len(header))
        except csv.Error as error:
            row = _locate_parse_error(path, delimiter, quote)
            return None, None, None, [Problem("csv-parse-error", f"cannot be parsed as CSV: {error}", file=file, row=row)]
        problems += _width_problems(located, len(header), file)
        dropped = {row for row, _ in located}
        total = data.num_rows + len(dropped)
        all_rows = np.arange(2, total + 2)
        row_numbers = all_rows[~np.isin(all_rows, list(dropped))]
    return header, data, row_numbers, problems


def _large(path: Path) -> bool:
    """Whether a file is worth pyarrow's threads (for a small one, dispatching costs more than it saves)."""
    return path.stat().st_size > (1 << 20)


_STRING_COLUMNS: dict[int, dict] = {}


def _string_columns(width: int) -> dict:
    """Every column read as text; the map is built once per width, not once per file."""
    if width not in _STRING_COLUMNS:
        _STRING_COLUMNS[width] = {f"f{i}": pa.string() for i in range(width)}
    return _STRING_COLUMNS[width]


def _header_width(path: Path, delimiter: str, quote: str) -> int | None:
    """Number of cells in the first row (None for an empty file), by the standard library."""
    for row in _python_csv_rows(path, delimiter, quote):
        return len(row)
    return None


def _width_problems(located: list[tuple[int, int]], width: int, file: str) -> list[Problem]:
    problems = []
    for row, cells in located[:MAX_PROBLEMS_PER_CHECK]:
        if cells == 0:
            problems.append(Problem("blank-row", "row is blank", file=file, row=row))
        else:
            kind = "extra-cell" if cells > width else "missing-cell"
            problems.append(Problem(kind, f"row has {cells} cells, header has {width}", file=file, row=row))
    if len(located) > MAX_PROBLEMS_PER_CHECK:
        problems.append(Problem("extra-cell", f"... and {len(located) - MAX_PROBLEMS_PER_CHECK} more rows with the wrong number of cells", file=file))
    return problems


def _clean(message: str) -> str:
    return re.sub(r"\s+", " ", message).strip()[:200]


def _python_csv_rows(path: Path, delimiter: str, quote: str):
    """Rows by the standard library, with cells limited to the size pyarrow reads.

    The limit is process-wide state (frictionless-py raises it on import), so it is
    set for the duration of the read and restored afterwards.
    """
    previous = csv.field_size_limit(BLOCK_SIZE)
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            yield from csv.reader(stream, delimiter=delimiter, quotechar=quote, strict=True)
    finally:
        csv.field_size_limit(previous)


def _rows_with_wrong_width(path, delimiter, quote, width) -> list[tuple[int, int]]:
    found = []
    for number, row in enumerate(_python_csv_rows(path, delimiter, quote), 1):
        if number > 1 and len(row) != width and row:
            found.append((number, len(row)))
    return found


def _locate_parse_error(path, delimiter, quote) -> int | None:
    number = 0
    try:
        for number, _ in enumerate(_python_csv_rows(path, delimiter, quote), 1):
            pass
    except (csv.Error, UnicodeDecodeError):
        return number + 1
    return None


def check_header(header: list[str], fields: list[dict], file: str) -> list[Problem]:
    expected = [f["name"] for f in fields]
    if header == expected:
        return []
    problems = []
    missing = [name for name in expected if name not in header]
    extra = [name for name in header if name not in expected]
    for name in missing:
        problems.append(Problem("missing-label", f"schema field {name!r} has no column in the header", file=file, row=1, field=name))
    for name in extra:
        problems.append(Problem("extra-label", f"header column {name!r} is not a field of the schema", file=file, row=1, field=name))
    if not missing and not extra:
        problems.append(Problem("incorrect-label", f"header order {header} differs from the schema's {expected}", file=file, row=1))
    if len(set(header)) != len(header):
        problems.append(Problem("duplicate-label", f"header repeats a column name: {header}", file=file, row=1))
    return problems


# Cell checks -------------------------------------------------------------------------


def _matches(column: pa.Array, pattern: str) -> pa.Array:
    return pc.match_substring_regex(column, pattern)


def _report_rows(mask: np.ndarray, table: TypedTable, field_name: str, code: str, describe,
                 raw: pa.Array | None = None, file: str | None = None, severity: str = "error") -> list[Problem]:
    """One problem per offending row (up to a limit), each naming file, row and field."""
    file = file or table.file
    indexes = np.flatnonzero(mask)
    problems = []
    for index in indexes[:MAX_PROBLEMS_PER_CHECK]:
        value = raw[int(index)].as_py() if raw is not None else None
        problems.append(Problem(code, describe(value), file=file, row=table.row_number(int(index)), field=field_name, severity=severity))
    if len(indexes) > MAX_PROBLEMS_PER_CHECK:
        problems.append(Problem(code, f"... and {len(indexes) - MAX_PROBLEMS_PER_CHECK} more rows", file=file, field=field_name, severity=severity))
    return problems


def _show(value) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _valid(array: pa.Array) -> np.ndarray:
    """Cells that hold a value (without a compute call when none is null, as in most columns)."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    return _mask(pc.is_valid(array))


def _mask(array: pa.Array) -> np.ndarray:
    if array.null_count:
        array = array.fill_null(False)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def convert_column(raw: pa.Array, spec: dict) -> tuple[pa.Array, np.ndarray, str | None]:
    """Typed column, mask of cells that are present but not of the type, and a warning."""
    type_ = spec.get("type", "string")
    present = _valid(raw)
    if type_ == "string" and spec.get("format") in STRING_FORMATS:
        return raw, present & ~_string_format_ok(raw, spec["format"]), None
    if type_ in ("string", "any"):
        return raw, np.zeros(len(raw), dtype=bool), None
    if type_ in UNCHECKED_TYPES:
        return raw, np.zeros(len(raw), dtype=bool), f"type {type_!r} is read as text; its values are not checked"
    if type_ == "integer":
        ok = _mask(_matches(raw, INTEGER_RE))
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
        ok = _mask(_matches(text, NUMBER_RE))
        text = pc.replace_substring_regex(text, r"^INF$", "inf")
        text = pc.replace_substring_regex(text, r"^-INF$", "-inf")
        typed = _safe_cast(text, ok, pa.float64())
    elif type_ == "boolean":
        true_values = spec.get("trueValues", ["true", "True", "TRUE", "1"])
        false_values = spec.get("falseValues", ["false", "False", "FALSE", "0"])
        is_true = _mask(pc.is_in(raw, value_set=pa.array(true_values, pa.string())))
        is_false = _mask(pc.is_in(raw, value_set=pa.array(false_values, pa.string())))
        ok = is_true | is_false
        typed = pa.array(np.where(ok, is_true, False), mask=~ok | ~present, type=pa.bool_())
    elif type_ == "date":
        typed, ok = _convert_date(raw, spec.get("format", "default"))
    elif type_ == "datetime":
        ok = _mask(_matches(raw, DATETIME_RE))
        typed = _safe_cast(pc.replace_substring_regex(raw, "Z$", "+00:00"), ok, pa.timestamp("s", tz="UTC"), lenient=True)
        ok = ok & _valid(typed)
    elif type_ == "time":
        ok = _mask(_matches(raw, TIME_RE))
        typed = raw
    elif type_ == "year":
        ok = _mask(_matches(raw, YEAR_RE))
        typed = _safe_cast(raw, ok, pa.int64())
    elif type_ == "yearmonth":
        ok = _mask(_matches(raw, YEARMONTH_RE))
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
    return _mask(pc.is_in(raw, value_set=pa.array(good, pa.string())))


def _reads(reader, value: str) -> bool:
    try:
        return reader(value) is not None
    except Exception:  # noqa: BLE001 - a value the reference's reader fails on is not of the format
        return False


INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def _beyond_int64(raw: pa.Array, ok: np.ndarray) -> np.ndarray:
    """Integers written with more than 18 digits that do not fit 64 bits (checked one by one: they are rare)."""
    long = ok & _mask(pc.greater(pc.utf8_length(raw), 18))
    beyond = np.zeros(len(raw), dtype=bool)
    for index in np.flatnonzero(long):
        beyond[index] = not INT64_MIN <= int(raw[int(index)].as_py()) <= INT64_MAX
    return beyond


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
        shaped = _mask(_matches(raw, DATE_RE))
        pattern = "%Y-%m-%d"
    elif fmt == "any":
        shaped = np.ones(len(raw), dtype=bool)
        pattern = "%Y-%m-%d"
    else:
        shaped = np.ones(len(raw), dtype=bool)
        pattern = fmt
    parsed = pc.strptime(raw, format=pattern, unit="s", error_is_null=True)
    roundtrip = pc.strftime(parsed, format=pattern)
    same = _mask(pc.equal(roundtrip, raw)) if fmt in ("default", None, "any") else _valid(parsed)
    ok = shaped & same
    typed = pc.cast(pc.if_else(pa.array(ok), parsed, pa.scalar(None, parsed.type)), pa.date32())
    return typed, ok


PARALLEL_ROWS = 100_000  # from this size columns are checked on several threads (pyarrow releases the GIL)


def check_columns(header: list[str], data: pa.Table, fields: list[dict], table: TypedTable,
                  missing: list[str] | None = None) -> list[Problem]:
    """Convert every column to its type and check field constraints.

    `missing` is the schema's missingValues (default: the empty string); a field's own
    missingValues replaces it for that field.
    """
    by_position = {name: index for index, name in enumerate(header)}
    specs = [spec for spec in fields if spec["name"] in by_position]
    schema_missing = [""] if missing is None else missing

    def check(spec: dict) -> list[Problem]:
        own = missing_value_list(spec["missingValues"]) if "missingValues" in spec else None
        column = with_missing(data.column(by_position[spec["name"]]), schema_missing if own is None else own)
        return check_column(column, spec, table)

    if table.num_rows >= PARALLEL_ROWS and len(specs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            found = list(pool.map(check, specs))
    else:
        found = [check(spec) for spec in specs]
    table.columns = {spec["name"]: table.columns[spec["name"]] for spec in specs}  # field order, whatever the threads did
    return [problem for problems in found for problem in problems]


def with_missing(column, missing: list[str]) -> pa.Array:
    """A text column with its missing values (the schema's missingValues) as nulls."""
    raw = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if raw.type != pa.string():
        raw = raw.cast(pa.string())
    if not missing:
        return raw
    if missing == [""]:
        hit = pc.equal(raw, "")
    else:
        hit = pc.is_in(raw, value_set=pa.array(missing, pa.string()))
    if hit.null_count:
        hit = hit.fill_null(False)
    if not pc.any(hit).as_py():
        return raw
    return pc.if_else(hit, pa.scalar(None, pa.string()), raw)


def check_column(column, spec: dict, table: TypedTable) -> list[Problem]:
    """One column: its type, then its constraints; stores the typed column in table."""
    name = spec["name"]
    problems = []
    raw = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if raw.type != pa.string():
        raw = raw.cast(pa.string())
    table.missing[name] = ~_valid(raw)
    costly = (spec.get("type", "string") not in ("string", "any") or spec.get("format") in STRING_FORMATS
              or {"pattern", "minLength", "maxLength"} & set(spec.get("constraints") or {}))
    distinct = Distinct.of(raw) if costly else None
    if distinct:
        values, invalid_values, warning = convert_column(distinct.values, spec)
        typed, invalid = values.take(distinct.indices), distinct.expand(invalid_values)
    else:
        typed, invalid, warning = convert_column(raw, spec)
    if warning:
        problems.append(Problem("type-not-checked", warning, file=table.file, field=name, severity="warning"))
    type_ = spec.get("type", "string")
    fmt = spec.get("format")
    if type_ == "integer" and invalid.any():
        beyond = invalid & _cell_mask(raw, distinct, lambda values: _matches(values, INTEGER_RE))
        invalid = invalid & ~beyond
        problems += _report_rows(beyond, table, name, "integer-out-of-range", lambda v: f"{_show(v)} is beyond the 64-bit integers jants reads ({INT64_MIN} to {INT64_MAX})", raw)
    problems += _report_rows(invalid, table, name, "type-error", lambda v: f"{_show(v)} is not a valid {type_}" + (f" ({fmt})" if fmt and fmt != "default" else ""), raw)
    table.columns[name] = typed
    problems += check_constraints(raw, typed, invalid, spec, table, distinct)
    return problems


@dataclass
class Distinct:
    """A column's distinct values and each row's position among them.

    Columns of ids, dates and vocabularies repeat a few values over many rows; a
    check of each distinct value, spread back over the rows, gives the same result as
    a check of every cell for a fraction of the work.
    """

    values: pa.Array
    indices: pa.Array
    positions: np.ndarray
    present: np.ndarray

    MIN_ROWS = 4096  # below this, checking every cell is as fast
    MAX_SHARE = 0.125  # distinct values per row above which checking every cell is faster

    @classmethod
    def of(cls, raw: pa.Array) -> "Distinct | None":
        if len(raw) < cls.MIN_ROWS or raw.null_count == len(raw):
            return None
        sample = raw.slice(0, cls.MIN_ROWS)
        if pc.count_distinct(sample).as_py() > cls.MAX_SHARE * len(sample):
            return None  # ids and free text: nearly every value differs
        encoded = raw.dictionary_encode()
        if len(encoded.dictionary) > cls.MAX_SHARE * len(raw):
            return None
        indices = encoded.indices
        return cls(encoded.dictionary, indices, indices.fill_null(0).to_numpy(), _valid(indices))

    def expand(self, per_value: np.ndarray) -> np.ndarray:
        """A mask over the distinct values, as a mask over the rows (False where empty)."""
        return per_value[self.positions] & self.present


def _cell_mask(raw: pa.Array, distinct: Distinct | None, test) -> np.ndarray:
    """`test` (array -> boolean array) over every cell, through the distinct values when known."""
    if distinct is not None:
        return distinct.expand(_mask(test(distinct.values)))
    return _mask(test(raw))


def check_constraints(raw: pa.Array, typed: pa.Array, invalid: np.ndarray, spec: dict, table: TypedTable,
                      distinct: Distinct | None = None) -> list[Problem]:
    name = spec["name"]
    constraints = spec.get("constraints") or {}
    present = _valid(raw)
    valid = present & ~invalid
    problems = []
    if constraints.get("required"):
        problems += _report_rows(~present, table, name, "constraint-error", lambda v: "a value is required")
    if constraints.get("unique"):
        problems += _report_rows(table.duplicated([name]) & valid, table, name, "unique-error", lambda v: f"{_show(v)} is not unique", raw)
    if "enum" in constraints:
        allowed = constraints["enum"]
        type_ = spec.get("type", "string")
        if type_ in ("string", "any", "time", "yearmonth") or not allowed:
            inside = pc.is_in(raw, value_set=pa.array([str(v) for v in allowed], pa.string()))
        else:
            values, _, _ = convert_column(pa.array([str(v) for v in allowed], pa.string()), spec)
            inside = pc.is_in(typed, value_set=values.drop_null())
        problems += _report_rows(valid & ~_mask(inside), table, name, "constraint-error", lambda v: f"{_show(v)} is not one of {allowed}", raw)
    if "pattern" in constraints:
        ok = _cell_mask(raw, distinct, lambda values: _matches(values, f"^(?:{constraints['pattern']})$"))
        problems += _report_rows(valid & ~ok, table, name, "constraint-error", lambda v: f"{_show(v)} does not match pattern {constraints['pattern']!r}", raw)
    for key, compare, word in (("minLength", pc.less, "shorter than"), ("maxLength", pc.greater, "longer than")):
        if key in constraints:
            bad = _cell_mask(raw, distinct, lambda values, c=compare, k=key: c(pc.utf8_length(values), min(constraints[k], INT64_MAX)))
            problems += _report_rows(valid & bad, table, name, "constraint-error", lambda v, k=key, w=word: f"{_show(v)} is {w} {constraints[k]}", raw)
    if spec.get("type", "string") in BOUNDED_TYPES:
        problems += check_bounds(raw, typed, valid, spec, table)
    return problems


@functools.lru_cache(maxsize=1024)
def typed_bound(type_: str, fmt: str, text: str) -> pa.Scalar | None:
    """A bound as a value of its field's type (None if it is not one), converted once per package."""
    bound, invalid, _ = convert_column(pa.array([text], pa.string()), {"type": type_, "format": fmt})
    return None if invalid[0] or bound.null_count else bound[0]


BOUNDED_TYPES = {"integer", "number", "date", "datetime", "time", "year", "yearmonth"}
BOUNDS = (
    ("minimum", pc.less, "below the minimum"), ("maximum", pc.greater, "above the maximum"),
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
    nan = _mask(pc.is_nan(typed)) if pa.types.is_floating(typed.type) else None
    for key, compare, word in BOUNDS:
        if key not in constraints:
            continue
        text = constraints[key] if isinstance(constraints[key], str) else json.dumps(constraints[key])
        bound = typed_bound(spec.get("type", "string"), str(spec.get("format", "default")), text)
        if bound is None:
            continue  # reported by descriptor_checks
        bad = _mask(compare(typed, bound.cast(typed.type)))
        if nan is not None:
            bad |= nan
        problems += _report_rows(valid & bad, table, name, "constraint-error",
                                 lambda v, k=key, w=word: f"{_show(v)} is {w} {constraints[k]}" if v != "NaN" else f"NaN cannot be compared with the {k} {constraints[k]}", raw)
    return problems


def duplicated(columns: list[pa.Array]) -> np.ndarray:
    """Rows whose key (one or more columns) appeared in an earlier row; null keys never clash."""
    key = columns[0] if len(columns) == 1 else _key_strings(columns)
    codes = key.dictionary_encode().indices
    present = _valid(codes)
    codes = np.asarray(codes.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    first = np.zeros(len(codes), dtype=bool)
    _, first_positions = np.unique(codes, return_index=True)
    first[first_positions] = True
    return ~first & present


def check_primary_key(schema: dict, table: TypedTable) -> list[Problem]:
    key = schema.get("primaryKey")
    key = [key] if isinstance(key, str) else key or []
    if not key or any(column not in table.columns for column in key):
        return []
    columns = [table.columns[column] for column in key]
    problems = []
    for column_name, column in zip(key, columns):
        missing = table.missing.get(column_name)
        if missing is None:
            missing = ~_valid(column)
        problems += _report_rows(missing, table, column_name, "primary-key-error", lambda v: "primary key value is missing")
    label = ", ".join(key)
    problems += _report_rows(table.duplicated(key), table, label, "primary-key-error", lambda v: f"primary key ({label}) repeats an earlier row")
    return problems


def check_foreign_keys(schema: dict, table: TypedTable, tables: dict[str, TypedTable]) -> list[Problem]:
    problems = []
    for fk in schema.get("foreignKeys", []) or []:
        local = key_fields(fk.get("fields"))
        reference = fk.get("reference", {})
        target_name = reference.get("resource", "") or table.name
        remote = key_fields(reference.get("fields"))
        target = tables.get(target_name)
        label = ", ".join(local)
        if target is None or any(c not in table.columns for c in local) or any(c not in target.columns for c in remote):
            unread = target_name if target is None else table.name if any(c not in table.columns for c in local) else target_name
            problems.append(Problem("foreign-key-error", f"foreign key ({label}) cannot be checked: the table of {unread!r} or its key columns were not read", file=table.file, field=label))
            continue
        child = _key_strings([table.columns[c] for c in local])
        parent = _key_strings([target.columns[c] for c in remote])
        present = _valid(child)
        found = _mask(pc.is_in(child, value_set=parent.drop_null()))
        problems += _report_rows(
            present & ~found, table, label, "foreign-key-error",
            lambda v: f"{_show(v)} has no match in {target_name}.{', '.join(remote)}", child,
        )
    return problems


def _key_strings(columns: list[pa.Array]) -> pa.Array:
    if len(columns) == 1:
        return columns[0].cast(pa.string())
    return pc.binary_join_element_wise(*[c.cast(pa.string()) for c in columns], "\x1f")


def read_typed_csv(path: Path, resource: dict, file: str) -> tuple[TypedTable | None, list[Problem]]:
    """Read a CSV resource and run every Table Schema check on it."""
    problems = check_text_bytes(path, file)
    if problems:
        return None, problems
    header, data, row_numbers, problems = read_csv_strings(path, resource, file)
    if header is None:
        return None, problems
    fields = resource["schema"]["fields"]
    problems += check_header(header, fields, file)
    table = TypedTable(name=resource["name"], file=file, num_rows=data.num_rows, row_numbers=row_numbers)
    missing = schema_missing_values(resource["schema"])
    problems += check_columns(header, data, fields, table, missing)
    problems += check_blank_rows(header, data, table, missing)
    problems += check_primary_key(resource["schema"], table)
    return table, problems


def schema_missing_values(schema: dict) -> list[str]:
    found = missing_value_list(schema.get("missingValues", [""]))
    return [""] if found is None else found


def check_blank_rows(header: list[str], data: pa.Table, table: TypedTable, missing: list[str]) -> list[Problem]:
    """Rows without a single value (a blank line, or only separators): frictionless-py's blank-row."""
    if not header or data.num_rows == 0:
        return []
    blank = np.ones(data.num_rows, dtype=bool)
    for position, label in enumerate(header):
        empty = table.missing.get(label)
        if empty is None or len(empty) != data.num_rows:
            empty = ~_mask(pc.is_valid(with_missing(data.column(position), missing)))
        blank &= empty
        if not blank.any():
            return []
    return _report_rows(blank, table, None, "blank-row", lambda v: "row has no value in any cell")


def read_untyped_csv(path: Path, resource: dict, file: str) -> list[Problem]:
    """A CSV resource without a schema: encoding, quoting, cell counts and header only."""
    problems = check_text_bytes(path, file)
    if problems:
        return problems
    header, _, _, problems = read_csv_strings(path, resource, file)
    if header is None:
        return problems
    if any(label == "" for label in header):
        problems.append(Problem("blank-label", f"header has a blank column name: {header}", file=file, row=1))
    if len(set(header)) != len(header):
        problems.append(Problem("duplicate-label", f"header repeats a column name: {header}", file=file, row=1))
    problems.append(Problem("no-schema", f"resource {resource['name']!r} has no schema: only its structure was checked, not types or constraints", file=file, severity="warning"))
    return problems


# Parquet -----------------------------------------------------------------------------

ARROW_TYPES = {
    "string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
    "boolean": pa.bool_(), "date": pa.date32(), "year": pa.int64(),
}


def read_parquet(path: Path, file: str) -> tuple[pa.Table | None, list[Problem]]:
    import pyarrow.parquet as pq

    try:
        problem = parquet_bounds(pq.ParquetFile(path), path, file)
        if problem:
            return None, [problem]
        table = pq.read_table(path)
        table.column_names  # noqa: B018 - names are decoded here, and may not be UTF-8
        table.validate(full=True)  # string cells are valid UTF-8
        return table, []
    except UNREADABLE_PARQUET as error:
        return None, [_parquet_error(error, file)]


UNREADABLE_PARQUET = (pa.ArrowException, OSError, UnicodeDecodeError)  # names and text cells may not be UTF-8


def parquet_bounds(parquet, path: Path, file: str) -> Problem | None:
    """Refuse, from the file's metadata alone, a Parquet file that would expand past the
    limits: too many rows or columns, or a table in memory far larger than the file (the
    zip-bomb rule of archive.py). Its size in memory is taken as the larger of the sizes
    the metadata declares and 8 bytes per cell."""
    limits = current_limits()
    metadata = parquet.metadata
    rows, columns = metadata.num_rows, metadata.num_columns
    declared = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    expanded = max(declared, rows * max(columns, 1) * 8)
    size = path.stat().st_size
    if rows > limits.max_parquet_rows:
        return Problem("parquet-too-large", f"{rows} rows, more than {limits.max_parquet_rows}, the most jants reads (raise it with JANTS_MAX_PARQUET_ROWS)", file=file)
    if columns > limits.max_columns:
        return Problem("too-many-columns", f"{columns} columns, more than {limits.max_columns}, the most jants reads (raise it with JANTS_MAX_COLUMNS)", file=file)
    if expanded > limits.max_parquet_bytes:
        return Problem("parquet-too-large", f"expands to about {expanded} bytes, more than {limits.max_parquet_bytes} (raise it with JANTS_MAX_PARQUET_BYTES)", file=file)
    if expanded > max(limits.max_parquet_ratio * size, limits.parquet_ratio_floor):
        return Problem("parquet-too-large", f"a {size}-byte file that expands to about {expanded} bytes ({rows} rows), more than {limits.max_parquet_ratio} times its size; refusing a possible decompression bomb (raise it with JANTS_MAX_PARQUET_RATIO)", file=file)
    return None


def _parquet_error(error: Exception, file: str, field: str | None = None) -> Problem:
    return Problem("parquet-error", f"cannot be read as Parquet: {_clean(str(error))}", file=file, field=field)


def read_typed_parquet(path: Path, resource: dict, file: str) -> tuple[TypedTable | None, list[Problem]]:
    """A tabular Parquet resource: its columns, as text, go through the same checks as CSV."""
    parquet, problems = read_parquet(path, file)
    if parquet is None:
        return None, problems
    header = parquet.column_names
    fields = resource["schema"]["fields"]
    problems += check_header(header, fields, file)
    try:
        as_text = pa.table([_as_text(parquet.column(i)) for i in range(parquet.num_columns)], names=[f"f{i}" for i in range(parquet.num_columns)])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        return None, problems + [Problem("parquet-error", f"column cannot be read as text: {_clean(str(error))}", file=file)]
    table = TypedTable(name=resource["name"], file=file, num_rows=parquet.num_rows)
    missing = schema_missing_values(resource["schema"])
    problems += check_columns(header, as_text, fields, table, missing)
    problems += check_blank_rows(header, as_text, table, missing)
    problems += check_primary_key(resource["schema"], table)
    return table, problems


def _as_text(column) -> pa.Array:
    column = column.combine_chunks()
    if pa.types.is_floating(column.type):
        return pa.array([None if v is None else format_number(v) for v in column.to_pylist()], pa.string())
    return column.cast(pa.string())


def format_number(value: float) -> str:
    """Shortest text of a number, without a trailing .0 for whole numbers."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "INF", "-inf": "-INF"}[str(value)]
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def check_parquet_copy(path: Path, file: str, csv_table: TypedTable, fields: list[dict]) -> list[Problem]:
    """A Parquet copy of a CSV table must have the same columns, types and values.

    The file is read one column at a time, so that memory holds one column of it.
    """
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        names, num_rows = parquet.schema_arrow.names, parquet.metadata.num_rows
        too_large = parquet_bounds(parquet, path, file)
    except UNREADABLE_PARQUET as error:
        return [_parquet_error(error, file)]
    if too_large:
        return [too_large]
    expected = [f["name"] for f in fields]
    if names != expected:
        return [Problem("parquet-mismatch", f"columns {names} differ from the CSV's {expected}", file=file)]
    if num_rows != csv_table.num_rows:
        return [Problem("parquet-mismatch", f"{num_rows} rows, the CSV has {csv_table.num_rows}", file=file)]
    problems = []
    for spec in fields:
        name = spec["name"]
        want = ARROW_TYPES.get(spec.get("type", "string"), pa.string())
        try:
            column = parquet.read(columns=[name]).column(0).combine_chunks()
            column.validate(full=True)  # string cells are valid UTF-8
        except UNREADABLE_PARQUET as error:
            return problems + [_parquet_error(error, file, name)]
        if column.type != want:
            problems.append(Problem("parquet-mismatch", f"type {column.type} differs from the schema's {spec.get('type', 'string')} ({want})", file=file, field=name))
            continue
        theirs = csv_table.columns.get(name)
        if theirs is None:
            continue
        if theirs.type != want:
            theirs = theirs.cast(want)
        same = pc.or_kleene(pc.equal(column, theirs), pc.and_(pc.is_null(column), pc.is_null(theirs)))
        if pa.types.is_floating(want):  # NaN is the same value in both, though not equal to itself
            same = pc.or_kleene(same, pc.and_kleene(pc.is_nan(column), pc.is_nan(theirs)))
        problems += _report_rows(~_mask(same), csv_table, name, "parquet-mismatch",
                                 lambda v: f"Parquet value {_show(v)} differs from the CSV", column, file=file)
    return problems
