"""A table read for checking: its raw and typed columns, and problems located by row.

Row numbers are those of a spreadsheet: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import mmap
import tempfile
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..limits import keep_mapped, release_mapped, release_memory
from ..problems import PackageError, Problem
from .arrays import duplicated, key_strings, mask, valid_mask

MAX_PROBLEMS_PER_CHECK = 20


@dataclass
class TypedTable:
    """A resource's columns converted to their schema types (invalid cells are null)."""

    name: str
    file: str
    columns: MutableMapping[str, pa.Array] = field(default_factory=dict)
    num_rows: int = 0
    row_numbers: np.ndarray | None = None

    missing: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # cells without a value, per field
    distinct: dict[str, Distinct] = field(default_factory=dict, repr=False)  # of text fields whose typed column is their text
    _duplicates: dict = field(default_factory=dict, repr=False)
    batch: Batch | None = field(default=None, repr=False)  # set while the table is one batch of a longer one

    def duplicated(self, key: list[str]) -> np.ndarray:
        """Rows whose key repeats an earlier row, computed once per key (unique and primaryKey share it).

        In a batch, earlier rows include those of the batches before it (see `SeenKeys`)."""
        if tuple(key) not in self._duplicates:
            columns = [self.columns[name] for name in key]
            found = duplicated(columns)
            if self.batch is not None:
                found |= self.batch.seen(tuple(key)).earlier(key_strings(columns), ~found, self.batch)
            self._duplicates[tuple(key)] = found
        return self._duplicates[tuple(key)]

    def row_number(self, index: int) -> int:
        if self.row_numbers is not None:
            return int(self.row_numbers[index])
        return index + 2


TAKE_PIECE = 1 << 10  # rows of a spilled column read between two drops of its pages: at most 64 MB mapped


class CompactColumns(MutableMapping[str, pa.Array]):
    """The typed columns of a table read in batches. A text column that repeats a few
    values (as the model's vocabularies, dates as text, evidence, notes do) is kept
    dictionary-encoded, its distinct values and a position a row (of 8 or 16 bits when
    there are fewer than 128 or 32,768 distinct values), and given out whole only while
    a check reads it."""

    def __init__(self) -> None:
        self._stored: dict[str, pa.Array] = {}

    def __getitem__(self, name: str) -> pa.Array:
        return decoded(self._stored[name])

    def __setitem__(self, name: str, column: pa.Array) -> None:
        self._stored[name] = column

    def __delitem__(self, name: str) -> None:
        del self._stored[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __contains__(self, name: object) -> bool:  # without giving the column out (Mapping's would)
        return name in self._stored

    def __len__(self) -> int:
        return len(self._stored)

    def taken(self, name: str, rows: pa.Array) -> pa.Array:
        """Some rows of a column, without giving out the whole column. Text kept as it is
        (ids, spilled to a file: GrowingText) is gathered TAKE_PIECE rows at a time, its
        pages dropped in between: reading a row of a mapped file maps up to 64 KB around it."""
        column = self._stored[name]
        if isinstance(column, pa.DictionaryArray) or not pa.types.is_string(column.type) or len(rows) <= TAKE_PIECE:
            return decoded(column.take(rows))
        pieces = []
        for start in range(0, len(rows), TAKE_PIECE):
            pieces.append(column.take(rows.slice(start, TAKE_PIECE)))
            release_mapped()
        return pa.concat_arrays(pieces)

    def stored(self, name: str) -> pa.Array:
        """A column as kept (dictionary-encoded or not)."""
        return self._stored[name]

    def nbytes(self) -> int:
        return sum(column.nbytes for column in self._stored.values())

    @staticmethod
    def chunk(column: pa.Array) -> pa.Array:
        """One batch's column as it is kept: text that repeats, and dates and numbers that
        repeat a few values, dictionary-encoded (decoding gives back the same values, bit
        for bit: 0 and -0, NaN and null are distinct dictionary entries)."""
        if isinstance(column, pa.DictionaryArray):  # typed through its distinct values: encoded already, with 32-bit positions
            return narrowed(column)
        if len(column) <= 1:
            return column
        if pa.types.is_string(column.type):
            encoded = column.dictionary_encode()
            if len(encoded.dictionary) < len(column):  # ids stay as they are
                return narrowed(encoded)
        elif len(column) >= Distinct.MIN_ROWS and (pa.types.is_date(column.type) or pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
            # (a short batch's numbers are kept as they are: encoding them would cost more than it saves)
            encoded = column.dictionary_encode()
            if len(encoded.dictionary) <= len(column) // 4:  # smaller than the values themselves
                return narrowed(encoded)
        return column

    @staticmethod
    def joined(chunks: list[pa.Array]) -> pa.Array:
        """A column of its batches' chunks: dictionary-encoded if every chunk is."""
        if len(chunks) == 1:
            return chunks[0]
        if any(isinstance(chunk, pa.DictionaryArray) for chunk in chunks):  # text that repeats: all of it encoded
            return _codes_joined([chunk if isinstance(chunk, pa.DictionaryArray) else chunk.dictionary_encode() for chunk in chunks])
        if all(pa.types.is_string(chunk.type) and not chunk.null_count for chunk in chunks):
            return _texts_joined(chunks)
        return pa.concat_arrays([chunk.dictionary.take(chunk.indices) if isinstance(chunk, pa.DictionaryArray) else chunk for chunk in chunks])


def _codes_joined(chunks: list[pa.DictionaryArray]) -> pa.DictionaryArray:
    """Dictionary-encoded chunks as one column over their distinct values, in the order
    pyarrow's unify_dictionaries gives them (first seen first), each chunk's positions
    written straight into the narrowest positions that hold them: no column of 32-bit
    positions is made on the way (three of them with unify_dictionaries and combine_chunks)."""
    values = pc.unique(pa.concat_arrays([chunk.dictionary for chunk in chunks]))
    size = len(values)
    width = np.int8 if size <= 127 else np.int16 if size <= 32767 else np.int32
    positions = np.empty(sum(len(chunk) for chunk in chunks), dtype=width)
    present: np.ndarray | None = None
    at = 0
    for chunk in chunks:
        own = np.asarray(pc.index_in(chunk.dictionary, value_set=values).to_numpy(zero_copy_only=False), dtype=width)
        rows = len(chunk)
        if chunk.indices.null_count:
            if present is None:
                present = np.ones(len(positions), dtype=bool)
            present[at : at + rows] = valid_mask(chunk.indices)
        if len(own):
            positions[at : at + rows] = own[np.asarray(chunk.indices.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)]
        else:  # every cell of the chunk is empty
            positions[at : at + rows] = 0
        at += rows
    return pa.DictionaryArray.from_arrays(pa.array(positions, mask=None if present is None else ~present), values)


class GrowingText:
    """A text column without repeats (a table's ids) gathered batch by batch into one buffer
    of characters and one of offsets, grown in place, so that its batches are not held as
    chunks and then copied into one column (0.7 GB at 2x10^7 ids, held twice while joined).
    With SPILL the characters go to a temporary file instead (SpilledBytes), read through
    a map of it: only the offsets, 4 bytes a row, stay in memory.
    `take` reads earlier rows (to confirm a repeated key); `array` gives the column."""

    def __init__(self, rows: int = 1 << 10, size: int = 1 << 16, spill: bool = False) -> None:
        """Room for ROWS rows and SIZE bytes of text to begin with (more is made as needed);
        pages not written to are not taken."""
        self.rows = 0
        self.size = 0
        self.offsets = np.empty(rows + 1, dtype=np.int32)
        self.offsets[0] = 0
        self.data: np.ndarray | SpilledBytes = SpilledBytes() if spill else np.empty(max(size, 1), dtype=np.uint8)
        self.present: np.ndarray | None = None  # only once a cell is empty

    def append(self, chunk: pa.Array) -> bool:
        """Add the rows of CHUNK (text), or say that it cannot (False: not text, or past
        32-bit offsets)."""
        if not pa.types.is_string(chunk.type):
            return False
        own, start, end = _text_span(chunk)
        rows, size = self.rows + len(chunk), self.size + end - start
        if size >= 1 << 31:
            return False
        self.offsets = _room(self.offsets, rows + 1)
        if end > start:
            characters = np.frombuffer(chunk.buffers()[2], dtype=np.uint8, count=end - start, offset=start)
            if isinstance(self.data, SpilledBytes):
                self.data.append(characters)
            else:
                self.data = _room(self.data, size)
                self.data[self.size : size] = characters
        self.offsets[self.rows + 1 : rows + 1] = own[1:] - (start - self.size)
        if chunk.null_count and self.present is None:
            self.present = np.ones(len(self.offsets), dtype=bool)
        if self.present is not None:
            self.present = _room(self.present, rows)
            self.present[self.rows : rows] = valid_mask(chunk)
        self.rows, self.size = rows, size
        return True

    def array(self) -> pa.Array:
        """The column, over these buffers (cut to their size): no more rows can be added."""
        self.offsets.resize(self.rows + 1, refcheck=False)
        if isinstance(self.data, SpilledBytes):
            self.data.close()
        else:
            self.data.resize(max(self.size, 1), refcheck=False)
        return self._view()

    def take(self, rows: np.ndarray) -> pa.Array:
        """Some rows, copied out (the buffers move when rows are added)."""
        return self._view().take(pa.array(rows, pa.int64()))

    def _view(self) -> pa.Array:
        present = None if self.present is None else self.present[: self.rows]
        validity = None if present is None else pa.py_buffer(np.packbits(present, bitorder="little"))
        nulls = 0 if present is None else int(len(present) - present.sum())
        characters = self.data.buffer() if isinstance(self.data, SpilledBytes) else pa.py_buffer(self.data[: max(self.size, 1)])
        buffers = [validity, pa.py_buffer(self.offsets[: self.rows + 1]), characters]
        return pa.Array.from_buffers(pa.string(), self.rows, buffers, nulls)


class SpilledBytes:
    """Bytes appended to a temporary file (removed from its folder as soon as it is made,
    so nothing is left behind however the process ends), read through a read-only map of
    it. The pages read stay in the system's file cache, which the kernel reclaims when
    memory is short; `limits.release_mapped` drops them from the process after a step
    that read the whole column."""

    def __init__(self) -> None:
        try:
            self.file: tempfile._TemporaryFileWrapper | None = tempfile.TemporaryFile(prefix="jants-")  # type: ignore[assignment]
        except OSError as error:
            raise _cannot_spill(error) from None
        self.size = 0
        self.mapped: mmap.mmap | None = None

    def append(self, data: np.ndarray) -> None:
        assert self.file is not None, "no bytes can be added once closed"
        try:
            self.file.write(data.data)
        except OSError as error:
            raise _cannot_spill(error) from None
        self.size += len(data)
        self.mapped = None  # mapped again, to the new size, when next read

    def close(self) -> None:
        """No more bytes: the map made now is the last, and keeps the file open."""
        self.buffer()
        if self.file is not None:
            self.file.close()
            self.file = None

    def buffer(self) -> pa.Buffer:
        if not self.size:
            return pa.py_buffer(b"\0")
        if self.mapped is None:
            assert self.file is not None
            try:
                self.file.flush()
                self.mapped = mmap.mmap(self.file.fileno(), self.size, access=mmap.ACCESS_READ)
            except OSError as error:
                raise _cannot_spill(error) from None
            keep_mapped(self.mapped)
        return pa.py_buffer(self.mapped)


def _cannot_spill(error: OSError) -> PackageError:
    return PackageError(
        Problem(
            "spill-error",
            f"cannot keep the text of a table read in batches in the temporary folder {tempfile.gettempdir()}: {error.strerror or error} "
            "(set TMPDIR to a folder with room, or give a larger --memory-budget)",
        )
    )


def _room(buffer: np.ndarray, needed: int) -> np.ndarray:
    """BUFFER with room for NEEDED items, grown in place by an eighth or more (realloc: the
    pages of a large buffer are remapped, not copied; numpy writes zeros into what is added,
    so a larger step would hold more memory that is not used yet)."""
    if needed > len(buffer):
        buffer.resize(max(needed, len(buffer) + len(buffer) // 8), refcheck=False)
    return buffer


RELEASE_EVERY = 64 << 20  # bytes of chunks let go of between two returns of freed memory to the system


def _texts_joined(chunks: list[pa.Array]) -> pa.Array:
    """Text chunks without empty cells, one after the other (GrowingText, its characters
    spilled to a temporary file), each let go of (removed from CHUNKS) once copied: the
    column is not held twice at any time, as pyarrow's concatenation holds it (0.7 GB
    more at 2x10^7 ids), and its characters stay out of memory afterwards."""
    spans = [_text_span(chunk) for chunk in chunks]
    size = sum(end - start for _, start, end in spans)
    if size >= 1 << 31:  # more than 32-bit offsets reach: pyarrow says so
        return pa.concat_arrays(chunks)
    del spans
    gathered = GrowingText(rows=sum(len(chunk) for chunk in chunks), spill=True)
    freed = 0
    while chunks:
        chunk = chunks.pop(0)
        gathered.append(chunk)
        freed += chunk.nbytes
        del chunk
        if freed >= RELEASE_EVERY:
            release_memory()
            freed = 0
    return gathered.array()


def _text_span(chunk: pa.Array) -> tuple[np.ndarray, int, int]:
    """A text chunk's offsets, and where its characters start and end in its data buffer."""
    if not len(chunk):
        return np.zeros(1, dtype=np.int32), 0, 0
    own = np.frombuffer(chunk.buffers()[1], dtype=np.int32, count=len(chunk) + 1, offset=chunk.offset * 4)
    return own, int(own[0]), int(own[-1])


@dataclass
class Batch:
    """Where a batch of rows sits in its table: the rows before it, the keys they hold,
    and how to read the key of an earlier row (by its position in the table)."""

    offset: int
    keys: dict[tuple, SeenKeys]
    key_of: Callable[[tuple, np.ndarray], pa.Array]

    def seen(self, key: tuple) -> SeenKeys:
        return self.keys.setdefault(key, SeenKeys(key))


@dataclass(frozen=True)
class RowsFound(Problem):
    """What one `report_rows` call found in one batch: the first problems and how many
    rows there were. `merge_batches` adds up those of each batch, `resolve` makes them
    the problems a whole table gives."""

    shown: tuple[Problem, ...] = ()
    total: int = 0


def merge_batches(before: list[Problem] | None, batch: list[Problem]) -> list[Problem]:
    """The problems of the batches so far and of one more, call by call (every batch runs
    the same calls, so the lists line up); other problems (a type warning) are kept once."""
    if before is None:
        return batch
    if len(before) != len(batch):
        raise RuntimeError(f"batches gave {len(before)} and {len(batch)} problem lists")
    merged: list[Problem] = []
    for old, new in zip(before, batch):
        if isinstance(old, RowsFound) and isinstance(new, RowsFound):
            merged.append(
                RowsFound(old.code, "", old.file, None, old.field, old.severity, (old.shown + new.shown)[:MAX_PROBLEMS_PER_CHECK], old.total + new.total)
            )
        else:
            merged.append(old)
    return merged


def resolve(problems: list[Problem]) -> list[Problem]:
    """Problems as `report_rows` gives them for a whole table: each call's first rows, then one line for the rest."""
    found: list[Problem] = []
    for problem in problems:
        if not isinstance(problem, RowsFound):
            found.append(problem)
            continue
        found += problem.shown
        if problem.total > MAX_PROBLEMS_PER_CHECK:
            found.append(
                Problem(
                    problem.code,
                    f"... and {problem.total - MAX_PROBLEMS_PER_CHECK} more rows",
                    file=problem.file,
                    field=problem.field,
                    severity=problem.severity,
                )
            )
    return found


def report_rows(
    mask: np.ndarray,
    table: TypedTable,
    field_name: str | None,
    code: str,
    describe,
    raw: pa.Array | None = None,
    file: str | None = None,
    severity: str = "error",
) -> list[Problem]:
    """One problem per offending row (up to a limit), each naming file, row and field."""
    file = file or table.file
    indexes = np.flatnonzero(mask)
    problems = []
    for index in indexes[:MAX_PROBLEMS_PER_CHECK]:
        value = raw[int(index)].as_py() if raw is not None else None
        problems.append(Problem(code, describe(value), file=file, row=table.row_number(int(index)), field=field_name, severity=severity))
    if table.batch is not None:  # one entry, even for no rows, so that the batches' lists line up
        return [RowsFound(code, "", file, None, field_name, severity, tuple(problems), len(indexes))]
    if len(indexes) > MAX_PROBLEMS_PER_CHECK:
        problems.append(Problem(code, f"... and {len(indexes) - MAX_PROBLEMS_PER_CHECK} more rows", file=file, field=field_name, severity=severity))
    return problems


def show(value) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


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
    def of(cls, raw: pa.Array) -> Distinct | None:
        if len(raw) < cls.MIN_ROWS or raw.null_count == len(raw):
            return None
        sample = raw.slice(0, cls.MIN_ROWS)
        if pc.count_distinct(sample).as_py() > cls.MAX_SHARE * len(sample):
            return None  # ids and free text: nearly every value differs
        encoded = raw.dictionary_encode()
        if len(encoded.dictionary) > cls.MAX_SHARE * len(raw):
            return None
        indices = encoded.indices
        return cls(encoded.dictionary, indices, indices.fill_null(0).to_numpy(), valid_mask(indices))

    def expand(self, per_value: np.ndarray) -> np.ndarray:
        """A mask over the distinct values, as a mask over the rows (False where empty)."""
        return per_value[self.positions] & self.present


def cell_mask(raw: pa.Array, distinct: Distinct | None, test) -> np.ndarray:
    """`test` (array -> boolean array) over every cell, through the distinct values when known."""
    if distinct is not None:
        return distinct.expand(mask(test(distinct.values)))
    return mask(test(raw))


class SeenKeys:
    """The keys of the rows of earlier batches, as 64-bit hashes, each with the position
    of the row it first appeared in: 16 bytes a row, whatever the key's length.

    A row whose hash was seen is a duplicate only once its key equals that earlier row's
    key (read back through `Batch.key_of`), so a collision of hashes is never reported.
    The hashes are kept in a few sorted runs, merged as they grow (a log-structured set).
    """

    def __init__(self, key: tuple):
        self.key = key
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted hashes, first positions)

    def earlier(self, keys: pa.Array, first: np.ndarray, batch: Batch) -> np.ndarray:
        """Rows of this batch (among FIRST: the first of their key in it) whose key was in an
        earlier batch; the other first rows join the set."""
        found = np.zeros(len(keys), dtype=bool)
        candidates = np.flatnonzero(first & valid_mask(keys))
        if not len(candidates):
            return found
        # the candidates are the first rows of their keys in this batch: their keys differ
        hashes = _hashes(keys if len(candidates) == len(keys) else keys.take(pa.array(candidates)))
        order = np.argsort(hashes, kind="stable")  # searched in order, each search starts where the last ended
        hashes, candidates = hashes[order], candidates[order]
        repeated = np.zeros(len(candidates), dtype=bool)
        for run_hashes, run_positions in self.runs:
            if not len(run_hashes):
                continue
            left = np.searchsorted(run_hashes, hashes, side="left")
            right = left.copy()  # past the last equal hash: searched for only where there is one
            hit = np.flatnonzero(run_hashes[np.minimum(left, len(run_hashes) - 1)] == hashes)
            right[hit] = np.searchsorted(run_hashes, hashes[hit], side="right")
            for width in np.unique(right - left):
                if width == 0:
                    continue
                for step in range(int(width)):
                    todo = np.flatnonzero((right - left == width) & ~repeated)
                    if not len(todo):
                        break
                    earlier_rows = run_positions[left[todo] + step].astype(np.int64)
                    theirs = batch.key_of(self.key, earlier_rows)
                    ours = keys.take(pa.array(candidates[todo]))
                    same = mask(pc.equal(ours.cast(pa.string()), theirs.cast(pa.string())))
                    repeated[todo[same]] = True
        found[candidates[repeated]] = True
        new = ~repeated
        self._add(hashes[new], candidates[new] + batch.offset)
        return found

    def _add(self, hashes: np.ndarray, positions: np.ndarray) -> None:
        order = np.argsort(hashes, kind="stable")
        self.runs.append((hashes[order], _narrow_positions(positions[order])))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            newer, older = self.runs.pop(), self.runs.pop()
            self.runs.append(_merged(older, newer))


def _narrow_positions(positions: np.ndarray) -> np.ndarray:
    """Row positions in 32 bits where the table is short enough (12 bytes a row kept, not 16)."""
    return positions.astype(np.uint32) if not len(positions) or positions.max() <= np.iinfo(np.uint32).max else positions.astype(np.int64)


def _merged(older: tuple[np.ndarray, np.ndarray], newer: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs as one, each row written once into its place (the newer run's after
    the older's equal hashes, as a stable sort of both would put them): the peak is the
    two runs and their merge, not a concatenation, its sort order and the sorted copy too."""
    (a, positions_a), (b, positions_b) = older, newer
    at = np.searchsorted(a, b, side="right")
    at += np.arange(len(b), dtype=at.dtype)  # the newer rows' places in the merged run
    older_rows = np.ones(len(a) + len(b), dtype=bool)
    older_rows[at] = False
    hashes = np.empty(len(a) + len(b), dtype=a.dtype)
    hashes[at], hashes[older_rows] = b, a
    del a, b
    positions = np.empty(len(hashes), dtype=np.result_type(positions_a, positions_b))
    positions[at], positions[older_rows] = positions_b, positions_a
    return hashes, positions


def _hashes(keys: pa.Array) -> np.ndarray:
    """64-bit hashes of key values (as text). The keys `SeenKeys` hashes are the first rows
    of their keys in a batch, so they differ: each is hashed as it is, with no encoding first.

    An ASCII key of up to MAX_PADDED_KEY bytes (an id) is padded to the width of the
    longest and hashed 8 bytes at a time in numpy, 5 times faster than pandas' hash of
    Python strings, which hashes the others. Which way a key is hashed depends on the key
    alone, and so does its hash: keys of different batches are compared by it."""
    text = keys.cast(pa.string())
    lengths = np.asarray(pc.binary_length(text).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    simple = mask(pc.string_is_ascii(text)) & (lengths <= MAX_PADDED_KEY)
    if simple.all():
        return _padded_hashes(text, lengths)
    from pandas.util import hash_array

    hashes = np.zeros(len(text), dtype=np.uint64)
    where = np.flatnonzero(simple)
    if len(where):
        hashes[where] = _padded_hashes(text.take(pa.array(where)), lengths[where])
    others = np.flatnonzero(~simple)
    hashes[others] = hash_array(np.asarray(text.take(pa.array(others)).to_numpy(zero_copy_only=False), dtype=object), categorize=False)
    return hashes


def _padded_hashes(text: pa.Array, lengths: np.ndarray) -> np.ndarray:
    """`_hashes` of ASCII keys: a multiply-xorshift mix of each 8 bytes a key has, from its length."""
    width = max(-(-int(lengths.max(initial=0)) // 8) * 8, 8)
    padded = pc.utf8_rpad(text, width=width, padding="\x00")
    offsets = np.frombuffer(padded.buffers()[1], dtype=np.int32)[padded.offset : padded.offset + len(padded) + 1]
    data = padded.buffers()[2]
    hashes = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    if data is None:
        return hashes
    words = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]].view(np.uint64).reshape(len(text), width // 8)
    for column in range(words.shape[1]):
        mixed = (hashes ^ words[:, column]) * np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(31)
        hashes = np.where(lengths > 8 * column, mixed, hashes)  # only the words the key has
    return hashes


MAX_PADDED_KEY = 128


def rows_of(columns: MutableMapping[str, pa.Array], name: str, rows: pa.Array) -> pa.Array:
    """Rows of one column, read from its compact form where it has one."""
    if isinstance(columns, CompactColumns):
        return columns.taken(name, rows)
    return columns[name].take(rows)


def range_of(columns: MutableMapping[str, pa.Array], name: str, rows: slice) -> pa.Array:
    """A range of rows of one column, decoded from its compact form where it has one (only the range)."""
    if isinstance(columns, CompactColumns):
        return decoded(columns.stored(name).slice(rows.start, rows.stop - rows.start))
    return columns[name].slice(rows.start, rows.stop - rows.start)


def encoded(columns: MutableMapping[str, pa.Array], name: str) -> pa.DictionaryArray | None:
    """A column's dictionary encoding, when it is kept as one (CompactColumns): a check
    can then work once per distinct value without the column ever being whole."""
    if isinstance(columns, CompactColumns):
        stored = columns.stored(name)
        if isinstance(stored, pa.DictionaryArray):
            return stored
    return None


def narrowed(column: pa.DictionaryArray) -> pa.DictionaryArray:
    """A dictionary-encoded column with the narrowest positions its distinct values allow:
    the vocabularies of the model, dates and repeated text take one or two bytes a row."""
    size = len(column.dictionary)
    index_type = pa.int8() if size <= 127 else pa.int16() if size <= 32767 else pa.int32()
    if column.indices.type == index_type:
        return column
    return pa.DictionaryArray.from_arrays(column.indices.cast(index_type), column.dictionary)


def widened(column: pa.DictionaryArray) -> pa.DictionaryArray:
    """Positions of 32 bits, so that chunks of different widths can be unified."""
    if column.indices.type == pa.int32():
        return column
    return pa.DictionaryArray.from_arrays(column.indices.cast(pa.int32()), column.dictionary)


def decoded(column: pa.Array) -> pa.Array:
    return column.dictionary.take(column.indices) if isinstance(column, pa.DictionaryArray) else column
