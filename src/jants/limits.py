"""Bounds on the work `jants validate` does for one package, so that a hostile package
cannot exhaust memory or time. Each bound has a default and an environment variable that
raises it (docs/security.md lists them); a package past a bound gets an error naming the
bound and the variable, never a silent truncation.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
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
}


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

    @classmethod
    def from_env(cls) -> Limits:
        """Read at the start of each validation, so a changed variable applies to the next one."""
        values = {}
        for name, (variable, default) in ENV.items():
            text = os.environ.get(variable, "").strip().replace("_", "")
            values[name] = int(text) if text.isdigit() and int(text) > 0 else default
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
def fixed():
    """Read the limits once for a whole validation, not once per file."""
    token = _ACTIVE.set(Limits.from_env())
    try:
        yield _ACTIVE.get()
    finally:
        _ACTIVE.reset(token)
