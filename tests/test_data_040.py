"""What the next release promises about its data (issue 18, what 0.3.0 left): the held-back figures
recorded by CURATION.md or left out with a reason, one status rule, hedged figures compared as
ranges, dates compared by their precision, and the data README's count of figures by status;
each rule checked on the package, so that breaking it fails a test."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import jants
from conftest import derive_figures, read_rows, rehash, row_of, set_cell, without_parquet, write_rows
from jants import model
from jants.publish.datareadme import data_readme
from jants.validate import validate_package


@pytest.fixture(scope="module")
def tables(project):
    return jants.load(project)


def _noted(obs: pd.DataFrame, lead: str) -> pd.DataFrame:
    return obs[obs["note"].str.startswith(f"{lead}.", na=False)]


def _bounds(obs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest figure a row allows, read from CURATION.md 2 ('almost': a little below)."""
    qualifier = obs["qualifier"].astype(str)
    value = obs["value"].to_numpy(dtype=float)
    highest = np.where(qualifier == "range", obs["value_upper"].to_numpy(dtype=float), value)
    highest = np.where(qualifier.isin(["more_than", "at_least"]), np.inf, highest)
    lowest = np.where(qualifier.isin(["less_than", "at_most", "almost"]), -np.inf, value)
    return lowest, highest


def _standing_figures(tables) -> pd.DataFrame:
    obs = tables["observations"]
    obs = obs[~obs["status"].isin(model.NOT_STANDING)]
    bodies = tables["bodies"].set_index("body_id")["body_type"].astype(str)
    lowest, highest = _bounds(obs)
    return obs.assign(lowest=lowest, highest=highest, precision=obs["date_precision"].astype(object), body_type=obs["body_id"].astype(str).map(bodies))


def _conflicts(figures: pd.DataFrame, others: pd.DataFrame) -> pd.DataFrame:
    pairs = figures.merge(others, on="series_id", suffixes=("", "_other"))
    pairs = pairs[pairs["observation_id"] != pairs["observation_id_other"]]
    return pairs[(pairs["highest"] < pairs["lowest_other"]) | (pairs["highest_other"] < pairs["lowest"])]


def test_held_back_figures_are_recorded_with_source_evidence_and_body(tables):
    obs, sources, bodies = tables["observations"], tables["sources"].set_index("source_id"), tables["bodies"].set_index("body_id")
    recorded = {"Lead N007": 3, "Lead N015": 1, "Pointer P16": 4}  # observations per lead, after 0.4.0
    for lead, count in recorded.items():
        rows = _noted(obs, lead)
        assert len(rows) == count, lead
        for row in rows.itertuples():
            source = sources.loc[row.source_id]
            assert source["source_kind"] == "web_report" and source["url"].startswith("https://"), row.observation_id
            assert row.evidence and (source["language"] == "en" or isinstance(row.evidence_en, str)), row.observation_id
    verdict = _noted(obs, "Lead N015").iloc[0]
    assert bodies.loc[verdict["body_id"], "kind"] == "court" and bodies.loc[verdict["body_id"], "body_type"] == "authority"
    assert "пятерых" in verdict["evidence"] and verdict["value"] == 5


def test_a_tenge_amount_with_a_dollar_equivalent_in_brackets_is_recorded_twice(tables):
    """CURATION 2: both amounts, the dollar one in a series that says it is the source's conversion."""
    obs = tables["observations"]
    metrics = tables["metrics"].set_index("metric_id")
    metric_of = tables["series"].set_index("series_id")["metric_id"]
    bracketed = obs[obs["evidence"].str.contains(r"(?:KZT|tenge|тенге|теңге)[^()]*\((?:approximately |about |около |~)?\$", regex=True, na=False)]
    assert len(bracketed)
    dollars = set(obs.loc[obs["unit"] == "USD", "source_id"])
    for row in bracketed[bracketed["unit"] == "KZT"].itertuples():
        assert row.source_id in dollars, row.observation_id
    assert set(bracketed["source_id"]) <= set(obs.loc[obs["unit"] == "KZT", "source_id"])
    conversion = obs[obs["observation_id"] == "daryo-2023-11-15-003"].iloc[0]
    assert conversion["unit"] == "USD" and conversion["qualifier"] == "approximately"
    assert "conversion" in metrics.loc[metric_of[conversion["series_id"]], "label"]


def test_figures_left_out_are_not_recorded_and_say_why(project, tables):
    evidence = tables["observations"]["evidence"]
    assert not evidence.str.endswith("1,5 ты").any()
    assert not evidence.str.contains("сотню человек", regex=False).any()
    left_out = (project / "docs" / "leads.md").read_text(encoding="utf-8").split("## Left out", 1)[1]
    assert "| N035 | A conjecture" in left_out and "| P08 '1,5 ты' |" in left_out


def test_disputed_means_a_conflicting_official_figure_of_the_same_day(tables):
    """Both figures of a same-day conflict between authorities are disputed; a figure dated only
    on or before a day is disputed when an official figure of a date it may have conflicts."""
    figures = _standing_figures(tables)
    official = figures[figures["body_type"] == "authority"]
    to_the_day = official[official["precision"].isna() | (official["precision"] == "day")]
    conflicts = _conflicts(to_the_day, to_the_day)
    same_day = conflicts[conflicts["observation_date"] == conflicts["observation_date_other"]]
    assert set(same_day["observation_id"]) <= set(figures.loc[figures["status"] == "disputed", "observation_id"])
    pairs = _conflicts(figures, official)
    for row in figures[figures["status"] == "disputed"].itertuples():
        mine = pairs[pairs["observation_id"] == row.observation_id]
        if row.precision == "on_or_before":
            mine = mine[mine["observation_date_other"] <= row.observation_date]
        else:
            mine = mine[mine["observation_date_other"] == row.observation_date]
        assert len(mine), f"{row.observation_id} is disputed but no official figure of its date conflicts with it"
        assert isinstance(row.status_source_id, str), row.observation_id


def test_a_headline_has_the_status_of_the_same_figure_in_the_text(tables):
    obs = tables["observations"].set_index("observation_id")
    assert obs.loc["fairfieldcitizen-2022-01-09-002", "status"] == obs.loc["fairfieldcitizen-2022-01-09-001", "status"] == "disputed"
    assert obs.loc["interfax-2022-03-14-004", "status"] == obs.loc["interfax-2022-03-14-002", "status"] == "disputed"


def test_undated_tolls_carry_an_upper_bound_precision(tables):
    obs = tables["observations"].set_index("observation_id")
    for figure in ("rferl-2022-03-14-002", "joint-ngo-statement-2022-07-29-001"):
        assert obs.loc[figure, "date_precision"] == "on_or_before" and "upper bound" in obs.loc[figure, "note"]
    field = next(f for f in model.schema("observations")["fields"] if f["name"] == "date_precision")
    assert "required" not in field["constraints"]


def _validated(package):
    derive_figures(package)  # the figures table follows the tables a test changed, as jants build would
    without_parquet(package)
    rehash(package)
    return validate_package(package)


def _drop_discrepancies(package, ids):
    path = package / "data" / "discrepancies.csv"
    write_rows(path, [row for row in read_rows(path) if row[0] not in ids])


QUALIFIER_ONLY = ["d027", "d039", "d043", "d047", "d050", "d055", "d056", "d066"]


def test_hedged_figures_are_compared_as_ranges(package):
    """'more than 200' after 238, 'over 10,000' after 'nearly 12,000', 1,396 after 'nearly 1,400':
    no fall, so these recorded discrepancies are not needed for a clean package."""
    _drop_discrepancies(package, QUALIFIER_ONLY)
    report = _validated(package)
    assert not report.errors and not [p for p in report.problems if p.code == "cumulative-decrease"]


def test_an_exact_figure_below_an_earlier_one_is_still_a_fall(package):
    _drop_discrepancies(package, ["d050"])
    set_cell(package, "observations", row_of(package, "observations", "observation_id", "rferl-2022-12-001"), "qualifier", "exact", rehash_all=False)
    found = [p for p in _validated(package).problems if p.code == "cumulative-decrease"]
    assert [(p.severity, p.row) for p in found] == [("warning", row_of(package, "observations", "observation_id", "rferl-2022-12-001"))]


def test_a_figure_dated_on_or_before_a_day_has_no_day_to_share(package):
    path = package / "data" / "discrepancies.csv"
    rows = read_rows(path)
    d052 = next(row for row in rows if row[0] == "d052")
    d052[2], d052[3] = "interfax-2022-03-14-002", "gazeta-media-2022-03-14-001 interfax-2022-03-14-004 rferl-2022-03-14-001"
    write_rows(path, rows)
    report = _validated(package)
    assert not report.errors and not [p for p in report.problems if p.code == "conflicting-figures"]
    figure = row_of(package, "observations", "observation_id", "rferl-2022-03-14-002")
    set_cell(package, "observations", figure, "date_precision", "", rehash_all=False)
    found = [p for p in _validated(package).problems if p.code == "conflicting-figures"]
    assert [p.row for p in found] == [figure]


def test_kept_discrepancies_say_what_the_check_now_finds(tables):
    explanations = tables["discrepancies"].set_index("discrepancy_id")["explanation"]
    for discrepancy in QUALIFIER_ONLY:
        assert "no longer finds this fall" in explanations[discrepancy], discrepancy
    assert "on_or_before" in explanations["d052"]


def test_data_readme_counts_figures_by_status(project, tables):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    text = data_readme(project, descriptor, "2026-12-02")
    counts = tables["observations"]["status"].astype(str).value_counts()
    line = next(line for line in text.splitlines() if line.startswith("By `status`:"))
    for status, count in counts.items():
        assert f"{count:,} {status}" in line, status
    assert sum(int(part.split()[0].replace(",", "")) for part in line.split(":", 1)[1].split(";")) == len(tables["observations"])
