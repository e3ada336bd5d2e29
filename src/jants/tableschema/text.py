"""The bytes of a text file: UTF-8, NUL bytes and line length, checked before parsing."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np

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
