"""`jants plot`: one Vega-Lite specification per chart, rendered to SVG or PNG; series of
different scale in panels of their own; bodies, qualifiers, statuses and sources named."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

import jants
from jants.cli import cli
from jants.explore.plot import COLOURS, chart_spec


def plot(project, tmp_path, name, *args):
    output = tmp_path / name
    result = CliRunner().invoke(cli, ["plot", *args, "--path", str(project), "-o", str(output)])
    return result, output


@pytest.fixture(scope="module")
def tables(project):
    return jants.load(project)


def panels(spec: dict) -> list[dict]:
    """The series panels of a chart (those with a y-axis of figures), top to bottom."""
    inner = spec["vconcat"][0]
    return [p for p in inner["vconcat"] if any(layer.get("mark", {}).get("type") == "point" and "tooltip" in layer.get("encoding", {}) for layer in p.get("layer", []))]


def test_two_series_of_different_scale_get_a_panel_and_an_axis_each(project, tmp_path, tables):
    spec = chart_spec(tables, ["persons_killed", "persons_injured"])
    drawn = panels(spec)
    assert [p["title"]["text"].split(" (")[0] for p in drawn] == ["Persons killed", "Persons injured"]
    assert spec["vconcat"][0]["resolve"]["scale"]["y"] == "independent"
    killed, injured = (spec["datasets"][p["data"]["name"]] for p in drawn)
    assert max(r["value"] for r in killed) < 300 < 4000 < max(r["value"] for r in injured)  # a shared axis would flatten the deaths
    assert all(layer["encoding"]["y"]["title"] == "persons" for p in drawn for layer in p["layer"])
    result, output = plot(project, tmp_path, "casualties.svg", "persons_killed", "persons_injured")
    assert result.exit_code == 0, result.output
    svg = output.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Persons killed" in svg and "Persons injured" in svg


def test_svg_is_deterministic_and_names_bodies_qualifiers_statuses_and_sources(project, tmp_path):
    first, a = plot(project, tmp_path, "a.svg", "persons_sent_to_court")
    second, b = plot(project, tmp_path, "b.svg", "persons_sent_to_court")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert hashlib.sha256(a.read_bytes()).hexdigest() == hashlib.sha256(b.read_bytes()).hexdigest()
    svg = a.read_text(encoding="utf-8")
    for text in ("Ministry of Internal Affairs", "Ministry of Foreign Affairs", "more than / at least", "exact", "Marker fill: status",
                 "reported (filled)", "acca-briefing-2022-04-19", "briefing-2022-04-11", "mfa-reply-ohchr-2022-03-18", "persons",
                 "CC-BY-4.0", f"jants {jants.__version__}"):
        assert text in svg, text


def test_every_point_has_its_source_evidence_and_status_in_its_tooltip(tables):
    spec = chart_spec(tables, ["persons_killed"])
    points = next(layer for layer in panels(spec)[0]["layer"] if layer["mark"]["type"] == "point")
    shown = {item["field"] for item in points["encoding"]["tooltip"]}
    assert {"figure", "when", "status", "stated_by", "source", "link", "evidence", "english"} <= shown
    assert points["encoding"]["href"]["field"] == "url"
    records = spec["datasets"][panels(spec)[0]["data"]["name"]]
    deaths = jants.series("persons_killed", tables=tables)
    assert len(records) == len(deaths)
    volunteers = [r for r in records if r["figure"] == "at least 263"]
    assert volunteers and volunteers[0]["stated_by"].endswith("(independent count)") and volunteers[0]["url"].startswith("http")
    assert all(r["evidence"] and r["source"] for r in records)


def test_each_body_has_its_own_colour_and_each_shape_one_meaning(tables):
    for series in (["persons_killed"], ["criminal_cases"], ["persons_detained"], ["persons_killed", "persons_injured"]):
        spec = chart_spec(tables, series)
        encoding = next(layer for layer in panels(spec)[0]["layer"] if layer["mark"]["type"] == "point")["encoding"]
        colours = encoding["color"]["scale"]
        assert len(set(colours["range"])) == len(colours["domain"]) and set(colours["range"]) <= set(COLOURS), series
        shapes = encoding["shape"]["scale"]
        assert len(set(shapes["range"])) == len(shapes["domain"]), series  # no shape means two things
        assert encoding["fillOpacity"]["field"] == "status" and encoding["shape"]["field"] == "hedge"


def test_range_and_components(project, tmp_path):
    result, output = plot(project, tmp_path, "range.svg", "payment_per_participant_usd")
    assert result.exit_code == 0, result.output
    svg = output.read_text(encoding="utf-8")
    assert "range (from–to, bar)" in svg and "US dollars (USD)" in svg
    result, output = plot(project, tmp_path, "parts.svg", "criminal_cases", "--components")
    assert result.exit_code == 0, result.output
    svg = output.read_text(encoding="utf-8")
    assert "special prosecutors" in svg and "Components by agency" in svg and "Components by crime type" in svg


def test_png_output(project, tmp_path):
    result, output = plot(project, tmp_path, "chart.png", "persons_killed", "persons_injured")
    assert result.exit_code == 0, result.output
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_series_and_format_are_usage_errors(project, tmp_path):
    result, _ = plot(project, tmp_path, "x.svg", "no_such_series")
    assert result.exit_code == 2 and "no series no_such_series" in result.output
    result, _ = plot(project, tmp_path, "x.pdf", "persons_killed")
    assert result.exit_code == 2 and ".svg or .png" in result.output


def test_a_chart_with_more_bodies_than_colours_is_a_usage_error(project, tmp_path, tables):
    crowded = tables["observations"].groupby("series_id", observed=True)["body_id"].nunique().sort_values(ascending=False).index[:40]
    bodies = tables["observations"].loc[tables["observations"]["series_id"].isin(crowded), "body_id"].nunique()
    assert bodies > len(COLOURS)  # the package has enough bodies to try
    result, _ = plot(project, tmp_path, "crowded.svg", *crowded)
    assert result.exit_code == 2 and "colours of their own" in result.output


def test_a_chart_file_gets_the_permissions_of_any_new_file(project, tmp_path):
    from jants.files import current_umask

    result, output = plot(project, tmp_path, "shared.svg", "persons_killed")
    assert result.exit_code == 0, result.output
    assert output.stat().st_mode & 0o777 == 0o666 & ~current_umask()  # not mkstemp's 0600
