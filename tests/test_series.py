"""A user can follow one concept over time: the same series across dates, bodies and sources."""

from __future__ import annotations

import pytest

import jants


HELD_DOCUMENTS = ["briefing-2022-02-16", "mfa-reply-ohchr-2022-03-18", "briefing-2022-04-11",
                  "acca-briefing-2022-04-19", "mazhilis-hearing-2023-01-05"]


@pytest.fixture(scope="module")
def tidy(project):
    return jants.observations(project)


@pytest.mark.parametrize("series_id, trajectory", [
    ("persons_killed", [("2022-03-18", 230), ("2023-01-05", 238)]),
    ("criminal_cases", [("2022-02-16", 3096), ("2022-03-18", 3770), ("2023-01-05", 5300)]),
    ("weapons_handed_in", [("2022-02-16", 68), ("2022-04-11", 122)]),
    ("persons_convicted", [("2022-03-18", 72), ("2022-04-11", 168), ("2023-01-05", 1205)]),
])
def test_trajectory(tidy, series_id, trajectory):
    """The figures of the five held documents (web reports add more, see test_web_reports)."""
    rows = tidy[(tidy.series_id == series_id) & tidy.source_id.isin(HELD_DOCUMENTS)]
    got = [(d.strftime("%Y-%m-%d"), v) for d, v in zip(rows.observation_date, rows.value)]
    assert got == [(d, float(v)) for d, v in trajectory]


def test_every_observation_has_a_series_label_and_unit(tidy):
    assert tidy.series_label.notna().all()
    assert (tidy.unit == tidy.metric_unit).all()


def test_components_point_to_a_total_of_the_same_unit(project):
    tables = jants.load(project)
    series = tables.series.merge(tables.metrics[["metric_id", "unit"]], on="metric_id")
    parents = series.set_index("series_id")["unit"]
    components = series[series.parent_series_id.notna()]
    assert (components.unit.to_numpy() == parents.loc[components.parent_series_id].to_numpy()).all()
