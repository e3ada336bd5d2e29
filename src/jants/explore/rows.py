"""The package's tables as typed Python rows, and the questions the command line asks of them.

Read with the csv module, without pandas or pyarrow, so that `jants info`, `list` and
`show` answer in a fraction of a second. The pandas API (`explore.tables`) answers the same
questions through the functions here: which figures were known on a date, the latest
figure of each series, the recorded discrepancies.

A row is a dict of Python values: text, float (number), int (integer), `datetime.date`
(date), None (an empty cell).
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from .. import model
from ..formatting import date_precision
from ..package import Package, Resource, load_descriptor, resolve_path
from ..problems import PackageError, Problem

Row = dict
TablesOfRows = Mapping[str, list[Row]]


class Rows(dict):
    """The package's tables by name, each a list of rows; `descriptor` and `origin` as
    in `explore.tables.Tables`."""

    descriptor: dict
    origin: str


def table_resources(package: Package) -> dict[str, tuple[Resource, Resource | None]]:
    """Every table of the jants model: its CSV resource and its Parquet copy (if any)."""
    found = {}
    for name in model.TABLES:
        resource = package.resource(name)
        if resource is None or resource.path is None:
            raise PackageError(Problem("descriptor-error", f"the package has no table {name!r} of the jants model", file=package.descriptor_file))
        found[name] = (resource, package.copy_of(name, "parquet"))
    return found


def read(path: str | Path | None = None, version: str | None = None) -> Rows:
    """Every table of the package (located as by `jants.load`) as typed rows."""
    from ..locate import opened

    with opened(path, version) as located:
        package = load_descriptor(located.root)
        rows = Rows()
        rows.descriptor = package.descriptor
        rows.origin = located.label
        for name, (resource, _) in table_resources(package).items():
            rows[name] = _read_csv(package, resource)
    return rows


def _read_csv(package: Package, resource: Resource) -> list[Row]:
    path, problem = resolve_path(package, resource.descriptor)  # a file inside the package, or a problem
    if problem is not None or path is None:
        raise PackageError(problem or Problem("path-error", f"resource {resource.name!r} has no path"))
    converters = {spec["name"]: _CONVERTERS.get(spec.get("type", "string")) for spec in resource.fields}
    number = 1
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream)
            header = next(reader, [])
            rows = []
            for number, cells in enumerate(reader, start=2):
                row: Row = {}
                for name, cell in zip(header, cells):
                    convert = converters.get(name)
                    if cell == "":
                        row[name] = None
                    elif convert is None:
                        row[name] = cell
                    else:
                        try:
                            row[name] = convert(cell)
                        except ValueError:
                            raise PackageError(
                                Problem(
                                    "type-error",
                                    f"{cell!r} is not a valid value; jants validate checks the package",
                                    file=resource.path,
                                    row=number,
                                    field=name,
                                )
                            ) from None
                rows.append(row)
    except (UnicodeDecodeError, csv.Error) as error:
        raise PackageError(
            Problem(
                "encoding-error" if isinstance(error, UnicodeDecodeError) else "csv-parse-error",
                f"cannot be read: {error}; jants validate checks the package",
                file=resource.path,
                row=number + 1,
            )
        ) from None
    return rows


_CONVERTERS: dict[str, Callable[[str], object]] = {"number": float, "integer": int, "date": datetime.date.fromisoformat}


def enum_order(descriptor: dict, table: str, field: str) -> list[str]:
    """The closed vocabulary of a field, in the schema's order (the order tables sort by)."""
    for resource in descriptor.get("resources", []):
        if isinstance(resource, dict) and resource.get("name") == table:
            for spec in (resource.get("schema") or {}).get("fields", []):
                if spec.get("name") == field:
                    return list((spec.get("constraints") or {}).get("enum") or [])
    return []


def _standing(row: Row) -> bool:
    return str(row.get("status")) not in model.NOT_STANDING


def _date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def published_by(tables: TablesOfRows, date) -> list[Row]:
    """The figures published (source dated) on or before DATE that still stood on that
    date: never a withdrawn one, and a retracted one only before the date of its
    retraction (status_date; never, if that is unknown)."""
    cutoff = _date(date)
    published = {s["source_id"]: s.get("source_date") for s in tables["sources"]}
    found = []
    for row in tables["observations"]:
        source_date = published.get(row["source_id"])
        status = str(row.get("status"))
        retracted = status == "retracted" and (row.get("status_date") is None or row["status_date"] <= cutoff)
        if source_date is not None and source_date <= cutoff and status != "withdrawn" and not retracted:
            found.append(row)
    return found


def known_on(tables: TablesOfRows, date) -> list[Row]:
    """For every series, the figures with the latest observation date among those
    published by DATE (see `published_by`). Several rows remain where bodies or sources
    gave figures for the same latest date. Sorted by series, date and id."""
    known = published_by(tables, date)
    latest: dict[str, datetime.date] = {}
    for row in known:
        if row["series_id"] not in latest or row["observation_date"] > latest[row["series_id"]]:
            latest[row["series_id"]] = row["observation_date"]
    view = [row for row in known if row["observation_date"] == latest[row["series_id"]]]
    return sorted(view, key=lambda r: (r["series_id"], r["observation_date"], r["observation_id"]))


def check_series(tables: TablesOfRows, series_id: str) -> None:
    """An unknown series is a usage error that points the way: the series of a figure id
    given in its place, or the ids that read most like it."""
    known = sorted({s["series_id"] for s in tables["series"]})
    if series_id in known:
        return
    figure = next((o for o in tables["observations"] if o["observation_id"] == series_id), None)
    if figure is not None:
        hint = f"{series_id!r} is a figure of series {figure['series_id']!r} (jants show {figure['series_id']})"
    else:
        import difflib

        close = difflib.get_close_matches(series_id, known, n=3, cutoff=0.75)
        hint = f"did you mean {' or '.join(close)}?" if close else "jants list shows them"
    raise PackageError(Problem("usage-error", f"no series {series_id!r}; {hint}"))


def check_choice(name: str, value: str | None, choices: Iterable[str]) -> None:
    """An unknown topic, body or type is a usage error that lists the valid ones."""
    choices = sorted(set(choices))
    if value is not None and value not in choices:
        raise PackageError(Problem("usage-error", f"no {name} {value!r}; one of: {', '.join(choices)}"))


def overview(tables: TablesOfRows, descriptor: dict, figures: list[Row] | None = None, standing: Callable[[Row], bool] | None = None) -> list[Row]:
    """One row per series: its metric, topic, number of FIGURES (default: every
    observation) and the latest one that stands (STANDING; by default a retracted or
    withdrawn figure is counted but never the latest), in the order of topics, then
    series id."""
    figures = tables["observations"] if figures is None else figures
    standing = standing or _standing
    counts: dict[str, int] = {}
    latest: dict[str, Row] = {}
    for row in figures:
        counts[row["series_id"]] = counts.get(row["series_id"], 0) + 1
        if standing(row):
            before = latest.get(row["series_id"])
            if before is None or (row["observation_date"], row["observation_id"]) > (before["observation_date"], before["observation_id"]):
                latest[row["series_id"]] = row
    metrics = {m["metric_id"]: m for m in tables["metrics"]}
    result = []
    for series in tables["series"]:
        metric = metrics.get(series["metric_id"])
        if metric is None:
            continue
        last = latest.get(series["series_id"], {})
        result.append(
            {
                "series_id": series["series_id"],
                "label": series["label"],
                "metric_id": series["metric_id"],
                "topic": metric["topic"],
                "unit": metric["unit"],
                "figures": counts.get(series["series_id"], 0),
                "latest_date": last.get("observation_date"),
                "latest_value": last.get("value"),
                "latest_qualifier": last.get("qualifier"),
                "latest_body": last.get("body_id"),
                "latest_source": last.get("source_id"),
            }
        )
    topics = {topic: i for i, topic in enumerate(enum_order(descriptor, "metrics", "topic"))}
    return sorted(result, key=lambda r: (topics.get(r["topic"], len(topics)), str(r["topic"]), r["series_id"]))


def topics(tables: TablesOfRows) -> list[str]:
    return sorted({str(m["topic"]) for m in tables["metrics"]})


def select_series(tables: TablesOfRows, topic: str | None = None, search: str | None = None) -> set[str]:
    """The series of TOPIC whose id or label contains every word of SEARCH."""
    check_choice("topic", topic, topics(tables))
    metric_topic = {m["metric_id"]: m["topic"] for m in tables["metrics"]}
    words = (search or "").lower().split()
    return {
        s["series_id"]
        for s in tables["series"]
        if (topic is None or metric_topic.get(s["metric_id"]) == topic) and all(w in s["series_id"].lower() or w in str(s["label"]).lower() for w in words)
    }


def select_figures(tables: TablesOfRows, body: str | None = None, body_type: str | None = None, as_of=None) -> list[Row]:
    """The observations of BODY, of bodies of BODY_TYPE, published by AS_OF (see `published_by`)."""
    bodies = tables["bodies"]
    check_choice("body", body, (b["body_id"] for b in bodies))
    if body_type is not None:
        check_choice("body type", body_type, model.BODY_TYPES)
    of_type = {b["body_id"] for b in bodies if b.get("body_type") == body_type}
    figures = published_by(tables, as_of) if as_of is not None else tables["observations"]
    return [row for row in figures if (body is None or row["body_id"] == body) and (body_type is None or row["body_id"] in of_type)]


def discrepancy_ids(tables: TablesOfRows) -> dict[str, list[str]]:
    """For every observation, the recorded discrepancies it takes part in."""
    found: dict[str, list[str]] = {}
    for item in tables["discrepancies"]:
        for observation_id in _concerned(item):
            found.setdefault(observation_id, []).append(item["discrepancy_id"])
    return found


def _concerned(item: Row) -> list[str]:
    return model.concerned_figures(item["observation_id"], item.get("related_observation_ids"))


def discrepancies(tables: TablesOfRows, series_id: str | None = None) -> list[Row]:
    """The recorded discrepancies with the series and values of the figures they concern;
    with SERIES_ID, only those that concern a figure of that series."""
    if series_id is not None:
        check_series(tables, series_id)
    observations = {o["observation_id"]: o for o in tables["observations"]}
    result = []
    for item in tables["discrepancies"]:
        known = [observations[i] for i in _concerned(item) if i in observations]
        series = sorted({str(o["series_id"]) for o in known})
        if series_id is not None and series_id not in series:
            continue
        figures = "; ".join(f"{o['observation_id']}: {o['value']:g} ({o['status']})" for o in known)
        result.append(
            {"discrepancy_id": item["discrepancy_id"], "kind": item["kind"], "series": " ".join(series), "figures": figures, "explanation": item["explanation"]}
        )
    return result


def figures_of(tables: TablesOfRows, series_id: str, as_of=None) -> list[Row]:
    """Every figure of one series in date order, or those known on AS_OF."""
    check_series(tables, series_id)
    figures = known_on(tables, as_of) if as_of is not None else tables["observations"]
    rows = [row for row in figures if row["series_id"] == series_id]
    return sorted(rows, key=lambda r: (r["observation_date"], r["observation_id"]))


MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def plain_text(text: str | None) -> str | None:
    """Evidence without the markdown emphasis a held text carries (`**3,770**` -> `3,770`)."""
    return MARKDOWN_EMPHASIS.sub(r"\2", text) if text else text


def provenance(tables: TablesOfRows, figures: list[Row]) -> list[Row]:
    """Each figure with how precisely its date is known (formatting.date_precision: its own
    precision, or its source's where it is dated by the source), who stated it, where it is written (source title, publisher and
    URL, or file and line of a held text), its evidence as plain text beside its English
    rendering, and the recorded discrepancies it takes part in."""
    sources = {s["source_id"]: s for s in tables["sources"]}
    bodies = {b["body_id"]: b for b in tables["bodies"]}
    conflicts = discrepancy_ids(tables)
    result = []
    for row in figures:
        source = sources.get(row["source_id"], {})
        body = bodies.get(row["body_id"], {})
        line = row.get("source_line")
        held = source.get("file_name")
        result.append(
            {
                "observation_id": row["observation_id"],
                "series_id": row["series_id"],
                "observation_date": row["observation_date"],
                "date_precision": date_precision(row.get("date_precision"), row["observation_date"], source.get("source_date"), source.get("date_precision")),
                "period_start": row.get("period_start"),
                "body_id": row["body_id"],
                "body_type": body.get("body_type"),
                "attribution": row.get("attribution"),
                "qualifier": row["qualifier"],
                "value": row["value"],
                "value_upper": row.get("value_upper"),
                "unit": row["unit"],
                "status": row["status"],
                "status_date": row.get("status_date"),
                "status_source_id": row.get("status_source_id"),
                "speaker": row.get("speaker"),
                "note": row.get("note"),
                "source_id": row["source_id"],
                "source_title": source.get("title"),
                "source_publisher": source.get("publisher"),
                "source_url": source.get("url"),
                "source_file": held,
                "source_line": line,
                "source_section": row.get("source_section"),
                "where": source.get("url") or (f"{held}:{line}" if held and line is not None else held),
                "evidence": plain_text(row.get("evidence")),
                "evidence_en": plain_text(row.get("evidence_en")),
                "discrepancies": " ".join(conflicts.get(row["observation_id"], [])) or None,
            }
        )
    return result


def summary(tables: Rows) -> dict:
    """What `jants info` tells: which package, its version, row counts, dates, topics,
    bodies by type and sources."""
    descriptor = tables.descriptor
    dates = [o["observation_date"] for o in tables["observations"] if o.get("observation_date") is not None]
    bodies = [{k: str(b[k]) for k in ("body_id", "short_name", "body_type", "kind") if k in b} for b in tables["bodies"]]
    by_type: dict[str, list[str]] = {}
    for body in bodies:  # releases before 0.3.0 have no body_type
        if "body_type" in body:
            by_type.setdefault(body["body_type"], []).append(body["body_id"])
    return {
        "package": tables.origin,
        "title": descriptor.get("title"),
        "version": descriptor.get("version"),
        "created": descriptor.get("created"),
        "rows": {name: len(rows) for name, rows in tables.items()},
        "observation_dates": [min(dates).isoformat(), max(dates).isoformat()] if dates else [],
        "topics": topics(tables),
        "bodies_by_type": {kind: sorted(ids) for kind, ids in sorted(by_type.items())},
        "bodies": bodies,
        "sources": [
            {"source_id": s["source_id"], "source_date": s["source_date"].isoformat() if s.get("source_date") else None, "title": s.get("title")}
            for s in tables["sources"]
        ],
    }


def sources_list(tables: TablesOfRows) -> list[Row]:
    """Every source with its date, kind, publisher, where to find it and how many figures it gave."""
    counts: dict[str, int] = {}
    for row in tables["observations"]:
        counts[row["source_id"]] = counts.get(row["source_id"], 0) + 1
    return [
        {
            "source_id": s["source_id"],
            "source_date": s.get("source_date"),
            "source_kind": s.get("source_kind"),
            "language": s.get("language"),
            "figures": counts.get(s["source_id"], 0),
            "publisher": s.get("publisher"),
            "title": s.get("title"),
            "where": s.get("url") or s.get("file_name"),
        }
        for s in tables["sources"]
    ]
