"""Bounds on the work `jants validate` does for one package, so that a hostile package
cannot exhaust memory or time. Each bound has a default and an environment variable that
raises it (docs/security.md lists them); a package past a bound gets an error naming the
bound and the variable, never a silent truncation.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import os
import re
import weakref
from dataclasses import dataclass

ENV = {
    "max_line_bytes": ("JANTS_MAX_LINE_BYTES", 16 << 20),
    "max_resources": ("JANTS_MAX_RESOURCES", 10_000),
    "max_columns": ("JANTS_MAX_COLUMNS", 10_000),
    "max_parquet_rows": ("JANTS_MAX_PARQUET_ROWS", 100_000_000),
    "max_parquet_ratio": ("JANTS_MAX_PARQUET_RATIO", 100),
    "max_parquet_bytes": ("JANTS_MAX_PARQUET_BYTES", 16 << 30),
    "parquet_ratio_floor": ("JANTS_PARQUET_RATIO_FLOOR", 256 << 20),
    "max_descriptor_bytes": ("JANTS_MAX_DESCRIPTOR_BYTES", 64 << 20),
    "memory_budget": ("JANTS_MEMORY_BUDGET", 0),  # 0: a share of the machine's memory (see default_memory_budget)
}
MEMORY_SHARE = 64  # by default a table is read in batches when its file is larger than a 64th of the machine's memory
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_bytes(text: str) -> int | None:
    """A size in bytes, written as 123, 64K, 512M or 2G (binary units, an optional B); None if it is not one."""
    match = re.fullmatch(r"([0-9][0-9_]*)\s*([KMGT]?)(?:I?B)?", text.strip().upper())
    if not match:
        return None
    value = int(match.group(1).replace("_", "")) * UNITS[match.group(2)]
    return value if value > 0 else None


def default_memory_budget() -> int:
    """A 64th of the machine's physical memory, at least 64 MiB (256 MiB where it cannot be
    read). Reading in batches costs little time (docs/performance.md) and keeps a table's
    text out of memory, so it starts well before a table nears the machine's memory."""
    try:
        return max(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // MEMORY_SHARE, 64 << 20)
    except (AttributeError, OSError, ValueError):
        return 256 << 20


@dataclass(frozen=True)
class Limits:
    max_line_bytes: int
    max_resources: int
    max_columns: int
    max_parquet_rows: int
    max_parquet_ratio: int
    max_parquet_bytes: int
    parquet_ratio_floor: int
    max_descriptor_bytes: int
    memory_budget: int  # a CSV table whose file is larger is read in batches (tableschema.csvfile)

    @classmethod
    def from_env(cls) -> Limits:
        """Read at the start of each validation, so a changed variable applies to the next one."""
        values = {}
        for name, (variable, default) in ENV.items():
            text = os.environ.get(variable, "").strip().replace("_", "")
            values[name] = int(text) if text.isdigit() and int(text) > 0 else default
        values["memory_budget"] = parse_bytes(os.environ.get(ENV["memory_budget"][0], "")) or default_memory_budget()
        return cls(**values)

    @staticmethod
    def variable(name: str) -> str:
        return ENV[name][0]


_ACTIVE: contextvars.ContextVar[Limits | None] = contextvars.ContextVar("jants_limits", default=None)


def current() -> Limits:
    """The limits of the validation under way (read once from the environment when it
    started), or the environment's now."""
    return _ACTIVE.get() or Limits.from_env()


@contextlib.contextmanager
def fixed(memory_budget: int | None = None):
    """Read the limits once for a whole validation, not once per file (with the memory
    budget given on the command line, if any, in place of the environment's)."""
    limits = Limits.from_env()
    if memory_budget:
        limits = dataclasses.replace(limits, memory_budget=memory_budget)
    token = _ACTIVE.set(limits)
    try:
        yield _ACTIVE.get()
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def shared(parts: int):
    """The limits of the validation under way with the memory budget shared by PARTS
    tables read at the same time, so that reading them side by side needs no more memory."""
    limits = current()
    token = _ACTIVE.set(dataclasses.replace(limits, memory_budget=max(limits.memory_budget // parts, 1)))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def lean_memory():
    """pyarrow's jemalloc pool for a whole validation, where pyarrow has it: it gives freed
    memory back to the system when asked (release_memory), where the default pool
    (mimalloc) kept about 0.2 GB more at the peak of a 2x10^6-row package read in batches
    (docs/scale.md). The previous pool is restored afterwards."""
    import pyarrow as pa

    previous = pa.default_memory_pool()
    try:
        pool = pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):  # a pyarrow built without jemalloc (Windows)
        yield
        return
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def release_memory() -> None:
    """Give memory freed by the last step back to the system: pyarrow's pool and the C
    allocator keep freed pages for reuse, and a table read in batches, or a check's arrays
    of a number a row, would otherwise leave the process at the peak of its largest step.
    Pages of spilled columns read since are let go of too (release_mapped)."""
    import pyarrow as pa

    release_mapped()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


_MAPPED: weakref.WeakSet = weakref.WeakSet()  # the read-only maps of spilled columns (tableschema.table.SpilledBytes)


def keep_mapped(mapped) -> None:
    """Let release_mapped drop the pages of MAPPED (an mmap.mmap, read-only, of a file)."""
    _MAPPED.add(mapped)


def release_mapped() -> None:
    """Drop from the process the pages of spilled columns read so far: they stay in the
    system's file cache, which the kernel reclaims when memory is short, and are read
    again when next needed. A column read whole (a sort, a lookup over every id) would
    otherwise stay in the process until the end."""
    import mmap

    if not hasattr(mmap, "MADV_DONTNEED"):
        return
    for mapped in list(_MAPPED):
        try:
            mapped.madvise(mmap.MADV_DONTNEED)
        except (ValueError, OSError):  # closed meanwhile
            pass


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (macOS, musl, Windows)."""
    import ctypes

    try:
        return getattr(ctypes.CDLL("libc.so.6"), "malloc_trim", None)
    except OSError:
        return None
