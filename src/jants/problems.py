"""Problems as data: every check returns `Problem`s, and a `Report` collects them.

A problem says exactly where it is (file, 1-based spreadsheet row, field) so that one
line of text, or one JSON object, is enough to act on it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str | None = None
    row: int | None = None
    field: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file or "datapackage"
        if self.row is not None:
            where += f": row {self.row}"
        if self.field is not None:
            where += f": field {self.field!r}"
        return f"{where}: {self.severity}: {self.message} [{self.code}]"


@dataclass
class Report:
    package: str
    problems: list[Problem] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    provenance: str = "not checked: no source texts given (--sources DIR)"  # never skipped silently

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def add(self, problems) -> None:
        self.problems.extend(problems)

    def to_dict(self) -> dict:
        return {
            "package": self.package,
            "valid": self.valid,
            "provenance": self.provenance,
            "errors": [asdict(p) for p in self.errors],
            "warnings": [asdict(p) for p in self.warnings],
            "stats": self.stats,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        lines = [str(p) for p in self.errors] + [str(p) for p in self.warnings]
        lines.append(f"provenance: {self.provenance}")
        verdict = "valid" if self.valid else "invalid"
        lines.append(f"{self.package}: {verdict} ({_count(len(self.errors), 'error')}, {_count(len(self.warnings), 'warning')})")
        return "\n".join(lines)


class PackageError(Exception):
    """A problem that stops the work (unreadable descriptor, bad curated input, ...)."""

    def __init__(self, problem: Problem, problems: list[Problem] | None = None):
        super().__init__(str(problem))
        self.problem = problem
        self.problems = problems or [problem]


@dataclass(frozen=True)
class Code:
    code: str
    severity: str  # error | warning | stop (raised: the command cannot go on)
    meaning: str
    example: str


def _codes(*entries: tuple[str, str, str, str]) -> dict[str, Code]:
    return {entry[0]: Code(*entry) for entry in entries}


# Every problem code jants gives, in the order of the flow: package, files, tables, keys,
# Parquet, the jants model, provenance, build, releases. tests/test_problems.py fails when
# a code is used that is not here, and docs/problems.md is generated from this list.
CATALOGUE = _codes(
    ("descriptor-missing", "error", "No datapackage.json where the package should be, or it cannot be opened.", "no descriptor at pkg/datapackage.json"),
    (
        "descriptor-error",
        "error",
        "The descriptor is not valid JSON, too large or deep, or a property has the wrong type or value.",
        "resource 2 has no valid name",
    ),
    (
        "profile-error",
        "error",
        "The descriptor breaks the Data Package or Data Resource profile (JSON Schema).",
        "'name' is a required property (Data Package profile)",
    ),
    (
        "unsupported-profile",
        "error",
        "A profile is a URL or a custom file; jants never fetches or reads it, so it cannot check against it.",
        "profile 'https://example.org/p.json' is a URL",
    ),
    (
        "schema-error",
        "error",
        "A Table Schema is malformed: unknown type, constraint of the wrong type, invalid pattern, bad key.",
        "field 'value': constraint maxLength '5' is not an integer",
    ),
    (
        "dialect-error",
        "error",
        "A CSV dialect jants cannot honour (a delimiter of two characters, a URL, an unsupported option).",
        "dialect delimiter ';;' is not one character",
    ),
    (
        "path-error",
        "error",
        "A resource path is absolute, leaves the package, goes through a hidden part or a link out of it.",
        "path '../x.csv' leaves the package ('..')",
    ),
    ("remote-resource", "error", "A resource path is a URL; jants never fetches it.", "path 'https://example.org/x.csv' is a URL"),
    (
        "unsupported-resource",
        "error",
        "A resource jants cannot read: inline data, multipart paths, another format, compression.",
        "inline data is not supported",
    ),
    ("file-missing", "error", "A resource's file does not exist or is not a regular file.", "file 'data/x.csv' does not exist"),
    ("bytes-mismatch", "error", "The descriptor's `bytes` differs from the file's size.", "descriptor says 1191 bytes, file has 1190"),
    (
        "hash-mismatch",
        "error",
        "The descriptor's `hash` differs from the file's hash, or names an unknown algorithm.",
        "descriptor says sha256 ab12..., file has 9f3c...",
    ),
    (
        "archive-error",
        "error",
        "A release archive is unreadable or unsafe: zip slip, symbolic link, zip bomb, encrypted member.",
        "member '../x' leaves the archive ('..')",
    ),
    ("encoding-error", "error", "A text file is not UTF-8 (or its declared encoding), or holds a NUL byte.", "NUL byte at byte 120, line 3"),
    ("line-too-long", "error", "A CSV line is longer than the bound (JANTS_MAX_LINE_BYTES).", "line 2 is longer than 16777216 bytes"),
    ("empty-file", "error", "A CSV file has no header row.", "file is empty (no header row)"),
    ("csv-parse-error", "error", "A CSV file cannot be parsed (unclosed quote, ...).", "cannot be parsed as CSV: unterminated quote"),
    ("too-many-columns", "error", "A table has more columns than the bound (JANTS_MAX_COLUMNS).", "header has 20000 columns, more than 10000"),
    ("blank-label", "error", "The header has an empty column name.", "header has a blank column name"),
    ("duplicate-label", "error", "The header repeats a column name.", "header repeats a column name"),
    ("missing-label", "error", "A schema field has no column in the header.", "schema field 'unit' has no column in the header"),
    ("extra-label", "error", "A header column is not a field of the schema.", "header column 'x' is not a field of the schema"),
    ("incorrect-label", "error", "The header's order differs from the schema's fields.", "header order [...] differs from the schema's [...]"),
    ("extra-cell", "error", "A row has more cells than the header.", "row has 5 cells, header has 4"),
    ("missing-cell", "error", "A row has fewer cells than the header.", "row has 3 cells, header has 4"),
    ("blank-row", "error", "A row with no value in any cell (as frictionless-py reports it).", "row is blank"),
    ("type-error", "error", "A cell is not a value of its field's type or format.", "'many' is not a valid number"),
    ("type-not-checked", "warning", "A field type jants does not check (duration, geopoint, geojson, list).", "field 'where': type geopoint is not checked"),
    ("integer-out-of-range", "error", "An integer beyond the 64 bits jants reads.", "99999999999999999999 is beyond the 64-bit integers jants reads"),
    ("constraint-error", "error", "A cell breaks required, enum, pattern, minLength/maxLength or minimum/maximum.", "a value is required"),
    ("unique-error", "error", "A value of a unique field is repeated.", "'pgo' is not unique"),
    ("primary-key-error", "error", "A primary key value is missing or repeated.", "primary key value 'x-001' is repeated"),
    (
        "foreign-key-error",
        "error",
        "A value has no match in the resource its foreign key points to, or the key names a field the target lacks.",
        "'xyz' is not a series_id of series",
    ),
    ("no-schema", "warning", "A CSV resource without a schema: its structure was checked, not types or constraints.", "resource 'notes' has no schema"),
    ("parquet-error", "error", "A Parquet file cannot be read, or its columns do not match the schema.", "cannot be read as Parquet: ..."),
    ("parquet-too-large", "error", "A Parquet file declares more rows or memory than the bounds (JANTS_MAX_PARQUET_*).", "100000000 rows, more than ..."),
    ("parquet-mismatch", "error", "A Parquet copy (`copyOf`) differs from its CSV, or cannot be compared.", "row 7: field 'value': 125 in CSV, 126 in Parquet"),
    ("range-error", "error", "`value_upper` without qualifier range, or not above `value`.", "value_upper is set but the qualifier is not range"),
    ("unit-error", "error", "An observation's unit differs from its metric's unit.", "unit persons, but the metric counts criminal_cases"),
    ("breakdown-error", "error", "A breakdown component does not name the dimension that splits its parent.", "series has a parent but no breakdown"),
    (
        "date-error",
        "error",
        "A date that cannot hold: a period that starts after it ends, a figure dated after its source.",
        "period_start is after observation_date",
    ),
    ("date-out-of-coverage", "error", "An observation date outside the package's coverage.", "2021-12-31 is before the coverage start 2022-01-01"),
    (
        "evidence-error",
        "error",
        "Evidence of more than 12 words, or a web report's evidence without its English rendering.",
        "evidence has 15 words, more than 12",
    ),
    ("locator-error", "error", "A held text's figure without line and section, or a web report's figure with one.", "source_line is missing for a held text"),
    (
        "status-error",
        "error",
        "status_date or status_source_id on a figure whose status is reported, or missing where needed.",
        "status_date is set but the status is reported",
    ),
    (
        "evidence-not-found",
        "error",
        "The evidence is not at its line of the source text, or a web report's evidence does not show the figure.",
        "evidence not found at line 10 of 000_....txt",
    ),
    (
        "components-exceed-total",
        "warning",
        "Breakdown components add up to more than their total, and no discrepancy records it.",
        "components add up to 3200, more than the total 3096",
    ),
    ("cumulative-decrease", "warning", "A cumulative count falls, and no discrepancy records it.", "2988 is below the earlier 3024"),
    ("conflicting-figures", "warning", "Different figures of one series on one day, and no discrepancy records them.", "230 and 238 on 2022-03-14"),
    ("discrepancy-not-found", "error", "A recorded discrepancy no longer holds in the data.", "recorded cumulative_decrease for x-001 does not hold"),
    (
        "figures-mismatch",
        "error",
        "The derived figures table differs from the join of the tables it comes from (a cell, a missing or extra row, the order).",
        "field 'value': 126, but observations gives 125",
    ),
    (
        "provenance-not-checked",
        "warning",
        "--sources was given but the package does not use the jants model.",
        "--sources given, but the package does not use the jants model",
    ),
    ("source-missing", "error", "A held text named by the sources table is not in the sources folder.", "source text '000_x.txt' not found"),
    (
        "source-path-error",
        "error",
        "A sources table file_name that is not a plain file name inside the sources folder.",
        "file_name '../x' must be a plain file name",
    ),
    ("source-hash-mismatch", "error", "A source text's SHA-256 differs from the sources table's.", "000_x.txt has SHA-256 ..., the sources table records ..."),
    ("source-encoding-error", "error", "A source text that is not UTF-8.", "source text '000_x.txt' is not UTF-8"),
    (
        "build-interrupted",
        "error",
        "A build was killed between its two renames; the next jants build finishes it.",
        ".jants-swap exists; run jants build to finish it",
    ),
    (
        "spill-error",
        "error",
        "A table larger than the memory budget cannot keep its ids in the temporary folder (TMPDIR): no room, or no permission.",
        "cannot keep the text of a table read in batches in the temporary folder /tmp: No space left on device (...)",
    ),
    (
        "internal-error",
        "error",
        "jants failed unexpectedly; the report says so instead of a traceback. Please report it.",
        "jants could not finish validating: ...",
    ),
    ("curation-error", "stop", "The curated input is missing a file or cannot be read.", "curation/bodies.csv: file is missing"),
    ("build-error", "stop", "The package cannot be written (disk full, read-only folder).", "cannot write the package: No space left on device"),
    ("build-locked", "stop", "Another build is running in the same folder.", "another jants build is running in ."),
    (
        "write-error",
        "stop",
        "An output file cannot be written (no such folder, no permission, disk full).",
        "cannot write out/jants.db: No such file or directory",
    ),
    ("package-missing", "stop", "No package named, none in the current folder and none bundled.", "no such package, archive or released version: x"),
    ("usage-error", "stop", "A command was given something it cannot use (exit code 2).", "no topic 'nonsense'; one of: ..."),
    (
        "index-error",
        "stop",
        "The release index (releases.json) is malformed; every entry is checked before use.",
        "release 1: archive '../x' is not 'jants-0.1.0.zip'",
    ),
    ("release-unknown", "stop", "A version that the release index does not list.", "version 9.9.9 is not in the release index"),
    (
        "release-error",
        "stop",
        "A release is refused: invalid package, no changelog entry, a smaller bump than the changes need, no --sources.",
        "version 0.2.0 is not higher than the last release 0.3.0",
    ),
    (
        "fetch-error",
        "stop",
        "A release cannot be fetched: no location configured, download failed, size or SHA-256 wrong.",
        "no download location for releases: ...",
    ),
)


def catalogue_markdown() -> str:
    """docs/problems.md: every code with its severity, meaning and an example message."""
    lines = [
        "# Problem codes",
        "",
        "Every code that `jants validate`, `jants build` and the other commands give, generated from",
        "`src/jants/problems.py` (`python -m jants.problems > docs/problems.md`). `error` makes a",
        "package invalid (exit 1), `warning` does not, `stop` ends a command with its message.",
        "",
        "| code | severity | meaning | example message |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{c.code}` | {c.severity} | {c.meaning} | {c.example.replace('|', '/')} |" for c in CATALOGUE.values()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue_markdown(), end="")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
