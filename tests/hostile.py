"""The corpus of hostile packages: one case per class of attack found on copies of the
shipped package (issue 14), each with the exact problem `jants validate` must report.

Unlike tests/corpus.py (mistakes a curator might make), these are packages written to
break the validator: descriptor values of the wrong type, paths that loop or leave the
package, URLs where files are expected, values at the edges of their types, inputs that
would make it work without bound. `test_hostile.py` runs each one through the command
line, with networking forbidden, and compares the verdict with frictionless-py's.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import PROJECT, edit_descriptor, read_rows, rehash, row_of, set_cell, without_parquet
from corpus import JANTS_MODEL, resource, zip_package

SOURCES = PROJECT.parent / "shared" / "sources"
DESCRIPTOR = "datapackage.json"
BODIES = "data/bodies.csv"
OBSERVATIONS = "data/observations.csv"
SOURCES_TABLE = "data/sources.csv"
BOUNDED = "a bound on the work jants does (docs/security.md); frictionless-py reads it all"


@dataclass(frozen=True)
class Hostile:
    name: str
    mutate: Callable[[Path, Path], Path | None]  # (package, scratch) -> what to validate, default the package
    code: str | None  # None: the package is valid
    file: str | None = None
    row: int | None = None
    field: str | None = None
    sources: Callable[[Path], Path] | None = None  # scratch -> the folder given to --sources
    env: dict = dataclass_field(default_factory=dict)
    jants_only: str | None = None  # why frictionless-py accepts what jants rejects
    reference_skip: str | None = None  # why the reference is not run on this case
    absent: str | None = None  # a problem code that must not be reported (a misleading one)


HOSTILE: list[Hostile] = []


def hostile(name, code, file=None, row=None, field=None, **options):
    def register(mutate):
        HOSTILE.append(Hostile(name, mutate, code, file, row, field, **options))
        return mutate
    return register


def observations_schema(descriptor: dict) -> dict:
    return resource(descriptor, "observations")["schema"]


def field_spec(descriptor: dict, table: str, name: str) -> dict:
    return next(f for f in resource(descriptor, table)["schema"]["fields"] if f["name"] == name)


def copied_sources(scratch: Path) -> Path:
    target = scratch / "sources"
    if not target.exists():
        shutil.copytree(SOURCES, target)
    return target


def shipped_sources(scratch: Path) -> Path:
    return SOURCES


# Keys -----------------------------------------------------------------------------------


@hostile("foreign-key-to-a-field-its-target-lacks", "schema-error", file=DESCRIPTOR, field="series_id")
def _(package, scratch):
    edit_descriptor(package, lambda d: observations_schema(d)["foreignKeys"][0]["reference"].update(fields=["nope"]))


@hostile("foreign-key-into-a-resource-without-a-table", "schema-error", file=DESCRIPTOR, field="body_id")
def _(package, scratch):
    edit_descriptor(package, lambda d: observations_schema(d)["foreignKeys"][1]["reference"].update(resource="bodies-parquet"))


@hostile("foreign-key-into-a-csv-without-a-schema", "schema-error", file=DESCRIPTOR, field="body_id",
         jants_only="frictionless-py infers a schema for the CSV; jants checks keys against declared schemas only")
def _(package, scratch):
    def change(d):
        d["resources"].append({"name": "plain-bodies", "path": BODIES, "format": "csv"})
        observations_schema(d)["foreignKeys"][1]["reference"].update(resource="plain-bodies")
    edit_descriptor(package, change)


# Values at the edges of their types --------------------------------------------------------


@hostile("integer-beyond-64-bits", "integer-out-of-range", file=OBSERVATIONS, row=2, field="source_line")
def _(package, scratch):
    set_cell(package, "observations", 2, "source_line", "-99999999999999999999")
    without_parquet(package)


@hostile("nan-with-a-minimum", "constraint-error", file=OBSERVATIONS, row=2, field="value")
def _(package, scratch):
    set_cell(package, "observations", 2, "value", "NaN")
    without_parquet(package)


def _missing_na(d):
    observations_schema(d)["missingValues"] = ["", "NA"]


@hostile("missing-value-in-a-required-field", "constraint-error", file=OBSERVATIONS, row=3, field="evidence")
def _(package, scratch):
    edit_descriptor(package, _missing_na)
    set_cell(package, "observations", 3, "evidence", "NA")
    without_parquet(package)


@hostile("missing-value-in-an-optional-integer", None)
def _(package, scratch):
    edit_descriptor(package, _missing_na)
    rows = read_rows(package / OBSERVATIONS)
    line = rows[0].index("source_line")
    web = next(n for n, row in enumerate(rows[1:], 2) if row[line] == "")
    set_cell(package, "observations", web, "source_line", "NA")
    without_parquet(package)


@hostile("exclusive-minimum-in-a-v1-package", "profile-error", file=DESCRIPTOR)
def _(package, scratch):
    edit_descriptor(package, lambda d: field_spec(d, "observations", "value")["constraints"].update(exclusiveMinimum=-1))


# Rows ------------------------------------------------------------------------------------


def _insert_line(package: Path, file: str, before: int, line: bytes) -> None:
    path = package / file
    lines = path.read_bytes().split(b"\n")
    lines.insert(before - 1, line)
    path.write_bytes(b"\n".join(lines))
    without_parquet(package)
    rehash(package)


@hostile("blank-line-inside-a-csv", "blank-row", file=BODIES, row=3)
def _(package, scratch):
    _insert_line(package, BODIES, 3, b"")


@hostile("row-of-separators-only", "blank-row", file=BODIES, row=3)
def _(package, scratch):
    separators = (package / BODIES).read_text(encoding="utf-8").splitlines()[0].count(",")
    _insert_line(package, BODIES, 3, b"," * separators)  # as many cells as the header, all empty


@hostile("max-length-beyond-64-bits", None)
def _(package, scratch):
    edit_descriptor(package, lambda d: field_spec(d, "bodies", "name").setdefault("constraints", {}).update(maxLength=10**30))


@hostile("string-not-of-its-format", "type-error", file=BODIES, row=2, field="name")
def _(package, scratch):
    edit_descriptor(package, lambda d: field_spec(d, "bodies", "name").update(format="email"))


@hostile("row-number-after-a-blank-line", "type-error", file=OBSERVATIONS, row=5, field="value")
def _(package, scratch):
    set_cell(package, "observations", 4, "value", "many")
    _insert_line(package, OBSERVATIONS, 3, b"")


# Profiles, schemas and dialects given as paths or URLs ---------------------------------------


@hostile("unsafe-package-profile-path", "profile-error", file=DESCRIPTOR, field="profile")
def _(package, scratch):
    edit_descriptor(package, lambda d: d.update(profile="../../../etc/profile.json"))


@hostile("custom-profile-file", "unsupported-profile", file=DESCRIPTOR, field="profile")
def _(package, scratch):
    (package / "profile.json").write_text(json.dumps({"type": "object"}), encoding="utf-8")
    edit_descriptor(package, lambda d: d.update(profile="profile.json"))


# Paths that loop, hold NULs or are too long --------------------------------------------------


@hostile("symbolic-link-loop", "path-error", file=DESCRIPTOR, field="path",
         reference_skip="frictionless-py fails on the loop without a verdict")
def _(package, scratch):
    (package / BODIES).unlink()
    os.symlink("loop-b.csv", package / "data" / "loop-a.csv")
    os.symlink("loop-a.csv", package / "data" / "loop-b.csv")
    edit_descriptor(package, lambda d: resource(d, "bodies").update(path="data/loop-a.csv"))


@hostile("nul-byte-in-a-path", "path-error", file=DESCRIPTOR, field="path")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies").update(path="data/bo\x00dies.csv"))


@hostile("over-long-file-name", "path-error", file=DESCRIPTOR, field="path")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies").update(path="data/" + "x" * 300 + ".csv"))


@hostile("descriptor-nested-100000-deep", "descriptor-error", file=DESCRIPTOR,
         reference_skip="frictionless-py exhausts its stack")
def _(package, scratch):
    descriptor = (package / DESCRIPTOR).read_text(encoding="utf-8")
    (package / DESCRIPTOR).write_text(descriptor.rstrip()[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")


# Descriptor values of the wrong type ----------------------------------------------------------


def _constraint(table, name, **constraint):
    def mutate(package, scratch):
        edit_descriptor(package, lambda d: field_spec(d, table, name).setdefault("constraints", {}).update(constraint))
    return mutate


for _name, _mutate, _field in [
    ("max-length-as-a-string", _constraint("bodies", "name", maxLength="5"), "name"),
    ("enum-as-a-number", _constraint("bodies", "kind", enum=5), "kind"),
    ("invalid-pattern", _constraint("bodies", "name", pattern="("), "name"),
    ("minimum-not-of-the-field-type", _constraint("observations", "value", minimum="zero"), "value"),
    ("required-as-a-string", _constraint("bodies", "name", required="yes"), "name"),
]:
    HOSTILE.append(Hostile(_name, _mutate, "schema-error", DESCRIPTOR, field=_field))


@hostile("primary-key-as-a-number", "schema-error", file=DESCRIPTOR, field="primaryKey")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies")["schema"].update(primaryKey=5))


@hostile("foreign-keys-as-an-object", "schema-error", file=DESCRIPTOR, field="foreignKeys")
def _(package, scratch):
    edit_descriptor(package, lambda d: observations_schema(d).update(foreignKeys={"fields": "series_id"}))


@hostile("foreign-key-without-fields", "schema-error", file=DESCRIPTOR, field="foreignKeys",
         jants_only="frictionless-py ignores a foreign key of no fields; jants calls it malformed")
def _(package, scratch):
    edit_descriptor(package, lambda d: observations_schema(d)["foreignKeys"].append({"fields": [], "reference": {"resource": "", "fields": []}}))


@hostile("two-character-delimiter", "dialect-error", file=DESCRIPTOR, field="dialect.delimiter")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies").update(dialect={"delimiter": ";;"}))


@hostile("bytes-as-a-string", "descriptor-error", file=BODIES, field="bytes", absent="bytes-mismatch")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies").update(bytes=str(resource(d, "bodies")["bytes"])))


@hostile("hash-as-a-number", "descriptor-error", file=BODIES, field="hash", reference_skip="frictionless-py fails on it without a verdict")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies").update(hash=5))


# Archives ------------------------------------------------------------------------------------


@hostile("encrypted-zip-member", "archive-error", file="release.zip:data/secret.csv",
         reference_skip="frictionless-py does not open archives of packages")
def _(package, scratch):
    archive = zip_package(package, scratch / "release.zip", [(zipfile.ZipInfo("data/secret.csv"), b"x")])
    data = bytearray(archive.read_bytes())
    name = b"data/secret.csv"
    for start, header, flags in ((data.find(name) - 30, b"PK\x03\x04", 6), (data.rfind(name) - 46, b"PK\x01\x02", 8)):
        assert data[start:start + 4] == header  # the member's local header, then its central directory entry
        data[start + flags] |= 0x1  # zipfile writes no encrypted member; mark this one as encrypted
    archive.write_bytes(bytes(data))
    return archive


# Source texts (--sources) -----------------------------------------------------------------------


def _document_row(package: Path) -> int:
    return row_of(package, "sources", "source_kind", "document_text")


def _file_name(value):
    def mutate(package, scratch):
        set_cell(package, "sources", _document_row(package), "file_name", value)
        without_parquet(package)
    return mutate


for _name, _value in [("source-file-name-leaves-the-folder", "../../../../../../etc/passwd"),
                      ("source-file-name-is-absolute", "/etc/passwd")]:
    HOSTILE.append(Hostile(_name, _file_name(_value), "source-path-error", SOURCES_TABLE, row=2, field="file_name",
                           sources=shipped_sources, jants_only=JANTS_MODEL))


@hostile("source-text-is-a-link-out-of-the-folder", "source-path-error", file=SOURCES_TABLE, row=2, field="file_name",
         sources=copied_sources, jants_only=JANTS_MODEL)
def _(package, scratch):
    folder = copied_sources(scratch)
    name = read_rows(package / SOURCES_TABLE)[1][read_rows(package / SOURCES_TABLE)[0].index("file_name")]
    outside = scratch / "outside.txt"
    shutil.copy(folder / name, outside)
    (folder / name).unlink()
    os.symlink(outside, folder / name)


@hostile("source-text-not-utf8", "source-encoding-error", file=SOURCES_TABLE, row=2, field="file_name",
         sources=copied_sources, jants_only=JANTS_MODEL)
def _(package, scratch):
    import hashlib

    folder = copied_sources(scratch)
    rows = read_rows(package / SOURCES_TABLE)
    name = rows[1][rows[0].index("file_name")]
    data = (folder / name).read_bytes() + b"\xff\xfe"
    (folder / name).write_bytes(data)
    set_cell(package, "sources", 2, "sha256", hashlib.sha256(data).hexdigest())
    without_parquet(package)


@hostile("huge-source-line", "locator-error", file=OBSERVATIONS, row=2, field="source_line",
         sources=shipped_sources, jants_only=JANTS_MODEL)
def _(package, scratch):
    set_cell(package, "observations", 2, "source_line", str((1 << 63) - 1))
    without_parquet(package)


# Bounds on the work -----------------------------------------------------------------------------


@hostile("parquet-that-expands-far-beyond-its-size", "parquet-too-large", file="data/zeros.parquet",
         env={"JANTS_PARQUET_RATIO_FLOOR": str(1 << 20)}, jants_only=BOUNDED,
         reference_skip="a bound of jants's own; frictionless-py reads the 2 million rows one by one, which takes a minute")
def _(package, scratch):
    pq.write_table(pa.table({"zero": pa.array([0] * 2_000_000, pa.int64())}), package / "data" / "zeros.parquet")
    edit_descriptor(package, lambda d: d["resources"].append(
        {"name": "zeros", "path": "data/zeros.parquet", "format": "parquet", "schema": {"fields": [{"name": "zero", "type": "integer"}]}}))


@hostile("more-resources-than-the-bound", "descriptor-error", file=DESCRIPTOR, field="resources",
         env={"JANTS_MAX_RESOURCES": "5"}, jants_only=BOUNDED)
def _(package, scratch):
    pass


@hostile("more-columns-than-the-bound", "too-many-columns", file=BODIES, row=1,
         env={"JANTS_MAX_COLUMNS": "3"}, jants_only=BOUNDED)
def _(package, scratch):
    pass


@hostile("line-longer-than-the-bound", "line-too-long", file=BODIES, row=2,
         env={"JANTS_MAX_LINE_BYTES": "64"}, jants_only=BOUNDED)
def _(package, scratch):
    pass


# Wide tables ------------------------------------------------------------------------------------


@hostile("numeric-labels-in-a-wide-csv", None)
def _(package, scratch):
    width = 4200
    header = [str(n) for n in range(width)]
    (package / "data" / "wide.csv").write_text(",".join(header) + "\n" + ",".join("x" * width) + "\n", encoding="utf-8")
    edit_descriptor(package, lambda d: d["resources"].append(
        {"name": "wide", "path": "data/wide.csv", "format": "csv", "schema": {"fields": [{"name": n, "type": "string"} for n in header]}}))
