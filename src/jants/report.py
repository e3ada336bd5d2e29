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
        lines.append(
            f"{self.package}: {verdict} ({len(self.errors)} errors, {len(self.warnings)} warnings)"
        )
        return "\n".join(lines)


class PackageError(Exception):
    """A problem that stops the work (unreadable descriptor, bad curated input, ...)."""

    def __init__(self, problem: Problem, problems: list[Problem] | None = None):
        super().__init__(str(problem))
        self.problem = problem
        self.problems = problems or [problem]
