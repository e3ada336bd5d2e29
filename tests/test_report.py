"""`jants report`: an offline HTML report, checked for links and accessibility in Python
and opened in headless Chromium (screenshots kept in tests/output/report/)."""

from __future__ import annotations

import functools
import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from jants.cli import cli

OUTPUT = Path(__file__).parent / "output" / "report"
pytestmark = pytest.mark.slow  # writes 80 pages with charts and opens them in Chromium


@pytest.fixture(scope="module")
def report(project, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "site"
    result = CliRunner().invoke(cli, ["report", "--path", str(project), "-o", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.loads, self.ids, self.h1, self.th_without_scope, self.lang = [], [], set(), 0, 0, None
        self.text: list[str] = []
        self._in_data_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])
        if tag in ("img", "script", "iframe", "source") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "h1":
            self.h1 += 1
        if tag == "th" and not attrs.get("scope"):
            self.th_without_scope += 1
        self._in_data_script = tag == "script" and attrs.get("type") == "application/json"

    def handle_endtag(self, tag):
        self._in_data_script = False

    def handle_data(self, data):
        if not self._in_data_script:
            self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@functools.cache
def ids_of(path: Path) -> set[str]:
    return parse(path).ids


# Text a missing value leaves when printed: pandas' NaN and NA, Python's None, an empty locator.
MISSING = re.compile(r"\b(nan|NaN|None|NaT)\b|<NA>|line , :|line nan")


def test_every_metric_has_a_page_with_a_chart_its_figures_and_a_csv(project, report):
    import csv

    import jants

    tidy = jants.observations(project)
    metrics = [line.split(",")[0] for line in (project / "data" / "metrics.csv").read_text(encoding="utf-8").splitlines()[1:]]
    for metric in metrics:
        page = report / "metrics" / f"{metric}.html"
        text = page.read_text(encoding="utf-8")
        assert ("line " in text or "web page: " in text) and "<table>" in text, metric
        assert '<script type="application/json" data-chart="chart">' in text and '<script src="../vega-embed.js">' in text, metric
        with open(report / "csv" / f"{metric}.csv", encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        own = tidy[tidy["metric_id"] == metric]
        assert sorted(r["observation_id"] for r in rows) == sorted(own["observation_id"]), metric
        assert f'href="../csv/{metric}.csv"' in text
    index = (report / "index.html").read_text(encoding="utf-8")
    assert all(f'href="metrics/{m}.html"' in index for m in metrics)
    assert "not that it is true" in index
    assert "d001" in (report / "discrepancies.html").read_text(encoding="utf-8")


def test_no_page_shows_missing_value_text_and_every_page_names_version_licence_and_citation(project, report):
    import json

    version = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))["version"]
    pages = sorted(report.rglob("*.html"))
    for path in pages:
        page = parse(path)
        text = " ".join(page.text)
        found = MISSING.search(text)
        assert not found, f"{path.name}: {found.group(0)!r} in {text[max(0, found.start() - 80):found.end() + 40]!r}"
        assert f"jants version {version}" in text and "Creative Commons Attribution 4.0" in text, path.name
        assert "Cite this:" in text and f"Version {version}" in text, path.name
    for chart in report.glob("metrics/*.html"):  # the charts' data: no NaN, which JSON cannot even hold
        assert "NaN" not in chart.read_text(encoding="utf-8"), chart.name


def test_the_report_folder_is_readable_as_any_new_folder(report):
    from jants.files import current_umask

    assert report.stat().st_mode & 0o777 == 0o777 & ~current_umask()  # not mkdtemp's 0700
    assert (report / "index.html").stat().st_mode & 0o777 == 0o666 & ~current_umask()


def test_links_are_unbroken_nothing_loads_from_outside_and_pages_are_accessible(report):
    pages = sorted(report.rglob("*.html"))
    assert len(pages) > 60
    outside = re.compile(r"^[a-z]+://|^//")
    for path in pages:
        page = parse(path)
        assert page.lang == "en" and page.h1 == 1, path
        assert page.th_without_scope == 0, path
        for load in page.loads:  # scripts, styles, images: from the folder, never from the web
            assert not outside.match(load), f"{path}: {load} loads from outside the report (offline)"
            assert (path.parent / load).resolve().exists(), f"{path}: missing {load}"
        for link in page.links:
            if outside.match(link):  # a source's web address or the licence: only a click leaves
                assert link.startswith("https://") or link.startswith("http://"), link
                continue
            target, _, anchor = link.partition("#")
            linked = (path.parent / target).resolve() if target else path
            assert linked.exists(), f"{path}: broken link {link}"
            if anchor:
                assert anchor in ids_of(linked), f"{path}: {link} points at no element"


def test_figures_link_their_sources_and_discrepancies_link_both_ways(project, report):
    import jants

    tables = jants.load(project)
    sources = tables["sources"].set_index("source_id")
    killed = (report / "metrics" / "persons_killed.html").read_text(encoding="utf-8")
    for row in jants.series("persons_killed", tables=tables).itertuples():
        cells = killed.split(f'<tr id="{row.observation_id}">', 1)[1].split("</tr>", 1)[0]
        url = sources.at[row.source_id, "url"]
        if isinstance(url, str) and url:
            assert f'href="{url.replace("&", "&amp;")}"' in cells, row.observation_id
        else:
            assert f"{sources.at[row.source_id, 'file_name']}:{int(row.source_line)}" in cells, row.observation_id
    discrepancies = (report / "discrepancies.html").read_text(encoding="utf-8")
    first = tables["discrepancies"].iloc[0]
    metric = tables["series"].set_index("series_id").at[tables["observations"].set_index("observation_id").at[first["observation_id"], "series_id"], "metric_id"]
    assert f'href="metrics/{metric}.html#{first["observation_id"]}"' in discrepancies
    page = (report / "metrics" / f"{metric}.html").read_text(encoding="utf-8")
    assert f'href="../discrepancies.html#{first["discrepancy_id"]}"' in page


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("chromium not installed (.ci/run installs Debian's chromium)")
    return found


# Flags that keep Chromium from calling home: every request must stay on this machine.
QUIET = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for every page of the report (Playwright driving Debian's chromium)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=QUIET)
        yield launched
        launched.close()


class Visit:
    """A page as a reader gets it: what it logged, which loads failed, and which requests
    would have left the machine (each is stopped and recorded)."""

    def __init__(self, browser, width: int = 1200):
        self.context = browser.new_context(viewport={"width": width, "height": 1400})
        self.errors: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: None if request.url in self.external else self.failed.append(request.url))

    def _only_local(self, route):
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def open(self, path: Path):
        self.page.goto(path.as_uri(), wait_until="load")
        return self.page

    def close(self):
        self.context.close()


def test_detector_sees_console_errors_and_external_requests(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="en"><body><script>undefinedFunction();</script>'
                    '<img src="http://127.0.0.1:9/x.png" alt="x"><img src="missing.png" alt="y"></body></html>', encoding="utf-8")
    visit = Visit(browser)
    visit.open(page)
    visit.close()
    assert any("undefinedFunction" in e for e in visit.errors) and visit.external == ["http://127.0.0.1:9/x.png"]
    assert [url.rsplit("/", 1)[-1] for url in visit.failed] == ["missing.png"]


def chart_size(page) -> list[float]:
    """The drawn size of the Vega view of a page (its SVG), once drawn, and its number of
    figure markers (those whose description names a figure: not legend symbols)."""
    page.wait_for_selector("#chart svg.marks", timeout=10_000)
    return page.eval_on_selector("#chart svg.marks", "svg => [svg.getBoundingClientRect().width, svg.getBoundingClientRect().height, svg.querySelectorAll('path[aria-label*=\"Figure: \"]').length]")


def test_every_page_loads_offline_and_draws_its_chart_and_figures_in_chromium(browser, report, project):
    """Every page, in one browser: no console error, no failed load, no request leaving
    the machine; each metric page draws its chart at a visible size with a marker per
    figure (every series is charted), no value axis labels one number twice, and the page
    shows each of its figures in the table."""
    import jants
    from jants.explore.plot import grouped
    from jants.explore.report import HEADLINE_SERIES

    tidy = jants.observations(project)
    visit = Visit(browser)
    for path in sorted(report.rglob("*.html")):
        page = visit.open(path)
        if path.name == "index.html":  # the timeline of the headline figures
            assert chart_size(page)[2] == len(tidy[tidy["series_id"].isin(HEADLINE_SERIES)]), "a marker per headline figure"
        if path.parent.name == "metrics":
            width, height, markers = chart_size(page)
            assert width > 300 and height > 200 and markers > 0, (path.name, width, height, markers)
            assert markers == (tidy["metric_id"] == path.stem).sum(), path.name  # every series charted: a marker per figure
            axes = page.eval_on_selector_all(  # a panel of 1 visit has ticks 0 and 1, not a half labelled 1 too
                "#chart g.role-axis[aria-label^='Y-axis']",
                "axes => axes.map(a => [...a.querySelectorAll('g.role-axis-label text')].filter(t => t.getAttribute('opacity') != '0').map(t => t.textContent))",
            )
            assert all(len(set(labels)) == len(labels) for labels in axes), (path.name, axes)
            shown = page.inner_text("main")
            for value in tidy.loc[tidy["metric_id"] == path.stem, "value"]:
                assert grouped(value) in shown, (path.name, value)
    visit.close()
    assert visit.errors == [] and visit.failed == [] and visit.external == []


def test_hover_over_a_death_toll_point_shows_its_figure_and_source(browser, report, project):
    import jants

    deaths = jants.series("persons_killed", project)
    sources = jants.load(project)["sources"].set_index("source_id")
    visit = Visit(browser)
    page = visit.open(report / "metrics" / "persons_killed.html")
    chart_size(page)
    markers = page.query_selector_all('#chart path[aria-label*="Figure: "]')
    shown = []
    for marker in markers[:3]:  # points of one date may overlap: the mouse goes to each centre
        box = marker.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
        shown.append(page.inner_text("#vg-tooltip-element"))
    visit.close()
    assert visit.errors == [] and visit.external == []
    for text in shown:
        assert all(label in text for label in ("Figure", "Date", "Status", "Stated by", "Source", "Link", "Evidence")), text
        matching = [row for row in deaths.itertuples() if sources.at[row.source_id, "title"] in text and row.evidence in text]
        assert matching, text  # the tooltip names a source and quotes the evidence of a figure of the series


def time_labels(page) -> list[list[str]]:
    """The shown labels of each time axis of the chart, left to right (not the y-axes)."""
    return page.eval_on_selector_all(
        "#chart g.role-axis[aria-label^='X-axis']",
        "axes => axes.map(a => [...a.querySelectorAll('g.role-axis-label text')].filter(t => t.getAttribute('opacity') != '0')"
        ".sort((a, b) => a.getBoundingClientRect().x - b.getBoundingClientRect().x).map(t => t.textContent))",
    )


def test_the_time_axis_of_every_panel_zooms_pans_and_resets_together(browser, report):
    """The crowded first months can be read: the wheel zooms, a drag pans, a double-click
    resets, and every panel of the chart follows (one time scale)."""
    visit = Visit(browser)
    page = visit.open(report / "metrics" / "persons_killed.html")
    chart_size(page)
    whole = time_labels(page)
    box = page.query_selector("#chart svg.marks").bounding_box()
    page.mouse.move(box["x"] + 150, box["y"] + 120)
    for _ in range(8):
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(50)
    page.wait_for_timeout(200)
    zoomed = time_labels(page)
    page.mouse.down()
    page.mouse.move(box["x"] + 350, box["y"] + 120, steps=5)
    page.mouse.up()
    page.wait_for_timeout(200)
    panned = time_labels(page)
    page.mouse.dblclick(box["x"] + 150, box["y"] + 120)
    page.wait_for_timeout(200)
    reset = time_labels(page)
    visit.close()
    assert len(whole) >= 2 and all(labels == whole[0] for labels in whole), whole  # a panel per series, one time axis
    assert zoomed[0] != whole[0] and all(labels == zoomed[0] for labels in zoomed), zoomed  # every panel zoomed
    assert panned[0] != zoomed[0] and all(labels == panned[0] for labels in panned), panned
    assert reset == whole
    for labels in (whole, zoomed, panned):
        assert all(a != b for a, b in zip(labels[0], labels[0][1:])), labels  # no label twice in a row
    assert visit.errors == [] and visit.external == []


def test_search_box_filters_the_metrics_offline(browser, report):
    visit = Visit(browser)
    page = visit.open(report / "index.html")
    page.fill("#metric-search", "torture")
    visible = page.eval_on_selector_all("li[data-search]", "items => items.filter(i => !i.hidden).map(i => i.dataset.search)")
    hidden_topics = page.eval_on_selector_all("section.topic", "topics => topics.filter(t => t.hidden).length")
    count = page.inner_text("#metric-count")
    page.fill("#metric-search", "")
    everything = page.eval_on_selector_all("li[data-search]", "items => items.filter(i => !i.hidden).length")
    visit.close()
    assert visible and all("torture" in words for words in visible), visible
    assert hidden_topics > 0  # a topic without a match is hidden with its heading
    assert len(visible) < everything and count == f"{len(visible)} metric{'s' if len(visible) != 1 else ''} shown"
    assert visit.errors == [] and visit.external == []


@pytest.mark.parametrize("page, width", [("index.html", 390), ("index.html", 1200), ("metrics/persons_killed.html", 1200),
                                         ("metrics/criminal_cases.html", 1200), ("discrepancies.html", 390)])
def test_screenshots_of_the_report(browser, report, page, width):
    visit = Visit(browser, width)
    shot = OUTPUT / (page.replace("/", "-").replace(".html", f"-{width}.png"))
    shot.parent.mkdir(parents=True, exist_ok=True)
    opened = visit.open(report / page)
    if page.startswith("metrics/"):
        chart_size(opened)
    opened.screenshot(path=str(shot), full_page=True)
    visit.close()
    assert shot.stat().st_size > 1000 and visit.errors == [] and visit.external == []


def test_index_opens_with_headline_figures_that_match_the_data(report, project):
    """The latest standing figure of an authority, and the independent counts beside it."""
    import jants
    from jants.explore.plot import grouped

    deaths = jants.series("persons_killed", project)
    standing = deaths[~deaths["status"].astype(str).isin(["retracted", "withdrawn", "superseded"])]
    official = standing[standing["body_type"].astype(str) == "authority"].iloc[-1]
    index = (report / "index.html").read_text(encoding="utf-8")
    row = index.split("Persons killed", 1)[1].split("</tr>", 1)[0]
    link = f'href="metrics/persons_killed.html#{official["observation_id"]}">{grouped(official["value"])}</a></td>'
    assert link in row
    assert f"<td class=\"date\">{official['observation_date']:%Y-%m-%d}</td>" in row
    for counter in standing[standing["body_type"].astype(str) == "independent"]["body_short_name"].unique():
        assert counter.replace("'", "&#x27;") in row, counter
    assert "named list" in row


def test_the_same_package_gives_a_byte_identical_report(project, report, tmp_path):
    again = tmp_path / "again"
    result = CliRunner().invoke(cli, ["report", "--path", str(project), "-o", str(again)])
    assert result.exit_code == 0, result.output
    first = sorted(p.relative_to(report) for p in report.rglob("*") if p.is_file())
    assert first == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((report / name).read_bytes() == (again / name).read_bytes() for name in first)


def test_a_release_without_body_type_or_evidence_en_gives_a_report_without_missing_text(project, tmp_path):
    folder = tmp_path / "old"
    result = CliRunner().invoke(cli, ["report", "--path", str(project / "dist" / "jants-0.1.0.zip"), "-o", str(folder)])
    assert result.exit_code == 0, result.output
    for path in sorted(folder.rglob("*.html")):
        text = " ".join(parse(path).text)
        assert not MISSING.search(text), (path.name, MISSING.search(text).group(0))


def test_an_earlier_report_is_marked_and_replaced(project, tmp_path):
    """A report carries its marker, so writing a report over it is allowed (and only it)."""
    folder = tmp_path / "site"
    for _ in range(2):
        result = CliRunner().invoke(cli, ["report", "--path", str(project), "-o", str(folder)])
        assert result.exit_code == 0, result.output
    assert (folder / ".jants-report").is_file() and (folder / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # nothing left beside it


def test_dates_read_only_as_precisely_as_they_are_known(report, project):
    """A figure dated to a month, a year or only as an upper bound never reads as an exact
    day: not in the tables of figures, the headline figures nor the CSV."""
    import csv

    import jants
    from jants.formatting import date_as_stated, date_precision

    sources = jants.load(project)["sources"].set_index("source_id")
    tidy = jants.observations(project).set_index("observation_id")
    precision = {
        i: date_precision(row["date_precision"], row["observation_date"], sources.at[row["source_id"], "source_date"], sources.at[row["source_id"], "date_precision"])
        for i, row in tidy.iterrows()
    }
    vague = [i for i, p in precision.items() if p != "day"]
    assert {precision[i] for i in vague} == {"month", "year", "on_or_before"}  # the data has every kind
    for observation_id in vague:
        metric_id, date = tidy.at[observation_id, "metric_id"], tidy.at[observation_id, "observation_date"]
        page = (report / "metrics" / f"{metric_id}.html").read_text(encoding="utf-8")
        cell = page.split(f'<tr id="{observation_id}"><td class="date">', 1)[1].split("</td>", 1)[0]
        assert cell == date_as_stated(date, precision[observation_id]) and cell != f"{date:%Y-%m-%d}", (observation_id, cell)
        with open(report / "csv" / f"{metric_id}.csv", encoding="utf-8", newline="") as stream:
            assert [r["date_precision"] for r in csv.DictReader(stream) if r["observation_id"] == observation_id] == [precision[observation_id]]
    assert '<td class="date">on or before 2022-07-29</td>' in (report / "metrics" / "persons_killed.html").read_text(encoding="utf-8")
    index = (report / "index.html").read_text(encoding="utf-8")
    row = index.split('href="metrics/persons_convicted.html">', 1)[1].split("</tr>", 1)[0]
    headline = row.split("metrics/persons_convicted.html#", 1)[1].split('"', 1)[0]
    date_cell = row.split('<td class="date">', 1)[1].split("</td>", 1)[0]
    assert date_cell == date_as_stated(tidy.at[headline, "observation_date"], precision[headline])


def test_every_series_with_figures_is_charted_or_named_as_not_charted(report, project):
    """A reader sees every series of a metric: a panel with its figures in the page's chart,
    or its name in the note under the chart that says it is only in the table, and why."""
    import json

    import jants

    tables = jants.load(project)
    series_of = tables["observations"].set_index("observation_id")["series_id"]
    label_of = tables["series"].set_index("series_id")["label"]
    for metric_id, group in tables["series"].groupby("metric_id"):
        with_figures = set(group["series_id"]) & set(series_of)
        page = (report / "metrics" / f"{metric_id}.html").read_text(encoding="utf-8")
        charted: set[str] = set()
        if 'data-chart="chart">' in page:
            spec = json.loads(page.split('data-chart="chart">', 1)[1].split("</script>", 1)[0].replace("<\\/", "</"))
            charted = {series_of[r["id"]] for rows in spec["datasets"].values() for r in rows if isinstance(r, dict) and r.get("id") in series_of.index}
        note = page.split('class="note not-charted">', 1)[1].split("</p>", 1)[0] if "not-charted" in page else ""
        named = {s for s in with_figures - charted if html.escape(label_of[s]) in note}
        assert with_figures == charted | named, (metric_id, sorted(with_figures - charted - named))
        if named:
            assert note.startswith("Not charted, but in the table below:") and "colours" in note, metric_id


def test_series_beyond_the_colours_are_named_under_the_chart(project, monkeypatch):
    """When a metric's series together have more bodies than colours, the chart takes the
    series totals first while their bodies have colours, and the page names the others."""
    import jants
    from jants.explore import plot
    from jants.explore.report import Site, _chart_series, _metric_page, discrepancy_links

    tables = jants.load(project)
    tidy = jants.observations(project)
    charted, left_out = _chart_series(tables, tidy, "persons_killed")
    assert not left_out and set(charted) == set(tidy.loc[tidy["metric_id"] == "persons_killed", "series_id"])
    assert charted[0] == "persons_killed"  # a total before its components
    monkeypatch.setattr(plot, "COLOURS", plot.COLOURS[:10])
    first, left_out = _chart_series(tables, tidy, "persons_killed")
    assert first[0] == "persons_killed" and left_out and first == [s for s in charted if s in first]
    assert tidy.loc[tidy["series_id"].isin(first), "body_id"].nunique() <= 10
    assert set(first) | set(left_out) == set(charted)
    metric = next(tables["metrics"][tables["metrics"]["metric_id"] == "persons_killed"].itertuples())
    rows = tidy[tidy["metric_id"] == "persons_killed"]
    page = _metric_page(Site(tables.descriptor), metric, rows, tables, tidy, tables["sources"].set_index("source_id"), discrepancy_links(tables))
    note = page.split('class="note not-charted">', 1)[1].split("</p>", 1)[0]
    label_of = tables["series"].set_index("series_id")["label"]
    assert all(html.escape(label_of[s]) in note for s in left_out) and not any(html.escape(label_of[s]) + ";" in note for s in first)


def test_the_index_is_titled_as_the_package(report, project):
    import json

    title = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))["title"]
    assert f"<title>{html.escape(title)}</title>" in (report / "index.html").read_text(encoding="utf-8")

