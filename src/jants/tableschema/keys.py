"""Primary and foreign keys, found on whole columns by pyarrow."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..package import key_fields
from ..problems import Problem
from .arrays import key_strings, mask, scanned, valid_mask
from .table import TypedTable, encoded, report_rows, show


def check_primary_key(schema: dict, table: TypedTable) -> list[Problem]:
    key = schema.get("primaryKey")
    key = [key] if isinstance(key, str) else key or []
    if not key or any(column not in table.columns for column in key):
        return []
    columns = [table.columns[column] for column in key]
    problems = []
    for column_name, column in zip(key, columns):
        missing = table.missing.get(column_name)
        if missing is None:
            missing = ~valid_mask(column)
        problems += report_rows(missing, table, column_name, "primary-key-error", lambda v: "primary key value is missing")
    label = ", ".join(key)
    problems += report_rows(table.duplicated(key), table, label, "primary-key-error", lambda v: f"primary key ({label}) repeats an earlier row")
    return problems


def check_foreign_keys(schema: dict, table: TypedTable, tables: dict[str, TypedTable]) -> list[Problem]:
    problems = []
    for fk in schema.get("foreignKeys", []) or []:
        local = key_fields(fk.get("fields")) or []  # malformed keys were reported by tableschema.descriptor
        reference = fk.get("reference", {})
        target_name = reference.get("resource", "") or table.name
        remote = key_fields(reference.get("fields")) or []
        target = tables.get(target_name)
        label = ", ".join(local)
        if target is None or any(c not in table.columns for c in local) or any(c not in target.columns for c in remote):
            unread = target_name if target is None else table.name if any(c not in table.columns for c in local) else target_name
            problems.append(
                Problem(
                    "foreign-key-error",
                    f"foreign key ({label}) cannot be checked: the table of {unread!r} or its key columns were not read",
                    file=table.file,
                    field=label,
                )
            )
            continue
        parent = key_strings([target.columns[c] for c in remote])
        kept = encoded(table.columns, local[0]) if len(local) == 1 else None
        if kept is not None:  # kept dictionary-encoded: each distinct value looked up once, no column of text made
            child = pa.DictionaryArray.from_arrays(kept.indices, key_strings([kept.dictionary]))
            present = valid_mask(kept.indices)
            per_value = mask(pc.is_in(child.dictionary, value_set=parent.drop_null()))
            found = per_value[kept.indices.fill_null(0).to_numpy(zero_copy_only=False)] if len(per_value) else np.zeros(len(child), dtype=bool)
        else:
            child = key_strings([table.columns[c] for c in local])
            present = valid_mask(child)
            distinct = table.distinct.get(local[0]) if len(local) == 1 else None
            if distinct is not None:  # each distinct value looked up once
                found = distinct.expand(mask(pc.is_in(distinct.values, value_set=parent.drop_null())))
            elif len(child) * 4 < len(parent):  # few rows naming a long table: a hash table of the few, not of the long one
                wanted = child.drop_null()
                named = parent.filter(pa.array(scanned(parent, lambda part, wanted=wanted: mask(pc.is_in(part, value_set=wanted)))))  # no empty key is wanted
                found = mask(pc.is_in(child, value_set=named))
            else:
                found = mask(pc.is_in(child, value_set=parent.drop_null()))
        problems += report_rows(
            present & ~found,
            table,
            label,
            "foreign-key-error",
            lambda v, name=target_name, fields=remote: f"{show(v)} has no match in {name}.{', '.join(fields)}",
            child,
        )
    return problems
