"""`jants plot`: one Vega-Lite specification per chart, rendered to SVG or PNG; series of
different scale in panels of their own; bodies, qualifiers, statuses and sources named."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

import jants
from jants.cli import cli
from jants import model
from jants.explore.plot import COLOURS, HEADLINE_SERIES, STATUS_LOOK, body_colours, chart_colours, chart_spec


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
    return [p for p in inner.get("vconcat", inner.get("concat")) if any(layer.get("mark", {}).get("type") == "point" and "tooltip" in layer.get("encoding", {}) for layer in p.get("layer", []))]


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
    for text in ("Ministry of Internal Affairs", "Ministry of Foreign Affairs", "more than / at least", "exact", "Marker fill and outline: status",
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
        assert encoding["shape"]["field"] == "hedge"
        assert all(encoding[channel]["field"] == "status" for channel in ("fillOpacity", "strokeDash", "opacity"))


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


def point_encoding(spec: dict, panel: int = 0) -> dict:
    return next(layer for layer in panels(spec)[panel]["layer"] if layer["mark"]["type"] == "point")["encoding"]


def test_each_status_is_drawn_its_own_way_and_the_key_says_which(project, tmp_path, tables):
    """Fill, outline dash and opacity together tell every status apart: hollow is not two things."""
    assert sorted(STATUS_LOOK) == sorted(model.STATUSES)
    looks = [(fill, tuple(dash), opacity) for fill, dash, opacity, _ in STATUS_LOOK.values()]
    assert len(set(looks)) == len(looks)
    for series in (["persons_killed"], ["criminal_cases"]):  # retracted and disputed; withdrawn
        spec = chart_spec(tables, series)
        encoding = point_encoding(spec)
        drawn = [r["status"] for r in spec["datasets"][panels(spec)[0]["data"]["name"]]]
        domain = encoding["fillOpacity"]["scale"]["domain"]
        assert set(domain) == set(drawn) and len(domain) > 1, series
        combos = {
            status: (encoding["fillOpacity"]["scale"]["range"][i], tuple(encoding["strokeDash"]["scale"]["range"][i]), encoding["opacity"]["scale"]["range"][i])
            for i, status in enumerate(domain)
        }
        assert all(encoding[c]["scale"]["domain"] == domain for c in ("strokeDash", "opacity"))
        assert len(set(combos.values())) == len(combos), combos
        assert [row["label"] for row in spec["datasets"]["status_key"]] == [STATUS_LOOK[s][3] for s in domain]
    assert {"retracted", "disputed"} <= set(point_encoding(chart_spec(tables, ["persons_killed"]))["fillOpacity"]["scale"]["domain"])
    assert "withdrawn" in point_encoding(chart_spec(tables, ["criminal_cases"]))["fillOpacity"]["scale"]["domain"]
    result, output = plot(project, tmp_path, "killed.svg", "persons_killed")
    svg = output.read_text(encoding="utf-8")
    assert "retracted by the body (hollow, dashed outline)" in svg and "disputed by another official figure (hollow)" in svg
    assert 'stroke-dasharray="2,2"' in svg  # the retracted figure's outline


def report_charts(tables):
    """The series of every chart the report draws: a metric page's, and the index timeline."""
    from jants.explore.report import _chart_series

    tidy = jants.observations(tables=tables)
    charts = [_chart_series(tables, tidy, m)[0] for m in tables["metrics"]["metric_id"]]
    return [c for c in charts if c] + [[s for s in HEADLINE_SERIES if s in set(tables["observations"]["series_id"])]]


def colours_of(spec: dict) -> dict[str, str]:
    scale = point_encoding(spec)["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"]))


def test_a_body_has_one_colour_on_every_page_and_no_chart_repeats_one(tables):
    import jants

    tidy = jants.observations(tables=tables)
    killed = colours_of(chart_spec(tables, ["persons_killed"], tidy=tidy, standalone=False))
    cases = colours_of(chart_spec(tables, ["criminal_cases"], tidy=tidy))
    both = set(killed) & set(cases)
    assert "Prosecutor General's Office" in both  # a body on two metric pages, in a report chart and a chart file
    assert all(killed[body] == cases[body] for body in both)
    by_label = {}
    for series in report_charts(tables):
        spec = chart_spec(tables, series, tidy=tidy, standalone=False, overview="x" if len(series) > 4 else None)
        colours = colours_of(spec)
        assert len(set(colours.values())) == len(colours), series  # never one colour for two bodies of a chart
        for label, colour in colours.items():
            assert by_label.setdefault(label, colour) == colour, (label, series)  # the same on every page
    assert len(by_label) > len(COLOURS)  # more bodies than colours, and still no clash in any chart
    assert body_colours(tidy) is body_colours(tidy)  # deterministic and computed once per table


def test_a_chart_file_mixing_topics_settles_a_colour_clash_without_a_repeat():
    records = [{"body": "A", "body_id": "a"}, {"body": "B", "body_id": "b"}, {"body": "C", "body_id": "c"}]
    chosen = chart_colours(records, {"a": COLOURS[0], "b": COLOURS[0], "c": COLOURS[1]})
    assert chosen == {"A": COLOURS[0], "B": COLOURS[2], "C": COLOURS[1]}  # the body with more figures keeps its colour


def test_time_axis_is_linear_and_every_tick_of_a_chart_file_is_labelled_once(project, tmp_path, tables):
    import re

    for series in (["persons_killed"], ["criminal_cases"], ["persons_detained"]):
        spec = chart_spec(tables, series)
        x = point_encoding(spec)["x"]
        assert x["type"] == "temporal" and x["scale"]["type"] == "utc", series  # not log, not a day count
        assert x["axis"]["values"] == sorted(x["axis"]["values"]) and len(x["axis"]["values"]) >= 4
    import datetime

    ticks = point_encoding(chart_spec(tables, ["persons_killed", "persons_injured"]))["x"]["axis"]["values"]
    months = [datetime.date.fromisoformat(t) for t in ticks]
    expected = [f"{d:%Y}" if d.month == 1 else f"{d:%b}" for d in months]
    result, output = plot(project, tmp_path, "axis.svg", "persons_killed", "persons_injured")
    assert result.exit_code == 0, result.output
    svg = output.read_text(encoding="utf-8")
    axes = re.findall(r'<g class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg)
    labels = [re.findall(r'opacity="([\d.]+)"[^>]*>([^<]*)</text>', axis) for axis in axes]
    dates = [axis for axis in labels if any(text in ("Jul", "2023") for _, text in axis)]
    assert len(dates) == 2  # a time axis per panel
    for axis in dates:
        texts = [text for _, text in axis]
        assert all(opacity == "1" for opacity, _ in axis), axis  # none hidden for overlap: no skipped tick
        assert texts == expected, texts  # a label per tick: the year at January, else the month
        assert all(a != b for a, b in zip(texts, texts[1:]))  # never the same label twice in a row


def test_report_charts_leave_titles_to_the_page_and_zoom_the_time_axis(tables):
    report = chart_spec(tables, ["persons_killed"], standalone=False)
    file = chart_spec(tables, ["persons_killed"])
    assert "title" not in report and "title" not in report["vconcat"][0]  # the page's heading and footer say it
    assert "title" not in panels(report)[0]  # one series: its name is the page's heading
    assert file["vconcat"][0]["title"]["text"] == "Persons killed" and "CC-BY-4.0" in " ".join(file["title"]["text"])
    (zoom,) = report["params"]
    assert zoom["bind"] == "scales" and zoom["select"] == {"type": "interval", "encodings": ["x"]}
    named = [layer.get("name") for p in panels(report) for layer in p["layer"]]
    assert set(zoom["views"]) <= set(named) and len(zoom["views"]) == len(panels(report))
    assert "params" not in file
    assert "values" not in point_encoding(report)["x"]["axis"]  # Vega picks ticks for the zoomed view


def test_figures_of_one_date_are_set_apart(tables):
    spec = chart_spec(tables, ["persons_killed", "persons_detained"])
    crowded = 0
    for panel in panels(spec):
        records = spec["datasets"][panel["data"]["name"]]
        by_date = {}
        for r in records:
            by_date.setdefault(r["date"], []).append(r["nudge"])
        for nudges in by_date.values():
            assert len(set(nudges)) == len(nudges) and abs(sum(nudges)) < 1e-6, nudges  # apart, centred on the date
            crowded += len(nudges) > 1
        points = next(layer for layer in panel["layer"] if layer["mark"]["type"] == "point")
        assert points["mark"]["xOffset"] == {"expr": "datum.nudge"}
    assert crowded  # the package has figures stated on the same day


def test_an_agency_component_has_the_colour_of_its_body(tables):
    spec = chart_spec(tables, ["criminal_cases"], components=True)
    inner = spec["vconcat"][0]["vconcat"]
    agency = next(p for p in inner if p.get("title", {}).get("text") == "Components by agency")
    scale = agency["encoding"]["color"]["scale"]
    components = dict(zip(scale["domain"], scale["range"]))
    bodies = colours_of(spec)
    assert components["Ministry of Internal Affairs"] == bodies["Ministry of Internal Affairs"]
    assert len(set(components.values())) == len(components)


def test_dates_read_only_as_precisely_as_they_are_known():
    """A month, a year or an upper bound never reads as an exact day."""
    import datetime

    from jants.formatting import date_as_stated, date_precision

    day = datetime.date(2022, 7, 29)
    assert [date_as_stated(day, p) for p in (None, "", "day", "month", "year", "on_or_before")] == [
        "2022-07-29", "2022-07-29", "2022-07-29", "2022-07", "2022", "on or before 2022-07-29"]
    assert [date_as_stated(day, p, long=True) for p in ("day", "month", "year", "on_or_before")] == [
        "29 July 2022", "July 2022", "2022", "on or before 29 July 2022"]
    assert date_as_stated(None, "day") == ""
    with pytest.raises(ValueError):
        date_as_stated(day, "week")
    # empty: the source's precision where the figure is dated by the source's own date, else the day
    assert date_precision(None, day, day, "year") == "year"
    assert date_precision(float("nan"), day, datetime.date(2022, 12, 31), "year") == "day"
    assert date_precision("on_or_before", day, day, "year") == "on_or_before"
    assert date_precision("", day, day, "day_of_statement") == "day"


@pytest.mark.parametrize("observation_id, when", [
    ("joint-ngo-statement-2022-07-29-001", "on or before 29 July 2022"),  # its own precision
    ("kaskelen-2024-01-001", "January 2024"),  # dated by a source known to the month
    ("sotreport-2023-001", "2023"),  # dated by a source known to the year
])
def test_tooltips_give_the_date_as_precisely_as_it_is_known(tables, observation_id, when):
    series_id = tables["observations"].set_index("observation_id").at[observation_id, "series_id"]
    spec = chart_spec(tables, [series_id])
    records = [r for p in panels(spec) for r in spec["datasets"][p["data"]["name"]]]
    assert [r["when"] for r in records if r["id"] == observation_id] == [when]
