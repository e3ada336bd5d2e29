"""The corpus of bad packages: one named mutation of the shipped package per case.

Each case says exactly which problem `jants validate` must report (code, file, row,
field). `test_corpus.py` runs every case through the command line, checks the text
and JSON reports and that nothing was written, and compares the verdict with
frictionless-py's. The benchmark (scripts/bench.py, LAST_ROW_CASES) puts the cell cases
in the last row of its million-row package and checks each is found with its row.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import PROJECT, derive_figures, edit_descriptor, read_rows, rehash, row_of, set_cell, without_parquet, write_rows

BODIES = "data/bodies.csv"
ROW_AFTER_THE_BODIES = len(read_rows(PROJECT / BODIES)) + 1  # header + bodies, then the appended line
OBSERVATIONS = "data/observations.csv"


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Path, Path], Path | None]  # (package, scratch) -> what to validate, default the package
    code: str
    file: str | None = None
    row: int | None = None
    field: str | None = None
    sources: bool = False  # validate with --sources
    jants_only: str | None = None  # why frictionless-py accepts what jants rejects
    reference_skip: str | None = None  # why the reference is not run on this case


CASES: list[Case] = []


def case(name, code, file=None, row=None, field=None, **options):
    def register(mutate):
        CASES.append(Case(name, mutate, code, file, row, field, **options))
        return mutate
    return register


def resource(descriptor: dict, name: str) -> dict:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def edit_bytes(package: Path, file: str, change) -> None:
    path = package / file
    path.write_bytes(change(path.read_bytes()))
    rehash(package)


def edit_rows(package: Path, file: str, change) -> None:
    path = package / file
    rows = read_rows(path)
    change(rows)
    write_rows(path, rows)
    rehash(package)


# Descriptor -----------------------------------------------------------------------------


@case("descriptor-not-json", "descriptor-error", file="datapackage.json")
def _(package, scratch):
    (package / "datapackage.json").write_text("{not json", encoding="utf-8")


@case("descriptor-not-object", "descriptor-error", file="datapackage.json")
def _(package, scratch):
    (package / "datapackage.json").write_text("[1, 2]", encoding="utf-8")


@case("descriptor-without-resources", "descriptor-error", file="datapackage.json", field="resources")
def _(package, scratch):
    edit_descriptor(package, lambda d: d.pop("resources"))


@case("duplicate-resource-names", "descriptor-error", file="datapackage.json", field="name")
def _(package, scratch):
    edit_descriptor(package, lambda d: d["resources"][1].update(name="bodies"))


@case("unknown-field-type", "schema-error", file="datapackage.json", field="body_id")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies")["schema"]["fields"][0].update(type="text"))


@case("primary-key-on-missing-column", "schema-error", file="datapackage.json", field="nope")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies")["schema"].update(primaryKey=["nope"]))


@case("foreign-key-on-missing-column", "schema-error", file="datapackage.json", field="nope")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "observations")["schema"]["foreignKeys"][0].update(fields=["nope"]))


@case("schema-has-a-column-the-file-lacks", "missing-label", file=BODIES, row=1, field="extra")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies")["schema"]["fields"].append({"name": "extra", "type": "string"}))


@case("file-has-a-column-the-schema-lacks", "extra-label", file=BODIES, row=1, field="body_type")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies")["schema"]["fields"].pop())


@case("header-reordered", "incorrect-label", file=BODIES, row=1)
def _(package, scratch):
    def change(d):
        fields = resource(d, "bodies")["schema"]["fields"]
        fields[1], fields[2] = fields[2], fields[1]
    edit_descriptor(package, change)


# Paths ------------------------------------------------------------------------------------


def _set_path(path):
    def mutate(package, scratch):
        edit_descriptor(package, lambda d: resource(d, "bodies").update(path=path))
    return mutate


for _name, _path, _code, _file in [
    ("absolute-path", "/etc/passwd", "path-error", "datapackage.json"),
    ("parent-directory-escape", "../outside.csv", "path-error", "datapackage.json"),
    ("hidden-directory", ".hidden/bodies.csv", "path-error", "datapackage.json"),
    ("url-path", "https://example.org/bodies.csv", "remote-resource", "datapackage.json"),
    ("missing-file", "data/missing.csv", "file-missing", "data/missing.csv"),
    ("directory-instead-of-file", "data", "file-missing", "data"),
]:
    CASES.append(Case(_name, _set_path(_path), _code, _file, field="path" if _file == "datapackage.json" else None))


@case("symlink-out-of-package", "path-error", file="datapackage.json", field="path",
      reference_skip="frictionless-py follows the link and reads the file outside the package")
def _(package, scratch):
    outside = scratch / "outside.csv"
    outside.write_bytes((package / BODIES).read_bytes())
    (package / BODIES).unlink()
    os.symlink(outside, package / BODIES)


# Bytes ------------------------------------------------------------------------------------


@case("wrong-bytes", "bytes-mismatch", file=BODIES, field="bytes")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies").update(bytes=1))


@case("wrong-hash", "hash-mismatch", file=BODIES, field="hash")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "bodies").update(hash="sha256:" + "0" * 64))


@case("wrong-parquet-hash", "hash-mismatch", file="data/observations.parquet", field="hash")
def _(package, scratch):
    edit_descriptor(package, lambda d: resource(d, "observations-parquet").update(hash="sha256:" + "0" * 64))


@case("not-utf8", "encoding-error", file=BODIES, row=2)
def _(package, scratch):
    edit_bytes(package, BODIES, lambda b: b.replace(b"Office", b"Offic\xe9", 1))


@case("nul-byte", "encoding-error", file=BODIES, row=2,
      jants_only="frictionless-py reads a NUL as an ordinary character")
def _(package, scratch):
    edit_bytes(package, BODIES, lambda b: b.replace(b"Office", b"Off\x00ice", 1))


@case("quote-never-closes", "csv-parse-error", file=BODIES, row=ROW_AFTER_THE_BODIES)
def _(package, scratch):
    edit_bytes(package, BODIES, lambda b: b + b'zz,"never closed,x,ministry\n')


@case("row-with-too-many-cells", "extra-cell", file=BODIES, row=3)
def _(package, scratch):
    edit_rows(package, BODIES, lambda rows: rows[2].append("surplus"))


@case("row-with-too-few-cells", "missing-cell", file=BODIES, row=3)
def _(package, scratch):
    edit_rows(package, BODIES, lambda rows: rows[2].pop())


@case("empty-file", "empty-file", file=BODIES, row=1)
def _(package, scratch):
    edit_bytes(package, BODIES, lambda b: b"")


@case("single-line-of-200-mb", "line-too-long", file=BODIES, row=ROW_AFTER_THE_BODIES,
      reference_skip="frictionless-py reads the whole line into memory")
def _(package, scratch):
    with open(package / BODIES, "ab") as stream:
        block = b"x" * (1 << 20)
        for _ in range(200):
            stream.write(block)
    rehash(package)


# Parquet ------------------------------------------------------------------------------------


PARQUET_AS_BIN = "the Parquet copy is described as a binary file (format bin), which frictionless-py checks by bytes and hash only"


@case("truncated-parquet", "parquet-error", file="data/observations.parquet", jants_only=PARQUET_AS_BIN)
def _(package, scratch):
    edit_bytes(package, "data/observations.parquet", lambda b: b[:100])


@case("not-parquet", "parquet-error", file="data/observations.parquet", jants_only=PARQUET_AS_BIN)
def _(package, scratch):
    edit_bytes(package, "data/observations.parquet", lambda b: b"observation_id\nnot parquet\n")


@case("parquet-schema-differs", "parquet-mismatch", file="data/bodies.parquet",
      jants_only=PARQUET_AS_BIN)
def _(package, scratch):
    path = package / "data" / "bodies.parquet"
    table = pq.read_table(path)
    pq.write_table(table.rename_columns([*table.column_names[:-1], "category"]), path)
    rehash(package)


@case("parquet-rows-differ", "parquet-mismatch", file="data/observations.parquet", row=2, field="value",
      jants_only=PARQUET_AS_BIN)
def _(package, scratch):
    path = package / "data" / "observations.parquet"
    table = pq.read_table(path)
    values = table.column("value").to_pylist()
    values[0] += 1
    pq.write_table(table.set_column(table.schema.get_field_index("value"), "value", pa.array(values, pa.float64())), path)
    rehash(package)


# Values ------------------------------------------------------------------------------------


def _cell(table, row, field, value):
    def mutate(package, scratch):
        target = row_of(package, table, *row) if isinstance(row, tuple) else row
        set_cell(package, table, target, field, value)
        without_parquet(package)
    return mutate


JANTS_MODEL = "a check of the jants model, beyond Table Schema"
for _name, _table, _row, _field, _value, _code, _options in [
    ("wrong-type", "observations", 2, "value", "many", "type-error", {}),
    ("missing-required-value", "observations", 3, "evidence", "", "constraint-error", {}),
    ("dangling-foreign-key", "observations", 2, "series_id", "no_such_series", "foreign-key-error", {}),
    ("value-outside-enum", "observations", 2, "qualifier", "roughly", "constraint-error", {}),
    ("impossible-date", "observations", 2, "observation_date", "2022-02-30", "type-error", {}),
    ("date-before-coverage", "observations", 2, "observation_date", "2021-12-31", "date-out-of-coverage", {"jants_only": JANTS_MODEL}),
    ("date-after-its-source", "observations", 2, "observation_date", "2023-01-20", "date-error", {"jants_only": JANTS_MODEL}),
    ("negative-count", "observations", 2, "value", "-5", "constraint-error", {}),
    ("unit-not-the-metric-unit", "observations", 2, "unit", "parsecs", "unit-error", {"jants_only": JANTS_MODEL}),
    ("evidence-longer-than-12-words", "observations", 2, "evidence", " ".join(["word"] * 13), "evidence-error", {"jants_only": JANTS_MODEL}),
    ("line-number-zero", "observations", 2, "source_line", "0", "constraint-error", {}),
    ("attribution-outside-enum", "observations", 2, "attribution", "rumoured", "constraint-error", {}),
    ("series-with-unknown-metric", "series", 2, "metric_id", "no_such_metric", "foreign-key-error", {}),
    ("malformed-sha256", "sources", 2, "sha256", "not-a-hash", "constraint-error", {}),
    ("discrepancy-names-unknown-observation", "discrepancies", 2, "related_observation_ids", "no-such-observation", "foreign-key-error", {"jants_only": "a list of ids in one cell is checked by jants only"}),
    ("value-upper-without-range", "observations", ("qualifier", "exact"), "value_upper", "999999", "range-error", {"jants_only": JANTS_MODEL}),
    ("range-without-upper", "observations", ("qualifier", "exact"), "qualifier", "range", "range-error", {"jants_only": JANTS_MODEL}),
    ("component-without-breakdown", "series", ("breakdown", "region"), "breakdown", "", "breakdown-error", {"jants_only": JANTS_MODEL}),
    ("web-report-figure-not-in-evidence", "observations", ("source_id", "tass-2022-01-07"), "evidence", "people were detained", "evidence-error", {"jants_only": JANTS_MODEL}),
    ("web-report-number-word-not-the-figure", "observations", ("source_id", "newsam-2022-02-23"), "evidence", "Five protesters held in pre-trial detention", "evidence-error", {"jants_only": JANTS_MODEL}),
    ("web-report-without-english-rendering", "observations", ("source_id", "rbc-2022-01-06"), "evidence_en", "", "evidence-error", {"jants_only": JANTS_MODEL}),
    ("web-report-with-a-line-number", "observations", ("source_id", "tass-2022-01-07"), "source_line", "3", "locator-error", {"jants_only": JANTS_MODEL}),
    ("held-text-without-a-line-number", "observations", 2, "source_line", "", "locator-error", {"jants_only": JANTS_MODEL}),
    ("status-date-on-a-reported-figure", "observations", 2, "status_date", "2022-03-01", "status-error", {"jants_only": JANTS_MODEL}),
    ("status-source-unknown", "observations", ("status", "retracted"), "status_source_id", "no-such-source", "foreign-key-error", {}),
]:
    _reported = "value_upper" if _name == "range-without-upper" else _field
    CASES.append(Case(_name, _cell(_table, _row, _field, _value), _code, f"data/{_table}.csv",
                      None if isinstance(_row, tuple) else _row, _reported, **_options))


@case("coverage-end-not-a-date", "descriptor-error", file="datapackage.json", field="coverage.end", jants_only=JANTS_MODEL)
def _(package, scratch):
    edit_descriptor(package, lambda d: d["coverage"].update(end="2023-02-30"))


@case("duplicate-primary-key", "primary-key-error", file=OBSERVATIONS, row=4, field="observation_id")
def _(package, scratch):
    first = read_rows(package / OBSERVATIONS)[1][0]
    set_cell(package, "observations", 4, "observation_id", first)
    without_parquet(package)


@case("value-upper-below-value", "range-error", file=OBSERVATIONS, row=2, field="value_upper", jants_only=JANTS_MODEL)
def _(package, scratch):
    set_cell(package, "observations", 2, "qualifier", "range", rehash_all=False)
    set_cell(package, "observations", 2, "value_upper", "0")
    without_parquet(package)


@case("recorded-discrepancy-that-does-not-hold", "discrepancy-not-found", file="data/discrepancies.csv", field="kind", jants_only=JANTS_MODEL)
def _(package, scratch):
    row = row_of(package, "discrepancies", "kind", "components_exceed_total")
    total = read_rows(package / "data" / "discrepancies.csv")[row - 1][2]
    set_cell(package, "observations", row_of(package, "observations", "observation_id", total), "value", "99999999")
    without_parquet(package)


@case("figures-cell-edited", "figures-mismatch", file="data/figures.csv", row=3, field="series_label",
      jants_only="the figures table is derived from the others; only jants knows the join")
def _(package, scratch):
    set_cell(package, "figures", 3, "series_label", "Edited in a spreadsheet")
    without_parquet(package)


# Provenance (validated with --sources) ------------------------------------------------------


@case("evidence-not-at-its-line", "evidence-not-found", file=OBSERVATIONS, row=2, field="evidence", sources=True, jants_only=JANTS_MODEL)
def _(package, scratch):
    set_cell(package, "observations", 2, "source_line", "1")
    without_parquet(package)


@case("locator-beyond-end-of-source", "locator-error", file=OBSERVATIONS, row=2, field="source_line", sources=True, jants_only=JANTS_MODEL)
def _(package, scratch):
    set_cell(package, "observations", 2, "source_line", "99999")
    without_parquet(package)


@case("source-sha256-does-not-match-its-text", "source-hash-mismatch", file="data/sources.csv", row=2, field="sha256", sources=True, jants_only=JANTS_MODEL)
def _(package, scratch):
    set_cell(package, "sources", 2, "sha256", "0" * 64)
    without_parquet(package)


# Archives (validated as a .zip) ---------------------------------------------------------------


def zip_package(package: Path, archive: Path, extra=()) -> Path:
    """The package as a release archive, with extra (ZipInfo, bytes) members."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as stream:
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            stream.write(path, path.relative_to(package).as_posix())
        for info, data in extra:
            stream.writestr(info, data)
    return archive


@case("zip-slip-member", "archive-error", file="release.zip:../evil.csv", reference_skip="frictionless-py does not open archives of packages")
def _(package, scratch):
    return zip_package(package, scratch / "release.zip", [(zipfile.ZipInfo("../evil.csv"), b"x")])


@case("zip-bomb-member", "archive-error", file="release.zip:data/bomb.csv", reference_skip="frictionless-py does not open archives of packages")
def _(package, scratch):
    info = zipfile.ZipInfo("data/bomb.csv")
    info.compress_type = zipfile.ZIP_DEFLATED
    return zip_package(package, scratch / "release.zip", [(info, b"0" * (64 << 20))])


@case("zip-symlink-member", "archive-error", file="release.zip:data/link.csv", reference_skip="frictionless-py does not open archives of packages")
def _(package, scratch):
    info = zipfile.ZipInfo("data/link.csv")
    info.external_attr = (0o120777 << 16)
    return zip_package(package, scratch / "release.zip", [(info, b"/etc/passwd")])


@case("zip-without-descriptor", "descriptor-missing", file="release.zip", reference_skip="frictionless-py does not open archives of packages")
def _(package, scratch):
    (package / "datapackage.json").unlink()
    return zip_package(package, scratch / "release.zip")


# Tricky but valid -----------------------------------------------------------------------------

VALID: dict[str, Callable[[Path, Path], Path | None]] = {}


def valid(name):
    def register(mutate):
        VALID[name] = mutate
        return mutate
    return register


def _write_csv_text(package: Path, file: str, rows: list[list[str]], newline: str, bom: bool) -> None:
    def cell(value):
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value
    text = newline.join(",".join(cell(c) for c in row) for row in rows) + newline
    (package / file).write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    without_parquet(package)
    derive_figures(package)


@valid("utf8-bom")
def _(package, scratch):
    _write_csv_text(package, BODIES, read_rows(package / BODIES), "\n", bom=True)


@valid("crlf-line-ends")
def _(package, scratch):
    _write_csv_text(package, BODIES, read_rows(package / BODIES), "\r\n", bom=False)


@valid("quoted-cells-with-comma-quote-newline")
def _(package, scratch):
    rows = read_rows(package / BODIES)
    rows[1][1] = 'Office, "quoted"\nsecond line'
    _write_csv_text(package, BODIES, rows, "\n", bom=False)


@valid("empty-optional-cells")
def _(package, scratch):
    rows = read_rows(package / OBSERVATIONS)
    note = rows[0].index("note")
    for row in rows[1:]:
        row[note] = ""
    _write_csv_text(package, OBSERVATIONS, rows, "\n", bom=False)


@valid("unknown-descriptor-properties")
def _(package, scratch):
    edit_descriptor(package, lambda d: d.update(unknownProperty={"any": "thing"}))
    edit_descriptor(package, lambda d: resource(d, "bodies").update(x_note="extra"))


@valid("release-archive")
def _(package, scratch):
    return zip_package(package, scratch / "release.zip")


@valid("archive-with-top-level-folder")
def _(package, scratch):
    archive = scratch / "release.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as stream:
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            stream.write(path, "jants-0.1.0/" + path.relative_to(package).as_posix())
    return archive
