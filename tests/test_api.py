"""`jants.load()` and `jants.observations()` give typed, joined pandas tables."""

from __future__ import annotations

import pandas as pd
import pytest

import jants
from jants import model


def test_load_types(project):
    tables = jants.load(project)
    assert list(tables) == list(model.PUBLISHED)
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


def test_load_gives_the_figures_table_beside_the_model_tables(project):
    tables = jants.load(project)
    figures = tables.figures
    assert list(figures.columns) == [field["name"] for field in model.FIGURES["fields"]]
    assert sorted(figures["observation_id"]) == sorted(tables.observations["observation_id"])
    assert pd.api.types.is_datetime64_any_dtype(figures["observation_date"])
    assert figures["value"].dtype == "float64"


def test_load_as_of_keeps_figures_and_observations_in_step(project):
    tables = jants.load(project, as_of="2022-03-01")
    assert 0 < len(tables.observations) < len(jants.load(project).observations)
    assert sorted(tables.figures["observation_id"]) == sorted(tables.observations["observation_id"])
    assert (tables.figures["observation_date"] <= pd.Timestamp("2022-03-01")).all()


def test_load_of_a_release_before_figures_gives_the_model_tables(project):
    tables = jants.load(version="0.3.0")
    assert list(tables) == list(model.TABLES)


def test_load_warns_about_a_table_that_differs_from_its_descriptor(project, tmp_path):
    import shutil
    import warnings

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    copy = tmp_path / "package"
    shutil.copytree(project / "data", copy / "data")
    shutil.copy(project / "datapackage.json", copy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jants.load(copy)  # as built: no warning
    path = copy / "data" / "observations.parquet"
    table = pq.read_table(path)
    column = table.schema.get_field_index("value")
    pq.write_table(table.set_column(column, "value", pc.add(table["value"], 1)), path)
    with pytest.warns(UserWarning, match=r"data/observations\.parquet: .*not the file the package was built with"):
        tables = jants.load(copy)
    assert len(tables.observations) == len(table)
