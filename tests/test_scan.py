"""The one-read scan of a large CSV file (size, SHA-256, text checks) that runs beside its
parsing: its problems must be exactly those of the slower `check_text_bytes`, wherever a
bad byte or a long line sits relative to the chunks it reads."""

from __future__ import annotations

import hashlib

import pytest

from jants.tableschema import text
from jants.tableschema.text import SCAN_CHUNK, check_text_bytes, scan_text_file

MB = 1 << 20


def lines(size: int, width: int = 99) -> bytearray:
    """About SIZE bytes of whole CSV-like ASCII lines WIDTH bytes long (with their newline)."""
    return bytearray(((b"x" * (width - 1)) + b"\n") * (size // width))


def put(data: bytearray, offset: int, chunk: bytes) -> bytearray:
    data[offset : offset + len(chunk)] = chunk
    return data


def one_line(size: int) -> bytearray:
    """A line of SIZE bytes (without its newline) between short lines."""
    return lines(MB) + bytearray(b"y" * size) + b"\n" + lines(MB)


CASES = {
    "clean": lambda: lines(9 * MB),
    "character across a chunk's end": lambda: put(lines(9 * MB), SCAN_CHUNK - 1, "я".encode()),
    "four-byte character across a chunk's end": lambda: put(lines(9 * MB), 2 * SCAN_CHUNK - 2, "😀".encode()),
    "invalid byte": lambda: put(lines(9 * MB), 5 * MB + 17, b"\xff"),
    "cut character at a chunk's end": lambda: put(lines(9 * MB), SCAN_CHUNK - 1, b"\xd1"),
    "surrogate": lambda: put(lines(9 * MB), 3 * MB, b"\xed\xa0\x80"),
    "overlong": lambda: put(lines(9 * MB), 3 * MB, b"\xc0\xaf"),
    "file ends inside a character": lambda: lines(5 * MB) + "я".encode()[:1],
    "NUL byte": lambda: put(lines(9 * MB), 6 * MB + 3, b"\x00"),
    "line just over the limit": lambda: one_line(2 * MB + 1),
    "line at the limit": lambda: one_line(2 * MB),
    "line 1.4 times the limit": lambda: one_line(int(2.8 * MB)),
    "line across chunks": lambda: one_line(9 * MB),
    "last line without newline too long": lambda: lines(MB) + bytearray(b"z" * (2 * MB + 5)),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("max_line", [2 * MB, 1000])
def test_scan_finds_what_the_byte_check_finds(tmp_path, case, max_line):
    data = bytes(CASES[case]())
    path = tmp_path / "table.csv"
    path.write_bytes(data)
    scanned = scan_text_file(path, "data/table.csv", max_line=max_line)
    assert scanned.problems == check_text_bytes(path, "data/table.csv", max_line=max_line)
    assert (scanned.size, scanned.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    if case in ("clean", "line at the limit") or "across a chunk" in case:
        assert scanned.problems == [] or max_line == 1000
    else:
        assert scanned.problems, case


@pytest.mark.parametrize("case", ["clean", "character across a chunk's end", "line at the limit"])
def test_a_clean_file_is_read_once(tmp_path, monkeypatch, case):
    """The exact, slower check runs only where the quick ones are in doubt."""
    path = tmp_path / "table.csv"
    path.write_bytes(bytes(CASES[case]()))
    calls = []
    monkeypatch.setattr(text, "check_text_bytes", lambda *args, **kwargs: calls.append(args) or [])
    assert scan_text_file(path, "data/table.csv", max_line=2 * MB).problems == []
    assert calls == []
