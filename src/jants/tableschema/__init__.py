"""Table Schema for any tabular data package: reading CSV and Parquet, types,
constraints and keys. Nothing here knows the jants model (that is `jants.checks`).

Flow for one resource: `text` (bytes) -> `csvfile` or `parquet` (a `table.TypedTable`,
typed by `types`) -> `constraints` -> `keys` across resources.
"""
