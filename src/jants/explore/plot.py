"""Charts of series: every figure as stated, its qualifier visible, its sources named.

One line of points per reporting body, in its own colour. The marker says how the
figure was hedged: a filled circle for an exact figure, an upward triangle for "more
than"/"at least", a downward one for "less than"/"up to", a hollow circle for
"approximately"/"almost", and a vertical bar from value to upper value for a range.
SVG output is deterministic (fixed hash salt, no date), so the same package gives the
same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import model

MARKERS: dict[str, dict[str, Any]] = {
    "exact": dict(marker="o"),
    "more_than": dict(marker="^"),
    "at_least": dict(marker="^"),
    "less_than": dict(marker="v"),
    "at_most": dict(marker="v"),
    "approximately": dict(marker="o", fillstyle="none"),
    "almost": dict(marker="o", fillstyle="none"),
    "range": dict(marker="_"),
}


def legend_label(qualifier: str) -> str:
    """The words of every qualifier drawn with the same marker (model.QUALIFIER_WORDS)."""
    alike = [q for q in model.QUALIFIERS if MARKERS[q] == MARKERS[qualifier]]
    if qualifier == "range":
        return "range (from–to)"
    return " / ".join(model.QUALIFIER_WORDS[q] or "exact" for q in alike)


# Colour-blind-safe: Paul Tol's "muted" scheme, then Okabe-Ito (without its yellow); given
# to the bodies of one chart in turn, so no two bodies of a chart share a colour up to 16.
COLOURS = [
    "#332288",
    "#CC6677",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#DDCC77",
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#E69F00",
    "#56B4E9",
    "#CC79A7",
    "#000000",
]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "jants", "svg.fonttype": "none", "font.size": 9})
    return plt


def plot_series(tables, series_ids: list[str], output: Path, components: bool = False) -> Path:
    """Draw the series into `output` (.svg or .png); with `components`, also the
    breakdown components of each series, stacked, beside its total."""
    from .tables import independent, observations

    plt = _pyplot()
    tidy = observations(tables=tables)
    known = set(tables["series"]["series_id"])
    unknown = [s for s in series_ids if s not in known]
    if unknown:
        raise KeyError(f"no series {', '.join(unknown)}")
    rows = tidy[tidy["series_id"].isin(series_ids)]
    drawn = tidy[tidy["series_id"].isin(series_ids) | tidy["parent_series_id"].isin(series_ids)]
    colour = {body: COLOURS[i % len(COLOURS)] for i, body in enumerate(sorted(set(drawn["body_id"].astype(str))))}
    bodies = tables["bodies"].set_index("body_id")
    short = (bodies["short_name"] + independent(bodies).map({True: " (independent count)", False: ""})).to_dict()
    units = sorted(set(rows["metric_unit"].astype(str))) or sorted(
        set(tables["metrics"].set_index("metric_id").loc[tables["series"].set_index("series_id").loc[series_ids, "metric_id"], "unit"])
    )
    figure, axis = plt.subplots(figsize=(8, 4.8))
    seen_bodies, seen_qualifiers, seen_statuses = set(), set(), set()
    for series_id in series_ids:
        series_rows = rows[rows["series_id"] == series_id].sort_values(["observation_date", "observation_id"])
        for body, group in series_rows.groupby("body_id", observed=True, sort=True):
            standing = group[~group["status"].astype(str).isin(model.NOT_STANDING)]  # shown as points only
            axis.plot(standing["observation_date"], standing["value"], color=colour[body], linewidth=1, alpha=0.6)
            seen_bodies.add(body)
            for _, row in group.iterrows():
                qualifier = str(row["qualifier"])
                seen_qualifiers.add(qualifier)
                changed = str(row["status"]) != "reported"
                seen_statuses.update([str(row["status"])] if changed else [])
                axis.plot(
                    [row["observation_date"]],
                    [row["value"]],
                    linestyle="none",
                    color=colour[body],
                    markersize=7,
                    **MARKERS[qualifier],
                    **({"markerfacecolor": "white"} if changed else {}),
                )
                if qualifier == "range" and row["value_upper"] == row["value_upper"]:
                    axis.vlines(row["observation_date"], row["value"], row["value_upper"], color=colour[body], linewidth=2)
                axis.annotate(
                    _figure_text(row),
                    (row["observation_date"], row["value_upper"] if qualifier == "range" else row["value"]),
                    textcoords="offset points",
                    xytext=(4, 4),
                    fontsize=7,
                    color=colour[body],
                )
        if components:
            _stack_components(axis, tidy, tables, series_id)
    labels = tables["series"].set_index("series_id")["label"]
    axis.set_title("\n".join(labels[s] for s in series_ids), loc="left", fontsize=10)
    axis.set_ylabel(", ".join(units))
    axis.set_xlabel("date the figure refers to")
    axis.grid(True, alpha=0.25)
    axis.set_ylim(bottom=0)
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D

    axis.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    figure.autofmt_xdate()
    handles = [Line2D([], [], color=colour[b], marker="o", linestyle="-", label=short.get(b, b)) for b in sorted(seen_bodies)]
    words = sorted({legend_label(q) for q in seen_qualifiers})
    first_qualifier = {legend_label(q): q for q in sorted(seen_qualifiers, reverse=True)}
    handles += [Line2D([], [], color="black", linestyle="none", markersize=7, label=w, **MARKERS[first_qualifier[w]]) for w in words]
    if seen_statuses:
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                marker="o",
                markerfacecolor="white",
                linestyle="none",
                markersize=7,
                label="open marker: " + ", ".join(sorted(seen_statuses)),
            )
        )
    bars, bar_labels = axis.get_legend_handles_labels()
    if bars:
        axis.legend(handles=handles + bars[:16], fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        figure.set_size_inches(11, 5.2)
        figure.subplots_adjust(right=0.62)
    else:
        axis.legend(handles=handles, fontsize=7, loc="best", frameon=False)
    sources = sorted(set(rows["source_id"].astype(str)))
    figure.text(0.01, 0.01, "Figures as stated by the reporting body; sources: " + "; ".join(sources), fontsize=6.5, wrap=True)
    figure.subplots_adjust(bottom=0.25)
    output = Path(output)
    if output.suffix.lower() not in (".svg", ".png"):
        raise ValueError(f"{output.name}: write .svg or .png")
    metadata = {"Date": None, "Creator": None} if output.suffix.lower() == ".svg" else {"Software": None}
    figure.savefig(output, metadata=metadata, dpi=150, bbox_inches="tight")
    plt.close(figure)
    return output


def _figure_text(row) -> str:
    from ..formatting import format_number

    value = format_number(row["value"])
    if str(row["qualifier"]) == "range" and row["value_upper"] == row["value_upper"]:
        return f"{value}–{format_number(row['value_upper'])}"
    prefix = {"more_than": ">", "at_least": "≥", "less_than": "<", "at_most": "≤", "approximately": "~", "almost": "<~"}
    status = str(row.get("status", "reported"))
    return prefix.get(str(row["qualifier"]), "") + value + ("" if status == "reported" else f" ({status})")


def _stack_components(axis, tidy, tables, series_id: str) -> None:
    """Components of a total, one stacked bar per breakdown (agency, crime type, ...),
    beside each date they were stated on; each component labelled in the legend."""
    import pandas as pd

    series = tables["series"]
    children = series[series["parent_series_id"] == series_id]
    parts = tidy[tidy["series_id"].isin(set(children["series_id"]))]
    if parts.empty:
        return
    width = pd.Timedelta(days=5)
    import matplotlib

    tab20 = matplotlib.colormaps["tab20"]
    palette = {sid: tab20(i % 20) for i, sid in enumerate(sorted(parts["series_id"].unique()))}
    labelled = set()
    for (date, breakdown), group in parts.groupby(["observation_date", "breakdown"], sort=True, observed=True):
        offset = 1 + sorted(parts.loc[parts["observation_date"] == date, "breakdown"].astype(str).unique()).index(str(breakdown))
        bottom = 0.0
        for _, row in group.sort_values("series_id").iterrows():
            label = None if row["series_id"] in labelled else str(row["series_label"]).split(": ", 1)[-1]
            labelled.add(row["series_id"])
            axis.bar(
                date + offset * width,
                row["value"],
                width=width,
                bottom=bottom,
                color=palette[row["series_id"]],
                alpha=0.45,
                edgecolor="black",
                linewidth=0.3,
                label=label,
            )
            bottom += row["value"]
