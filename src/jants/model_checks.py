"""Checks that only make sense for packages in the jants model.

They run after the Table Schema checks, on the typed tables. The observations table can
hold millions of rows, so joins with the small tables are done once, as row positions
(`Links`), and every check on observations is a whole-array numpy or pyarrow operation;
pandas only groups integer keys. Errors break the package; consistency findings
(components against totals, falling cumulative counts, same-day conflicts) are warnings
unless the package records the discrepancy with an explanation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import model
from .problems import Problem
from .tableschema.table import MAX_PROBLEMS_PER_CHECK, TypedTable

UPPER_BOUND_QUALIFIERS = {"exact", "at_most", "less_than", "almost", "approximately"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def uses_jants_model(tables: dict[str, TypedTable]) -> bool:
    return all(
        name in tables and all(field in tables[name].columns for field in model.field_names(name))
        for name in model.TABLES
    )


def frame(table: TypedTable) -> pd.DataFrame:
    data = pd.DataFrame({name: column.to_pandas() for name, column in table.columns.items()})
    data["_row"] = table.row_numbers if table.row_numbers is not None else np.arange(2, table.num_rows + 2)
    return data


def _positions(values: pa.Array, keys: pa.Array) -> np.ndarray:
    """Position of each value among keys, -1 where it is missing."""
    return pc.index_in(values, value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _days(dates: pa.Array) -> np.ndarray:
    """Dates as days since 1970 (float, NaN where empty), for comparisons and grouping."""
    days = dates.cast(pa.int32()).to_numpy(zero_copy_only=False)
    return np.asarray(days, dtype="float64")


@dataclass
class Links:
    """The observations' joins with the small tables, as row positions (-1 if unknown)."""

    series: np.ndarray
    metric: np.ndarray
    source: np.ndarray
    date: np.ndarray
    value: np.ndarray
    counted: np.ndarray  # not retracted or withdrawn

    @classmethod
    def of(cls, tables: dict[str, TypedTable]) -> "Links":
        obs = tables["observations"].columns
        series = _positions(obs["series_id"], tables["series"].columns["series_id"])
        metric_of_series = _positions(tables["series"].columns["metric_id"], tables["metrics"].columns["metric_id"])
        metric = np.where(series >= 0, metric_of_series[series], -1) if len(metric_of_series) else np.full(len(series), -1)
        return cls(
            series=series,
            metric=metric,
            source=_positions(obs["source_id"], tables["sources"].columns["source_id"]),
            date=_days(obs["observation_date"]),
            value=np.asarray(obs["value"].to_numpy(zero_copy_only=False), dtype="float64"),
            counted=~_isin(obs["status"], model.NOT_STANDING),
        )


def _isin(column: pa.Array, values) -> np.ndarray:
    found = pc.is_in(column, value_set=pa.array(sorted(values), pa.string()))
    return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _problems(rows: pd.DataFrame, file: str, field: str, code: str, message, severity="error") -> list[Problem]:
    """One problem per offending row, up to MAX_PROBLEMS_PER_CHECK, then one line for the rest."""
    shown = rows.head(MAX_PROBLEMS_PER_CHECK).to_dict("records")
    problems = [Problem(code, message(row), file=file, row=int(row["_row"]), field=field, severity=severity) for row in shown]
    if len(rows) > len(shown):
        problems.append(Problem(code, f"... and {len(rows) - len(shown)} more rows like these", file=file, field=field, severity=severity))
    return problems


def _problems_at(data: pd.DataFrame, mask: np.ndarray, file: str, field: str, code: str, message, severity="error",
                 extra: dict[str, np.ndarray] | None = None) -> list[Problem]:
    """Like _problems, for the rows of a large frame where mask holds, without copying them all.

    `extra` holds further columns for the messages, aligned with the frame's rows.
    """
    where = np.flatnonzero(mask)
    shown = where[:MAX_PROBLEMS_PER_CHECK]
    return _problems_for(data, where, file, field, code, message, severity,
                         {name: values[shown] for name, values in (extra or {}).items()})


def _problems_for(data: pd.DataFrame, where: np.ndarray, file: str, field: str, code: str, message, severity="error",
                  extra: dict[str, np.ndarray] | None = None) -> list[Problem]:
    """One problem per position in `where` (rows of the frame, repeats allowed), up to the cap,
    then one line for the rest; `extra` columns are aligned with `where` (at least the shown part)."""
    rows = data.iloc[where[:MAX_PROBLEMS_PER_CHECK]]
    if extra:
        rows = rows.assign(**{name: values[:len(rows)] for name, values in extra.items()})
    problems = _problems(rows, file, field, code, message, severity)
    if len(where) > len(rows):
        problems.append(Problem(code, f"... and {len(where) - len(rows)} more rows like these", file=file, field=field, severity=severity))
    return problems


def check_model(tables: dict[str, TypedTable], descriptor: dict, sources_dir: Path | None) -> list[Problem]:
    frames = {name: frame(tables[name]) for name in model.TABLES}
    files = {name: tables[name].file for name in model.TABLES}
    links = Links.of(tables)
    problems = []
    problems += check_ranges(frames["observations"], files["observations"])
    problems += check_units(tables, frames, links, files["observations"])
    problems += check_breakdowns(frames["series"], files["series"])
    problems += check_dates(tables, frames, links, files["observations"], descriptor.get("coverage"))
    problems += check_evidence_length(tables["observations"], frames["observations"], files["observations"])
    problems += check_discrepancy_links(tables, frames, files["discrepancies"])
    problems += check_locators(frames, links, files["observations"])
    problems += check_web_evidence(tables, frames, links, files["observations"])
    problems += check_status(tables, frames, links, files["observations"])
    if sources_dir is not None:
        problems += check_provenance(tables, frames, links, files, sources_dir)
    problems += check_consistency(tables, frames, links, files)
    return problems


def check_ranges(obs: pd.DataFrame, file: str) -> list[Problem]:
    is_range = (obs["qualifier"] == "range").to_numpy(dtype=bool, na_value=False)
    has_upper = obs["value_upper"].notna().to_numpy()
    above = (obs["value_upper"] <= obs["value"]).to_numpy(dtype=bool, na_value=False)
    problems = _problems_at(obs, has_upper & ~is_range, file, "value_upper", "range-error",
                            lambda r: f"value_upper is set but qualifier is {r['qualifier']!r}, not 'range'")
    problems += _problems_at(obs, is_range & ~has_upper, file, "value_upper", "range-error",
                             lambda r: "qualifier is 'range' but value_upper is missing")
    problems += _problems_at(obs, has_upper & above, file, "value_upper", "range-error",
                             lambda r: f"value_upper {r['value_upper']:g} is not above value {r['value']:g}")
    return problems


def check_units(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], links: Links, file: str) -> list[Problem]:
    known = links.metric >= 0
    metric_units = tables["metrics"].columns["unit"]
    expected = pc.take(metric_units, pa.array(np.where(known, links.metric, 0))) if len(metric_units) else pa.nulls(len(known), pa.string())
    differs = pc.not_equal(tables["observations"].columns["unit"], expected)
    bad = known & np.asarray(differs.fill_null(True).to_numpy(zero_copy_only=False), dtype=bool)
    metric_ids = frames["metrics"]["metric_id"].to_numpy(dtype=object)
    units = frames["metrics"]["unit"].to_numpy(dtype=object)
    return _problems_at(frames["observations"], bad, file, "unit", "unit-error",
                        lambda r: f"unit {r['unit']!r} differs from metric {r['metric_id']!r}'s unit {r['metric_unit']!r}",
                        extra={"metric_id": metric_ids[links.metric.clip(0)] if len(metric_ids) else np.full(len(known), None),
                               "metric_unit": units[links.metric.clip(0)] if len(units) else np.full(len(known), None)})


def check_breakdowns(series: pd.DataFrame, file: str) -> list[Problem]:
    has_parent = series["parent_series_id"].notna()
    has_breakdown = series["breakdown"].notna()
    problems = _problems(series[has_parent & ~has_breakdown], file, "breakdown", "breakdown-error",
                         lambda r: "a component series needs the dimension that splits its parent (breakdown)")
    problems += _problems(series[~has_parent & has_breakdown], file, "parent_series_id", "breakdown-error",
                          lambda r: f"breakdown {r['breakdown']!r} is set but the series has no parent")
    problems += _problems(series[series["parent_series_id"] == series["series_id"]], file, "parent_series_id", "breakdown-error",
                          lambda r: "a series cannot be its own parent")
    with_dim = series[has_breakdown]
    for dimension in model.DIMENSIONS:
        rows = with_dim[(with_dim["breakdown"] == dimension) & with_dim[dimension].isna()]
        problems += _problems(rows, file, dimension, "breakdown-error", lambda r: f"breakdown is {r['breakdown']!r} but the {r['breakdown']} value is missing")
    return problems


def _period_end(dates: pd.Series, precision: pd.Series) -> pd.Series:
    end = dates.copy()
    month = precision == "month"
    year = precision == "year"
    end[month] = dates[month] + pd.offsets.MonthEnd(0)
    end[year] = dates[year] + pd.offsets.YearEnd(0)
    return end


def _coverage_bounds(coverage, file: str) -> tuple[float, float] | list[Problem] | None:
    """Start and end of the descriptor's coverage as days, or the problems that prevent it."""
    if not (isinstance(coverage, dict) and coverage.get("start") and coverage.get("end")):
        return None
    days, problems = [], []
    for key in ("start", "end"):
        try:
            if not (isinstance(coverage[key], str) and ISO_DATE.fullmatch(coverage[key])):
                raise ValueError(coverage[key])
            days.append(float((date.fromisoformat(coverage[key]) - date(1970, 1, 1)).days))
        except (TypeError, ValueError):
            problems.append(Problem("descriptor-error", f"coverage {key} {coverage[key]!r} is not a date (YYYY-MM-DD)",
                                    file="datapackage.json", field=f"coverage.{key}"))
    return problems or (days[0], days[1])


def check_dates(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], links: Links, file: str, coverage) -> list[Problem]:
    obs = frames["observations"]
    dates = links.date
    starts = _days(tables["observations"].columns["period_start"])
    problems = []
    bounds = _coverage_bounds(coverage, file)
    if isinstance(bounds, list):
        problems += bounds
    elif bounds:
        start, end = bounds
        for column, days in (("observation_date", dates), ("period_start", starts)):
            with np.errstate(invalid="ignore"):
                outside = (days < start) | (days > end)
            problems += _problems_at(obs, outside, file, column, "date-out-of-coverage",
                                     lambda r, c=column: f"{r[c]} is outside the package's coverage {coverage['start']} to {coverage['end']}")
    with np.errstate(invalid="ignore"):
        problems += _problems_at(obs, starts > dates, file, "period_start", "date-error",
                                 lambda r: f"period_start {r['period_start']} is after observation_date {r['observation_date']}")
    sources = frames["sources"]
    latest = _period_end(pd.to_datetime(sources["source_date"]), sources["date_precision"])
    latest_days = ((latest - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype="float64", na_value=np.nan)
    known = links.source >= 0
    source_end = np.where(known, latest_days[links.source.clip(0)] if len(latest_days) else np.nan, np.nan)
    source_date = sources["source_date"].to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        late = known & (dates > source_end)
    return problems + _problems_at(obs, late, file, "observation_date", "date-error",
                                   lambda r: f"{r['observation_date']} is after the date of its source {r['source_id']!r} ({r['source_date']})",
                                   extra={"source_date": source_date[links.source.clip(0)] if len(source_date) else np.full(len(known), None)})


def check_evidence_length(table: TypedTable, obs: pd.DataFrame, file: str) -> list[Problem]:
    """At most 12 words; split on ASCII whitespace first, exact count only where that finds more."""
    evidence = table.columns["evidence"].fill_null("")
    rough = pc.list_value_length(pc.ascii_split_whitespace(evidence)).to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(rough > 12)
    words = np.zeros(len(rough), dtype=np.int64)
    if len(candidates):
        exact = pc.count_substring_regex(evidence.take(pa.array(candidates)), r"\S+")
        words[candidates] = exact.to_numpy(zero_copy_only=False)
    return _problems_at(obs, words > 12, file, "evidence", "evidence-error",
                        lambda r: f"evidence has {len(str(r['evidence']).split())} words; at most 12 are kept")


def _per_observation(frames: dict[str, pd.DataFrame], links: Links, column: str) -> np.ndarray:
    """A sources column, spread over the observations by their source (None where unknown)."""
    values = np.append(frames["sources"][column].to_numpy(dtype=object), None)
    return values[np.where(links.source >= 0, links.source, len(values) - 1)]


def check_locators(frames: dict[str, pd.DataFrame], links: Links, file: str) -> list[Problem]:
    """A held text is located by line and section; a web report has no lines to point to."""
    obs = frames["observations"]
    kind = _per_observation(frames, links, "source_kind")
    held, web = kind == "document_text", kind == "web_report"
    problems = []
    for column in ("source_line", "source_section"):
        missing = obs[column].isna().to_numpy()
        problems += _problems_at(obs, held & missing, file, column, "locator-error",
                                 lambda r, c=column: f"{c} is required for a figure read from a held text ({r['source_id']!r})")
    problems += _problems_at(obs, web & obs["source_line"].notna().to_numpy(), file, "source_line", "locator-error",
                             lambda r: f"source {r['source_id']!r} is a web report: its text is not held, so no line can be given")
    return problems


def check_web_evidence(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], links: Links, file: str) -> list[Problem]:
    """A web report's evidence must show the figure, and carry an English rendering unless it is English."""
    obs = frames["observations"]
    web = np.flatnonzero(_per_observation(frames, links, "source_kind") == "web_report")
    english = np.array([str(language).startswith("en") for language in frames["sources"]["language"]])  # per source
    missing_figure = np.zeros(len(obs), dtype=bool)
    missing_figure[web] = ~_figures_shown(tables["observations"], web, links.value, obs["value_upper"].to_numpy(dtype="float64", na_value=np.nan))
    problems = _problems_at(obs, missing_figure, file, "evidence", "evidence-error",
                            lambda r: f"the figure {r['value']:g} does not appear in the evidence {r['evidence']!r} "
                                      "(digits, or number words in English, Russian or Kazakh)")
    no_rendering = np.zeros(len(obs), dtype=bool)
    no_rendering[web] = ~english[links.source[web]] & obs["evidence_en"].isna().to_numpy()[web]
    problems += _problems_at(obs, no_rendering, file, "evidence_en", "evidence-error",
                             lambda r: f"evidence in a language other than English needs an English rendering (source {r['source_id']!r})")
    return problems


def _figures_shown(table: TypedTable, rows: np.ndarray, values: np.ndarray, uppers: np.ndarray) -> np.ndarray:
    """For each row, whether its value (and upper value) appear in its evidence.

    Whole numbers printed as plain or grouped digits ("3,811", "2 677") are found for all
    rows at once; anything else (decimals, scale words, number words, other digits) goes
    through `figures.figure_in_text`, one row at a time.
    """
    from .figures import figure_in_text

    if not len(rows):
        return np.zeros(0, dtype=bool)
    evidence = table.columns["evidence"].take(pa.array(rows)).fill_null("")
    runs = _digit_runs(evidence)
    flat = pc.list_flatten(runs)
    keep = np.asarray(pc.not_equal(flat, "").to_numpy(zero_copy_only=False), dtype=bool)
    owner = np.asarray(pc.list_parent_indices(runs).to_numpy(zero_copy_only=False))[keep]
    numbers = pc.cast(pc.replace_substring(flat.filter(pa.array(keep)), ",", ""), pa.float64()).to_numpy(zero_copy_only=False)
    shown = np.ones(len(rows), dtype=bool)
    for column in (values[rows], uppers[rows]):
        present = ~np.isnan(column)
        if not present.any():
            continue
        fast = np.bincount(owner[numbers == column[owner]], minlength=len(rows)) > 0
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


def check_status(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], links: Links, file: str) -> list[Problem]:
    """Status details belong to a figure whose status changed, and cannot precede the figure."""
    obs = frames["observations"]
    reported = (obs["status"] == "reported").to_numpy(dtype=bool, na_value=False)
    problems = []
    for column in ("status_date", "status_source_id"):
        problems += _problems_at(obs, reported & obs[column].notna().to_numpy(), file, column, "status-error",
                                 lambda r, c=column: f"{c} is set but the status is 'reported'")
    with np.errstate(invalid="ignore"):
        early = _days(tables["observations"].columns["status_date"]) < links.date  # False where either is empty
    problems += _problems_at(obs, early, file, "status_date", "status-error",
                             lambda r: f"status_date {r['status_date']} is before observation_date {r['observation_date']}")
    return problems


def check_discrepancy_links(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], file: str) -> list[Problem]:
    disc = frames["discrepancies"]
    related = disc["related_observation_ids"].fillna("").str.split()
    named = sorted({i for ids in related for i in ids})
    ids = tables["observations"].columns["observation_id"]
    known = _present(named, ids)
    unknown = related.map(lambda ids: [i for i in ids if i not in known])
    dangling = (unknown.str.len() > 0).to_numpy()
    rows = disc[dangling].assign(_unknown=unknown[dangling].to_numpy())
    return _problems(rows, file, "related_observation_ids", "foreign-key-error",
                     lambda r: f"{' '.join(r['_unknown'])} not found in observations.observation_id")


def _present(named: list[str], ids: pa.Array) -> set[str]:
    """The named ids that occur in the column ids."""
    if not named:
        return set()
    candidates = pa.array(named, pa.string())
    found = pc.is_in(candidates, value_set=ids.drop_null()).to_numpy(zero_copy_only=False)
    return {name for name, hit in zip(named, found) if hit}


def check_provenance(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], links: Links, files: dict[str, str],
                     sources_dir: Path) -> list[Problem]:
    """Every evidence string verbatim at its line, in the text whose SHA-256 is recorded."""
    problems = []
    obs = frames["observations"]
    sources = frames["sources"]
    numbers = np.asarray(tables["observations"].columns["source_line"].to_numpy(zero_copy_only=False), dtype="float64")
    evidence_of = tables["observations"].columns["evidence"].fill_null("")
    for position, source in sources.iterrows():
        if source["source_kind"] != "document_text" or pd.isna(source["file_name"]):
            continue
        where = dict(file=files["sources"], row=int(source["_row"]))
        path, problem = source_text_path(Path(sources_dir), source["file_name"], where)
        if problem:
            problems.append(problem)
            continue
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != source["sha256"]:
            problems.append(Problem("source-hash-mismatch", f"{path.name} has SHA-256 {actual}, the sources table records {source['sha256']}", field="sha256", **where))
            continue
        try:
            lines = np.array(data.decode("utf-8").splitlines(), dtype=object)
        except UnicodeDecodeError as error:
            problems.append(Problem("source-encoding-error", f"source text {path.name!r} is not UTF-8 ({error.reason} at byte {error.start})", field="file_name", **where))
            continue
        mine = links.source == position
        beyond = mine & (numbers > len(lines))
        problems += _problems_at(obs, beyond, files["observations"], "source_line", "locator-error",
                                 lambda r, n=len(lines): f"line {r['source_line']} is beyond the end of {r['source_id']!r} ({n} lines)")
        inside = np.flatnonzero(mine & ~beyond)
        text = lines[numbers[inside].astype("int64") - 1].astype(str)
        evidence = np.asarray(evidence_of.take(pa.array(inside)).to_pylist(), dtype=str) if len(inside) else np.array([], dtype=str)
        missing = np.zeros(len(mine), dtype=bool)
        missing[inside] = np.strings.find(text, evidence) < 0
        problems += _problems_at(obs, missing, files["observations"], "evidence", "evidence-not-found",
                                 lambda r: f"evidence {r['evidence']!r} is not on line {r['source_line']} of {r['source_id']!r}")
    return problems


SOURCE_FILE_NAME = re.compile(r"^[^/\\\x00-\x1f]+$")


def source_text_path(sources_dir: Path, file_name: str, where: dict) -> tuple[Path | None, Problem | None]:
    """The source text a sources row names: a plain file name, a regular file directly inside
    the sources folder (not through a symbolic link out of it), or the problem with it."""
    shown = file_name if len(file_name) <= 80 else file_name[:77] + "..."
    if not SOURCE_FILE_NAME.match(file_name) or file_name in (".", "..") or len(file_name.encode()) > 255:
        return None, Problem("source-path-error", f"file_name {shown!r} must be a plain file name inside the sources folder (no '/', '\\', '..' or control characters)", field="file_name", **where)
    try:
        folder = sources_dir.resolve()
        path = (folder / file_name).resolve()
        inside = path.parent == folder
        regular = inside and path.is_file()
    except (OSError, RuntimeError, ValueError) as error:
        return None, Problem("source-path-error", f"source text {shown!r} cannot be opened ({getattr(error, 'strerror', None) or error})", field="file_name", **where)
    if not inside:
        return None, Problem("source-path-error", f"source text {shown!r} leads out of the sources folder (a symbolic link)", field="file_name", **where)
    if not regular:
        return None, Problem("source-missing", f"source text {shown!r} not found in {sources_dir}", field="file_name", **where)
    return path, None


def _recorded(frames: dict[str, pd.DataFrame], kinds: set[str]) -> list[str]:
    disc = frames["discrepancies"]
    disc = disc[disc["kind"].isin(kinds)]
    ids = set(disc["observation_id"].dropna())
    for related in disc["related_observation_ids"].dropna():
        ids.update(related.split())
    return sorted(ids)


def check_consistency(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], links: Links, files: dict[str, str]) -> list[Problem]:
    recorded = {
        kind: _isin(tables["observations"].columns["observation_id"], _recorded(frames, kinds))
        for kind, kinds in (("components", {"components_exceed_total", "components_differ_from_total"}),
                            ("cumulative", {"cumulative_decrease"}), ("conflicts", {"conflicting_figures"}))
    }
    return (
        check_components(tables, frames, links, files, recorded["components"])
        + check_cumulative(tables, frames, links, files["observations"], recorded["cumulative"])
        + check_same_day_conflicts(frames, links, files["observations"], recorded["conflicts"])
    )


def component_sums(tables: dict[str, TypedTable], links: Links) -> tuple[pd.DataFrame, list[str]]:
    """Each stated total beside the sum of its components stated in the same source and date.

    One row per (total observation, breakdown): `index` is the total's position in the
    observations table; `breakdown` is the position of the breakdown's name in the list
    returned with the rows.
    """
    series = tables["series"].columns
    parent = _positions(series["parent_series_id"], series["series_id"])
    breakdowns = series["breakdown"].dictionary_encode()
    breakdown = breakdowns.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    known = (links.series >= 0) & links.counted & ~np.isnan(links.date)
    obs = pd.DataFrame({"series": links.series, "source": links.source, "date": links.date, "value": links.value})[known]
    obs["parent"] = parent[obs["series"].to_numpy()] if len(parent) else -1
    obs["breakdown"] = breakdown[obs["series"].to_numpy()] if len(breakdown) else -1
    children = obs[(obs["parent"] >= 0) & (obs["breakdown"] >= 0)]
    sums = (
        children.groupby(["parent", "breakdown", "source", "date"])["value"]
        .agg(component_sum="sum", component_count="size")
        .reset_index()
    )
    totals = obs[["series", "source", "date", "value"]].reset_index().merge(
        sums, left_on=["series", "source", "date"], right_on=["parent", "source", "date"])
    return totals, breakdowns.dictionary.to_pylist()


def check_components(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], links: Links, files: dict[str, str],
                     recorded: np.ndarray) -> list[Problem]:
    totals, breakdown_names = component_sums(tables, links)
    index = totals["index"].to_numpy()
    names = np.array(breakdown_names + [None], dtype=object)
    hedged = _isin(tables["observations"].columns["qualifier"], UPPER_BOUND_QUALIFIERS)[index]
    shown = np.flatnonzero((totals["component_sum"] > totals["value"]).to_numpy() & hedged & ~recorded[index])
    problems = _problems_for(
        frames["observations"], index[shown], files["observations"], "value", "components-exceed-total",
        lambda r: f"{r['component_count']} components by {r['breakdown']} sum to {r['component_sum']:g}, more than the total {r['value']:g} "
                  f"({r['observation_id']}); record it in discrepancies",
        severity="warning",
        extra={"component_sum": totals["component_sum"].to_numpy()[shown], "component_count": totals["component_count"].to_numpy()[shown],
               "breakdown": names[totals["breakdown"].to_numpy()[shown]]},
    )
    disc = frames["discrepancies"]
    claimed = disc[disc["kind"].isin(["components_exceed_total", "components_differ_from_total"])]
    ids = tables["observations"].columns["observation_id"]
    for _, claim in claimed.iterrows():
        position = _positions(pa.array([claim["observation_id"]], pa.string()), ids)[0]
        rows = totals[totals["index"] == position]
        holds = (rows["component_sum"] > rows["value"]) if claim["kind"] == "components_exceed_total" else (rows["component_sum"] != rows["value"])
        if not holds.any():
            problems.append(Problem("discrepancy-not-found", f"recorded {claim['kind']} for {claim['observation_id']} does not hold: "
                                    "no breakdown of that figure disagrees with it", file=files["discrepancies"], row=int(claim["_row"]), field="kind"))
    return problems


def check_cumulative(tables: dict[str, TypedTable], frames: dict[str, pd.DataFrame], links: Links, file: str,
                     recorded: np.ndarray) -> list[Problem]:
    """A running total (or money amount) stated below the highest figure of an earlier date."""
    cumulative_metric = _isin(tables["metrics"].columns["kind"], ["cumulative_count", "money_amount"])
    selected = (links.metric >= 0) & links.counted & ~np.isnan(links.date)
    if len(cumulative_metric):
        selected &= cumulative_metric[links.metric.clip(0)]
    else:
        selected[:] = False
    where = np.flatnonzero(selected)
    obs = pd.DataFrame({"series": links.series[where], "date": links.date[where], "value": links.value[where], "index": where})
    per_day = obs.groupby(["series", "date"])["value"].max()
    earlier = per_day.groupby(level=0).cummax().groupby(level=0).shift(1).rename("earlier_max").reset_index()
    obs = obs.merge(earlier, on=["series", "date"], how="left")
    index = obs["index"].to_numpy()
    falls = (obs["value"] < obs["earlier_max"]).to_numpy() & ~recorded[index]
    mask = np.zeros(len(links.series), dtype=bool)
    mask[index[falls]] = True
    earlier_max = np.full(len(links.series), np.nan)
    earlier_max[index] = obs["earlier_max"].to_numpy()
    return _problems_at(frames["observations"], mask, file, "value", "cumulative-decrease",
                        lambda r: f"{r['value']:g} on {r['observation_date']} is below an earlier figure {r['earlier_max']:g} of cumulative series "
                                  f"{r['series_id']!r}; record it in discrepancies", severity="warning",
                        extra={"earlier_max": earlier_max})


def check_same_day_conflicts(frames: dict[str, pd.DataFrame], links: Links, file: str, recorded: np.ndarray) -> list[Problem]:
    """Different exact figures of one series on one day; hedged figures (more than 400 vs 402) may agree."""
    obs = frames["observations"]
    exact = (obs["qualifier"] == "exact").to_numpy(dtype=bool, na_value=False)
    where = np.flatnonzero(exact & links.counted)
    keys = pd.DataFrame({"series": links.series[where], "date": links.date[where], "value": links.value[where]})
    spread = keys.groupby(["series", "date"])["value"].transform("nunique").to_numpy()
    mask = np.zeros(len(links.series), dtype=bool)
    mask[where[spread > 1]] = True
    return _problems_at(obs, mask & ~recorded, file, "value", "conflicting-figures",
                        lambda r: f"{r['value']:g} differs from another figure of series {r['series_id']!r} on {r['observation_date']}; "
                                  "record it in discrepancies", severity="warning")
