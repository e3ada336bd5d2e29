"""`jants report`: an offline HTML report, checked for links and accessibility in Python
and opened in headless Chromium (screenshots kept in tests/output/report/)."""

from __future__ import annotations

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
        self.links, self.images, self.h1, self.th_without_scope, self.lang = [], [], 0, 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in ("a", "link") and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("img", "script") and attrs.get("src"):
            self.links.append(attrs["src"])
        if tag == "img":
            self.images.append(attrs.get("alt", ""))
        if tag == "h1":
            self.h1 += 1
        if tag == "th" and not attrs.get("scope"):
            self.th_without_scope += 1


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_every_metric_has_a_page_with_a_chart_and_its_figures(project, report):
    metrics = [line.split(",")[0] for line in (project / "data" / "metrics.csv").read_text(encoding="utf-8").splitlines()[1:]]
    for metric in metrics:
        page = report / "metrics" / f"{metric}.html"
        assert page.exists(), metric
        assert (report / "charts" / f"{metric}.svg").exists(), metric
        text = page.read_text(encoding="utf-8")
        assert ("line " in text or "web page: " in text) and "<table>" in text
        for missing in ("line , :", "<NA>", ">nan<", "None</td>", "line nan"):
            assert missing not in text, (metric, missing)
    index = (report / "index.html").read_text(encoding="utf-8")
    assert all(f'href="metrics/{m}.html"' in index for m in metrics)
    assert "not that it is true" in index
    assert "d001" in (report / "discrepancies.html").read_text(encoding="utf-8")


def test_links_are_local_and_unbroken_and_pages_are_accessible(report):
    pages = sorted(report.rglob("*.html"))
    assert len(pages) > 60
    import xml.etree.ElementTree as ElementTree

    for chart in sorted(report.glob("charts/*.svg")):
        assert ElementTree.parse(chart).getroot().tag.endswith("svg"), chart
    for path in pages:
        page = parse(path)
        assert page.lang == "en" and page.h1 == 1, path
        assert page.th_without_scope == 0, path
        assert all(alt.strip() for alt in page.images), f"{path}: image without alt text"
        for link in page.links:
            assert not re.match(r"^[a-z]+://|^//", link), f"{path}: {link} leaves the report (offline)"
            assert (path.parent / link.split("#")[0]).resolve().exists(), f"{path}: broken link {link}"


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
    """A page as a reader gets it: what it logged, which requests failed or left the machine."""

    def __init__(self, browser, width: int = 1200):
        self.context = browser.new_context(viewport={"width": width, "height": 1400})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: None if request.url.startswith(("file://", "data:")) else self.external.append(request.url))
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))

    def open(self, path: Path):
        self.page.goto(path.as_uri(), wait_until="load")
        return self.page

    def close(self):
        self.context.close()


def test_detector_sees_console_errors_and_external_requests(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="en"><body><script>undefinedFunction();</script>'
                    '<img src="http://127.0.0.1:9/x.png" alt="x"></body></html>', encoding="utf-8")
    visit = Visit(browser)
    visit.open(page)
    visit.close()
    assert any("undefinedFunction" in e for e in visit.errors) and visit.external == ["http://127.0.0.1:9/x.png"]


@pytest.mark.parametrize("page, width", [("index.html", 390), ("metrics/criminal_cases.html", 1200), ("discrepancies.html", 390)])
def test_screenshots_of_the_report(browser, report, page, width):
    visit = Visit(browser, width)
    shot = OUTPUT / (page.replace("/", "-").replace(".html", f"-{width}.png"))
    shot.parent.mkdir(parents=True, exist_ok=True)
    visit.open(report / page).screenshot(path=str(shot), full_page=True)
    visit.close()
    assert shot.stat().st_size > 1000 and visit.errors == [] and visit.external == []


def test_every_page_shows_its_chart_and_figures_in_chromium(browser, report, project):
    """Every page, in one browser: no console error, no failed or outside request; each
    metric page draws its chart at a visible size and shows each of its figures."""
    import jants
    from jants.formatting import format_number

    tidy = jants.observations(project)
    visit = Visit(browser)
    for path in sorted(report.rglob("*.html")):
        page = visit.open(path)
        if path.parent.name == "metrics":
            size = page.eval_on_selector("figure img", "img => [img.complete, img.naturalWidth, img.getBoundingClientRect().width, img.getBoundingClientRect().height]")
            assert size[0] and size[1] > 0 and size[2] > 100 and size[3] > 100, (path.name, size)
            shown = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
            for value in tidy.loc[tidy["metric_id"] == path.stem, "value"]:
                assert format_number(value) in shown, (path.name, value)
    visit.close()
    assert visit.errors == [] and visit.failed == [] and visit.external == []


def test_index_opens_with_headline_figures_that_match_the_data(report, project):
    """The latest standing figure of an authority, and the independent counts beside it."""
    import jants
    from jants.formatting import format_number

    deaths = jants.series("persons_killed", project)
    standing = deaths[~deaths["status"].astype(str).isin(["retracted", "withdrawn", "superseded"])]
    official = standing[standing["body_type"].astype(str) == "authority"].iloc[-1]
    index = (report / "index.html").read_text(encoding="utf-8")
    row = index.split("Persons killed", 1)[1].split("</tr>", 1)[0]
    assert f'<td class="num">{format_number(official["value"])}</td>' in row
    assert f"<td>{official['observation_date']:%Y-%m-%d}</td>" in row
    for counter in standing[standing["body_type"].astype(str) == "independent"]["body_short_name"].unique():
        assert counter.replace("'", "&#x27;") in row, counter
    assert "named list" in row
