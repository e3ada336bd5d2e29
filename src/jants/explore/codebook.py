"""The codebook: every table, field and metric of a package, as Markdown.

Generated from the descriptor and the metrics table, so that it cannot say something
the package does not; `jants codebook -o docs/codebook.md` rewrites it and a test fails
when the committed copy is out of date.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..package import load_descriptor


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _constraints(spec: dict) -> str:
    parts = []
    for key, value in (spec.get("constraints") or {}).items():
        if key == "enum":
            parts.append("one of " + ", ".join(f"`{v}`" for v in value))
        elif value is True:
            parts.append(key)
        else:
            parts.append(f"{key} {json.dumps(value) if not isinstance(value, str) else f'`{value}`'}")
    return "; ".join(parts)


def codebook(root: Path) -> str:
    package = load_descriptor(root)
    descriptor = package.descriptor
    lines = [
        f"# Codebook: {descriptor.get('title', descriptor.get('name', ''))}",
        "",
        f"Version {descriptor.get('version', '?')}. Generated from `datapackage.json` by `jants codebook`; do not edit by hand.",
        "",
    ]
    if descriptor.get("description"):
        lines += [descriptor["description"], ""]
    lines += ["## Tables", ""]
    for resource in package.tables():
        copy = package.copy_of(resource.name, "parquet")
        lines += [
            f"### {resource.name}",
            "",
            f"`{resource.path}`" + (f" (also `{copy.path}`)" if copy else "") + f". {resource.descriptor.get('description', '')}",
            "",
        ]
        if resource.primary_key:
            lines += [f"Primary key: `{', '.join(resource.primary_key)}`.", ""]
        for fk in resource.foreign_keys:
            lines.append(f"Foreign key: `{', '.join(fk.fields)}` → `{fk.resource or resource.name}.{', '.join(fk.reference_fields)}`.")
        if resource.foreign_keys:
            lines.append("")
        lines += ["| field | type | constraints | description |", "|---|---|---|---|"]
        for spec in resource.fields:
            lines.append(f"| `{spec['name']}` | {spec.get('type', 'string')} | {cell(_constraints(spec))} | {cell(spec.get('description', ''))} |")
        lines.append("")
    metrics = package.resource("metrics")
    if metrics is not None and metrics.path:
        with open(root / metrics.path, encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.DictReader(stream))
        lines += ["## Metrics", "", "| metric_id | label | unit | kind | topic | definition |", "|---|---|---|---|---|---|"]
        for row in sorted(rows, key=lambda r: (r["topic"], r["metric_id"])):
            lines.append(f"| `{row['metric_id']}` | {cell(row['label'])} | {row['unit']} | {row['kind']} | {row['topic']} | {cell(row['definition'])} |")
        lines.append("")
    return "\n".join(lines)
