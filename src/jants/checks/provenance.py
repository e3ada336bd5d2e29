"""Provenance: every evidence string of a held text at its line, in the text whose SHA-256 the sources table records."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..problems import Problem
from ..tableschema.table import rows_of
from .view import ModelView, located


def check_provenance(view: ModelView) -> list[Problem]:
    """Every evidence string verbatim at its line, in the text whose SHA-256 is recorded."""
    if view.sources_dir is None:
        return []
    tables, frames, links, files, sources_dir = view.tables, view.frames, view.links, view.files, view.sources_dir
    problems = []
    obs = view.observations
    sources = frames["sources"]
    numbers = np.asarray(tables["observations"].columns["source_line"].to_numpy(zero_copy_only=False), dtype="float64")
    for position, source in sources.iterrows():
        if source["source_kind"] != "document_text" or pd.isna(source["file_name"]):
            continue
        where: dict[str, Any] = {"file": files["sources"], "row": int(source["_row"])}
        path, problem = source_text_path(Path(sources_dir), source["file_name"], where)
        if path is None:
            problems += [problem] if problem else []
            continue
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != source["sha256"]:
            problems.append(
                Problem("source-hash-mismatch", f"{path.name} has SHA-256 {actual}, the sources table records {source['sha256']}", field="sha256", **where)
            )
            continue
        try:
            lines = np.array(data.decode("utf-8").splitlines(), dtype=object)
        except UnicodeDecodeError as error:
            problems.append(
                Problem("source-encoding-error", f"source text {path.name!r} is not UTF-8 ({error.reason} at byte {error.start})", field="file_name", **where)
            )
            continue
        mine = links.source == position
        count = len(lines)
        beyond = mine & (numbers > count)
        problems += located(
            obs,
            beyond,
            files["observations"],
            "source_line",
            "locator-error",
            lambda r, n=count: f"line {r['source_line']} is beyond the end of {r['source_id']!r} ({n} lines)",
        )
        inside = np.flatnonzero(mine & ~beyond)
        text = lines[numbers[inside].astype("int64") - 1].astype(str)
        evidence = (
            np.asarray(rows_of(tables["observations"].columns, "evidence", pa.array(inside)).fill_null("").to_pylist(), dtype=str)
            if len(inside)
            else np.array([], dtype=str)
        )
        missing = np.zeros(len(mine), dtype=bool)
        missing[inside] = np.strings.find(text, evidence) < 0
        problems += located(
            obs,
            missing,
            files["observations"],
            "evidence",
            "evidence-not-found",
            lambda r: f"evidence {r['evidence']!r} is not on line {r['source_line']} of {r['source_id']!r}",
        )
    return problems


SOURCE_FILE_NAME = re.compile(r"^[^/\\\x00-\x1f]+$")


def source_text_path(sources_dir: Path, file_name: str, where: dict) -> tuple[Path | None, Problem | None]:
    """The source text a sources row names: a plain file name, a regular file directly inside
    the sources folder (not through a symbolic link out of it), or the problem with it."""
    shown = file_name if len(file_name) <= 80 else file_name[:77] + "..."
    if not SOURCE_FILE_NAME.match(file_name) or file_name in (".", "..") or len(file_name.encode()) > 255:
        return None, Problem(
            "source-path-error",
            f"file_name {shown!r} must be a plain file name inside the sources folder (no '/', '\\', '..' or control characters)",
            field="file_name",
            **where,
        )
    try:
        folder = sources_dir.resolve()
        path = (folder / file_name).resolve()
        inside = path.parent == folder
        regular = inside and path.is_file()
    except (OSError, RuntimeError, ValueError) as error:
        return None, Problem(
            "source-path-error", f"source text {shown!r} cannot be opened ({getattr(error, 'strerror', None) or error})", field="file_name", **where
        )
    if not inside:
        return None, Problem("source-path-error", f"source text {shown!r} leads out of the sources folder (a symbolic link)", field="file_name", **where)
    if not regular:
        return None, Problem("source-missing", f"source text {shown!r} not found in {sources_dir}", field="file_name", **where)
    return path, None
