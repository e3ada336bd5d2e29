"""`jants report`: an offline HTML report, checked for links and accessibility in Python
and opened in headless Chromium (screenshots kept in tests/output/report/)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from jants.cli import cli

OUTPUT = Path(__file__).parent / "output" / "report"


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
        assert "line " in text and "<table>" in text
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


def open_in_chromium(url: str, screenshot: Path, width: int = 1200) -> list[str]:
    """Open a page headless; return the console messages it logged."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
         f"--window-size={width},1400", f"--screenshot={screenshot}", url],
        capture_output=True, text=True, timeout=120,
    )
    assert screenshot.exists() and screenshot.stat().st_size > 1000, result.stderr[-2000:]
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def test_detector_sees_console_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="en"><body><script>undefinedFunction();</script></body></html>', encoding="utf-8")
    assert any("undefinedFunction" in line for line in open_in_chromium(page.as_uri(), tmp_path / "broken.png"))


@pytest.mark.parametrize("page, width", [("index.html", 390), ("metrics/criminal_cases.html", 1200), ("discrepancies.html", 390)])
def test_report_opens_in_chromium_without_console_errors(report, page, width):
    screenshot = OUTPUT / (page.replace("/", "-").replace(".html", f"-{width}.png"))
    messages = open_in_chromium((report / page).as_uri(), screenshot, width)
    assert messages == []


def test_every_metric_page_loads_its_chart_in_chromium(report):
    """Every metric page rendered by Chromium shows its chart figure and logs nothing to the console."""
    for page in sorted((report / "metrics").glob("*.html")):
        result = subprocess.run(
            [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=2000", "--run-all-compositor-stages-before-draw", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
        assert "<figure>" in result.stdout and 'src="../charts/' in result.stdout, page.name
        assert [l for l in result.stderr.splitlines() if ":CONSOLE" in l] == [], page.name
