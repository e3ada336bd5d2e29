"""`jants.load()` and `jants.observations()` give typed, joined pandas tables."""

from __future__ import annotations

import pandas as pd

import jants
from jants import model


def test_load_types(project):
    tables = jants.load(project)
    assert list(tables) == list(model.TABLES)
    obs = tables.observations
    assert pd.api.types.is_datetime64_any_dtype(obs["observation_date"])
    assert isinstance(obs["qualifier"].dtype, pd.CategoricalDtype)
    assert list(obs["qualifier"].cat.categories) == model.QUALIFIERS
    assert obs["value"].dtype == "float64"
    assert "observations:" in repr(tables)


def test_tidy_observations_have_labels(project):
    tidy = jants.observations(project)
    assert len(tidy) == len(jants.load(project).observations)
    for column in ("series_label", "metric_label", "metric_unit", "topic", "body_name", "source_title"):
        assert tidy[column].notna().all(), column
