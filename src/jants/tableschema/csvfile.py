"""Reading a CSV resource: structure (cells per row, quotes, blank rows), header, then typed columns."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..limits import current as current_limits
from ..limits import release_memory
from ..package import key_fields
from ..problems import Problem
from .arrays import key_strings, mask
from .constraints import check_columns
from .descriptor import missing_values as missing_value_list
from .keys import check_primary_key
from .table import MAX_PROBLEMS_PER_CHECK, Batch, CompactColumns, GrowingText, SeenKeys, TypedTable, merge_batches, report_rows, resolve
from .text import check_text_bytes
from .types import with_missing

BLOCK_SIZE = 1 << 24


def read_csv_strings(path: Path, resource: dict, file: str) -> tuple[list[str] | None, pa.Table | None, np.ndarray | None, list[Problem]]:
    """Header, data rows as string columns (no cell is null yet: missing values are the
    schema's to decide), row numbers when rows were dropped.

    Blank lines are rows, as in frictionless-py: they are reported and counted, so that
    every later row keeps its number. The dialect was checked by tableschema.descriptor.
    """
    dialect = resource.get("dialect") or {}
    delimiter = dialect.get("delimiter", ",")
    quote = dialect.get("quoteChar", '"')
    plain = _plain_table(path, delimiter, quote)
    if plain is not None:
        return plain[0], plain[1], None, []
    width, problems = _checked_width(path, resource, file)
    if width is None:
        return None, None, None, problems
    bad_rows: list[int | None] = []

    def on_invalid(row):
        bad_rows.append(row.number)
        return "skip"

    try:
        table = pacsv.read_csv(path, **_csv_options(path, resource, width, on_invalid, BLOCK_SIZE))
    except pa.ArrowInvalid as error:
        if "Empty CSV file" in str(error):
            return None, None, None, [Problem("empty-file", "file is empty (no header row)", file=file, row=1)]
        return None, None, None, [_parse_problem(error, path, resource, file)]
    if table.num_rows == 0:
        return None, None, None, [Problem("empty-file", "file is empty (no header row)", file=file, row=1)]
    header = [value if value is not None else "" for value in table.slice(0, 1).to_pylist()[0].values()]
    data = table.slice(1)
    row_numbers = None
    if bad_rows:
        dropped, problems = _dropped_rows(path, resource, file, len(header))
        if dropped is None:
            return None, None, None, problems
        all_rows = np.arange(2, data.num_rows + len(dropped) + 2)
        row_numbers = all_rows[~np.isin(all_rows, dropped)]
    return header, data, row_numbers, problems


PLAIN_MAX_BYTES = 1 << 16


def _plain_table(path: Path, delimiter: str, quote: str) -> tuple[list[str], pa.Table] | None:
    """Header and string columns of a small file whose rows are plain: no quote character,
    no carriage return, no byte-order mark, no blank line, every row as wide as the
    header. Such a file means the same to every CSV reader, so splitting its lines gives
    what pyarrow gives, without pyarrow's cost per file (a package may have thousands of
    small tables). Anything else (None) goes through pyarrow."""
    try:
        if path.stat().st_size > PLAIN_MAX_BYTES:
            return None
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text or quote in text or "\r" in text or text.startswith("\ufeff") or delimiter in "\r\n" + quote:
        return None
    lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    rows = [line.split(delimiter) for line in lines]
    width = len(rows[0])
    if width > current_limits().max_columns or any(len(row) != width or row == [""] for row in rows):
        return None
    columns = list(zip(*rows[1:])) if len(rows) > 1 else [()] * width
    data = pa.table([pa.array(column, pa.string()) for column in columns], names=list(_string_columns(width)))
    return rows[0], data


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


def clean_message(message: str) -> str:
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
        for number, _ in enumerate(_python_csv_rows(path, delimiter, quote), 1):  # noqa: B007 - the count is read after the loop
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


def read_typed_csv(path: Path, resource: dict, file: str, text_problems: Callable[[], list[Problem]] | None = None) -> tuple[TypedTable | None, list[Problem]]:
    """Read a CSV resource and run every Table Schema check on it.

    A file larger than the memory budget (limits.memory_budget) is read in batches of
    rows: each batch is typed and checked, its keys are checked against those of the
    batches before it (`SeenKeys`), and only its typed columns are kept. A smaller file
    is one batch. Either way the problems are the same, with the same rows.

    The problems of the file's bytes (`check_text_bytes`) come first and, if any, alone.
    TEXT_PROBLEMS gives them when they are found elsewhere (on another thread, while this
    one parses): the table is then read before they are known, and dropped if there are any.
    """
    if text_problems is None:
        problems = check_text_bytes(path, file)
        return (None, problems) if problems else _read_typed_csv(path, resource, file)
    try:
        table, problems = _read_typed_csv(path, resource, file)
    except Exception:  # bytes that are not text can break parsing in many ways: their problem is the one reported
        if text := text_problems():
            return None, text
        raise
    text = text_problems()
    return (None, text) if text else (table, problems)


def _read_typed_csv(path: Path, resource: dict, file: str) -> tuple[TypedTable | None, list[Problem]]:
    budget, size = current_limits().memory_budget, path.stat().st_size
    if size <= budget:
        header, data, row_numbers, problems = read_csv_strings(path, resource, file)
        if header is None or data is None:
            return None, problems
        return _typed(header, iter([(data, row_numbers)]), resource, file, problems, batched=False)
    batch_bytes = max(budget // (BATCH_SHARE * 2 if size > LONG_TABLE_BUDGETS * budget else BATCH_SHARE), 1)
    try:
        width, problems = _checked_width(path, resource, file)
        if width is None:
            return None, problems
        return _batched(path, resource, file, width, batch_bytes)
    except _Unparsable as error:
        return None, [error.problem]


# pyarrow's streaming reader holds several blocks at a time: blocks of 1 MiB keep it lean
# (a sixth of the memory of 16 MiB ones, and no slower); a longer row is read whole all the same
STREAM_BLOCK_SIZE = 1 << 20


def _batched(path: Path, resource: dict, file: str, width: int, batch_bytes: int) -> tuple[TypedTable | None, list[Problem]]:
    """The table read in batches; read again knowing which rows to number past, when a row
    has the wrong number of cells (pyarrow drops it)."""
    try:
        return _typed_batches(path, resource, file, width, None, batch_bytes, [])
    except _Restart:
        dropped, problems = _dropped_rows(path, resource, file, width)
        if dropped is None:
            return None, problems
        return _typed_batches(path, resource, file, width, dropped, batch_bytes, problems)


def _typed_batches(
    path: Path, resource: dict, file: str, width: int, dropped: np.ndarray | None, batch_bytes: int, problems: list[Problem]
) -> tuple[TypedTable | None, list[Problem]]:
    """`_typed` over the batches of `_string_batches`, with the header read from the first block."""
    found: list[list[str]] = []  # the header, once the first block is parsed
    batches = _string_batches(path, resource, width, dropped, batch_bytes, header=found)
    first = next(batches, None)
    if not found:
        return None, [Problem("empty-file", "file is empty (no header row)", file=file, row=1)]
    return _typed(found[0], itertools.chain([first] if first else [], batches), resource, file, problems, batched=True)


def _dropped_rows(path: Path, resource: dict, file: str, width: int) -> tuple[np.ndarray | None, list[Problem]]:
    """The rows with the wrong number of cells (which pyarrow drops) and their problems."""
    dialect = resource.get("dialect") or {}
    delimiter, quote = dialect.get("delimiter", ","), dialect.get("quoteChar", '"')
    try:
        located = _rows_with_wrong_width(path, delimiter, quote, width)
    except csv.Error as error:
        return None, [Problem("csv-parse-error", f"cannot be parsed as CSV: {error}", file=file, row=_locate_parse_error(path, delimiter, quote))]
    return np.array(sorted({row for row, _ in located}), dtype=np.int64), _width_problems(located, width, file)


BATCH_SHARE = 4  # a batch of rows holds about this share of the memory budget as text
LONG_TABLE_BUDGETS = 16  # half that share in a table longer than this many budgets: what it keeps of its rows takes the rest


class _Unparsable(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _typed(header: list[str], batches, resource: dict, file: str, problems: list[Problem], batched: bool) -> tuple[TypedTable | None, list[Problem]]:
    """The checks of each batch of string columns, merged as if the table were one batch,
    and the typed table made of the batches' typed columns."""
    fields = resource["schema"]["fields"]
    schema = resource["schema"]
    missing = schema_missing_values(schema)
    problems = problems + check_header(header, fields, file)
    if not batched:
        data, row_numbers = next(batches)
        table = TypedTable(name=resource["name"], file=file, num_rows=data.num_rows, row_numbers=row_numbers)
        columns = data.columns
        del data  # each text column is let go of once typed (see check_columns)
        problems += check_columns(header, columns, fields, table, missing)
        problems += check_blank_rows(header, columns, table, missing)
        problems += check_primary_key(schema, table)
        return table, problems
    chunks: dict[str, list[pa.Array]] = {}
    numbers: list[np.ndarray | None] = []  # each batch's row numbers, None where they follow on (no row was dropped)
    offset = 0
    keys: dict[tuple, SeenKeys] = {}

    starts: list[int] = []  # the first row of each batch

    # a primary key of one text field (ids: text that does not repeat) is gathered into one column as the batches come
    stored = {name: GrowingText(spill=True) for name in _text_key(schema) if name in header}

    def key_of(key: tuple, rows: np.ndarray) -> pa.Array:
        """The keys of earlier rows, each taken from its own batch's chunk (or the gathered column)."""
        if len(key) == 1 and key[0] in stored:
            return key_strings([stored[key[0]].take(rows)])
        which = np.searchsorted(starts, rows, side="right") - 1
        parts, order = [], []
        for batch in np.unique(which):
            here = np.flatnonzero(which == batch)
            taken = [chunks[name][batch].take(pa.array(rows[here] - starts[batch])) for name in key]
            parts.append(key_strings([column.dictionary.take(column.indices) if isinstance(column, pa.DictionaryArray) else column for column in taken]))
            order.append(here)
        joined = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
        return joined.take(pa.array(np.argsort(np.concatenate(order), kind="stable"))) if order else joined

    found: list[Problem] | None = None
    for data, given in batches:
        row_numbers = given if given is not None else np.arange(offset + 2, offset + data.num_rows + 2)
        table = TypedTable(name=resource["name"], file=file, num_rows=data.num_rows, row_numbers=row_numbers, batch=Batch(offset, keys, key_of))
        columns = data.columns
        del data
        batch_problems = check_columns(header, columns, fields, table, missing)
        batch_problems += check_blank_rows(header, columns, table, missing)
        batch_problems += check_primary_key(schema, table)
        found = merge_batches(found, batch_problems)
        starts.append(offset)
        for name, column in table.columns.items():  # made compact by check_column, on the column's thread
            if name in stored and not stored[name].append(column):  # encoded (it repeats), or past 2 GB: chunks as the others
                gathered = stored.pop(name).array()
                chunks[name] = [gathered.slice(start, end - start) for start, end in zip(starts[:-1], starts[1:])]
            if name not in stored:
                chunks.setdefault(name, []).append(column)
        numbers.append(given)
        offset += table.num_rows
    whole = TypedTable(name=resource["name"], file=file, num_rows=offset, columns=CompactColumns())
    for name in [spec["name"] for spec in fields if spec["name"] in chunks or spec["name"] in stored]:
        whole.columns[name] = stored.pop(name).array() if name in stored else CompactColumns.joined(chunks.pop(name))
    release_memory()
    if any(part is not None for part in numbers):  # rows were dropped: 8 bytes a row, only then
        ends = starts[1:] + [offset]
        all_numbers = np.concatenate([part if part is not None else np.arange(start + 2, end + 2) for part, start, end in zip(numbers, starts, ends)])
        if not np.array_equal(all_numbers, np.arange(2, offset + 2)):
            whole.row_numbers = all_numbers
    return whole, problems + resolve(found or [])


def _text_key(schema: dict) -> list[str]:
    """The primary key's field, when it is one field of text."""
    key = key_fields(schema.get("primaryKey"))
    if key is None or len(key) != 1:
        return []
    spec = next((spec for spec in schema.get("fields", []) if spec.get("name") == key[0]), None)
    return key if spec is not None and spec.get("type", "string") == "string" else []


def _csv_options(path: Path, resource: dict, width: int, on_invalid, block_size: int) -> dict:
    """pyarrow's options for a resource's CSV, read whole or streamed: every cell as text,
    blank lines kept as rows, a row with the wrong number of cells given to ON_INVALID."""
    dialect = resource.get("dialect") or {}
    return dict(
        read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=block_size, use_threads=_large(path)),
        parse_options=pacsv.ParseOptions(
            delimiter=dialect.get("delimiter", ","),
            quote_char=dialect.get("quoteChar", '"'),
            newlines_in_values=True,
            ignore_empty_lines=False,
            double_quote=dialect.get("doubleQuote", True),
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(column_types=_string_columns(width), strings_can_be_null=False, quoted_strings_can_be_null=False),
    )


def _checked_width(path: Path, resource: dict, file: str) -> tuple[int | None, list[Problem]]:
    """The number of cells of the header (read by the standard library), or the problem
    that stops the reading: not CSV, empty, or more columns than jants reads."""
    dialect = resource.get("dialect") or {}
    try:
        width = _header_width(path, dialect.get("delimiter", ","), dialect.get("quoteChar", '"'))
    except csv.Error as error:
        return None, [Problem("csv-parse-error", f"cannot be parsed as CSV: {error}", file=file, row=1)]
    if width is None:
        return None, [Problem("empty-file", "file is empty (no header row)", file=file, row=1)]
    limit = current_limits().max_columns
    if width > limit:
        return None, [
            Problem(
                "too-many-columns", f"header has {width} columns, more than {limit}, the most jants reads (raise it with JANTS_MAX_COLUMNS)", file=file, row=1
            )
        ]
    return width, []


def _parse_problem(error: pa.ArrowInvalid, path: Path, resource: dict, file: str) -> Problem:
    """pyarrow's parse error as a problem, located by the standard library's reading."""
    dialect = resource.get("dialect") or {}
    message = str(error).splitlines()[0]
    if "straddl" in message:
        message = f"a row is longer than {BLOCK_SIZE >> 20} MiB, the longest row jants reads"
    row = _locate_parse_error(path, dialect.get("delimiter", ","), dialect.get("quoteChar", '"'))
    return Problem("csv-parse-error", f"cannot be parsed as CSV: {clean_message(message)}", file=file, row=row)


class _Restart(Exception):
    """A row has the wrong number of cells: the rows must be numbered knowing which were dropped."""


def _blocks(path: Path, resource: dict, width: int, file: str, on_invalid=None):
    """The file's record batches (the header is the first row of the first), or _Unparsable."""
    try:
        reader = pacsv.open_csv(path, **_csv_options(path, resource, width, on_invalid or (lambda row: "skip"), STREAM_BLOCK_SIZE))
        yield from _read_ahead(reader)
    except pa.ArrowInvalid as error:
        raise _Unparsable(_parse_problem(error, path, resource, file)) from None


READ_AHEAD = 2  # record batches parsed ahead of the one being typed


def _read_ahead(reader):
    """The reader's batches, parsed on a thread of their own up to READ_AHEAD batches ahead,
    so that parsing the next batch and typing this one use two cores. An error of the reader
    is raised here, in order; stopping early (the generator closed) stops the thread."""
    import queue
    import threading

    ready: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        """Hand ITEM over, waiting for room; False once the consumer has stopped."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for batch in reader:
                if not put(batch):
                    return
            item = done
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
            item = error
        put(item)

    worker = threading.Thread(target=produce, name="csv read-ahead", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _string_batches(path: Path, resource: dict, width: int, dropped: np.ndarray | None, batch_bytes: int, header: list | None = None):
    """Batches of data rows as string columns (about BATCH_BYTES of text each), with
    their row numbers when rows were dropped (None otherwise). With DROPPED None (not
    known yet), a row with the wrong number of cells raises _Restart. The header (the
    first row) is appended to HEADER once read."""
    bad: list[int] = []

    def on_invalid(row):
        bad.append(row.number)
        return "skip"

    known = dropped is not None
    dropped = dropped if dropped is not None else np.zeros(0, dtype=np.int64)
    kept_before = dropped - 2 - np.arange(len(dropped))  # data rows kept before each dropped row
    start = 0  # data rows given so far
    first = True
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    pending_bytes = 0

    def emit(batches: list[pa.RecordBatch]):
        nonlocal start
        table = pa.Table.from_batches(batches)  # each column is made one chunk on its own thread (check_columns)
        numbers = None
        if len(dropped):
            index = np.arange(start, start + table.num_rows)
            numbers = index + 2 + np.searchsorted(kept_before, index, side="right")
        start += table.num_rows
        return table, numbers

    empty = None
    for batch in _blocks(path, resource, width, resource["path"], None if known else on_invalid):
        if bad:
            raise _Restart
        if first and batch.num_rows:
            if header is not None:
                header.append([value if value is not None else "" for value in batch.slice(0, 1).to_pylist()[0].values()])
            batch = batch.slice(1)
            first = False
            empty = batch.slice(0, 0)
        while batch.num_rows:
            row_bytes = max(batch.nbytes // max(batch.num_rows, 1), 1)
            room = max((batch_bytes - pending_bytes) // row_bytes, 1)
            part, batch = batch.slice(0, room), batch.slice(room)
            pending.append(part)
            pending_rows += part.num_rows
            pending_bytes += part.num_rows * row_bytes
            if pending_bytes >= batch_bytes:
                yield emit(pending)
                pending, pending_rows, pending_bytes = [], 0, 0
    if bad:
        raise _Restart
    if pending_rows or (start == 0 and empty is not None):  # a header without rows is one empty batch
        yield emit(pending or [empty])


def schema_missing_values(schema: dict) -> list[str]:
    found = missing_value_list(schema.get("missingValues", [""]))
    return [""] if found is None else found


def check_blank_rows(header: list[str], data: list, table: TypedTable, missing: list[str]) -> list[Problem]:
    """Rows without a single value (a blank line, or only separators): frictionless-py's blank-row.

    `data` holds the text columns that no field read (see check_columns)."""
    blank = np.full(table.num_rows, bool(header))
    for position, label in enumerate(header):
        if not blank.any():
            break
        empty = table.missing.get(label)
        if (empty is None or len(empty) != table.num_rows) and data[position] is not None:
            empty = ~mask(pc.is_valid(with_missing(data[position], missing)))
        blank &= empty
    return report_rows(blank, table, None, "blank-row", lambda v: "row has no value in any cell")


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
    problems.append(
        Problem(
            "no-schema", f"resource {resource['name']!r} has no schema: only its structure was checked, not types or constraints", file=file, severity="warning"
        )
    )
    return problems
