"""Rules of evidence: length, locators that fit the source kind, a web report's figure shown in its evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..problems import Problem
from ..tableschema.arrays import valid_mask
from ..tableschema.table import TypedTable, decoded, encoded
from .view import Gathered, ModelView, located, numbers, per_row


def check_evidence_length(view: ModelView) -> list[Problem]:
    """At most 12 words; split on ASCII whitespace first, exact count only where that finds more."""
    table, file = view.tables["observations"], view.files["observations"]
    long = per_row(table, "evidence", lambda evidence: _words(evidence.fill_null("")) > 12, False)  # once per distinct evidence string where kept so
    return located(
        view.observations, long, file, "evidence", "evidence-error", lambda r: f"evidence has {len(str(r['evidence']).split())} words; at most 12 are kept"
    )


def _words(evidence: pa.Array) -> np.ndarray:
    """Words of each string: split on ASCII whitespace, counted exactly only where that finds more than 12."""
    rough = pc.list_value_length(pc.ascii_split_whitespace(evidence)).to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(rough > 12)
    words = np.zeros(len(rough), dtype=np.int64)
    if len(candidates):
        exact = pc.count_substring_regex(evidence.take(pa.array(candidates)), r"\S+")
        words[candidates] = exact.to_numpy(zero_copy_only=False)
    return words


def check_locators(view: ModelView) -> list[Problem]:
    """A held text is located by line and section; a web report has no lines to point to."""
    table, sources, file = view.tables["observations"], view.frames["sources"], view.files["observations"]
    kind = np.append(sources["source_kind"].to_numpy(dtype=object), [None])  # per source, and None for an unknown one (-1)
    held_source, web_source = kind == "document_text", kind == "web_report"
    found = Gathered()
    for start, part in view.links.slices():
        held, web = held_source[part.source], web_source[part.source]
        for column in ("source_line", "source_section"):
            found.where(column, held & ~per_row(table, column, valid_mask, False, part.rows), start)
        found.where("web", web & per_row(table, "source_line", valid_mask, False, part.rows), start)
    obs = view.observations
    problems = []
    for column in ("source_line", "source_section"):
        problems += located(
            obs, found[column], file, column, "locator-error", lambda r, c=column: f"{c} is required for a figure read from a held text ({r['source_id']!r})"
        )
    problems += located(
        obs,
        found["web"],
        file,
        "source_line",
        "locator-error",
        lambda r: f"source {r['source_id']!r} is a web report: its text is not held, so no line can be given",
    )
    return problems


def check_web_evidence(view: ModelView) -> list[Problem]:
    """A web report's evidence must show the figure, and carry an English rendering unless it is English.
    The observations are read a slice of rows at a time."""
    table, sources, file = view.tables["observations"], view.frames["sources"], view.files["observations"]
    web_source = np.append((sources["source_kind"] == "web_report").to_numpy(dtype=bool), False)  # per source, and False for an unknown one (-1)
    english = np.append([str(language).startswith("en") for language in sources["language"]], True)
    found = Gathered()
    for start, part in view.links.slices():
        web = np.flatnonzero(web_source[part.source])
        uppers = per_row(table, "value_upper", numbers, np.nan, part.rows)[web]
        found.add("missing_figure", web[~_figures_shown(table, web + start, part.value[web], uppers)] + start)
        unrendered = per_row(table, "evidence_en", lambda values: ~valid_mask(values), True, part.rows)
        found.add("no_rendering", web[~english[part.source[web]] & unrendered[web]] + start)
    problems = located(
        view.observations,
        found["missing_figure"],
        file,
        "evidence",
        "evidence-error",
        lambda r: f"the figure {r['value']:g} does not appear in the evidence {r['evidence']!r} (digits, or number words in English, Russian or Kazakh)",
    )
    problems += located(
        view.observations,
        found["no_rendering"],
        file,
        "evidence_en",
        "evidence-error",
        lambda r: f"evidence in a language other than English needs an English rendering (source {r['source_id']!r})",
    )
    return problems


def _figures_shown(table: TypedTable, rows: np.ndarray, values: np.ndarray, uppers: np.ndarray) -> np.ndarray:
    """For each of ROWS, whether its value (and upper value), given in VALUES and UPPERS, appear in its evidence.

    The answer depends only on the evidence and the two values, so it is worked out once
    per distinct combination of the three and spread back over the rows: a package
    repeats a few evidence strings over many rows.
    """
    if not len(rows):
        return np.zeros(0, dtype=bool)
    compact = encoded(table.columns, "evidence")
    if compact is not None:  # the codes it is kept in: no string column is made
        taken = compact.take(pa.array(rows))
        codes = np.asarray(taken.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)

        def evidence_at(positions: np.ndarray) -> pa.Array:
            return decoded(taken.take(pa.array(positions))).fill_null("")
    else:
        evidence = table.columns["evidence"].take(pa.array(rows)).fill_null("")
        codes = np.asarray(evidence.dictionary_encode().indices.to_numpy(zero_copy_only=False), dtype=np.int64)

        def evidence_at(positions: np.ndarray) -> pa.Array:
            return evidence.take(pa.array(positions))

    combination = pd.DataFrame({"e": codes, "v": values, "u": uppers}).groupby(["e", "v", "u"], sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(combination, return_index=True)  # the first row of each combination, in the order of their numbers
    shown = _figures_shown_once(evidence_at(first), values[first], uppers[first])
    return shown[combination]


def _figures_shown_once(evidence: pa.Array, values: np.ndarray, uppers: np.ndarray) -> np.ndarray:
    """For each evidence string, whether its value (and upper value) appear in it.

    Whole numbers printed as plain or grouped digits ("3,811", "2 677") are found for all
    at once; anything else (decimals, scale words, number words, other digits) goes
    through `figures.figure_in_text`, one string at a time.
    """
    from ..figures import figure_in_text

    runs = _digit_runs(evidence)
    flat = pc.list_flatten(runs)
    keep = np.asarray(pc.not_equal(flat, "").to_numpy(zero_copy_only=False), dtype=bool)
    owner = np.asarray(pc.list_parent_indices(runs).to_numpy(zero_copy_only=False))[keep]
    numbers = pc.cast(pc.replace_substring(flat.filter(pa.array(keep)), ",", ""), pa.float64()).to_numpy(zero_copy_only=False)
    shown = np.ones(len(evidence), dtype=bool)
    for column in (values, uppers):
        present = ~np.isnan(column)
        if not present.any():
            continue
        fast = np.bincount(owner[numbers == column[owner]], minlength=len(evidence)) > 0
        slow = np.flatnonzero(present & ~fast)
        texts = evidence.take(pa.array(slow)).to_pylist() if len(slow) else []
        for position, text in zip(slow, texts):
            fast[position] = figure_in_text(column[position], text)
        shown &= fast | ~present
    return shown


def _digit_runs(evidence: pa.Array) -> pa.Array:
    """Each cell's runs of ASCII digits, a comma for a separator between two digits of a
    run ("3,811", "2 677" and "3.811" all give "3,811"), as a list per cell.

    Done on the bytes of the whole column at once: every other byte becomes a space (the
    cells keep their offsets, so runs never cross cells), then the cells are split.
    """
    evidence = pa.concat_arrays([evidence]) if evidence.offset else evidence
    offsets = np.frombuffer(evidence.buffers()[1], dtype=np.int32)[: len(evidence) + 1]
    data = evidence.buffers()[2]
    chars = np.frombuffer(data, dtype=np.uint8)[: offsets[-1]] if data is not None else np.zeros(0, dtype=np.uint8)
    digit = (chars >= ord("0")) & (chars <= ord("9"))
    joins = (chars == ord(" ")) | (chars == ord(",")) | (chars == ord("."))
    joins[1:-1] &= digit[:-2] & digit[2:]
    joins[[0, -1] if len(joins) else []] = False
    cell_edges = np.concatenate([offsets[:-1], offsets[1:] - 1])
    joins[cell_edges[(cell_edges >= 0) & (cell_edges < len(chars))]] = False  # runs never join across cells
    text = np.where(digit, chars, np.uint8(ord(" ")))
    text[joins] = ord(",")
    spaced = pa.StringArray.from_buffers(len(evidence), pa.py_buffer(offsets.copy()), pa.py_buffer(text.tobytes()))
    return pc.ascii_split_whitespace(spaced)
