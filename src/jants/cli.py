"""The `jants` command line: thin click commands over the Python API.

Heavy libraries (pandas, pyarrow) are imported inside commands, so that `jants --help`
and `jants --version` start instantly.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from . import __version__

USAGE_CODES = {"usage-error", "release-unknown"}  # exit 2: what was asked for does not exist (1 is kept for invalid packages)


class UsageError(click.UsageError):
    """A usage error of jants' own: one line naming what is wrong (click's own, such as a
    missing argument, still show the usage)."""

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def no_traceback(command):
    """Library errors become one line each (exit 1, or 2 for a usage error); anything
    unexpected becomes one line too, never a traceback (JANTS_DEBUG=1 shows it)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .problems import PackageError

        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader stopped early (| head): not an error of jants
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except PackageError as error:
            if error.problem.code == "usage-error":
                raise UsageError(error.problem.message) from None
            for problem in error.problems:
                click.echo(f"Error: {problem}", err=True)
            sys.exit(2 if error.problem.code in USAGE_CODES else 1)
        except Exception as error:  # noqa: BLE001 - last line of defence for users
            if os.environ.get("JANTS_DEBUG"):
                raise
            click.echo(
                f"Error: internal error in jants {command.__name__}: {type(error).__name__}: {error} "
                "(set JANTS_DEBUG=1 for the traceback, and please report it)",
                err=True,
            )
            sys.exit(1)

    return wrapper


def cannot_write(output: Path, error: OSError):
    """One line naming the output path and why it cannot be written there, exit 1: the
    package is not at fault, so the message never names it."""
    import errno

    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the device",
    }
    if error.errno == errno.ENOENT and not Path(output).absolute().parent.is_dir():
        reason = "no such folder"
    elif error.errno in reasons:
        reason = reasons[error.errno]
    else:
        reason = (error.strerror or str(error)).rstrip(".")
        reason = reason[:1].lower() + reason[1:]
    click.echo(f"Error: cannot write {output}: {reason}", err=True)
    sys.exit(1)


SOURCES_HELP = "Folder of source texts; checks every evidence string at its line, in the text whose SHA-256 the sources table records."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="jants")
def cli():
    """Official and independent figures on the January 2022 events in Kazakhstan, as a Frictionless data package.

    \b
    Build the package from the curated input and validate it:
        jants build --sources ../shared/sources
        jants validate --sources ../shared/sources
    """


@cli.command()
@click.argument("package", required=False)
@click.option("--sources", "sources_dir", type=click.Path(path_type=Path), envvar="JANTS_SOURCES", help=SOURCES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (also for usage errors).")
@click.option(
    "--memory-budget",
    metavar="SIZE",
    help="Read a table in batches when its file is larger than SIZE (e.g. 512M, 2G; default a 64th of the machine's memory, at least 64M).",
)
@no_traceback
def validate(package, sources_dir, as_json, memory_budget):
    """Validate a data package: a folder, a datapackage.json, a release archive (.zip) or
    a released version (0.1.0).

    PACKAGE defaults to the package in the current folder, else the release installed
    with jants. Without --sources the report says that provenance was not checked.
    Exit code 0: valid (warnings allowed), 1: invalid, 2: usage error.

    \b
    Example:
        jants validate path/to/package --sources ../shared/sources --json
        jants validate jants-0.2.1.zip
    """
    from .limits import parse_bytes
    from .locate import package_path
    from .problems import PackageError, Problem
    from .validate import usage_error, validate_package

    budget = parse_bytes(memory_budget) if memory_budget else None
    try:
        if memory_budget and budget is None:
            raise PackageError(Problem("usage-error", f"--memory-budget {memory_budget}: not a size (write it as 512M or 2G)"))
        if sources_dir is not None and not sources_dir.is_dir():
            raise PackageError(Problem("usage-error", f"--sources {sources_dir}: no such folder"))
        path = package_path(package)
    except PackageError as error:
        if not as_json:
            raise
        click.echo(usage_error(package, error.problem.message, error.problem.code).to_json())
        sys.exit(2 if error.problem.code in USAGE_CODES else 1)
    report = validate_package(path, sources_dir, memory_budget=budget)
    click.echo(report.to_json() if as_json else report.to_text())
    sys.exit(0 if report.valid else 1)


@cli.command()
@click.option("--curation", "curation_dir", type=click.Path(path_type=Path), help="Curated input folder (default: curation/ of the project).")
@click.option("--output", "target", type=click.Path(file_okay=False, path_type=Path), help="Package directory to write (default: the project).")
@click.option("--sources", "sources_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), envvar="JANTS_SOURCES", help=SOURCES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@no_traceback
def build(curation_dir, target, sources_dir, as_json):
    """Regenerate data/ and datapackage.json from the curated input.

    The new package is written to a temporary folder, validated, and only then moved
    into place; building twice gives byte-identical files.
    """
    from .build import BuildError, build_package
    from .locate import project_dir

    project = project_dir() or Path.cwd()
    curation_dir = curation_dir or project / "curation"
    target = target or project
    if not target.is_dir():
        raise UsageError(f"output folder does not exist: {target}")
    try:
        report = build_package(curation_dir, target, sources_dir)
    except BuildError as error:
        click.echo(error.report.to_json() if as_json else error.report.to_text(), err=not as_json)
        sys.exit(1)
    if as_json:
        click.echo(report.to_json())
    else:
        rows = report.stats.get("rows", {})
        counts = ", ".join(f"{rows[name]} {name}" for name in rows)
        click.echo(f"built {target} ({counts}); {len(report.warnings)} warnings")
        for warning in report.warnings:
            click.echo(str(warning))


@cli.command()
@click.argument("version")
@click.option(
    "--sources",
    "sources_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    envvar="JANTS_SOURCES",
    required=True,
    help=SOURCES_HELP + " Required: a release checks provenance.",
)
@no_traceback
def release(version, sources_dir):
    """Cut release VERSION: dist/jants-VERSION.zip and an entry in releases.json.

    Refused unless the package validates with its provenance checked against the source
    texts, VERSION is higher than the last release and bumps at least as much as the
    changes require, and CHANGELOG.md has an entry for it. Run it in the checkout.
    """
    from .locate import project_dir
    from .publish.release import make_release

    project = project_dir()
    if project is None or not (project / "CHANGELOG.md").is_file():
        raise UsageError("jants release runs in the project folder (with datapackage.json, CHANGELOG.md and releases.json)")
    made = make_release(project, version, sources_dir)
    click.echo(f"released {made.version} ({made.date}): dist/{made.archive}, {made.bytes} bytes, sha256 {made.sha256}")


@cli.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@no_traceback
def diff(old, new, as_json):
    """What changed between two packages, release archives or released versions, and the
    version bump it needs.

    OLD defaults to the last release, NEW to the package in the current folder (else the
    release installed with jants).

    \b
    Example:
        jants diff 0.1.0 0.2.0
        jants diff dist/jants-0.1.0.zip .
    """
    from .publish.diff import diff_packages

    result = diff_packages(old, new)
    click.echo(result.to_json() if as_json else result.to_text())


@cli.command()
@click.argument("version", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "bibtex", "apa", "cff", "csl-json"]), default="text", show_default=True, help="Citation style.")
@no_traceback
def cite(version, fmt):
    """A citation of one exact release (default: the latest): version, release date,
    archive SHA-256, and the URL and DOI where the release metadata records them."""
    from .publish.citation import citation

    click.echo(citation(version, fmt))


@cli.command()
@click.argument("version")
@click.option(
    "--base-url", envvar="JANTS_RELEASE_URL", help="Where release archives are published (env JANTS_RELEASE_URL; default: base_url of releases.json)."
)
@click.option(
    "--cache",
    "cache",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="JANTS_CACHE",
    help="Cache folder (default: the per-user cache, env JANTS_CACHE).",
)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Also put the verified archive into this folder (e.g. dist).")
@no_traceback
def fetch(version, base_url, cache, output):
    """Get release VERSION as a verified archive: from dist/ of a checkout, the download
    cache, or a download checked against the SHA-256 and size in releases.json.

    Prints the archive's path; `jants validate`, `jants show --version` and
    `jants.load(version=...)` read it without unpacking.
    """
    from .locate import version_archive
    from .publish.fetch import copy_archive

    archive = version_archive(version, base_url, cache)
    click.echo(str(copy_archive(archive, output) if output else archive))


def emit(rows: list[dict], columns: list[str], as_json: bool, as_csv: bool, title: str = "", table=None) -> None:
    """Rows for people (a rich table fitted to the terminal; TABLE builds a custom one);
    for scripts, JSON records with typed values (numbers, null, ISO dates, lists) or CSV;
    piped without either, the whole table as tab-separated text, never wrapped."""
    if as_json and as_csv:
        raise UsageError("--json and --csv: give one of them")
    if as_json:
        import json

        records = [{column: _json_value(row.get(column)) for column in columns} for row in rows]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if as_csv or not sys.stdout.isatty():
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if as_csv else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(row.get(column)) for column in columns] for row in rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    if table is None:
        cells = [[_text(row.get(column)) for column in columns] for row in rows]
        table = Table(title=title or None, title_justify="left")
        for i, column in enumerate(columns):
            widest = max([len(column), *(len(line[i]) for line in cells)])
            if column.endswith("_id"):  # an id is copied into the next command: never broken, never cut
                table.add_column(column, no_wrap=True, min_width=widest)
                continue
            short = widest <= 30  # dates, numbers, short names: one line where there is room; long text wraps in the room left
            table.add_column(column, overflow="fold", ratio=None if short else 1, min_width=min(widest, 10) if short else 12)
        for line in cells:
            table.add_row(*line)
    Console(soft_wrap=False).print(table)


def _json_value(value):
    """Dates as ISO text, whole numbers as integers, lists as lists; None is null."""
    import datetime

    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _text(value) -> str:
    """A cell as text: numbers without a trailing .0, dates ISO, lists space-separated, None empty."""
    import datetime

    from .formatting import format_number

    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)


def package_options(command):
    """--path and --version: which package to read (default: the current folder's, else
    the release installed with jants; see jants.locate)."""
    command = click.option("--version", "version", metavar="VERSION", help="A released version (0.1.0), from a verified release archive.")(command)
    return click.option("--path", "path", type=click.Path(exists=True, path_type=Path), help="Package folder, datapackage.json or release archive (.zip).")(
        command
    )


JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON records (typed: numbers, null, YYYY-MM-DD dates).")
CSV_OPTION = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
AS_OF_HELP = "Only figures published on or before this date (YYYY-MM-DD); before the first figure the answer is empty."


def as_of_option(help_text: str):
    return click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help=help_text)


@cli.command()
@package_options
@JSON_OPTION
@no_traceback
def info(path, version, as_json):
    """Which package is in use: its version, row counts, dates covered, topics and bodies
    by type. `jants sources` lists the sources."""
    import json

    from .explore.rows import read, summary

    facts = summary(read(path, version))
    if as_json:
        click.echo(json.dumps(facts, indent=2, ensure_ascii=False))
        return
    rows = facts["rows"]
    lines = [
        f"{facts['title']}",
        f"version {facts['version']} (created {facts['created']})",
        f"package: {facts['package']}",
        "rows: " + ", ".join(f"{n} {name}" for name, n in rows.items()),
    ]
    if facts["observation_dates"]:
        lines.append(f"figures dated {facts['observation_dates'][0]} to {facts['observation_dates'][1]}")
    lines.append(f"topics ({len(facts['topics'])}): " + ", ".join(facts["topics"]))
    if facts["bodies_by_type"]:
        lines.append(f"bodies ({rows['bodies']}), by type (authority: an authority of Kazakhstan; independent: counted by others):")
        lines += [f"  {kind} ({len(ids)}): {', '.join(ids)}" for kind, ids in facts["bodies_by_type"].items()]
    else:
        lines.append(f"bodies ({rows['bodies']}): " + ", ".join(sorted(b["body_id"] for b in facts["bodies"])))
    lines.append(f"more: jants sources ({rows['sources']} sources), jants list (series), jants discrepancies ({rows['discrepancies']} recorded)")
    click.echo("\n".join(lines))


@cli.command()
@package_options
@JSON_OPTION
@CSV_OPTION
@no_traceback
def sources(path, version, as_json, as_csv):
    """Every source: date, kind (a held document or a web report), language, number of
    figures, publisher, title, and its URL or held file."""
    from .explore.rows import read, sources_list

    rows = sources_list(read(path, version))
    columns = ["source_id", "source_date", "source_kind", "language", "figures", "publisher", "title", "where"]
    emit(rows, columns, as_json, as_csv, f"{len(rows)} sources")


@cli.command(name="list")
@click.option("--topic", help="Only series of this topic (jants info lists them).")
@click.option("--search", help="Only series whose id or label contains all these words.")
@click.option("--body", help="Only figures of this body id (pgo, mia, ...): series with one, counted and latest among them.")
@click.option(
    "--body-type",
    "body_type",
    type=click.Choice(["authority", "independent"]),
    help="Only figures of authorities of Kazakhstan or of independent counters: series with one, counted and latest among them.",
)
@as_of_option(AS_OF_HELP + " Series with a figure by then, and the latest one standing then.")
@package_options
@JSON_OPTION
@CSV_OPTION
@no_traceback
def list_series(topic, search, body, body_type, as_of, path, version, as_json, as_csv):
    """Series with their number of figures and the latest one that stands.

    --topic and --search choose series; --body, --body-type and --as-of choose the figures
    counted, and list only series with such a figure.

    \b
    Example:
        jants list --topic casualties --body-type independent
    """
    from .explore.rows import overview, read, select_figures, select_series

    tables = read(path, version)
    chosen = select_series(tables, topic, search)
    as_of = as_of.date() if as_of else None
    figures_filtered = body is not None or body_type is not None or as_of is not None
    figures = select_figures(tables, body, body_type, as_of)
    stood = (lambda row: True) if as_of is not None else None  # a figure published by then stood then unless retracted by then
    rows = [row for row in overview(tables, tables.descriptor, figures, stood) if row["series_id"] in chosen and (row["figures"] or not figures_filtered)]
    columns = ["series_id", "label", "topic", "figures", "latest_date", "latest_qualifier", "latest_value", "unit", "latest_body"]
    which = [f"of {body}"] * (body is not None) + [f"of {body_type} bodies"] * (body_type is not None) + [f"published by {as_of}"] * (as_of is not None)
    title = f"{len(rows)} series" + (f"; figures {' and '.join(which)} only, counted and latest among them" if which else "")
    if not as_json and not as_csv and sys.stdout.isatty():  # fewer, readable columns for people
        rows = [
            {
                "series_id": row["series_id"],
                "label": row["label"],
                "figures": row["figures"],
                "latest figure": _figure_text(row["latest_qualifier"], row["latest_value"], None, row["unit"]),
                "date": row["latest_date"],
                "body": row["latest_body"],
            }
            for row in rows
        ]
        columns = list(rows[0]) if rows else ["series_id", "label", "figures", "latest figure", "date", "body"]
    emit(rows, columns, as_json, as_csv, title)


SHOW_COLUMNS = [
    "observation_id",
    "series_id",
    "observation_date",
    "date_precision",
    "period_start",
    "body_id",
    "body_type",
    "attribution",
    "speaker",
    "qualifier",
    "value",
    "value_upper",
    "unit",
    "status",
    "status_date",
    "status_source_id",
    "note",
    "source_id",
    "source_title",
    "source_publisher",
    "source_url",
    "source_file",
    "source_line",
    "source_section",
    "evidence",
    "evidence_en",
    "discrepancies",
]
DISCREPANCY_MARK = "⚠"


@cli.command()
@click.argument("series_id")
@as_of_option("Only the figures known on this date (YYYY-MM-DD): the latest published by then, per series; empty before the first.")
@package_options
@JSON_OPTION
@CSV_OPTION
@no_traceback
def show(series_id, as_of, path, version, as_json, as_csv):
    """Every figure of one series: date, body, value, status, source (title and URL, or file
    and line of a held text), evidence as plain text with its English rendering, and the
    recorded discrepancies it takes part in (marked ⚠).

    A date is shown only as precisely as it is known (2024-01 for a month, 2023 for a year,
    "on or before 2022-07-29"); --json and --csv give observation_date with date_precision
    (day, month, year or on_or_before: the figure's own, or its source's where the figure
    is dated by its source), and every other field of the figure.

    \b
    Example:
        jants show persons_killed
        jants show persons_killed --as-of 2022-06-01 --json
    """
    from .explore.rows import figures_of, provenance, read

    tables = read(path, version)
    as_of = as_of.date() if as_of else None
    rows = provenance(tables, figures_of(tables, series_id, as_of))
    for row in rows:
        row["discrepancies"] = row["discrepancies"].split() if row["discrepancies"] else []
    label = next(s["label"] for s in tables["series"] if s["series_id"] == series_id)
    title = f"{series_id}: {label}" + (f" (as known on {as_of})" if as_of else "") + f"; {len(rows)} figures"
    table = None if as_json or as_csv or not sys.stdout.isatty() else _figures_table(rows, title, series_id)
    emit(rows, SHOW_COLUMNS, as_json, as_csv, title, table)


def _figure_text(qualifier, value, value_upper, unit) -> str:
    """A figure as a person reads it: `at least 263 persons`, `from 10 to 12 persons`."""
    from .model import QUALIFIER_WORDS

    if value is None:
        return ""
    upper = f"to {_text(value_upper)}" if value_upper is not None else ""
    return " ".join(part for part in (QUALIFIER_WORDS.get(str(qualifier), ""), _text(value), upper, _text(unit)) if part)


def _figures_table(rows: list[dict], title: str, series_id: str):
    """A figure per row, in four columns that stay readable on 80 columns."""
    from rich.table import Table
    from rich.text import Text

    from .formatting import date_as_stated

    marked = any(row["discrepancies"] for row in rows)
    caption = f"{DISCREPANCY_MARK} takes part in a recorded discrepancy: jants discrepancies {series_id}" if marked else None
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left", show_lines=True, expand=True)
    table.add_column("figure", min_width=16, max_width=28)
    table.add_column("evidence", ratio=1, overflow="fold")
    table.add_column("source", ratio=1, overflow="fold")
    for row in rows:
        figure = Text(f"{date_as_stated(row['observation_date'], row['date_precision'])}\n")
        figure.append(_figure_text(row["qualifier"], row["value"], row["value_upper"], row["unit"]), style="bold")
        figure.append(f"\n{row['body_id']}" + (f" ({row['body_type']})" if row["body_type"] else ""))
        figure.append(f"\n{row['status']}", style="" if row["status"] == "reported" else "bold red")
        if row["discrepancies"]:
            figure.append(f"\n{DISCREPANCY_MARK} {' '.join(row['discrepancies'])}", style="yellow")
        evidence = Text(_text(row["evidence"]))
        if row["evidence_en"]:
            evidence.append(f"\nen: {row['evidence_en']}", style="italic")
        source = Text(_text(row["source_title"]) or row["source_id"])
        if row["source_url"] and row["source_publisher"]:
            source.append(f" ({row['source_publisher']})", style="dim")
        where = row["source_url"] or ":".join(_text(part) for part in (row["source_file"], row["source_line"]) if part is not None)
        if where:
            source.append(f"\n{where}", style="cyan")
        if row["source_section"]:
            source.append(f"\n§ {row['source_section']}", style="dim")
        table.add_row(figure, evidence, source)
    return table


@cli.command()
@click.argument("series_id", required=False)
@package_options
@JSON_OPTION
@CSV_OPTION
@no_traceback
def discrepancies(series_id, path, version, as_json, as_csv):
    """The recorded discrepancies (conflicting, falling or inconsistent figures) with their
    explanations and the figures they concern; only those of SERIES_ID if given."""
    from .explore.rows import discrepancies as discrepancies_of
    from .explore.rows import read

    rows = discrepancies_of(read(path, version), series_id)
    columns = ["discrepancy_id", "kind", "series", "figures", "explanation"]
    emit(rows, columns, as_json, as_csv, f"{len(rows)} discrepancies" + (f" concerning {series_id}" if series_id else ""))


@cli.command()
@click.argument("series_ids", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Chart file, .svg or .png.")
@click.option("--components", is_flag=True, help="Also draw each series' breakdown components, stacked.")
@package_options
@no_traceback
def plot(series_ids, output, components, path, version):
    """Chart one or more series: a line per reporting body, markers for qualifiers.

    \b
    Example:
        jants plot persons_killed -o deaths.svg
    """
    from .explore.plot import plot_series
    from .explore.tables import load

    if output.suffix.lower() not in (".svg", ".png"):
        raise UsageError(f"{output.name}: the chart is written as .svg or .png")
    if not output.absolute().parent.is_dir():  # before the package is read and the chart drawn
        cannot_write(output, FileNotFoundError(2, "no such folder", str(output)))
    try:
        plot_series(load(path, version), list(series_ids), output, components)
    except KeyError as error:
        raise UsageError(f"{error.args[0]}; jants list shows the series")
    except OSError as error:
        cannot_write(output, error)
    click.echo(str(output))


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the report into: a new or empty folder, or an earlier report (it has a .jants-report file).",
)
@package_options
@no_traceback
def report(output, path, version):
    """A static, offline HTML report: index by topic, a page with chart and figures for
    each metric, and the recorded discrepancies. Open OUTPUT/index.html in a browser.

    The report is written beside OUTPUT and moved into place when complete. OUTPUT may be
    new, empty, or a report jants wrote earlier (marked by a .jants-report file in it),
    which is replaced; any other folder with files in it is refused and left untouched.
    """
    from .explore.report import check_target, write_report
    from .locate import opened

    try:
        check_target(output)  # before the package is read
        with opened(path, version) as located:
            folder = write_report(located.root, output)
    except OSError as error:
        cannot_write(output, error)
    click.echo(str(folder / "index.html"))


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: print).")
@package_options
@no_traceback
def codebook(output, path, version):
    """Markdown codebook of every table, field and metric, from the descriptor."""
    from .explore.codebook import codebook as make_codebook
    from .locate import opened

    with opened(path, version) as located:
        text = make_codebook(located.root)
    if output:
        from .files import write_atomically

        write_atomically(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite OUTPUT even if it is not a database jants wrote.")
@click.option("--serve", is_flag=True, help="Then open it in Datasette on 127.0.0.1 (pip install 'jants[datasette]').")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True, help="Port for --serve.")
@package_options
@no_traceback
def sqlite(output, replace, serve, port, path, version):
    """Write the package into a SQLite database OUTPUT, with keys, indexes, full-text
    search and Datasette metadata beside it (OUTPUT's name with .metadata.json).

    The database is written beside OUTPUT and moved into place when complete. An existing
    OUTPUT is replaced only if jants wrote it (its SQLite header carries jants's
    application id); any other file is refused and kept, unless --replace.

    \b
    Example:
        jants sqlite jants.db --serve
        datasette jants.db --metadata jants.metadata.json
    """
    from .explore.database import check_target, require_datasette, write_database
    from .explore.database import serve as serve_database
    from .locate import opened

    if serve:
        require_datasette()  # before anything is written
    try:
        check_target(output, replace)  # before the package is read
        with opened(path, version) as located:
            database, metadata = write_database(located.root, output, replace)
    except OSError as error:
        cannot_write(output, error)
    click.echo(f"{database}\n{metadata}")
    if serve:
        serve_database(database, port)


def main():  # pragma: no cover - console entry point
    cli(prog_name="jants")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
