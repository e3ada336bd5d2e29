"""A static, offline HTML report of the package: an index that opens with the headline
figures, one page per metric with its interactive chart, every figure with its source and
a CSV of them, and the recorded discrepancies, linked both ways to the figures.

Nothing is fetched: the pages use one local stylesheet and the Vega, Vega-Lite and
Vega-Embed JavaScript bundled into the folder (vl-convert's bundle), so the folder can be
opened from a disk or attached to an e-mail; only a click on a source link leaves it.
Every page names the version, the licence and how to cite it. The report is written to a
temporary folder beside the target and moved into place when complete. A file named
`.jants-report` marks the folder as a report of jants: only such a folder, an empty one or
a new one is replaced, so that a report never erases other files.
"""

from __future__ import annotations

import csv
import errno
import html
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

from .. import model
from .plot import HEADLINE_SERIES

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 72rem;
       padding: 1rem; line-height: 1.45; color: #1d1d1d; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
a { color: #0b5394; }
.note { background: #f4f1e8; border-left: 4px solid #b08d2a; padding: .5rem .8rem; }
figure { margin: 1rem 0; } .chart { overflow-x: auto; min-height: 200px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num, td.date { text-align: right; white-space: nowrap; } td.date { text-align: left; }
tr:target { background: #fff4c2; }
table.discrepancies { table-layout: fixed; min-width: 56rem; }
table.discrepancies th:nth-child(1) { width: 3.5rem; } table.discrepancies th:nth-child(2) { width: 7rem; }
table.discrepancies th:nth-child(3) { width: 17%; } table.discrepancies th:nth-child(4) { width: 21%; }
table.discrepancies th:nth-child(5) { width: 12%; } table.discrepancies td { overflow-wrap: anywhere; }
nav { font-size: .9rem; margin-bottom: 1rem; }
footer { border-top: 1px solid #ddd; margin-top: 2.5rem; padding-top: .6rem; font-size: .85rem; color: #444; }
.search { margin: 1rem 0; } .search input { font-size: 1rem; padding: .3rem .5rem; width: min(30rem, 100%); }
#vg-tooltip-element { max-width: 32rem; white-space: normal; }
#vg-tooltip-element td.value { white-space: normal; overflow-wrap: anywhere; }
@media (max-width: 40rem) { body { padding: .5rem; } table { font-size: .8rem; } td.num { white-space: normal; } }
"""

# Draws every chart of a page from its specification; a failure is shown and logged.
CHARTS_JS = """
document.querySelectorAll("script[type='application/json'][data-chart]").forEach(function (source) {
  var target = document.getElementById(source.dataset.chart);
  vegaEmbed(target, JSON.parse(source.textContent), {actions: false, renderer: "svg", loader: {target: "_blank", rel: "noopener"}}).catch(function (error) {
    target.textContent = "The chart could not be drawn: " + error;
    console.error(error);
  });
});
"""

# Filters the metric list of the index as one types; no request, no library.
SEARCH_JS = """
(function () {
  var box = document.getElementById("metric-search"), count = document.getElementById("metric-count");
  box.addEventListener("input", function () {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean), shown = 0;
    document.querySelectorAll("section.topic").forEach(function (topic) {
      var any = false;
      topic.querySelectorAll("li[data-search]").forEach(function (item) {
        var hit = words.every(function (w) { return item.dataset.search.indexOf(w) >= 0; });
        item.hidden = !hit; any = any || hit; shown += hit ? 1 : 0;
      });
      topic.hidden = !any;
    });
    count.textContent = shown + (shown === 1 ? " metric" : " metrics") + " shown";
  });
})();
"""

VEGA_BUNDLE = "vega-embed.js"
SMALL_PANELS_FROM = 4  # a metric page with more series than this draws small panels in two columns
MARKER = ".jants-report"  # in every report folder: jants may replace the folder, and nothing else
MARKER_TEXT = "This folder is a report written by `jants report`; jants replaces it when asked to write a report here.\n"


def check_target(target: Path) -> None:
    """Refuse, before anything is written, a target that is a file, or a folder with files
    in it that is not a report jants wrote (it has no marker): replacing it would erase them."""
    target = Path(target)
    if target.is_dir():
        if any(target.iterdir()) and not (target / MARKER).is_file():
            raise FileExistsError(errno.EEXIST, f"folder is not empty and not a report of jants (no {MARKER} in it); choose a new or empty folder", str(target))
    elif target.exists() or target.is_symlink():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(target))  # Vega, Vega-Lite and Vega-Embed in one file, from vl-convert


def _e(value) -> str:
    """Escaped text of a cell, empty where missing (never "nan", "None" or "<NA>")."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return ""
    return html.escape(str(value))


class Site:
    """What every page shows: the dataset's version, licence and how to cite it."""

    def __init__(self, descriptor: dict):
        from ..publish.citation import cite

        self.version = str(descriptor.get("version", ""))
        self.licences = descriptor.get("licenses", [])
        self.citation = cite(descriptor, str(descriptor.get("created", ""))[:10], None, "text") if descriptor.get("title") else ""

    def footer(self) -> str:
        licences = ", ".join(
            f'<a href="{_e(item["path"])}" rel="license">{_e(item.get("title") or item.get("name"))}</a>' if item.get("path") else _e(item.get("name"))
            for item in self.licences
        )
        return f"<footer><p>jants version {_e(self.version)} · data licence: {licences or 'not stated'}</p><p>Cite this: {_e(self.citation)}</p></footer>"

    def page(self, title: str, body: str, depth: int = 0, scripts: tuple[str, ...] = (), inline: str = "") -> str:
        up = "../" * depth
        tags = "".join(f'<script src="{up}{name}"></script>\n' for name in scripts)
        if inline:
            tags += f"<script>{inline}</script>\n"
        return (
            f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{_e(title)}</title>\n<link rel="stylesheet" href="{up}style.css">\n</head>\n<body>\n'
            f'<nav><a href="{up}index.html">All metrics</a> · <a href="{up}discrepancies.html">Discrepancies</a></nav>\n'
            f"<main>\n{body}\n</main>\n{self.footer()}\n{tags}</body>\n</html>\n"
        )


def _independent(row) -> str:
    """Marks a count made by others than the authorities, so the two are never confused."""
    return ", independent count" if getattr(row, "body_type", None) == "independent" else ""


def _locator(row) -> str:
    """Where the figure is: a line and section of a held text, or the verbatim span of a
    web page with its English rendering."""
    import pandas as pd

    evidence = f"“{_e(row.evidence)}”"
    if not pd.isna(row.source_line):  # a held text; a web report has no line
        section = f", {_e(row.source_section)}" if _e(row.source_section) else ""
        return f"line {int(row.source_line)}{section}: {evidence}"
    rendering = _e(getattr(row, "evidence_en", None))  # releases before 0.2.0 have no evidence_en
    english = f" (English: “{rendering}”)" if rendering else ""
    return f"web page: {evidence}{english}"


def _source_cell(row, source) -> str:
    """The source's title and date, linked to its web address; a held text by file and line."""
    import pandas as pd

    from .plot import source_date

    label = f"{_e(source['title'])} ({_e(source_date(source))})"
    url = _e(source.get("url"))
    if url:
        return f'<a href="{url}" rel="noopener">{label}</a>'
    where = _e(source.get("file_name")) or _e(row.source_id)
    line = "" if pd.isna(row.source_line) else f":{int(row.source_line)}"
    return f"{label}<br><code>{where}{line}</code>"


def _table(headers: list[str], rows: list[list[str]], caption: str, row_ids: list[str] | None = None, css_class: str = "") -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    ids = row_ids or [""] * len(rows)
    body = "\n".join((f'<tr id="{_e(i)}">' if i else "<tr>") + "".join(cells) + "</tr>" for i, cells in zip(ids, rows))
    opening = f'<table class="{css_class}">' if css_class else "<table>"
    return f'<div class="table-wrap">{opening}\n<caption>{_e(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>'


def _chart_series(tables, tidy, metric_id: str) -> tuple[list[str], list[str]]:
    """Every series of a metric that has figures, each total followed by its components,
    and those left out of the chart: all are charted, unless together they have more
    reporting bodies than there are colours to tell them apart; then the series are taken
    in that order (totals first) while their bodies have colours, and the page names the
    others."""
    from .plot import COLOURS

    series = tables["series"]
    own = series[series["metric_id"] == metric_id].set_index("series_id")
    with_figures = set(tables["observations"]["series_id"])
    children: dict[str, list[str]] = {}
    for series_id in sorted(own.index):
        parent = own.at[series_id, "parent_series_id"]
        children.setdefault(parent if isinstance(parent, str) and parent in own.index else "", []).append(series_id)
    ordered: list[str] = []
    pending = list(reversed(children.get("", [])))
    while pending:  # depth first: a total, then its components
        series_id = pending.pop()
        ordered.append(series_id)
        pending += reversed(children.get(series_id, []))
    charted: list[str] = []
    left_out: list[str] = []
    bodies: set[str] = set()
    for series_id in (s for s in ordered if s in with_figures):
        theirs = bodies | set(tidy.loc[tidy["series_id"] == series_id, "body_id"])
        if len(theirs) <= len(COLOURS):
            charted.append(series_id)
            bodies = theirs
        else:
            left_out.append(series_id)
    return charted, left_out


def discrepancy_links(tables) -> dict[str, list[str]]:
    """The discrepancy ids that concern each figure (its own id or a related one)."""
    links: dict[str, list[str]] = {}
    for item in tables["discrepancies"].itertuples(index=False):
        related = item.related_observation_ids if isinstance(item.related_observation_ids, str) else None
        for observation_id in model.concerned_figures(item.observation_id, related):
            links.setdefault(observation_id, []).append(item.discrepancy_id)
    return links


CSV_COLUMNS = [
    "observation_id",
    "series_id",
    "series_label",
    "observation_date",
    "date_precision",
    "body_id",
    "body_short_name",
    "body_type",
    "attribution",
    "value",
    "qualifier",
    "value_upper",
    "unit",
    "status",
    "source_id",
    "source_title",
    "source_url",
    "source_line",
    "source_section",
    "evidence",
    "evidence_en",
    "note",
]


def _csv(rows, sources) -> bytes:
    """The figures of a metric as CSV: as stated, with body and source; missing is empty."""
    import pandas as pd

    from ..formatting import date_precision, format_number

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows.to_dict("records"):
        source = sources.loc[row["source_id"]]
        row["source_url"] = source["url"]
        row["date_precision"] = date_precision(row.get("date_precision"), row["observation_date"], source["source_date"], source.get("date_precision"))
        cells = []
        for column in CSV_COLUMNS:
            value = row.get(column)
            if value is None or pd.isna(value):
                cells.append("")
            elif column == "observation_date":
                cells.append(f"{value:%Y-%m-%d}")
            elif column in ("value", "value_upper", "source_line"):
                cells.append(format_number(float(value)))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def _spec_script(spec: dict, chart_id: str) -> str:
    """A specification inline, safe inside a script element."""
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" data-chart="{chart_id}">{text}</script>'


def _metric_page(site: Site, metric, rows, tables, tidy, sources, links: dict[str, list[str]]) -> str:
    from .plot import COLOURS, chart_spec, figure_text, stated_date

    chart_ids, left_out = _chart_series(tables, tidy, metric.metric_id)
    figure_html = ""
    if chart_ids:
        many = len(chart_ids) > SMALL_PANELS_FROM  # small panels in two columns, as the index's timeline
        spec = chart_spec(tables, chart_ids, tidy=tidy, overview=metric.label if many else None, standalone=False)
        label_of = tables["series"].set_index("series_id")["label"]
        labels = "; ".join(label_of.loc[chart_ids])
        described = (
            f"Chart of {labels}: {len(rows)} figures from {stated_date(rows.iloc[0], sources, long=True)} "
            f"to {stated_date(rows.iloc[-1], sources, long=True)}, by reporting body; hover over a point for its source; the table below lists every figure."
        )
        figure_html = (
            f'<figure><div class="chart" id="chart" role="figure" aria-label="{_e(described)}"></div>'
            f"<figcaption>{_e(labels)}. Hover over a point for the figure, its source and evidence; click it to open the source. Drag the chart or turn the mouse wheel over it to move or zoom the time axis, to read crowded weeks apart; double-click to see all of it again.</figcaption></figure>\n"
            + _spec_script(spec, "chart")
        )
        if left_out:
            figure_html += (
                f'\n<p class="note not-charted">Not charted, but in the table below: {_e("; ".join(label_of.loc[left_out]))}. '
                f"Together with the charted series they have more reporting bodies than the {len(COLOURS)} colours that tell bodies apart, "
                "so the chart shows the series before them only.</p>"
            )
    cells, ids, concerned = [], [], []
    for row in rows.itertuples():
        source = sources.loc[row.source_id]
        about = links.get(row.observation_id, [])
        concerned += about
        ids.append(row.observation_id)
        status = _e(row.status) + (f"; {_e(row.note)}" if _e(row.note) else "")
        cells.append(
            [
                f'<td class="date">{_e(stated_date(row._asdict(), sources))}</td>',
                f"<td>{_e(row.series_label)}</td>",
                f"<td>{_e(row.body_short_name)}{_independent(row)} ({_e(row.attribution)})</td>",
                f'<td class="num">{_e(figure_text(row._asdict()))}</td>',
                f"<td>{_e(row.unit)}</td>",
                f"<td>{_source_cell(row, source)}</td>",
                f"<td>{_locator(row)}</td>",
                f"<td>{status}</td>",
                "<td>" + ", ".join(f'<a href="../discrepancies.html#{_e(d)}">{_e(d)}</a>' for d in about) + "</td>",
            ]
        )
    concerned = sorted(set(concerned))
    discrepancies = ""
    if concerned:
        items = tables["discrepancies"].set_index("discrepancy_id").loc[concerned]
        discrepancies = "<h2>Recorded discrepancies</h2>\n<ul>\n" + "\n".join(
            f'<li><a href="../discrepancies.html#{_e(d)}">{_e(d)}</a> ({_e(str(item.kind).replace("_", " "))}): {_e(item.explanation)}</li>'
            for d, item in items.iterrows()
        )
        discrepancies += "\n</ul>"
    body = (
        f"<h1>{_e(metric.label)}</h1>\n<p>{_e(metric.definition)}</p>\n"
        f"<p>Unit: {_e(metric.unit)} · kind: {_e(str(metric.kind).replace('_', ' '))} · topic: {_e(metric.topic)}</p>\n"
        f"{figure_html}\n<h2>Every figure</h2>\n"
        f'<p><a href="../csv/{_e(metric.metric_id)}.csv" download>Download {"this figure" if len(rows) == 1 else f"these {len(rows)} figures"} as CSV</a> '
        "(one row per figure, as stated, with its body and source).</p>\n"
        + _table(
            ["Date", "Series", "Reported by", "Figure", "Unit", "Source", "Where in the source", "Status and note", "Discrepancies"],
            cells,
            f"{_count(len(rows), 'figure')} of {metric.label}, as stated",
            ids,
        )
        + discrepancies
    )
    scripts = (VEGA_BUNDLE, "charts.js") if chart_ids else ()
    return site.page(metric.label, body, depth=1, scripts=scripts)


def write_report(root: Path, target: Path) -> Path:
    """Write the report of the package at `root` into the folder `target`."""
    import vl_convert

    from ..files import current_umask
    from .plot import VEGA_LITE
    from .tables import load, observations

    target = Path(target).resolve()
    check_target(target)
    tables = load(root)
    site = Site(tables.descriptor)
    tidy = observations(tables=tables)
    metrics = tables["metrics"].sort_values(["topic", "metric_id"])
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        (staging / "metrics").mkdir()
        (staging / "csv").mkdir()
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        (staging / "style.css").write_text(STYLE.lstrip(), encoding="utf-8")
        (staging / "charts.js").write_text(CHARTS_JS.lstrip(), encoding="utf-8")
        bundle = vl_convert.javascript_bundle(vl_version=VEGA_LITE)  # type: ignore[call-arg]  # the stub omits snippet's default
        (staging / VEGA_BUNDLE).write_text(bundle, encoding="utf-8")
        sources = tables["sources"].set_index("source_id")
        links = discrepancy_links(tables)
        by_metric = dict(tuple(tidy.groupby("metric_id", observed=True, sort=False)))
        for metric in metrics.itertuples():
            rows = by_metric.get(metric.metric_id, tidy.iloc[0:0]).sort_values(["observation_date", "series_id", "observation_id"])
            page = _metric_page(site, metric, rows, tables, tidy, sources, links)
            (staging / "metrics" / f"{metric.metric_id}.html").write_text(page, encoding="utf-8")
            (staging / "csv" / f"{metric.metric_id}.csv").write_bytes(_csv(rows, sources))
        (staging / "index.html").write_text(_index(site, tables, metrics, tidy), encoding="utf-8")
        (staging / "discrepancies.html").write_text(_discrepancies(site, tables), encoding="utf-8")
        os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes it 0700: a served report must be readable
        check_target(target)  # again: the folder may have changed while the report was written
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            os.replace(target, retired / "report")
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


# The series a reader asks about first (the timeline's too: plot.HEADLINE_SERIES), and the
# named-victim list shown beside the death toll.
BESIDE = {"persons_killed": ["persons_killed.named_list"]}


def headline_figures(tidy) -> list[dict]:
    """For each headline series: its latest standing figure stated by an authority, and the
    latest figure of each independent counter (and of lists shown beside it)."""
    standing = tidy[~tidy["status"].astype(str).isin([*model.NOT_STANDING, "superseded"])]
    standing = standing.sort_values(["observation_date", "observation_id"])
    from .tables import independent

    counted_by_others = independent(standing)
    rows = []
    for series_id in HEADLINE_SERIES:
        own = standing[standing["series_id"] == series_id]
        official = own[~counted_by_others.loc[own.index]].tail(1)
        if official.empty:
            continue
        others = standing[standing["series_id"].isin([series_id, *BESIDE.get(series_id, [])]) & counted_by_others]
        counts = [row for _, row in others.groupby("body_id", observed=True).tail(1).sort_values("observation_date").iterrows()]
        rows.append({"official": official.iloc[0], "independent": counts})
    return rows


def _headline_table(tidy, sources) -> str:
    from .plot import figure_text, stated_date

    rows = []
    for item in headline_figures(tidy):
        row = item["official"]
        counts = "; ".join(
            f'<a href="metrics/{_e(other["metric_id"])}.html#{_e(other["observation_id"])}">{_e(figure_text(other))}</a> '
            f"({_e(other['body_short_name'])}, {_e(stated_date(other, sources))}" + (", named list" if other["series_id"] != row["series_id"] else "") + ")"
            for other in item["independent"]
        )
        rows.append(
            [
                f'<td><a href="metrics/{_e(row["metric_id"])}.html">{_e(row["series_label"])}</a></td>',
                f'<td class="num"><a href="metrics/{_e(row["metric_id"])}.html#{_e(row["observation_id"])}">{_e(figure_text(row))}</a></td>',
                f'<td class="date">{_e(stated_date(row, sources))}</td>',
                f"<td>{_e(row['body_short_name'])}</td>",
                f"<td>{counts or 'none recorded'}</td>",
            ]
        )
    return _table(
        ["Figure", "Latest official figure", "Date", "Stated by", "Independent counts (latest of each counter)"],
        rows,
        "The latest figure each authority's statements give, and what others counted",
    )


def _timeline(tables, tidy) -> str:
    """Every figure of the headline series over time, a small panel each."""
    from .plot import chart_spec

    known = set(tidy["series_id"])  # an older release may lack some
    spec = chart_spec(tables, [s for s in HEADLINE_SERIES if s in known], tidy=tidy, overview="The headline figures over time", standalone=False)
    described = "Timeline of the headline figures: a panel per series, every figure by reporting body; hover over a point for its source."
    return (
        f'<h2>Timeline</h2>\n<figure><div class="chart" id="chart" role="figure" aria-label="{_e(described)}"></div>'
        "<figcaption>Every figure of the headline series as stated, by date and reporting body. Hover over a point for its source; "
        "drag or turn the mouse wheel over a panel to move or zoom the time axis of all of them, double-click to reset; "
        "each series' page has its full chart and table.</figcaption></figure>\n" + _spec_script(spec, "chart")
    )


def _index(site: Site, tables, metrics, tidy) -> str:
    from .plot import source_date

    counts = tidy.groupby("metric_id", observed=True).size()
    parts = [
        "<h1>Figures on the January 2022 events in Kazakhstan</h1>",
        '<p class="note">Every figure is recorded as it was stated, with its qualifier, date, the body that stated '
        "or counted it and the place in its source: what authorities reported and what others counted, side by side. "
        "The dataset records what was reported, not that it is true.</p>",
        f"<p>{len(tidy)} figures in {len(tables['series'])} series of {len(metrics)} metrics, from {len(tables['sources'])} sources.</p>",
        "<h2>Headline figures</h2>",
        _headline_table(tidy, tables["sources"].set_index("source_id")),
        _timeline(tables, tidy),
        "<h2>Every metric</h2>",
        '<div class="search"><label for="metric-search">Filter the metrics: </label>'
        '<input type="search" id="metric-search" placeholder="e.g. detained, weapons, torture" autocomplete="off"> '
        f'<span id="metric-count" aria-live="polite">{len(metrics)} metrics shown</span></div>',
    ]
    for topic, group in metrics.groupby("topic", observed=True, sort=True):
        parts.append(f'<section class="topic">\n<h3>{_e(str(topic).replace("_", " ").capitalize())}</h3>\n<ul>')
        for metric in group.itertuples():
            words = " ".join([str(metric.metric_id), str(metric.label), str(metric.definition), str(topic)]).lower()
            parts.append(
                f'<li data-search="{_e(words)}"><a href="metrics/{metric.metric_id}.html">{_e(metric.label)}</a> '
                f"({_count(int(counts.get(metric.metric_id, 0)), 'figure')})</li>"
            )
        parts.append("</ul>\n</section>")
    rows = [
        [
            f"<td>{_e(s.source_id)}</td>",
            f'<td><a href="{_e(s.url)}" rel="noopener">{_e(s.title)}</a></td>' if _e(s.url) else f"<td>{_e(s.title)} <code>{_e(s.file_name)}</code></td>",
            f"<td>{_e(s.publisher)}</td>",
            f"<td>{_e(source_date(s._asdict()))}</td>",
        ]
        for s in tables["sources"].itertuples()
    ]
    parts.append(
        "<h2>Sources</h2>\n" + _table(["Id", "Title", "Publisher", "Date"], rows, "Source documents", [f"source-{s}" for s in tables["sources"]["source_id"]])
    )
    title = str(tables.descriptor.get("title") or "jants: figures on the January 2022 events in Kazakhstan")  # the package's own words
    return site.page(title, "\n".join(parts), scripts=(VEGA_BUNDLE, "charts.js"), inline=SEARCH_JS)


def _discrepancies(site: Site, tables) -> str:
    from .plot import figure_text, stated_date

    observations = tables["observations"].set_index("observation_id")
    sources = tables["sources"].set_index("source_id")
    metric_of = tables["series"].set_index("series_id")["metric_id"]

    def figure_link(observation_id: str) -> str:
        """The figure as stated and its series, linked to its row (the id on hover)."""
        if observation_id not in observations.index:
            return _e(observation_id)
        row = observations.loc[observation_id]
        metric = metric_of.get(row["series_id"])
        text = f"{figure_text(row)} in {row['series_id']}, {stated_date(row, sources)}"
        return f'<a href="metrics/{_e(metric)}.html#{_e(observation_id)}" title="{_e(observation_id)}">{_e(text)}</a>'

    rows, ids = [], []
    for d in tables["discrepancies"].itertuples():
        related = str(d.related_observation_ids).split() if isinstance(d.related_observation_ids, str) else []
        concerned = [i for i in dict.fromkeys([d.observation_id, *related]) if i in observations.index]
        metrics = sorted({str(metric_of.get(observations.at[i, "series_id"])) for i in concerned})
        ids.append(str(d.discrepancy_id))
        rows.append(
            [
                f"<td>{_e(d.discrepancy_id)}</td>",
                f"<td>{_e(str(d.kind).replace('_', ' '))}</td>",
                f"<td>{figure_link(d.observation_id)}</td>",
                "<td>" + "<br>".join(figure_link(i) for i in related) + "</td>",
                "<td>" + "<br>".join(f'<a href="metrics/{_e(m)}.html">{_e(m)}</a>' for m in metrics) + "</td>",
                f"<td>{_e(d.explanation)}</td>",
            ]
        )
    body = (
        "<h1>Recorded discrepancies</h1>\n<p>Figures that do not add up, fall over time, conflict with each "
        "other, or carry a defect of the source text. Every figure is kept as stated.</p>\n"
        + _table(["Id", "Kind", "Figure", "Related figures", "Metrics", "Explanation"], rows, "Discrepancies between figures", ids, "discrepancies")
    )
    return site.page("Recorded discrepancies", body)
