"""Checks that only make sense for packages in the jants model.

They run after the Table Schema checks, on the typed tables, as whole-column pandas and
numpy operations. Errors break the package; consistency findings (components against
totals, falling cumulative counts, same-day conflicts) are warnings unless the package
records the discrepancy with an explanation.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from . import model
from .report import Problem
from .schema_checks import MAX_PROBLEMS_PER_CHECK, TypedTable

UPPER_BOUND_QUALIFIERS = {"exact", "at_most", "less_than", "almost", "approximately"}


def uses_jants_model(tables: dict[str, TypedTable]) -> bool:
    return all(
        name in tables and all(field in tables[name].columns for field in model.field_names(name))
        for name in model.TABLES
    )


def frame(table: TypedTable) -> pd.DataFrame:
    data = pd.DataFrame({name: column.to_pandas() for name, column in table.columns.items()})
    data["_row"] = table.row_numbers if table.row_numbers is not None else np.arange(2, table.num_rows + 2)
    return data


def _problems(rows: pd.DataFrame, file: str, field: str, code: str, message, severity="error") -> list[Problem]:
    """One problem per offending row, up to MAX_PROBLEMS_PER_CHECK, then one line for the rest."""
    shown = rows.head(MAX_PROBLEMS_PER_CHECK).to_dict("records")
    problems = [Problem(code, message(row), file=file, row=int(row["_row"]), field=field, severity=severity) for row in shown]
    if len(rows) > len(shown):
        problems.append(Problem(code, f"... and {len(rows) - len(shown)} more rows like these", file=file, field=field, severity=severity))
    return problems


def check_model(tables: dict[str, TypedTable], descriptor: dict, sources_dir: Path | None) -> list[Problem]:
    frames = {name: frame(tables[name]) for name in model.TABLES}
    files = {name: tables[name].file for name in model.TABLES}
    problems = []
    problems += check_ranges(frames["observations"], files["observations"])
    problems += check_units(frames, files["observations"])
    problems += check_breakdowns(frames["series"], files["series"])
    problems += check_dates(frames, files["observations"], descriptor.get("coverage"))
    problems += check_evidence_length(frames["observations"], files["observations"])
    problems += check_discrepancy_links(frames, files["discrepancies"])
    if sources_dir is not None:
        problems += check_provenance(frames, files, sources_dir)
    problems += check_consistency(frames, files)
    return problems


def check_ranges(obs: pd.DataFrame, file: str) -> list[Problem]:
    is_range = obs["qualifier"] == "range"
    has_upper = obs["value_upper"].notna()
    problems = _problems(obs[has_upper & ~is_range], file, "value_upper", "range-error",
                         lambda r: f"value_upper is set but qualifier is {r['qualifier']!r}, not 'range'")
    problems += _problems(obs[is_range & ~has_upper], file, "value_upper", "range-error",
                          lambda r: "qualifier is 'range' but value_upper is missing")
    problems += _problems(obs[has_upper & (obs["value_upper"] <= obs["value"])], file, "value_upper", "range-error",
                          lambda r: f"value_upper {r['value_upper']:g} is not above value {r['value']:g}")
    return problems


def check_units(frames: dict[str, pd.DataFrame], file: str) -> list[Problem]:
    units = frames["series"][["series_id", "metric_id"]].merge(frames["metrics"][["metric_id", "unit"]], on="metric_id")
    obs = frames["observations"].merge(units.rename(columns={"unit": "metric_unit"}), on="series_id", how="inner")
    bad = obs[obs["unit"] != obs["metric_unit"]]
    return _problems(bad, file, "unit", "unit-error", lambda r: f"unit {r['unit']!r} differs from metric {r['metric_id']!r}'s unit {r['metric_unit']!r}")


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


def check_dates(frames: dict[str, pd.DataFrame], file: str, coverage) -> list[Problem]:
    obs = frames["observations"]
    problems = []
    if isinstance(coverage, dict) and coverage.get("start") and coverage.get("end"):
        start, end = pd.Timestamp(coverage["start"]), pd.Timestamp(coverage["end"])
        for column in ("observation_date", "period_start"):
            dates = pd.to_datetime(obs[column])
            outside = dates.notna() & ((dates < start) | (dates > end))
            problems += _problems(obs[outside], file, column, "date-out-of-coverage",
                                  lambda r, c=column: f"{r[c]} is outside the package's coverage {coverage['start']} to {coverage['end']}")
    dates = pd.to_datetime(obs["observation_date"])
    starts = pd.to_datetime(obs["period_start"])
    problems += _problems(obs[starts.notna() & (starts > dates)], file, "period_start", "date-error",
                          lambda r: f"period_start {r['period_start']} is after observation_date {r['observation_date']}")
    sources = frames["sources"][["source_id", "source_date", "date_precision"]]
    joined = obs.reset_index().merge(sources, on="source_id", how="inner").set_index("index")
    latest = _period_end(pd.to_datetime(joined["source_date"]), joined["date_precision"])
    late = joined[pd.to_datetime(joined["observation_date"]) > latest]
    problems += _problems(late, file, "observation_date", "date-error",
                          lambda r: f"{r['observation_date']} is after the date of its source {r['source_id']!r} ({r['source_date']})")
    return problems


def check_evidence_length(obs: pd.DataFrame, file: str) -> list[Problem]:
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = pc.count_substring_regex(pa.array(obs["evidence"].fillna(""), pa.string()), r"\S+")
    words = counts.to_numpy(zero_copy_only=False)
    return _problems(obs[words > 12], file, "evidence", "evidence-error",
                     lambda r: f"evidence has {len(str(r['evidence']).split())} words; at most 12 are kept")


def check_discrepancy_links(frames: dict[str, pd.DataFrame], file: str) -> list[Problem]:
    disc = frames["discrepancies"]
    related = disc["related_observation_ids"].fillna("").str.split()
    named = {i for ids in related for i in ids}
    known = set(frames["observations"]["observation_id"][frames["observations"]["observation_id"].isin(named)])
    unknown = related.map(lambda ids: [i for i in ids if i not in known])
    dangling = (unknown.str.len() > 0).to_numpy()
    rows = disc[dangling].assign(_unknown=unknown[dangling].to_numpy())
    return _problems(rows, file, "related_observation_ids", "foreign-key-error",
                     lambda r: f"{' '.join(r['_unknown'])} not found in observations.observation_id")


def check_provenance(frames: dict[str, pd.DataFrame], files: dict[str, str], sources_dir: Path) -> list[Problem]:
    """Every evidence string verbatim at its line, in the text whose SHA-256 is recorded."""
    problems = []
    obs = frames["observations"]
    sources = frames["sources"]
    held = sources[(sources["source_kind"] == "document_text") & sources["file_name"].notna()]
    for _, source in held.iterrows():
        path = Path(sources_dir) / source["file_name"]
        where = dict(file=files["sources"], row=int(source["_row"]))
        if not path.is_file():
            problems.append(Problem("source-missing", f"source text {source['file_name']!r} not found in {sources_dir}", field="file_name", **where))
            continue
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != source["sha256"]:
            problems.append(Problem("source-hash-mismatch", f"{path.name} has SHA-256 {actual}, the sources table records {source['sha256']}", field="sha256", **where))
            continue
        lines = np.array(data.decode("utf-8").splitlines(), dtype=object)
        mine = obs[obs["source_id"] == source["source_id"]]
        numbers = mine["source_line"].to_numpy(dtype="int64")
        beyond = numbers > len(lines)
        problems += _problems(mine[beyond], files["observations"], "source_line", "locator-error",
                              lambda r, n=len(lines): f"line {r['source_line']} is beyond the end of {r['source_id']!r} ({n} lines)")
        inside = mine[~beyond]
        text = lines[inside["source_line"].to_numpy(dtype="int64") - 1].astype(str)
        evidence = inside["evidence"].fillna("").to_numpy(dtype=str)
        found = np.strings.find(text, evidence) >= 0
        problems += _problems(inside[~found], files["observations"], "evidence", "evidence-not-found",
                              lambda r: f"evidence {r['evidence']!r} is not on line {r['source_line']} of {r['source_id']!r}")
    return problems


def _recorded(frames: dict[str, pd.DataFrame], kinds: set[str]) -> set[str]:
    disc = frames["discrepancies"]
    disc = disc[disc["kind"].isin(kinds)]
    ids = set(disc["observation_id"])
    for related in disc["related_observation_ids"].dropna():
        ids.update(related.split())
    return ids


def check_consistency(frames: dict[str, pd.DataFrame], files: dict[str, str]) -> list[Problem]:
    return (
        check_components(frames, files)
        + check_cumulative(frames, files["observations"])
        + check_same_day_conflicts(frames, files["observations"])
    )


def component_sums(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each stated total beside the sum of its components stated in the same source and date."""
    obs = frames["observations"]
    obs = obs[~obs["status"].isin(["retracted", "withdrawn"])]
    series = frames["series"][["series_id", "parent_series_id", "breakdown"]]
    children = obs.merge(series[series["parent_series_id"].notna()], on="series_id")
    sums = (
        children.groupby(["parent_series_id", "breakdown", "source_id", "observation_date"], observed=True)
        .agg(component_sum=("value", "sum"), component_count=("value", "size"))
        .reset_index()
    )
    totals = obs.merge(sums, left_on=["series_id", "source_id", "observation_date"],
                       right_on=["parent_series_id", "source_id", "observation_date"])
    return totals


def check_components(frames: dict[str, pd.DataFrame], files: dict[str, str]) -> list[Problem]:
    totals = component_sums(frames)
    recorded = _recorded(frames, {"components_exceed_total", "components_differ_from_total"})
    exceed = (totals["component_sum"] > totals["value"]) & totals["qualifier"].isin(UPPER_BOUND_QUALIFIERS)
    unexplained = totals[exceed & ~totals["observation_id"].isin(recorded)]
    problems = _problems(
        unexplained, files["observations"], "value", "components-exceed-total",
        lambda r: f"{r['component_count']} components by {r['breakdown']} sum to {r['component_sum']:g}, more than the total {r['value']:g} "
                  f"({r['observation_id']}); record it in discrepancies",
        severity="warning",
    )
    disc = frames["discrepancies"]
    claimed = disc[disc["kind"].isin(["components_exceed_total", "components_differ_from_total"])]
    for _, claim in claimed.iterrows():
        rows = totals[totals["observation_id"] == claim["observation_id"]]
        holds = (rows["component_sum"] > rows["value"]) if claim["kind"] == "components_exceed_total" else (rows["component_sum"] != rows["value"])
        if not holds.any():
            problems.append(Problem("discrepancy-not-found", f"recorded {claim['kind']} for {claim['observation_id']} does not hold: "
                                    "no breakdown of that figure disagrees with it", file=files["discrepancies"], row=int(claim["_row"]), field="kind"))
    return problems


def check_cumulative(frames: dict[str, pd.DataFrame], file: str) -> list[Problem]:
    metrics = frames["metrics"]
    cumulative = set(metrics.loc[metrics["kind"].isin(["cumulative_count", "money_amount"]), "metric_id"])
    series = frames["series"]
    cumulative_series = set(series.loc[series["metric_id"].isin(cumulative), "series_id"])
    obs = frames["observations"]
    obs = obs[obs["series_id"].isin(cumulative_series) & ~obs["status"].isin(["retracted", "withdrawn"])]
    obs = obs.sort_values(["series_id", "observation_date", "_row"])
    earlier_max = obs.groupby(["series_id", "observation_date"], observed=True)["value"].max().groupby(level=0, observed=True).cummax()
    earlier_max = earlier_max.groupby(level=0, observed=True).shift(1).rename("earlier_max").reset_index()
    obs = obs.merge(earlier_max, on=["series_id", "observation_date"], how="left")
    falls = obs[obs["value"] < obs["earlier_max"]]
    recorded = _recorded(frames, {"cumulative_decrease"})
    return _problems(falls[~falls["observation_id"].isin(recorded)], file, "value", "cumulative-decrease",
                     lambda r: f"{r['value']:g} on {r['observation_date']} is below an earlier figure {r['earlier_max']:g} of cumulative series "
                               f"{r['series_id']!r}; record it in discrepancies", severity="warning")


def check_same_day_conflicts(frames: dict[str, pd.DataFrame], file: str) -> list[Problem]:
    """Different exact figures of one series on one day; hedged figures (more than 400 vs 402) may agree."""
    obs = frames["observations"]
    obs = obs[~obs["status"].isin(["retracted", "withdrawn"]) & (obs["qualifier"] == "exact")]
    spread = obs.groupby(["series_id", "observation_date"], observed=True)["value"].transform("nunique")
    conflicting = obs[spread > 1]
    recorded = _recorded(frames, {"conflicting_figures"})
    return _problems(conflicting[~conflicting["observation_id"].isin(recorded)], file, "value", "conflicting-figures",
                     lambda r: f"{r['value']:g} differs from another figure of series {r['series_id']!r} on {r['observation_date']}; "
                               "record it in discrepancies", severity="warning")
