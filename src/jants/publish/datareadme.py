"""README.md of a release archive, written for people who use the data, not the code.

Generated from the descriptor and the tables, so that its list of tables and columns
is the schema's (a test reads it back and compares), and its coverage is counted, not
typed in.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .. import model
from ..explore.codebook import cell
from ..package import key_fields
from .citation import authors

QUALIFIER_WORDS = {
    "exact": 'no hedge, or "only", "a total of"',
    "more_than": '"more than", "over"',
    "at_least": '"at least", "no fewer than"',
    "almost": '"almost", "nearly"',
    "approximately": '"approximately", "around", "about", "some"',
    "less_than": '"less than", "under"',
    "at_most": '"up to", "no more than"',
    "range": '"from X to Y" (`value` to `value_upper`)',
}


def _rows(root: Path, path: str) -> list[dict]:
    with open(root / path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def _coverage(root: Path, descriptor: dict) -> list[str]:
    paths = {r["name"]: r["path"] for r in descriptor["resources"]}
    if not {"observations", "sources"} <= paths.keys():
        return []
    observations = _rows(root, paths["observations"])
    sources = _rows(root, paths["sources"])
    dates = sorted(row["observation_date"] for row in observations if row.get("observation_date"))
    kinds: dict[str, int] = {}
    for source in sources:
        kinds[source.get("source_kind", "")] = kinds.get(source.get("source_kind", ""), 0) + 1
    lines = [f"{len(observations):,} figures from {len(sources)} sources" + (f", dated {dates[0]} to {dates[-1]}" if dates else "") + "."]
    lines += ["", _status_counts(observations), ""]
    for kind, count in sorted(kinds.items()):
        lines.append(f"- `{kind}`: {count} sources")
    return lines


STATUS_WORDS = {
    "reported": "reported",
    "disputed": "disputed (another official figure for the same date and scope conflicts)",
    "superseded": "superseded by a correction of the body",
    "retracted": "retracted by the body that stated it",
    "withdrawn": "withdrawn by the curators",
}


def _status_counts(observations: list[dict]) -> str:
    """How many figures have each status, counted from the table, in the model's order."""
    counts: dict[str, int] = {}
    for row in observations:
        counts[row.get("status", "")] = counts.get(row.get("status", ""), 0) + 1
    order = model.STATUSES + sorted(s for s in counts if s not in model.STATUSES)
    parts = [f"{counts[s]:,} {STATUS_WORDS.get(s, s or '(no status)')}" for s in order if counts.get(s)]
    return "By `status`: " + "; ".join(parts) + "."


def data_readme(root: Path, descriptor: dict, date: str) -> str:
    version = descriptor.get("version", "")
    title = descriptor.get("title", descriptor.get("name", ""))
    licence = (descriptor.get("licenses") or [{}])[0]
    tables = [r for r in descriptor["resources"] if not r.get("copyOf")]
    lines = [
        f"# {title}",
        "",
        f"Version {version}, released {date}. This folder is the complete release: open it in a "
        "spreadsheet, pandas, R or DuckDB; no software from the project is needed.",
        "",
        "## What this dataset is, and is not",
        "",
        descriptor.get("description", ""),
        "",
        "Each row of `observations` is one figure **as a source stated it**: its value, the words that "
        "hedge it (qualifier), the date it refers to, the body that stated it, and the exact place in "
        "the source (a line of a held text, or a verbatim span of a web page). The dataset records "
        "what was reported, not that it is true. Nothing is computed, rounded, merged or corrected; "
        "where figures disagree, the disagreement is recorded in `discrepancies`. Figures that were "
        "later retracted are kept, marked by `status`.",
        "",
        "It is not:",
        "",
        "- an estimate of what happened: a figure here is a claim by the body that stated it;",
        "- a verification: the curators check that each figure is in its source, not that it is right;",
        "- a set of totals: figures of different dates, bodies and scopes are never added up or merged;",
        "- the source texts: only facts about them (title, date, SHA-256, line, a few words of evidence).",
        "",
        "## Coverage",
        "",
        *_coverage(root, descriptor),
        "",
        "## Files",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `datapackage.json` | the Frictionless Data Package descriptor: every table's schema, types, keys, bytes and SHA-256 |",
        *[f"| `{r['path']}` | {cell(r.get('description', ''))} |" for r in tables],
        "| `data/*.parquet` | the same tables in Parquet, with types |",
        "| `jants.db` | every table in one SQLite database, with keys, indexes and full-text search (open it with any SQLite tool, or in Datasette) |",
        "| `jants.metadata.json` | Datasette's metadata for `jants.db`: titles, descriptions of every table and column, licence, facets |",
        "| `codebook.md` | every table, field and metric with its definition |",
        "| `CHANGELOG.md` | what changed in each version |",
        "| `CITATION.cff` | how to cite this version (Citation File Format) |",
        f"| `LICENSE.txt` | the data licence, {licence.get('title', licence.get('name', ''))} |",
        "| `SHA256SUMS` | the SHA-256 of every other file (`sha256sum -c SHA256SUMS`) |",
        "",
        "## Tables and columns",
        "",
        "Start with `data/figures.csv`: one row per figure, with everything needed to read it in one row (series, metric, "
        "topic, body, source title, publisher, date and URL, evidence and its English rendering, status, and the "
        "discrepancies it takes part in). It is derived from the other tables: `observations` holds the same figures "
        "by id, and the other tables give the labels and definitions those ids point to.",
        "",
    ]
    for resource in tables:
        schema = resource.get("schema") or {}
        key = key_fields(schema.get("primaryKey"))
        key_text = f" Key: `{', '.join(key)}`." if key else ""
        lines += [
            f"### {resource['name']}",
            "",
            f"`{resource['path']}`. {resource.get('description', '')}{key_text}",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        lines += [f"| `{spec['name']}` | {spec.get('type', 'string')} | {cell(spec.get('description', ''))} |" for spec in schema.get("fields", [])]
        lines.append("")
    lines += [
        "## Reading a figure",
        "",
        "**qualifier**: how the source hedges the figure, from its own words:",
        "",
        "| qualifier | the source says |",
        "|---|---|",
        *[f"| `{name}` | {words} |" for name, words in QUALIFIER_WORDS.items()],
        "",
        "**status**: `reported` (stands as stated); `retracted` (withdrawn by the body that stated it, "
        "e.g. the first death toll of 164); `superseded` (replaced by the body with a correction for "
        "the same date and scope); `disputed` (another figure for the same date and scope conflicts "
        "with it); `withdrawn` (taken out by the curators). Filter on `status` before using a figure "
        "as current.",
        "",
        "**attribution**: `explicit` when the source names the speaker or body, `implied` when the "
        "body is inferred from context. `body_id` is the body that stated the figure (its `body_type` tells an authority from an independent counter); the "
        "outlet that published it is the source's `publisher`.",
        "",
        "## Opening the data",
        "",
        "Spreadsheet: open `data/figures.csv` (UTF-8, comma-separated; in Excel use Data > From "
        "Text/CSV and choose UTF-8) and filter on `series_id` or `topic`, and on `status`. Empty cells are missing values.",
        "",
        "Datasette (`pip install datasette`), to browse, facet and search every table in a web browser:",
        "",
        "```sh",
        "datasette jants.db --metadata jants.metadata.json",
        "```",
        "",
        "pandas:",
        "",
        "```python",
        "import pandas as pd",
        'figures = pd.read_parquet("data/figures.parquet")   # types from the file',
        'deaths = figures[figures.series_id == "persons_killed"][["observation_date", "value", "qualifier", "status", "body_label", "url"]]',
        "```",
        "",
        "R, with the frictionless package (types from the schema) or readr alone:",
        "",
        "```r",
        "library(frictionless)",
        'package <- read_package("datapackage.json")',
        'figures <- read_resource(package, "figures")',
        '# or: figures <- readr::read_csv("data/figures.csv")',
        "```",
        "",
        "DuckDB:",
        "",
        "```sql",
        "SELECT observation_date, value, qualifier, status, body_label, url",
        "FROM 'data/figures.parquet' WHERE series_id = 'persons_killed' ORDER BY observation_date;",
        "```",
        "",
        "Python users can also `pip install jants` and call `jants.load()`.",
        "",
        "## How to cite",
        "",
        f"Cite this exact version: {', '.join(authors(descriptor))} ({date[:4]}). {title}. "
        f"Version {version}, released {date}. `CITATION.cff` has the same in machine-readable form; "
        f"the SHA-256 of the archive `jants-{version}.zip` is recorded in the project's release "
        f"index (`jants cite {version}` prints the citation with it).",
        "",
        "## Licence",
        "",
        f"The data is licensed under {licence.get('title', licence.get('name', ''))} ({licence.get('name', '')}); "
        "the full text is in `LICENSE.txt`. The source texts are third-party documents and are not part of "
        "this release: it keeps only facts about them (metadata, hashes, line numbers and evidence "
        "strings of a few words).",
        "",
    ]
    return "\n".join(lines)
