"""The codebook: every table, field and metric of a package, as Markdown.

Generated from the descriptor and the metrics table, so that it cannot say something
the package does not; `jants codebook -o docs/codebook.md` rewrites it and a test fails
when the committed copy is out of date.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path


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
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    lines = [f"# Codebook: {descriptor.get('title', descriptor.get('name', ''))}", "",
             f"Version {descriptor.get('version', '?')}. Generated from `datapackage.json` by "
             "`jants codebook`; do not edit by hand.", ""]
    if descriptor.get("description"):
        lines += [descriptor["description"], ""]
    lines += ["## Tables", ""]
    for resource in descriptor["resources"]:
        if resource.get("copyOf"):
            continue
        lines += [f"### {resource['name']}", "", f"`{resource['path']}`"
                  + (f" (also `{p['path']}`)" if (p := _parquet(descriptor, resource['name'])) else "")
                  + f". {resource.get('description', '')}", ""]
        schema = resource.get("schema") or {}
        key = schema.get("primaryKey")
        if key:
            lines += [f"Primary key: `{', '.join(key) if isinstance(key, list) else key}`.", ""]
        for fk in schema.get("foreignKeys", []):
            fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
            target = fk["reference"]
            lines.append(f"Foreign key: `{', '.join(fields)}` → `{target['resource'] or resource['name']}.{', '.join(target['fields'] if isinstance(target['fields'], list) else [target['fields']])}`.")
        if schema.get("foreignKeys"):
            lines.append("")
        lines += ["| field | type | constraints | description |", "|---|---|---|---|"]
        for spec in schema.get("fields", []):
            lines.append(f"| `{spec['name']}` | {spec.get('type', 'string')} | {cell(_constraints(spec))} | {cell(spec.get('description', ''))} |")
        lines.append("")
    metrics = _metrics(root, descriptor)
    if metrics:
        lines += ["## Metrics", "", "| metric_id | label | unit | kind | topic | definition |", "|---|---|---|---|---|---|"]
        for row in sorted(metrics, key=lambda r: (r["topic"], r["metric_id"])):
            lines.append(f"| `{row['metric_id']}` | {cell(row['label'])} | {row['unit']} | {row['kind']} | {row['topic']} | {cell(row['definition'])} |")
        lines.append("")
    return "\n".join(lines)


def _parquet(descriptor: dict, name: str) -> dict | None:
    return next((r for r in descriptor["resources"] if r.get("copyOf") == name), None)


def _metrics(root: Path, descriptor: dict) -> list[dict]:
    resource = next((r for r in descriptor["resources"] if r.get("name") == "metrics"), None)
    if resource is None:
        return []
    with open(root / resource["path"], encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))
