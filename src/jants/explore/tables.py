"""Load the published package into pandas with the schema's types."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import model
from ..package import check_integrity, load_descriptor
from . import rows


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
    """Every table of the package as a DataFrame: the tables of the jants model, then the
    derived `figures` (one labelled row per figure) where the release has it (from 0.4.0).

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
        if "figures" in tables:
            tables["figures"] = tables.figures[tables.figures["observation_id"].isin(tables.observations["observation_id"])].reset_index(drop=True)
    return tables


def _read_tables(root: Path) -> Tables:
    import pyarrow.parquet as pq

    package = load_descriptor(root)
    tables = Tables()
    tables.descriptor = package.descriptor
    for name, (resource, parquet) in rows.table_resources(package).items():
        if parquet is not None and parquet.path:
            _warn_if_edited(root, parquet)
            frame = pq.ParquetFile(root / parquet.path).read().to_pandas()  # read_table would import pyarrow.dataset
        else:
            import pandas as pd

            _warn_if_edited(root, resource)
            frame = pd.read_csv(root / str(resource.path), dtype=str, keep_default_na=False, na_values=[""])
        tables[name] = _typed(frame, resource.schema)
    for name in model.DERIVED:  # releases before 0.4.0 have no derived tables
        derived, copy = package.resource(name), package.copy_of(name, "parquet")
        if derived is not None and copy is not None and copy.path:
            _warn_if_edited(root, copy)
            tables[name] = _typed(pq.ParquetFile(root / copy.path).read().to_pandas(), derived.schema)
    return tables


def _warn_if_edited(root: Path, resource) -> None:
    """A file whose size or SHA-256 differs from its descriptor's is not the one the package
    was built with: load it (it may be a deliberate edit) but say so."""
    import warnings

    for problem in check_integrity(root / str(resource.path), resource.descriptor, str(resource.path)):
        warnings.warn(f"{problem.file}: {problem.message}; it is not the file the package was built with (jants validate checks it)", UserWarning, stacklevel=4)


def _as_rows(tables: Tables, columns: Mapping[str, list[str] | None]) -> rows.Rows:
    """The named columns of tables (all for None) as the typed rows of `explore.rows`:
    missing values None, dates `datetime.date`, so that both APIs answer the same way."""
    result = rows.Rows()
    result.descriptor = getattr(tables, "descriptor", {})
    result.origin = getattr(tables, "origin", "")
    for name, wanted in columns.items():
        frame = tables[name]
        names = list(frame.columns) if wanted is None else [c for c in wanted if c in frame]
        values = []
        for column in names:
            cells = frame[column]
            if cells.dtype.kind == "M":
                cells = cells.dt.date
            values.append(cells.astype(object).where(cells.notna(), None).tolist())
        result[name] = [dict(zip(names, row)) for row in zip(*values)] if names else [{} for _ in range(len(frame))]
    return result


def _by_ids(frame, ids: list[str]):
    """The rows of FRAME with these observation ids, in the order of the ids."""
    import pandas as pd

    order = pd.Series(range(len(ids)), index=pd.Index(ids, dtype=object))
    selected = frame[frame["observation_id"].isin(order.index)]
    positions = order.loc[selected["observation_id"].astype(object)].to_numpy()
    return selected.iloc[positions.argsort(kind="stable")].reset_index(drop=True)


_KNOWN_ON_COLUMNS = {
    "observations": ["observation_id", "series_id", "observation_date", "status", "status_date", "source_id"],
    "sources": ["source_id", "source_date"],
}


def as_known_on(tables: Tables, date: str):
    """For every series, the figures with the latest observation date among those
    published (source dated) on or before `date`. A retracted figure is left out from
    the date of its retraction (status_date; always, if that is unknown), a withdrawn
    one always. Several rows remain where bodies or sources gave figures for the same
    latest date."""
    import pandas as pd

    known = rows.known_on(_as_rows(tables, _KNOWN_ON_COLUMNS), pd.Timestamp(date).date())
    return _by_ids(tables["observations"], [row["observation_id"] for row in known])


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
    import pandas as pd

    columns = {
        "observations": ["observation_id", "series_id", "observation_date", "status", "value", "qualifier", "body_id", "source_id"],
        "series": ["series_id", "label", "metric_id"],
        "metrics": ["metric_id", "topic", "unit"],
    }
    found = rows.overview(_as_rows(tables, columns), tables.descriptor)
    frame = pd.DataFrame(
        found,
        columns=[
            "series_id",
            "label",
            "metric_id",
            "topic",
            "unit",
            "figures",
            "latest_date",
            "latest_value",
            "latest_qualifier",
            "latest_body",
            "latest_source",
        ],
    )
    observations, metrics = tables["observations"], tables["metrics"]
    return frame.astype(
        {
            "series_id": tables["series"]["series_id"].dtype,
            "label": tables["series"]["label"].dtype,
            "metric_id": metrics["metric_id"].dtype,
            "topic": metrics["topic"].dtype,
            "unit": metrics["unit"].dtype,
            "figures": "int64",
            "latest_date": observations["observation_date"].dtype,
            "latest_value": "float64",
            "latest_qualifier": observations["qualifier"].dtype,
            "latest_body": observations["body_id"].dtype,
            "latest_source": observations["source_id"].dtype,
        }
    )


def summary(tables: Tables) -> dict:
    """What `jants info` tells: which package, its version, row counts, dates, topics,
    bodies by type and sources."""
    return rows.summary(_as_rows(tables, {name: None for name in tables}))


def find_series(tables: Tables, topic: str | None = None, body: str | None = None, search: str | None = None):
    """The overview's rows of the series of TOPIC, with a figure from BODY, whose id or
    label contains every word of SEARCH. An unknown topic or body is a usage error."""
    observations = ["observation_id", "series_id", "body_id"]
    light = _as_rows(
        tables, {"series": ["series_id", "label", "metric_id"], "metrics": ["metric_id", "topic"], "bodies": ["body_id"], "observations": observations}
    )
    selected = rows.select_series(light, topic, search)
    if body is not None:
        selected &= {row["series_id"] for row in rows.select_figures(light, body)}
    frame = overview(tables)
    return frame[frame["series_id"].isin(selected)]


def figures_of(tables: Tables, series_id: str, as_of: str | None = None):
    """Every figure of one series in date order, or those known on AS_OF (see `as_known_on`)."""
    import pandas as pd

    light = _as_rows(tables, {"series": ["series_id"], **_KNOWN_ON_COLUMNS})
    found = rows.figures_of(light, series_id, pd.Timestamp(as_of).date() if as_of else None)
    frame = _by_ids(tables["observations"], [row["observation_id"] for row in found])
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
    import pandas as pd

    light = _as_rows(tables, {"series": ["series_id"], "observations": ["observation_id", "series_id", "value", "status"], "discrepancies": None})
    return pd.DataFrame(rows.discrepancies(light, series_id), columns=["discrepancy_id", "kind", "series", "figures", "explanation"])
