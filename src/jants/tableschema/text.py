"""The bytes of a text file: UTF-8, NUL bytes and line length, checked before parsing."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..limits import current as current_limits
from ..problems import Problem


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


SCAN_CHUNK = 1 << 22


@dataclass(frozen=True)
class ScannedFile:
    """What one read of a file gives: its size and SHA-256 (for the descriptor's `bytes` and
    `hash`) and the problems of its bytes (those of `check_text_bytes`)."""

    size: int
    sha256: str
    problems: list[Problem]


def scan_text_file(path: Path, file: str, max_line: int | None = None) -> ScannedFile:
    """Size, SHA-256 and the text checks of a file in one read, cheaply enough to run on a
    thread of its own while the file is parsed (hashing and Arrow's UTF-8 check release
    the GIL).

    The checks here are quick and conservative: NUL bytes, UTF-8 through Arrow, and lines
    through a newline in every stretch of half the longest line allowed. Only when one of
    them is in doubt does `check_text_bytes` read the file again to find and locate the
    problem, so the problems are always exactly those of `check_text_bytes`.
    """
    max_line = max_line or current_limits().max_line_bytes
    digest = hashlib.sha256()
    size = 0
    doubt = False
    carry = b""
    lines = LineLengths(max_line) if max_line < NEWLINE_STRETCH_MIN else None
    stretch = max(max_line // 2, 1)
    newlines = [-1]  # the file offset of the latest newline seen
    buffer = bytearray(SCAN_CHUNK)  # read into again and again: no new memory a chunk
    with open(path, "rb") as stream:
        while length := stream.readinto(buffer):
            chunk = memoryview(buffer)[:length]
            digest.update(chunk)
            if not doubt:
                text = carry + bytes(chunk) if carry else chunk
                end = _whole_characters(text)
                carry = bytes(text[end:])
                doubt = buffer.find(b"\x00", 0, length) >= 0 or not _valid_utf8(text, end)
                if lines is not None:
                    doubt = doubt or lines.feed(chunk, size) is not None
                else:
                    doubt = doubt or _long_line_possible(buffer, length, size, stretch, max_line, newlines)
            size += length
    if carry or (lines is None and size - newlines[0] - 1 > max_line):
        doubt = True
    problems = check_text_bytes(path, file, max_line=max_line) if doubt else []
    return ScannedFile(size, digest.hexdigest(), problems)


NEWLINE_STRETCH_MIN = 1 << 20  # below this longest line, lines are measured one by one (LineLengths)


def _long_line_possible(chunk: bytes | bytearray, length: int, offset: int, stretch: int, max_line: int, newlines: list[int]) -> bool:
    """Whether a line ending in the first LENGTH bytes of CHUNK (at OFFSET in the file) may
    be longer than MAX_LINE.

    A stretch of the chunk without a newline may be inside a long line; a line ending at
    the first newline of a stretch is measured from the latest newline before it (a line
    that starts and ends in one stretch is shorter than the stretch)."""
    for start in range(0, length, stretch):
        stop = min(start + stretch, length)
        first = chunk.find(b"\n", start, stop)
        if offset + (stop if first < 0 else first) - newlines[0] - 1 > max_line:
            return True
        if first >= 0:
            newlines[0] = offset + chunk.rfind(b"\n", start, stop)
    return False


def _whole_characters(text: bytes | memoryview) -> int:
    """Where the last whole UTF-8 character of TEXT ends: a character cut by the end of a
    chunk is carried over to the next one."""
    size = len(text)
    for back in (1, 2, 3):
        if back > size:
            break
        byte = text[size - back]
        if byte & 0xC0 == 0x80:  # a continuation byte: look further back for the lead
            continue
        if byte >= 0xC0:
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return size - back if needed > back else size
        return size
    return size


def _valid_utf8(text: bytes | memoryview, end: int) -> bool:
    """Whether TEXT[:END] is UTF-8, checked by Arrow without copying it."""
    if end == 0:
        return True
    offsets = pa.py_buffer(np.array([0, end], dtype=np.int64).tobytes())
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(text)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _line_too_long(line: int, limit: int, file: str) -> Problem:
    return Problem(
        "line-too-long", f"line {line} is longer than {limit} bytes, the longest line jants reads (raise it with JANTS_MAX_LINE_BYTES)", file=file, row=line
    )


class LineLengths:
    """Finds the first line longer than a limit, fed one chunk at a time."""

    def __init__(self, limit: int):
        self.limit = limit
        self.line_start = 0  # offset of the first byte of the current line
        self.lines = 0  # line breaks seen

    def feed(self, chunk: bytes | memoryview, offset: int) -> int | None:
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
