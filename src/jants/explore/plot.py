"""Charts of series as Vega-Lite specifications (made with Altair): every figure as stated,
its qualifier and status visible, its source one hover away.

`chart_spec` makes the one specification of a chart; the report embeds it interactive (the
time axis zooms and pans) and `jants plot` renders it to SVG or PNG with vl-convert, so
screen and file show the same. One panel per series, each with its own y-axis, so that
series of different scale never share one (small multiples), on a linear time axis.
Colour says which body stated a figure: one colour per body for the whole package
(`body_colours`), colour-blind-safe, never repeated within a chart; marker shape says how
it was hedged, and fill, outline and opacity its status (`STATUS_LOOK`). Figures of one
date in one panel are set a few pixels apart so that none hides another. Values, sources
and evidence are in each point's tooltip, not printed beside the points, so labels never
collide. The output is deterministic.
"""

from __future__ import annotations

import functools
import math
import textwrap
from pathlib import Path
from typing import Any

from .. import model

# Marker shape per qualifier: one shape per meaning, the legend gives the words.
SHAPES: dict[str, str] = {
    "exact": "circle",
    "more_than": "triangle-up",
    "at_least": "triangle-up",
    "less_than": "triangle-down",
    "at_most": "triangle-down",
    "approximately": "diamond",
    "almost": "diamond",
    "range": "square",
}


def legend_label(qualifier: str) -> str:
    """The words of every qualifier drawn with the same shape (model.QUALIFIER_WORDS)."""
    if qualifier == "range":
        return "range (from–to, bar)"
    alike = [q for q in model.QUALIFIERS if SHAPES[q] == SHAPES[qualifier]]
    return " / ".join(model.QUALIFIER_WORDS[q] or "exact" for q in alike)


# Colour-blind-safe: Okabe-Ito (without its yellow), the most distinct, first; then Paul
# Tol's "muted" scheme and a grey. `body_colours` gives each body one of them for good.
COLOURS = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#E69F00",
    "#CC79A7",
    "#000000",
    "#882255",
    "#56B4E9",
    "#999933",
    "#332288",
    "#44AA99",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#AA4499",
    "#CC6677",
    "#BBBBBB",
]

# Units in words for the y-axis; other unit ids are words joined by underscores.
UNIT_WORDS = {"KZT": "tenge (KZT)", "USD": "US dollars (USD)"}

PANEL_WIDTH, PANEL_HEIGHT, WRAP = 640, 220, 110
OVERVIEW_WIDTH, OVERVIEW_HEIGHT = 250, 120

# How each status draws a marker: fill opacity, outline dash, opacity, and the legend's
# words. No two statuses look alike, so a hollow marker means one thing at a time.
STATUS_LOOK: dict[str, tuple[float, list[int], float, str]] = {
    "reported": (1.0, [], 1.0, "reported (filled)"),
    "superseded": (0.35, [], 1.0, "superseded by a corrected figure (half-filled)"),
    "disputed": (0.0, [], 1.0, "disputed by another official figure (hollow)"),
    "retracted": (0.0, [2, 2], 1.0, "retracted by the body (hollow, dashed outline)"),
    "withdrawn": (0.0, [], 0.35, "withdrawn from the dataset by its curators (hollow, faint)"),
}

# The series the report's index opens with, in its timeline too (a group of bodies drawn
# together, so their colours must differ).
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

# One selection bound to the shared time scale, in every panel: a drag pans, the wheel
# zooms, a double-click resets, and all panels follow (a selection per panel would not:
# Vega-Lite lets only the last of them drive a shared scale).
ZOOM = {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}

NUDGE = 7  # pixels between markers of one date in one panel


def unit_words(unit: str) -> str:
    return UNIT_WORDS.get(unit, unit.replace("_", " "))


def grouped(value: float) -> str:
    """A number for readers: thousands grouped, no trailing .0 (3,770; 136,800,000,000; 2.5)."""
    from ..formatting import format_number

    text = format_number(value)
    whole, dot, fraction = text.partition(".")
    return (f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole) + dot + fraction


def figure_text(row) -> str:
    """A figure as stated: the qualifier's words and the value ("more than 200", "20 to 100")."""
    qualifier = str(row["qualifier"])
    text = grouped(row["value"])
    if qualifier == "range" and row["value_upper"] == row["value_upper"]:
        text += f" to {grouped(row['value_upper'])}"
    return f"{model.QUALIFIER_WORDS.get(qualifier, '')} {text}".strip()


def _text(value) -> str:
    """A cell as text, empty where missing (never "nan" or "<NA>")."""
    import pandas as pd

    return "" if value is None or pd.isna(value) else str(value)


def _body_label(row) -> str:
    independent = _text(row.get("body_type")) == "independent"
    return f"{row['body_short_name']}" + (" (independent)" if independent else "")


def stated_date(row, sources, long: bool = False) -> str:
    """A figure's date only as precisely as it is known (formatting.date_as_stated): its own
    date_precision, or its source's where it is dated by its source. SOURCES: the sources
    table indexed by source_id."""
    from ..formatting import date_as_stated, date_precision

    source = sources.loc[row["source_id"]] if row["source_id"] in sources.index else {}
    precision = date_precision(row.get("date_precision"), row["observation_date"], source.get("source_date"), source.get("date_precision"))
    return date_as_stated(row["observation_date"], precision, long)


def source_date(source) -> str:
    """A source's date only as precisely as it is known (month or year of the document)."""
    from ..formatting import date_as_stated

    precision = source.get("date_precision")
    return date_as_stated(source["source_date"], precision if precision in ("month", "year") else "day")


def _points(tidy, tables) -> list[dict[str, Any]]:
    """One record per figure with everything its tooltip shows."""
    sources = tables["sources"].set_index("source_id")
    records = []
    for _, row in tidy.iterrows():
        source = sources.loc[row["source_id"]]
        url = _text(source.get("url"))
        line = _text(row["source_line"])
        where = f"{_text(source.get('file_name')) or row['source_id']}:{int(float(line))}" if line else ""
        kind = _text(row.get("body_type"))
        records.append(
            {
                "panel": str(row["series_label"]),
                "date": f"{row['observation_date']:%Y-%m-%d}",
                "nudge": 0,
                "when": stated_date(row, sources, long=True),
                "value": float(row["value"]),
                "upper": float(row["value_upper"]) if row["value_upper"] == row["value_upper"] else None,
                "figure": figure_text(row),
                "hedge": legend_label(str(row["qualifier"])),
                "status": str(row["status"]),
                "standing": str(row["status"]) not in model.NOT_STANDING,
                "body": _body_label(row),
                "body_id": str(row["body_id"]),
                "stated_by": f"{row['body_name']} ({'independent count' if kind == 'independent' else 'authority of Kazakhstan'})",
                "source": f"{source['title']} ({source_date(source)})",
                "link": url or where,
                "url": url or None,
                "evidence": _text(row["evidence"]),
                "english": _text(row.get("evidence_en")),
                "id": str(row["observation_id"]),
            }
        )
        if not records[-1]["english"]:  # never an empty row in the tooltip
            in_english = _text(source.get("language")) == "en"
            records[-1]["english"] = "(the evidence is in English)" if in_english else "(no English rendering recorded)"
    return records


def _groups(tidy) -> list[set[str]]:
    """Bodies drawn together somewhere: in a metric's chart, a topic's, the headline timeline."""
    groups = [set(group) for _, group in tidy.groupby("metric_id", observed=True)["body_id"]]
    groups += [set(group) for _, group in tidy.groupby("topic", observed=True)["body_id"]] if "topic" in tidy else []
    groups.append(set(tidy.loc[tidy["series_id"].isin(HEADLINE_SERIES), "body_id"]))
    return [{str(b) for b in group} for group in groups]


_COLOURED: dict[int, tuple[Any, dict[str, str]]] = {}


def body_colours(tidy) -> dict[str, str]:
    """One colour per body id for every chart of the package, report and `jants plot` alike.

    Bodies are taken by number of figures (most first, then by id), and each gets the first
    colour of COLOURS that no body it is drawn with (same metric, topic or the headline
    timeline) has already: there are more bodies than colours, but no chart of the
    report shows one twice. `chart_colours` settles a rare clash in a chart of `jants plot`
    that mixes series of different topics."""
    held = _COLOURED.get(id(tidy))
    if held is not None and held[0] is tidy:
        return held[1]
    counts = tidy.groupby("body_id", observed=True).size()
    order = sorted((str(b) for b in counts.index if counts[b]), key=lambda b: (-int(counts[b]), b))
    beside: dict[str, set[str]] = {b: set() for b in order}
    for group in _groups(tidy):
        for body in group & beside.keys():
            beside[body] |= group - {body}
    colours: dict[str, str] = {}
    for rank, body in enumerate(order):
        taken = {colours[other] for other in beside[body] if other in colours}
        colours[body] = next((c for c in COLOURS if c not in taken), COLOURS[rank % len(COLOURS)])
    _COLOURED.clear()
    _COLOURED[id(tidy)] = (tidy, colours)
    return colours


def chart_colours(records: list[dict], colours: dict[str, str]) -> dict[str, str]:
    """The colour of each body label of a chart: its own, unless a body with more figures in
    the package has that colour in this chart too; then the first colour that no body of
    this chart has of its own."""
    ranks = {body: rank for rank, body in enumerate(colours)}
    bodies = sorted({r["body"]: r["body_id"] for r in records}.items(), key=lambda item: (ranks.get(item[1], len(ranks)), item[0]))
    own = {label: colours.get(body, COLOURS[0]) for label, body in bodies}
    chosen: dict[str, str] = {}
    for label, _ in bodies:
        if own[label] not in chosen.values():
            chosen[label] = own[label]
    for label, _ in bodies:
        if label not in chosen:
            free = [c for c in COLOURS if c not in chosen.values()]
            chosen[label] = next((c for c in free if c not in own.values()), free[0])
    return dict(sorted(chosen.items()))


def _nudge(records: list[dict]) -> None:
    """Sets the markers of one date a few pixels apart, centred on the date, lowest value
    first: figures stated the same day with near values would hide each other."""
    by_date: dict[str, list[dict]] = {}
    for record in records:
        by_date.setdefault(record["date"], []).append(record)
    for same in by_date.values():
        same.sort(key=lambda r: (r["value"], r["id"]))
        for i, record in enumerate(same):
            record["nudge"] = round((i - (len(same) - 1) / 2) * NUDGE, 1)


class Datasets:
    """The data of a chart by name, given to the specification once at its top (Altair
    would copy inline data into every layer it combines, which is slow)."""

    def __init__(self):
        self.values: dict[str, list[dict]] = {}

    def add(self, records: list[dict]) -> str:
        name = f"data-{len(self.values)}"
        self.values[name] = records
        return name


@functools.lru_cache(maxsize=1)
def _panel_template() -> dict:
    """One series' panel, made by Altair once, with "@" placeholders that `_filled` gives
    each chart's data, titles and scales: a thin line per body through its standing
    figures, a marker per figure, a bar per range, and a tooltip and link per marker."""
    import altair as alt

    tooltip = [
        alt.Tooltip("figure:N", title="Figure"),
        alt.Tooltip("when:N", title="Date"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("stated_by:N", title="Stated by"),
        alt.Tooltip("source:N", title="Source"),
        alt.Tooltip("link:N", title="Link"),
        alt.Tooltip("evidence:N", title="Evidence"),
        alt.Tooltip("english:N", title="In English"),
    ]
    bodies = alt.Scale(domain=["@bodies"], range=["@colours"])
    body_legend = alt.Legend(orient="right", labelLimit=480, titleLimit=320, symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1)
    colour = alt.Color("body:N", title="Reporting body", scale=bodies, legend=body_legend)
    shape = alt.Shape(
        "hedge:N",
        title="Marker shape: figure stated as",
        scale=alt.Scale(domain=["@hedges"], range=["@shapes"]),
        legend=alt.Legend(orient="right", labelLimit=480, titleLimit=320, symbolFillColor="#555", symbolStrokeColor="#555"),
    )
    # The stroke in the body's colour, the fill too (same scale, no legend of its own); the
    # status sets how much of the fill shows, the outline's dash and the marker's opacity
    # (STATUS_LOOK; their legend is the chart's status key).
    fill = alt.Fill("body:N", title="Reporting body", scale=bodies, legend=body_legend)  # merged into the colour's legend
    status = alt.Scale(domain=["@statuses"], range=["@fills"])
    looks = {
        "fillOpacity": alt.FillOpacity("status:O", scale=status, legend=None),
        "strokeDash": alt.StrokeDash("status:N", scale=alt.Scale(domain=["@statuses"], range=["@dashes"]), legend=None),
        "opacity": alt.Opacity("status:O", scale=alt.Scale(domain=["@statuses"], range=["@opacities"]), legend=None),
    }
    base = alt.Chart(alt.NamedData(name="@data"))
    x = time_axis(alt)
    nudge = alt.ExprRef("datum.nudge")  # pixels, as the mark's offset: Vega-Lite's xOffset channel needs a banded x
    y = alt.Y(
        "value:Q",
        title="@unit",
        scale=alt.Scale(zero=alt.ExprRef("@zero"), nice=True),
        axis=alt.Axis(format="@format", tickCount=5),
    )
    lines = (
        base.transform_filter("datum.standing")
        .mark_line(strokeWidth=1.2, opacity=0.55, xOffset=nudge, clip=True)
        .encode(x=x, y=y, color=colour, detail="body:N")
    )
    ranges = base.transform_filter("datum.upper != null").mark_rule(strokeWidth=2, xOffset=nudge, clip=True).encode(x=x, y=y, y2="upper:Q", color=colour)
    points = base.mark_point(size=80, strokeWidth=1.8, xOffset=nudge, clip=True).encode(
        x=x, y=y, color=colour, fill=fill, shape=shape, tooltip=tooltip, href=alt.Href("url:N"), **looks
    )
    title = alt.TitleParams("@title", subtitle=["@subtitle"], anchor="start", fontSize=12, subtitleFontSize=10, subtitleColor="#444")
    return _part(alt.layer(lines, ranges, points).properties(width=PANEL_WIDTH, height=PANEL_HEIGHT, title=title))


def _filled(node, values: dict):
    """A copy of a template with each "@" placeholder (a string, or a list of just that
    string) replaced by its value."""
    if isinstance(node, dict):
        return {key: _filled(item, values) for key, item in node.items()}
    if isinstance(node, list):
        if len(node) == 1 and isinstance(node[0], str) and node[0] in values:
            return values[node[0]]
        return [_filled(item, values) for item in node]
    if isinstance(node, str) and node in values:
        return values[node]
    return node


# Time runs on a linear axis in UTC (dates are days, not instants of a time zone) from the
# first of the month of the first figure to the first of the month after the last. A chart
# file gets ticks chosen here (`time_ticks`): the finest of a few steps whose labels all
# fit, every tick labelled. The report's charts zoom, so Vega picks their ticks for the
# view shown (a few per panel width; a label that would touch another is hidden). Each
# label says only what changed: the year at its first month, else the month, else day and
# month; the first label also names the year.
TIME_LABEL = (
    "utcdate(datum.value) != 1 ? utcFormat(datum.value, datum.index == 0 ? '%-d %b %Y' : '%-d %b')"
    " : utcmonth(datum.value) == 0 ? utcFormat(datum.value, '%Y')"
    " : utcFormat(datum.value, datum.index == 0 ? '%b %Y' : '%b')"
)


def time_axis(alt):
    axis = alt.Axis(
        labelExpr=TIME_LABEL,
        tickCount=alt.ExprRef("@tickcount"),
        values=["@ticks"],
        labelOverlap=True,
        labelSeparation=4,
        labelFlush=False,  # a last label pushed in from the edge could touch its neighbour
        grid=False,
        labelAngle=0,
    )
    # Padding keeps a marker at the first or last day whole inside the panel, which clips
    # what a zoom moves out of it.
    return alt.X("date:T", title="@xtitle", scale=alt.Scale(type="utc", domain=["@days"], nice=False, padding=8), axis=axis)


def time_scale(dates: list[str]) -> dict:
    """The x domain of a chart: whole months around its dates (ISO strings)."""
    import pandas as pd

    low, high = (pd.Timestamp(min(dates)), pd.Timestamp(max(dates))) if dates else (pd.Timestamp("2022-01-01"),) * 2
    start, end = low.to_period("M").to_timestamp(), (high.to_period("M") + 1).to_timestamp()
    return {"@days": [f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"], "@xtitle": "date the figure refers to"}


# Tick steps of a chart file, finest first: pandas frequency, and how many pixels a label
# of that step needs (a year or month name, or day and month).
TICK_STEPS = [("D", 48), ("2D", 48), ("W-MON", 48), ("MS", 40), ("3MS", 40), ("6MS", 40), ("YS", 40), ("2YS", 40)]


UNSET = "@unset"


def _without_unset(node):
    """A copy without the properties whose value is UNSET."""
    if isinstance(node, dict):
        return {key: _without_unset(item) for key, item in node.items() if item != UNSET}
    if isinstance(node, list):
        return [_without_unset(item) for item in node]
    return node


def time_ticks(domain: list[str], width: int) -> list[str]:
    """The dates of a chart file's ticks: the finest step whose labels all fit the width."""
    import pandas as pd

    for step, room in TICK_STEPS:
        ticks = pd.date_range(domain[0], domain[1], freq=step)
        if len(ticks) * room <= width:
            break
    return [f"{t:%Y-%m-%d}" for t in ticks]


def _tick_count(width: int) -> str:
    """Ticks asked of Vega for a zoomable panel: one per 70 pixels (it takes the time
    interval nearest the request, so there may be fewer or up to twice as many)."""
    return str(max(2, width // 70))


def _from_zero(records: list[dict]) -> bool:
    """A y-axis starts at zero unless the figures lie in a narrow band (the death toll's
    225, 230, 232, 238), where revisions would vanish against zero; a single value is
    drawn from zero, as it has no band to show."""
    values = [r["value"] for r in records] + [r["upper"] for r in records if r["upper"] is not None]
    return not values or min(values) < 0.5 * max(values) or min(values) == max(values)  # one value: no band to show


def _headroom(records: list[dict]) -> dict:
    """Room above the highest figure (and below the lowest, off zero) for a whole marker:
    the panel clips its marks, so that a zoomed view draws nothing outside it."""
    values = [r["value"] for r in records] + [r["upper"] for r in records if r["upper"] is not None]
    if not values:
        return {}
    low, high = min(values), max(values)
    if _from_zero(records):
        return {"domainMax": high + 0.05 * (abs(high) or 1)}
    room = 0.05 * ((high - low) or abs(high) or 1)
    return {"domainMin": low - room, "domainMax": high + room}


def _whole_ticks(records: list[dict]) -> dict:
    """Ticks of an axis of whole numbers: a step of at least 1, and over a span of a few
    units each unit (Vega would otherwise put ticks at halves, labelled as whole numbers)."""
    values = [r["value"] for r in records] + [r["upper"] for r in records if r["upper"] is not None]
    low = 0 if _from_zero(records) else math.ceil(min(values))
    high = math.floor(max(values))
    return {"tickMinStep": 1, **({"values": list(range(low, high + 1))} if high - low <= 5 else {})}


def _whole(records: list[dict]) -> bool:
    return all(float(r["value"]).is_integer() and (r["upper"] is None or float(r["upper"]).is_integer()) for r in records)


def chart_spec(tables, series_ids: list[str], components: bool = False, tidy=None, overview: str | None = None, standalone: bool = True) -> dict:
    """The Vega-Lite specification of a chart of the series (a panel each); with
    `components`, also a panel per breakdown of each series with its components stacked.
    `tidy` is `observations(tables=tables)` when the caller has it already. An `overview`
    (its title) puts small panels in two columns, without the metrics' definitions.

    A `standalone` chart (a file of `jants plot`) carries its title, the metric's
    definition and a footer with dataset, version, licence and sources; a chart of the
    report leaves those to its page and instead zooms and pans its time axis (drag, wheel,
    double-click to reset)."""
    import altair as alt

    from .tables import observations

    known = set(tables["series"]["series_id"])
    unknown = [s for s in series_ids if s not in known]
    if unknown:
        raise KeyError(f"no series {', '.join(unknown)}")
    tidy = observations(tables=tables) if tidy is None else tidy
    series = tables["series"].set_index("series_id")
    metrics = tables["metrics"].set_index("metric_id")
    rows = tidy[tidy["series_id"].isin(series_ids)].sort_values(["observation_date", "observation_id"])
    records = _points(rows, tables)
    labels_of = {r["body"] for r in records}
    if len(labels_of) > len(COLOURS):
        from ..problems import PackageError, Problem

        message = f"{len(labels_of)} reporting bodies in one chart; at most {len(COLOURS)} have colours of their own: chart fewer series at a time"
        raise PackageError(Problem("usage-error", message))
    colours = chart_colours(records, body_colours(tidy))
    hedges = [legend_label(q) for q in model.QUALIFIERS if legend_label(q) in {r["hedge"] for r in records}]
    hedges = list(dict.fromkeys(hedges))
    statuses = [s for s in STATUS_LOOK if s in {r["status"] for r in records}]
    scales = {
        "@bodies": list(colours),
        "@colours": list(colours.values()),
        "@hedges": hedges,
        "@shapes": [SHAPES[next(q for q in model.QUALIFIERS if legend_label(q) == h)] for h in hedges],
        "@statuses": statuses,
        "@fills": [STATUS_LOOK[s][0] for s in statuses],
        "@dashes": [STATUS_LOOK[s][1] for s in statuses],
        "@opacities": [STATUS_LOOK[s][2] for s in statuses],
    }
    drawn_dates = [r["date"] for r in records]
    if components:
        children = set(series[series["parent_series_id"].isin(series_ids)].index)
        drawn_dates += [f"{d:%Y-%m-%d}" for d in tidy.loc[tidy["series_id"].isin(children), "observation_date"]]
    days = time_scale(drawn_dates)
    width = OVERVIEW_WIDTH if overview else PANEL_WIDTH
    days["@tickcount"] = _tick_count(width)
    days["@ticks"] = time_ticks(days["@days"], width) if standalone else UNSET
    if overview:
        days["@xtitle"] = "date"
    datasets = Datasets()
    metric_ids = list(dict.fromkeys(str(series.loc[s, "metric_id"]) for s in series_ids))
    one_metric = len(metric_ids) == 1
    panels = []
    for number, series_id in enumerate(series_ids):
        metric = metrics.loc[series.loc[series_id, "metric_id"]]
        ids = set(rows.loc[rows["series_id"] == series_id, "observation_id"])
        own = [r for r in records if r["id"] in ids]
        _nudge(own)
        subtitle = None if one_metric or overview else _wrap(f"{metric['label']}: {metric['definition']}")
        label = str(series.loc[series_id, "label"])
        panel_title = f"{label} ({len(own)} figure{'' if len(own) == 1 else 's'})" if own else f"{label} (no figures)"
        values: dict[str, Any] = {"@data": datasets.add(own), "@title": panel_title, "@subtitle": subtitle or [], "@unit": unit_words(str(metric["unit"]))}
        panel = _filled(
            _panel_template(),
            {
                **scales,
                **values,
                **days,
                "@format": ",d" if _whole(own) else ",",
                "@zero": "true" if _from_zero(own) else "false",
            },
        )
        # No layer without data (lines, range bars): Vega would warn of an empty extent.
        drawn = [any(r["standing"] for r in own), any(r["upper"] is not None for r in own), True]
        panel["layer"] = [layer for layer, shown in zip(panel["layer"], drawn) if shown]
        for layer in panel["layer"]:
            layer["encoding"]["y"]["scale"].update(_headroom(own))
            if _whole(own) and "axis" in layer["encoding"]["y"]:  # never a tick between two whole numbers, labelled as one of them
                layer["encoding"]["y"]["axis"].update(_whole_ticks(own))
        if not standalone:  # the markers are where the time axis is zoomed and panned (ZOOM)
            panel["layer"][-1]["name"] = f"figures_{number}"
            if len(series_ids) == 1 and not components:
                del panel["title"]  # the page's heading names the one series
        if overview:  # a title of lines no wider than the panel
            panel.update(width=OVERVIEW_WIDTH, height=OVERVIEW_HEIGHT)
            panel["title"]["text"] = textwrap.wrap(panel_title, 40, break_on_hyphens=False)
        panels.append(panel)
        if components:
            panels += [_filled(panel, days) for panel in _component_panels(alt, datasets, tidy, tables, series_id)]
    panels.append({**_status_key(tuple(statuses)), **({"width": OVERVIEW_WIDTH} if overview else {})})
    panels = _without_unset(panels)  # a zoomable chart: Vega picks the ticks for the view shown
    labels = "; ".join(str(series.loc[s, "label"]) for s in series_ids)
    # Panels are made by Altair one by one and put together here: Altair would copy every
    # panel each time it combines them, which takes seconds for a report.
    layout = {"concat": panels, "columns": 2} if overview else {"vconcat": panels}
    resolved = {"x": "shared", "y": "independent", "color": "independent" if components else "shared"}
    resolved["fill"] = resolved["color"]
    inner: dict[str, Any] = {**layout, "spacing": 28, "resolve": {"scale": resolved}}
    spec: dict[str, Any] = {
        "$schema": alt.SCHEMA_URL,
        **({} if standalone else {"params": [{**ZOOM, "views": [f"figures_{n}" for n in range(len(series_ids))]}]}),
        "background": "white",
        "padding": 12,
        "config": {"axis": {"labelFontSize": 11, "titleFontSize": 11}, "legend": {"labelFontSize": 11, "titleFontSize": 11}},
        "description": f"Chart of {labels}: {len(records)} figures by reporting body; hover over a point for its source.",
        "vconcat": [inner],
        "datasets": {**datasets.values, "status_key": _status_keys(statuses, short=bool(overview))},
    }
    if standalone:
        first = metrics.loc[metric_ids[0]]
        title = overview or (str(first["label"]) if one_metric else labels)
        subtitle = _wrap(str(first["definition"])) if one_metric and not overview else ["Each panel has its own scale."]
        heading = alt.TitleParams(title, subtitle=subtitle, anchor="start", fontSize=15, subtitleFontSize=11, subtitleColor="#333")
        footer = alt.TitleParams(_footer(tables, rows), orient="bottom", anchor="start", fontSize=9, fontWeight="normal", color="#555", offset=14)
        inner["title"] = heading.to_dict(validate=False)
        spec["title"] = footer.to_dict(validate=False)
    return spec


def _part(chart) -> dict:
    """A panel's specification, to be placed inside a chart."""
    spec = chart.to_dict(validate=False)
    for key in ("$schema", "config", "datasets"):
        spec.pop(key, None)
    return spec


def _status_keys(statuses, short: bool = False) -> list[dict]:
    """The rows of the status key; `short`: the status and its look only, for a narrow chart."""
    return [
        {
            "row": i,
            "status": status,
            "fill": STATUS_LOOK[status][0],
            "opacity": STATUS_LOOK[status][2],
            "label": f"{status} ({STATUS_LOOK[status][3].split(' (', 1)[1]}" if short else STATUS_LOOK[status][3],
        }
        for i, status in enumerate(statuses)
    ]


@functools.lru_cache(maxsize=16)
def _status_key(statuses: tuple[str, ...]) -> dict:
    """The legend of marker fill, outline and opacity, drawn as a small chart: Vega-Lite
    makes no legend for them. (Its data, "status_key", is given by the chart.)"""
    import altair as alt

    key = alt.Chart(alt.NamedData(name="status_key"))
    y = alt.Y("row:O", axis=None)
    dash = alt.StrokeDash("status:N", scale=alt.Scale(domain=list(statuses), range=[STATUS_LOOK[s][1] for s in statuses]), legend=None)
    dots = key.mark_point(shape="circle", size=80, strokeWidth=1.8, color="#444", fill="#444").encode(
        x=alt.value(8), y=y, fillOpacity=alt.FillOpacity("fill:Q", scale=None), opacity=alt.Opacity("opacity:Q", scale=None), strokeDash=dash
    )
    words = key.mark_text(align="left", baseline="middle", fontSize=11, dx=0).encode(x=alt.value(22), y=y, text="label:N")
    title = alt.TitleParams("Marker fill and outline: status", anchor="start", fontSize=11, fontWeight="bold", orient="top")
    return _part(alt.layer(dots, words).properties(width=PANEL_WIDTH, height=18 * len(statuses), title=title, view=alt.ViewBackground(stroke=None)))


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, WRAP, break_on_hyphens=False) or [""]


def _footer(tables, rows) -> list[str]:
    """Dataset, version, licence and the sources of the figures drawn."""
    descriptor = getattr(tables, "descriptor", {}) or {}
    licence = ", ".join(str(item.get("name", "")) for item in descriptor.get("licenses", [])) or "licence not stated"
    sources = sorted(set(rows["source_id"].astype(str)))
    head = f"Data: jants {descriptor.get('version', '')}, {licence}. Figures as stated by the reporting body, not verified. "
    return _wrap(head + f"Sources ({len(sources)}): " + "; ".join(sources) + ".")


def _component_colours(names: list[str], tidy) -> list[str]:
    """Colours of the components of a breakdown: an agency named as a reporting body has
    that body's colour, the others the first colours left, in turn."""
    by_name = dict(zip(tidy["body_short_name"].astype(str), tidy["body_id"].astype(str)))
    bodies = body_colours(tidy)
    own = {name: bodies[by_name[name]] for name in names if name in by_name and by_name[name] in bodies}
    if len(set(own.values())) < len(own):
        own = {}
    left = iter([c for c in COLOURS if c not in own.values()] * (len(names) // len(COLOURS) + 1))
    return [own[name] if name in own else next(left) for name in names]


def _component_panels(alt, datasets: Datasets, tidy, tables, series_id: str) -> list:
    """Components of a total, one panel per breakdown (agency, crime type, ...): the
    components stated on each date, stacked."""
    children = tables["series"][tables["series"]["parent_series_id"] == series_id]
    parts = tidy[tidy["series_id"].isin(set(children["series_id"])) & ~tidy["status"].astype(str).isin(model.NOT_STANDING)]
    sources = tables["sources"].set_index("source_id")
    panels = []
    for breakdown, group in parts.groupby("breakdown", observed=True, sort=True):
        records = [
            {
                "date": f"{row['observation_date']:%Y-%m-%d}",
                "when": stated_date(row, sources, long=True),
                "value": float(row["value"]),
                "component": str(row["series_label"]).split(": ", 1)[-1],
                "figure": figure_text(row),
                "body": str(row["body_short_name"]),
                "source": str(row["source_id"]),
            }
            for _, row in group.sort_values(["observation_date", "series_id"]).iterrows()
        ]
        names = sorted({str(r["component"]) for r in records})
        palette = _component_colours(names, tidy)
        bars = (
            alt.Chart(alt.NamedData(name=datasets.add(records)))
            .mark_bar(width=10, stroke="white", strokeWidth=0.5, clip=True)
            .encode(
                x=time_axis(alt),
                y=alt.Y("sum(value):Q", title=unit_words(str(group["metric_unit"].iloc[0])), stack="zero"),
                color=alt.Color(
                    "component:N",
                    title=f"Components by {str(breakdown).replace('_', ' ')}",
                    scale=alt.Scale(domain=names, range=palette),
                    legend=alt.Legend(labelLimit=480),
                ),
                order=alt.Order("component:N"),
                tooltip=[
                    alt.Tooltip("component:N", title="Component"),
                    alt.Tooltip("figure:N", title="Figure"),
                    alt.Tooltip("when:N", title="Date"),
                    alt.Tooltip("body:N", title="Stated by"),
                    alt.Tooltip("source:N", title="Source"),
                ],
            )
            .properties(
                width=PANEL_WIDTH, height=PANEL_HEIGHT, title=alt.TitleParams(f"Components by {str(breakdown).replace('_', ' ')}", anchor="start", fontSize=12)
            )
        )
        panels.append(_part(bars))
    return panels


def _numbered_clips(svg: str) -> str:
    """The SVG with its clip paths numbered from 1: Vega counts them over every chart it
    has drawn in the process, so the same chart would differ from one call to the next."""
    import re

    numbers: dict[str, str] = {}
    return re.sub(r"\bclip(\d+)\b", lambda m: "clip" + numbers.setdefault(m.group(1), str(len(numbers) + 1)), svg)


def render(spec: dict, output: Path) -> Path:
    """Write the chart as .svg or .png with vl-convert (the PNG at twice the size)."""
    import vl_convert

    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise ValueError(f"{output.name}: write .svg or .png")
    from ..files import write_atomically

    if suffix == ".svg":
        data = _numbered_clips(vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE)).encode("utf-8")
    else:
        data = vl_convert.vegalite_to_png(spec, vl_version=VEGA_LITE, scale=2)
    write_atomically(output, data)
    return output


# The Vega-Lite version of Altair's specifications, for vl-convert and the report's bundle.
VEGA_LITE = "6.4"


def plot_series(tables, series_ids: list[str], output: Path, components: bool = False) -> Path:
    """Draw the series into `output` (.svg or .png); with `components`, also the
    breakdown components of each series, stacked, in panels of their own."""
    return render(chart_spec(tables, series_ids, components), output)
