"""What changed between two versions of a package, and the version bump it requires.

Rows are matched by their primary key, so a corrected figure shows as a change of one
field of one stable id. The bump follows semantic versioning of data (README,
"Versioning"): MAJOR for anything that can break a user's code or change what an id
means, MINOR for additions, PATCH for corrections.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..locate import opened, release_index
from ..package import Resource, key_fields, load_descriptor
from ..problems import PackageError, Problem

BUMPS = ["none", "patch", "minor", "major"]
# Fields whose change gives an id another meaning: what a series or metric counts.
DEFINING_FIELDS = {
    "metrics": {"unit", "kind"},
    "series": {"metric_id", "parent_series_id", "breakdown", "region", "agency", "crime_type", "weapon_type", "facility", "person_group", "category"},
    "observations": {"series_id"},
}


@dataclass
class Change:
    kind: str  # added | removed | withdrawn | changed | schema
    table: str
    key: str | None = None
    field: str | None = None
    old: str | None = None
    new: str | None = None
    bump: str = "patch"
    reason: str = ""

    def __str__(self) -> str:
        where = f"{self.table} {self.key}" if self.key else self.table
        if self.kind == "changed":
            text = f"{where}: {self.field}: {self.old!r} -> {self.new!r}"
        elif self.kind == "schema":
            text = f"{where}: {self.reason}"
        else:
            text = f"{where}: {self.kind}"
        return f"[{self.bump}] {text}"


@dataclass
class Diff:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)

    @property
    def bump(self) -> str:
        return max((c.bump for c in self.changes), key=BUMPS.index, default="none")

    def summary(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for change in self.changes:
            table = counts.setdefault(change.table, {})
            table[change.kind] = table.get(change.kind, 0) + 1
        return counts

    def to_dict(self) -> dict:
        return {"old": self.old, "new": self.new, "bump": self.bump, "summary": self.summary(), "changes": [asdict(c) for c in self.changes]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        lines = [f"{self.old} -> {self.new}: requires a {self.bump} version bump" if self.changes else f"{self.old} -> {self.new}: no changes"]
        for table, counts in self.summary().items():
            lines.append(f"  {table}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
        lines += [str(c) for c in self.changes]
        return "\n".join(lines)


def read_table(root: Path, resource: Resource) -> list[dict[str, str]]:
    with open(root / str(resource.path), encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def diff_packages(old: str | Path | None = None, new: str | Path | None = None) -> Diff:
    """Changes from OLD to NEW: each a package folder, descriptor, release archive or
    released version. OLD defaults to the last release, NEW to the current package."""
    if old is None:
        last = release_index().latest()
        if last is None:
            raise PackageError(Problem("usage-error", "no release yet: give OLD and NEW"))
        old = last.version
    with opened(old) as old_located, opened(new) as new_located:
        result = Diff(old=str(old), new=str(new) if new is not None else new_located.label)
        old_root, new_root = old_located.root, new_located.root
        old_package, new_package = load_descriptor(old_root), load_descriptor(new_root)
        result.changes += schema_changes(old_package.descriptor, new_package.descriptor)
        old_tables = {r.name: r for r in old_package.tables()}
        new_tables = {r.name: r for r in new_package.tables()}
        for name in sorted(old_tables.keys() & new_tables.keys()):
            result.changes += row_changes(name, read_table(old_root, old_tables[name]), read_table(new_root, new_tables[name]), old_tables[name].primary_key)
        return result


def row_changes(table: str, old_rows: list[dict], new_rows: list[dict], primary_key: list[str]) -> list[Change]:
    if not primary_key:
        return [] if old_rows == new_rows else [Change("changed", table, reason="rows differ (no primary key to match them)", bump="patch")]

    def key(row):
        return "/".join(row.get(f, "") for f in primary_key)

    before, after = {key(r): r for r in old_rows}, {key(r): r for r in new_rows}
    changes = []
    for k in before.keys() - after.keys():
        changes.append(Change("removed", table, k, bump="major", reason="a released id was deleted; mark it withdrawn instead"))
    for k in after.keys() - before.keys():
        changes.append(Change("added", table, k, bump="minor"))
    for k in before.keys() & after.keys():
        old_row, new_row = before[k], after[k]
        for name in sorted(old_row.keys() & new_row.keys()):
            if old_row[name] == new_row[name]:
                continue
            if name == "status" and new_row[name] == "withdrawn":
                changes.append(Change("withdrawn", table, k, name, old_row[name], new_row[name], bump="patch"))
            elif name in DEFINING_FIELDS.get(table, ()):
                changes.append(Change("changed", table, k, name, old_row[name], new_row[name], bump="major", reason=f"{name} defines what the id means"))
            else:
                changes.append(Change("changed", table, k, name, old_row[name], new_row[name], bump="patch"))
    return sorted(changes, key=lambda c: (c.kind, c.key or "", c.field or ""))


def schema_changes(old: dict, new: dict) -> list[Change]:
    changes = []
    old_resources = {r.get("name"): r for r in old.get("resources", [])}
    new_resources = {r.get("name"): r for r in new.get("resources", [])}
    for name in sorted(old_resources.keys() - new_resources.keys()):
        changes.append(Change("schema", name, bump="major", reason="resource removed"))
    for name in sorted(new_resources.keys() - old_resources.keys()):
        changes.append(Change("schema", name, bump="minor", reason="resource added"))
    for name in sorted(old_resources.keys() & new_resources.keys()):
        changes += field_changes(name, old_resources[name].get("schema") or {}, new_resources[name].get("schema") or {})
    return changes


def field_changes(table: str, old: dict, new: dict) -> list[Change]:
    changes = []
    old_fields = {f["name"]: f for f in old.get("fields", [])}
    new_fields = {f["name"]: f for f in new.get("fields", [])}
    for name in sorted(old_fields.keys() - new_fields.keys()):
        changes.append(Change("schema", table, field=name, bump="major", reason=f"field {name!r} removed or renamed"))
    for name in sorted(new_fields.keys() - old_fields.keys()):
        changes.append(Change("schema", table, field=name, bump="minor", reason=f"field {name!r} added"))
    for name in sorted(old_fields.keys() & new_fields.keys()):
        before, after = old_fields[name], new_fields[name]
        if before.get("type", "string") != after.get("type", "string"):
            changes.append(
                Change(
                    "schema",
                    table,
                    field=name,
                    old=before.get("type"),
                    new=after.get("type"),
                    bump="major",
                    reason=f"field {name!r} type {before.get('type')} -> {after.get('type')}",
                )
            )
        changes += constraint_changes(table, name, before.get("constraints") or {}, after.get("constraints") or {})
    if (key_fields(old.get("primaryKey")) or []) != (key_fields(new.get("primaryKey")) or []):
        changes.append(Change("schema", table, bump="major", reason="primary key changed"))
    return changes


def constraint_changes(table: str, name: str, old: dict, new: dict) -> list[Change]:
    """Each constraint that accepts less than before is MAJOR; one that accepts more is MINOR."""
    changes = []
    for constraint in sorted(old.keys() | new.keys()):
        a, b = old.get(constraint), new.get(constraint)
        if a == b:
            continue
        if constraint == "enum":
            tighter = a is None or (b is not None and not set(b) >= set(a))
        elif constraint in ("required", "unique"):
            tighter = bool(b) and not a
        elif constraint in ("minimum", "minLength", "exclusiveMinimum"):
            tighter = b is not None and (a is None or b > a)
        elif constraint in ("maximum", "maxLength", "exclusiveMaximum"):
            tighter = b is not None and (a is None or b < a)
        else:  # pattern and anything else: a new rule may refuse old values
            tighter = b is not None
        changes.append(
            Change(
                "schema",
                table,
                field=name,
                old=json.dumps(a),
                new=json.dumps(b),
                bump="major" if tighter else "minor",
                reason=f"field {name!r} constraint {constraint} {'tightened' if tighter else 'loosened'}",
            )
        )
    return changes
