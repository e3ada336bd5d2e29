"""A static, offline HTML report of the package: one page per metric with its chart and
every figure with its provenance, an index by topic, and the recorded discrepancies.

Nothing is fetched: the pages use one local stylesheet and local SVG charts, so the
folder can be opened from a disk or attached to an e-mail. The report is written to a
temporary folder beside the target and moved into place when complete.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from pathlib import Path

from .. import model

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 70rem;
       padding: 1rem; line-height: 1.45; color: #1d1d1d; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
a { color: #0b5394; }
.note { background: #f4f1e8; border-left: 4px solid #b08d2a; padding: .5rem .8rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; white-space: nowrap; }
nav { font-size: .9rem; margin-bottom: 1rem; }
@media (max-width: 40rem) { body { padding: .5rem; } table { font-size: .8rem; } }
"""


def _independent(row) -> str:
    """Marks a count made by others than the authorities, so the two are never confused."""
    return ", independent count" if getattr(row, "body_type", None) == "independent" else ""


def _locator(row) -> str:
    """Where the figure is: a line and section of a held text, or the verbatim span of a
    web page with its English rendering."""
    evidence = f"“{_e(row.evidence)}”"
    import pandas as pd

    if not pd.isna(row.source_line):  # a held text; a web report has no line
        return f"line {int(row.source_line)}, {_e(row.source_section)}: {evidence}"
    rendering = getattr(row, "evidence_en", None)  # releases before 0.2.0 have no evidence_en
    english = "" if rendering is None or pd.isna(rendering) or not rendering else f" (English: “{_e(rendering)}”)"
    return f"web page: {evidence}{english}"


def _e(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value))


def _page(title: str, body: str, depth: int = 0) -> str:
    up = "../" * depth
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{_e(title)}</title>\n<link rel="stylesheet" href="{up}style.css">\n</head>\n<body>\n'
        f'<nav><a href="{up}index.html">All metrics</a> · <a href="{up}discrepancies.html">Discrepancies</a></nav>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _figure(row) -> str:
    from ..formatting import format_number

    words = model.QUALIFIER_WORDS.get(str(row["qualifier"]), "")
    text = format_number(row["value"])
    if str(row["qualifier"]) == "range" and row["value_upper"] == row["value_upper"]:
        text += f" to {format_number(row['value_upper'])}"
    return f"{words} {text}".strip()


def _table(headers: list[str], rows: list[list[str]], caption: str) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "\n".join("<tr>" + "".join(cells) + "</tr>" for cells in rows)
    return f'<div class="table-wrap"><table>\n<caption>{_e(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>'


def _chart_series(tables, metric_id: str) -> list[str]:
    """The highest series of a metric that have figures: the totals, or where a total was
    never stated (compensation paid in Almaty only), the components that were."""
    series = tables["series"]
    own = series[series["metric_id"] == metric_id].set_index("series_id")
    with_figures = set(tables["observations"]["series_id"])

    def has_charted_ancestor(series_id: str) -> bool:
        parent = own.loc[series_id, "parent_series_id"]
        while isinstance(parent, str) and parent in own.index:
            if parent in with_figures:
                return True
            parent = own.loc[parent, "parent_series_id"]
        return False

    return [s for s in sorted(own.index) if s in with_figures and not has_charted_ancestor(s)][:8]


def write_report(root: Path, target: Path) -> Path:
    """Write the report of the package at `root` into the folder `target`."""
    from .plot import plot_series
    from .tables import load, observations

    tables = load(root)
    tidy = observations(tables=tables)
    metrics = tables["metrics"].sort_values(["topic", "metric_id"])
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        (staging / "metrics").mkdir()
        (staging / "charts").mkdir()
        (staging / "style.css").write_text(STYLE.lstrip(), encoding="utf-8")
        sources = tables["sources"].set_index("source_id")
        for metric in metrics.itertuples():
            rows = tidy[tidy["metric_id"] == metric.metric_id].sort_values(["observation_date", "series_id", "observation_id"])
            chart_ids = _chart_series(tables, metric.metric_id)
            figure_html = ""
            if chart_ids:
                plot_series(tables, chart_ids, staging / "charts" / f"{metric.metric_id}.svg")
                labels = "; ".join(tables["series"].set_index("series_id").loc[chart_ids, "label"])
                alt = (
                    f"Chart of {labels}: {len(rows)} figures from {rows['observation_date'].min():%d %B %Y} "
                    f"to {rows['observation_date'].max():%d %B %Y}, by reporting body; the table below lists every figure."
                )
                figure_html = f'<figure><img src="../charts/{metric.metric_id}.svg" alt="{_e(alt)}"><figcaption>{_e(labels)}</figcaption></figure>'
            cells = []
            for row in rows.itertuples():
                source = sources.loc[row.source_id]
                cells.append(
                    [
                        f"<td>{row.observation_date:%Y-%m-%d}</td>",
                        f"<td>{_e(row.series_label)}</td>",
                        f"<td>{_e(row.body_short_name)}{_independent(row)} ({_e(row.attribution)})</td>",
                        f'<td class="num">{_e(_figure(row._asdict()))}</td>',
                        f"<td>{_e(row.unit)}</td>",
                        f"<td>{_e(source['title'])} ({source['source_date']:%Y-%m-%d})</td>",
                        f"<td>{_locator(row)}</td>",
                        f"<td>{_e(row.status)}{'; ' + _e(row.note) if row.note == row.note and row.note else ''}</td>",
                    ]
                )
            body = (
                f"<h1>{_e(metric.label)}</h1>\n<p>{_e(metric.definition)}</p>\n"
                f"<p>Unit: {_e(metric.unit)} · kind: {_e(str(metric.kind).replace('_', ' '))} · topic: {_e(metric.topic)}</p>\n"
                f"{figure_html}\n<h2>Every figure</h2>\n"
                + _table(
                    ["Date", "Series", "Reported by", "Figure", "Unit", "Source", "Where in the source", "Status and note"],
                    cells,
                    f"{len(rows)} figures of {metric.label}, as stated",
                )
            )
            (staging / "metrics" / f"{metric.metric_id}.html").write_text(_page(metric.label, body, depth=1), encoding="utf-8")
        (staging / "index.html").write_text(_index(tables, metrics, tidy), encoding="utf-8")
        (staging / "discrepancies.html").write_text(_discrepancies(tables), encoding="utf-8")
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


# The series a reader asks about first, and the named-victim list shown beside the death toll.
HEADLINE_SERIES = [
    "persons_killed",
    "persons_injured",
    "persons_detained",
    "criminal_cases",
    "persons_convicted",
    "weapons_stolen",
    "weapons_recovered",
    "total_damage_kzt",
]
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


def _headline_table(tidy) -> str:
    rows = []
    for item in headline_figures(tidy):
        row = item["official"]
        counts = "; ".join(
            f"{_e(_figure(other))} ({_e(other['body_short_name'])}, {other['observation_date']:%Y-%m-%d}"
            + (", named list" if other["series_id"] != row["series_id"] else "")
            + ")"
            for other in item["independent"]
        )
        rows.append(
            [
                f'<td><a href="metrics/{_e(row["metric_id"])}.html">{_e(row["series_label"])}</a></td>',
                f'<td class="num">{_e(_figure(row))}</td>',
                f"<td>{row['observation_date']:%Y-%m-%d}</td>",
                f"<td>{_e(row['body_short_name'])}</td>",
                f"<td>{counts or 'none recorded'}</td>",
            ]
        )
    return _table(
        ["Figure", "Latest official figure", "Date", "Stated by", "Independent counts (latest of each counter)"],
        rows,
        "The latest figure each authority's statements give, and what others counted",
    )


def _index(tables, metrics, tidy) -> str:
    counts = tidy.groupby("metric_id", observed=True).size()
    parts = [
        "<h1>Figures on the January 2022 events in Kazakhstan</h1>",
        '<p class="note">Every figure is recorded as it was stated, with its qualifier, date, the body that stated '
        "or counted it and the place in its source: what authorities reported and what others counted, side by side. "
        "The dataset records what was reported, not that it is true.</p>",
        f"<p>{len(tidy)} figures in {len(tables['series'])} series of {len(metrics)} metrics, from {len(tables['sources'])} sources.</p>",
        "<h2>Headline figures</h2>",
        _headline_table(tidy),
    ]
    for topic, group in metrics.groupby("topic", observed=True, sort=True):
        parts.append(f"<h2>{_e(str(topic).replace('_', ' ').capitalize())}</h2>\n<ul>")
        for metric in group.itertuples():
            parts.append(
                f'<li><a href="metrics/{metric.metric_id}.html">{_e(metric.label)}</a> ({_count(int(counts.get(metric.metric_id, 0)), "figure")})</li>'
            )
        parts.append("</ul>")
    rows = [
        [f"<td>{_e(s.source_id)}</td>", f"<td>{_e(s.title)}</td>", f"<td>{_e(s.publisher)}</td>", f"<td>{s.source_date:%Y-%m-%d}</td>"]
        for s in tables["sources"].itertuples()
    ]
    parts.append("<h2>Sources</h2>\n" + _table(["Id", "Title", "Publisher", "Date"], rows, "Source documents"))
    return _page("jants: official figures on the January 2022 events", "\n".join(parts))


def _discrepancies(tables) -> str:
    rows = [
        [
            f"<td>{_e(d.discrepancy_id)}</td>",
            f"<td>{_e(str(d.kind).replace('_', ' '))}</td>",
            f"<td>{_e(d.observation_id)}</td>",
            f"<td>{_e(d.related_observation_ids)}</td>",
            f"<td>{_e(d.explanation)}</td>",
        ]
        for d in tables["discrepancies"].itertuples()
    ]
    body = (
        "<h1>Recorded discrepancies</h1>\n<p>Figures that do not add up, fall over time, conflict with each "
        "other, or carry a defect of the source text. Every figure is kept as stated.</p>\n"
        + _table(["Id", "Kind", "Figure", "Related figures", "Explanation"], rows, "Discrepancies between figures")
    )
    return _page("Recorded discrepancies", body)
