"""Load the published package into pandas with the schema's types."""

from __future__ import annotations

from pathlib import Path

from .. import model
from ..package import load_descriptor
from ..problems import PackageError, Problem


class Tables(dict):
    """The package's tables by name; also readable as attributes (`tables.observations`).

    `descriptor` is the package's datapackage.json, `origin` names where it was read
    from (a path, an archive, a release, or "bundled 0.2.0")."""

    descriptor: dict
    origin: str

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        lines = [f"jants tables ({len(self)}) from {getattr(self, 'origin', '?')}:"]
        lines += [f"  {name}: {len(frame):,} rows x {frame.shape[1]} columns" for name, frame in self.items()]
        return "\n".join(lines)


def _typed(frame, schema: dict):
    import pandas as pd

    for spec in schema["fields"]:
        name, type_ = spec["name"], spec.get("type", "string")
        enum = (spec.get("constraints") or {}).get("enum")
        if enum:
            frame[name] = pd.Categorical(frame[name], categories=enum)
        elif type_ == "date":
            frame[name] = pd.to_datetime(frame[name])
        elif type_ == "number":
            frame[name] = frame[name].astype("float64")
        elif type_ == "integer":
            frame[name] = frame[name].astype("Int64")
    return frame


def load(path: str | Path | None = None, version: str | None = None, as_of: str | None = None) -> Tables:
    """Every table of the package as a DataFrame.

    Dates are datetimes, closed vocabularies are categoricals, values are floats.
    `path` is a package folder, a datapackage.json or a release archive (.zip); by
    default the package in the current folder, else the release installed with jants.
    `version="0.1.0"` loads that release, from a verified archive (dist/ of a checkout,
    the download cache, or a download; see `jants fetch`). `as_of="2022-06-01"` keeps,
    for every series, only the latest figures published by that date (see `as_known_on`).
    """
    from ..locate import opened

    with opened(path, version) as located:
        tables = _read_tables(located.root)
        tables.origin = located.label
    if as_of is not None:
        tables["observations"] = as_known_on(tables, as_of)
    return tables


def _read_tables(root: Path) -> Tables:
    import pyarrow.parquet as pq

    package = load_descriptor(root)
    tables = Tables()
    tables.descriptor = package.descriptor
    for name in model.TABLES:
        resource = package.resource(name)
        if resource is None or resource.path is None:
            raise PackageError(Problem("descriptor-error", f"the package has no table {name!r} of the jants model", file=package.descriptor_file))
        parquet = package.copy_of(name, "parquet")
        if parquet is not None and parquet.path:
            frame = pq.ParquetFile(root / parquet.path).read().to_pandas()  # read_table would import pyarrow.dataset
        else:
            import pandas as pd

            frame = pd.read_csv(root / resource.path, dtype=str, keep_default_na=False, na_values=[""])
        tables[name] = _typed(frame, resource.schema)
    return tables


def as_known_on(tables: Tables, date: str):
    """For every series, the figures with the latest observation date among those
    published (source dated) on or before `date`. A retracted figure is left out from
    the date of its retraction (status_date; always, if that is unknown), a withdrawn
    one always. Several rows remain where bodies or sources gave figures for the same
    latest date."""
    import pandas as pd

    cutoff = pd.Timestamp(date)
    sources = tables["sources"][["source_id", "source_date"]]
    frame = tables["observations"].merge(sources, on="source_id", how="left")
    status = frame["status"].astype(str)
    retracted_by_then = (status == "retracted") & (frame["status_date"].isna() | (frame["status_date"] <= cutoff))
    known = frame[(frame["source_date"] <= cutoff) & (status != "withdrawn") & ~retracted_by_then]
    latest = known.groupby("series_id", observed=True)["observation_date"].transform("max")
    view = known[known["observation_date"] == latest].drop(columns=["source_date"])
    return view.sort_values(["series_id", "observation_date", "observation_id"], ignore_index=True)


def observations(path: str | Path | None = None, tables: Tables | None = None, version: str | None = None):
    """Tidy observations joined with series, metric, body and source labels, ready to plot."""
    tables = tables if tables is not None else load(path, version)
    series = tables["series"].rename(columns={"label": "series_label"})
    metrics = tables["metrics"].rename(columns={"label": "metric_label", "unit": "metric_unit", "kind": "metric_kind"})
    metrics = metrics.drop(columns=["definition"])
    bodies = tables["bodies"].rename(columns={"name": "body_name", "short_name": "body_short_name", "kind": "body_kind"})
    sources = tables["sources"][["source_id", "title", "publisher", "source_date"]].rename(columns={"title": "source_title", "publisher": "source_publisher"})
    tidy = (
        tables["observations"]
        .merge(series, on="series_id", how="left")
        .merge(metrics, on="metric_id", how="left")
        .merge(bodies, on="body_id", how="left")
        .merge(sources, on="source_id", how="left")
    )
    return tidy.sort_values(["metric_id", "series_id", "observation_date", "observation_id"], ignore_index=True)


def series(series_id: str, path: str | Path | None = None, tables: Tables | None = None, version: str | None = None):
    """Every observation of one series, tidy and in date order, with its provenance.

    >>> deaths = series("persons_killed")
    >>> print(deaths[["observation_date", "value", "status", "body_id"]].head(6).to_string(index=False))
    observation_date  value    status body_id
          2022-01-09  164.0 retracted     moh
          2022-01-15  225.0  reported     pgo
          2022-01-15  225.0  reported     pgo
          2022-01-15  225.0  reported     pgo
          2022-03-14  230.0  disputed     pgo
          2022-03-14  230.0  disputed     pgo
    """
    tables = tables if tables is not None else load(path, version)
    tidy = observations(tables=tables)
    rows = tidy[tidy["series_id"] == series_id]
    if rows.empty and series_id not in set(tables["series"]["series_id"]):
        raise KeyError(f"no series {series_id!r}")
    return rows.sort_values(["observation_date", "observation_id"], ignore_index=True)


def overview(tables: Tables):
    """One row per series: its metric, topic, number of figures and the latest one that
    stands (a retracted or withdrawn figure is counted but never the latest).

    >>> row = overview(load()).set_index("series_id").loc["criminal_cases"]
    >>> (int(row["figures"]), float(row["latest_value"]), str(row["latest_date"].date()))
    (18, 5300.0, '2023-01-05')
    """
    tidy = observations(tables=tables)
    standing = tidy[~tidy["status"].astype(str).isin(model.NOT_STANDING)]
    latest = standing.sort_values(["series_id", "observation_date", "observation_id"]).groupby("series_id", observed=True).tail(1)
    counts = tidy.groupby("series_id", observed=True).size().rename("figures")
    frame = tables["series"][["series_id", "label", "metric_id"]].merge(tables["metrics"][["metric_id", "topic", "unit"]], on="metric_id")
    frame = frame.merge(counts, left_on="series_id", right_index=True, how="left")
    latest = latest[["series_id", "observation_date", "value", "qualifier", "body_id", "source_id"]].rename(
        columns={
            "observation_date": "latest_date",
            "value": "latest_value",
            "qualifier": "latest_qualifier",
            "body_id": "latest_body",
            "source_id": "latest_source",
        }
    )
    frame = frame.merge(latest, on="series_id", how="left")
    frame["figures"] = frame["figures"].fillna(0).astype(int)
    return frame.sort_values(["topic", "series_id"], ignore_index=True)


def summary(tables: Tables) -> dict:
    """What `jants info` tells: which package, its version, row counts, dates and sources."""
    descriptor = tables.descriptor
    dates = tables["observations"]["observation_date"]
    sources = tables["sources"][["source_id", "source_date", "title"]]
    return {
        "package": tables.origin,
        "title": descriptor.get("title"),
        "version": descriptor.get("version"),
        "created": descriptor.get("created"),
        "rows": {name: len(frame) for name, frame in tables.items()},
        "observation_dates": [str(dates.min().date()), str(dates.max().date())] if len(dates) else [],
        "sources": sources.assign(source_date=sources["source_date"].dt.strftime("%Y-%m-%d")).to_dict("records"),
        "topics": sorted(set(tables["metrics"]["topic"].astype(str))),
        "bodies": tables["bodies"][[c for c in ("body_id", "short_name", "body_type", "kind") if c in tables["bodies"]]].astype(str).to_dict("records"),
    }


def find_series(tables: Tables, topic: str | None = None, body: str | None = None, search: str | None = None):
    """The overview's rows of the series of TOPIC, with a figure from BODY, whose id or
    label contains every word of SEARCH. An unknown topic or body is a usage error."""
    from ..problems import PackageError, Problem

    frame = overview(tables)
    known = {"topic": sorted(set(tables["metrics"]["topic"].astype(str))), "body": sorted(tables["bodies"]["body_id"])}
    for name, value in (("topic", topic), ("body", body)):
        if value is not None and value not in known[name]:
            raise PackageError(Problem("usage-error", f"no {name} {value!r}; one of: {', '.join(known[name])}"))
    if topic:
        frame = frame[frame["topic"] == topic]
    if body:
        with_body = set(tables["observations"].loc[tables["observations"]["body_id"] == body, "series_id"])
        frame = frame[frame["series_id"].isin(with_body)]
    for word in (search or "").lower().split():
        frame = frame[frame["series_id"].str.lower().str.contains(word, regex=False) | frame["label"].str.lower().str.contains(word, regex=False)]
    return frame


def figures_of(tables: Tables, series_id: str, as_of: str | None = None):
    """Every figure of one series in date order, or those known on AS_OF (see `as_known_on`)."""
    from ..problems import PackageError, Problem

    if series_id not in set(tables["series"]["series_id"]):
        raise PackageError(Problem("usage-error", f"no series {series_id!r}; jants list shows them"))
    frame = as_known_on(tables, as_of) if as_of else tables["observations"]
    frame = frame[frame["series_id"] == series_id].sort_values(["observation_date", "observation_id"], ignore_index=True)
    if "body_type" in tables["bodies"]:  # official or independent, in every output
        frame = frame.merge(tables["bodies"][["body_id", "body_type"]], on="body_id", how="left")
    return frame


def independent(frame):
    """Which rows were counted by a body independent of the authorities (bodies.body_type;
    none in releases before 0.3.0, which have no body_type)."""
    import pandas as pd

    if "body_type" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["body_type"].astype(str) == "independent"


def discrepancies_of(tables: Tables, series_id: str | None = None):
    """The recorded discrepancies with the series and values of the figures they concern;
    with SERIES_ID, only those that concern a figure of that series."""
    if series_id is not None and series_id not in set(tables["series"]["series_id"]):
        raise PackageError(Problem("usage-error", f"no series {series_id!r}; jants list shows them"))
    observations = tables["observations"].set_index("observation_id")
    rows = []
    for item in tables["discrepancies"].itertuples(index=False):
        related = str(item.related_observation_ids).split() if isinstance(item.related_observation_ids, str) else []
        ids = [item.observation_id, *related]
        known = [i for i in ids if i in observations.index]
        series = sorted({str(observations.at[i, "series_id"]) for i in known})
        if series_id is not None and series_id not in series:
            continue
        figures = "; ".join(f"{i}: {observations.at[i, 'value']:g} ({observations.at[i, 'status']})" for i in known)
        rows.append(
            {"discrepancy_id": item.discrepancy_id, "kind": str(item.kind), "series": " ".join(series), "figures": figures, "explanation": item.explanation}
        )
    import pandas as pd

    return pd.DataFrame(rows, columns=["discrepancy_id", "kind", "series", "figures", "explanation"])
