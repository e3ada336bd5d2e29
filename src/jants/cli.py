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
                raise click.UsageError(error.problem.message) from None
            for problem in error.problems:
                click.echo(f"Error: {problem}", err=True)
            sys.exit(1)
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


SOURCES_HELP = "Folder of source texts; checks every evidence string at its line, in the text whose SHA-256 the sources table records."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="jants")
def cli():
    """Official figures on the January 2022 events in Kazakhstan, as a Frictionless data package.

    \b
    Build the package from the curated input and validate it:
        jants build --sources ../shared/sources
        jants validate --sources ../shared/sources
    """


@cli.command()
@click.argument("package", required=False)
@click.option("--sources", "sources_dir", type=click.Path(path_type=Path), envvar="JANTS_SOURCES", help=SOURCES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (also for usage errors).")
@no_traceback
def validate(package, sources_dir, as_json):
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
    from .locate import package_path
    from .problems import PackageError, Problem
    from .validate import usage_error, validate_package

    try:
        if sources_dir is not None and not sources_dir.is_dir():
            raise PackageError(Problem("usage-error", f"--sources {sources_dir}: no such folder"))
        path = package_path(package)
    except PackageError as error:
        if not as_json:
            raise
        click.echo(usage_error(package, error.problem.message, error.problem.code).to_json())
        sys.exit(2 if error.problem.code == "usage-error" else 1)
    report = validate_package(path, sources_dir)
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
        raise click.UsageError(f"output folder does not exist: {target}")
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
        raise click.UsageError("jants release runs in the project folder (with datapackage.json, CHANGELOG.md and releases.json)")
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


def emit(frame, as_json: bool, as_csv: bool, title: str = "") -> None:
    """A table for people (rich, fitted to the terminal); for scripts, JSON records with
    typed values (numbers, null, ISO dates) or CSV; piped without either, the whole table
    as tab-separated text, never wrapped."""
    if as_json:
        import json

        click.echo(json.dumps(_records(frame), indent=2, ensure_ascii=False))
        return
    if as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
        return
    if not sys.stdout.isatty():
        click.echo(frame.to_csv(index=False, sep="\t"), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, title_justify="left", show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if value is None or value != value else str(value) for value in row])
    Console(soft_wrap=False).print(table)


def _records(frame) -> list[dict]:
    """Rows as JSON values: missing is null, whole numbers are integers, dates ISO text."""
    import pandas as pd

    def value(cell):
        if cell is None or (not isinstance(cell, (list, dict, str)) and pd.isna(cell)):
            return None
        if isinstance(cell, pd.Timestamp):
            return cell.date().isoformat()
        if hasattr(cell, "item"):  # numpy scalars
            cell = cell.item()
        if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
            return int(cell)
        return cell

    return [{str(k): value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _dates_as_text(frame, *columns):
    return frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d") for c in columns})


def _numbers_as_text(frame, *columns):
    from .formatting import format_number

    return frame.assign(**{c: frame[c].map(lambda v: "" if v != v else format_number(v)) for c in columns})


def package_options(command):
    """--path and --version: which package to read (default: the current folder's, else
    the release installed with jants; see jants.locate)."""
    command = click.option("--version", "version", metavar="VERSION", help="A released version (0.1.0), from a verified release archive.")(command)
    return click.option("--path", "path", type=click.Path(exists=True, path_type=Path), help="Package folder, datapackage.json or release archive (.zip).")(
        command
    )


JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
CSV_OPTION = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")


@cli.command()
@package_options
@JSON_OPTION
@no_traceback
def info(path, version, as_json):
    """Which package is in use, its version, row counts, dates covered and sources."""
    import json

    from .explore.tables import load, summary

    facts = summary(load(path, version))
    if as_json:
        click.echo(json.dumps(facts, indent=2, ensure_ascii=False))
        return
    click.echo(f"{facts['title']}\nversion {facts['version']}, created {facts['created']}\npackage: {facts['package']}")
    click.echo("rows: " + ", ".join(f"{n} {name}" for name, n in facts["rows"].items()))
    if facts["observation_dates"]:
        click.echo(f"figures dated {facts['observation_dates'][0]} to {facts['observation_dates'][1]}")
    import pandas as pd

    click.echo("topics: " + ", ".join(facts["topics"]))
    emit(pd.DataFrame(facts["bodies"]), False, False, "bodies (authority: an authority of Kazakhstan; independent: counted by others)")
    emit(pd.DataFrame(facts["sources"]), False, False, "sources")


@cli.command(name="list")
@click.option("--topic", help="Only series of this topic (see jants info).")
@click.option("--body", help="Only series with a figure from this body id (pgo, mia, ...).")
@click.option("--search", help="Only series whose id or label contains all these words.")
@package_options
@JSON_OPTION
@CSV_OPTION
@no_traceback
def list_series(topic, body, search, path, version, as_json, as_csv):
    """Series with their latest figure; filter by topic, body or words."""
    from .explore.tables import find_series, load

    frame = find_series(load(path, version), topic, body, search)
    columns = ["series_id", "label", "topic", "figures", "latest_date", "latest_qualifier", "latest_value", "unit", "latest_body"]
    frame = frame[columns].pipe(_dates_as_text, "latest_date")
    if not as_json:
        frame = frame.pipe(_numbers_as_text, "latest_value")
    emit(frame, as_json, as_csv, f"{len(frame)} series")


@cli.command()
@click.argument("series_id")
@click.option(
    "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only figures published on or before this date (YYYY-MM-DD), latest per series."
)
@package_options
@JSON_OPTION
@CSV_OPTION
@no_traceback
def show(series_id, as_of, path, version, as_json, as_csv):
    """Every observation of one series, with its provenance."""
    from .explore.tables import figures_of, load

    tables = load(path, version)
    as_of = as_of.date().isoformat() if as_of else None
    frame = figures_of(tables, series_id, as_of)
    columns = [
        "observation_id",
        "observation_date",
        "body_id",
        "body_type",
        "qualifier",
        "value",
        "value_upper",
        "unit",
        "source_id",
        "source_line",
        "evidence",
        "status",
    ]
    frame = frame[[c for c in columns if c in frame]]  # releases before 0.3.0 have no body_type
    frame = frame.pipe(_dates_as_text, "observation_date")
    if as_json:
        emit(frame, True, False)
        return
    frame = frame.pipe(_numbers_as_text, "value", "value_upper")
    label = tables["series"].set_index("series_id").loc[series_id, "label"]
    title = f"{series_id}: {label}" + (f" (as known on {as_of})" if as_of else "")
    if not as_csv and len(frame):  # fewer, wider columns for people
        frame = frame.assign(
            value=frame["qualifier"].astype(str).str.replace("exact", "").str.replace("_", " ")
            + " "
            + frame["value"]
            + frame["value_upper"].map(lambda v: f" to {v}" if v else "")
            + " "
            + frame["unit"].astype(str),
            source=[
                f"{s}:{int(line)}" if line == line and line is not None else s for s, line in zip(frame["source_id"], frame["source_line"].astype("float64"))
            ],
        )
        frame = frame[[c for c in ["observation_date", "body_id", "body_type", "value", "source", "evidence", "status"] if c in frame]]
        frame["value"] = frame["value"].str.strip()
    emit(frame, as_json, as_csv, title)


@cli.command()
@click.argument("series_id", required=False)
@package_options
@JSON_OPTION
@CSV_OPTION
@no_traceback
def discrepancies(series_id, path, version, as_json, as_csv):
    """The recorded discrepancies (conflicting, falling or inconsistent figures) with their
    explanations and the figures they concern; only those of SERIES_ID if given."""
    from .explore.tables import discrepancies_of, load

    frame = discrepancies_of(load(path, version), series_id)
    emit(frame, as_json, as_csv, f"{len(frame)} discrepancies" + (f" concerning {series_id}" if series_id else ""))


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
        raise click.UsageError(f"{output.name}: the chart is written as .svg or .png")
    try:
        plot_series(load(path, version), list(series_ids), output, components)
    except KeyError as error:
        raise click.UsageError(f"{error.args[0]}; jants list shows the series")
    click.echo(str(output))


@cli.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write the report into.")
@package_options
@no_traceback
def report(output, path, version):
    """A static, offline HTML report: index by topic, a page with chart and figures for
    each metric, and the recorded discrepancies. Open OUTPUT/index.html in a browser."""
    from .explore.report import write_report
    from .locate import opened

    with opened(path, version) as located:
        folder = write_report(located.root, output)
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
@click.option("--serve", is_flag=True, help="Then open it in Datasette on 127.0.0.1 (pip install 'jants[datasette]').")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True, help="Port for --serve.")
@package_options
@no_traceback
def sqlite(output, serve, port, path, version):
    """Write the package into a SQLite database OUTPUT, with keys, indexes, full-text
    search and Datasette metadata beside it (OUTPUT's name with .metadata.json).

    \b
    Example:
        jants sqlite jants.db --serve
        datasette jants.db --metadata jants.metadata.json
    """
    from .explore.database import require_datasette, write_database
    from .explore.database import serve as serve_database
    from .locate import opened

    if serve:
        require_datasette()  # before anything is written
    with opened(path, version) as located:
        database, metadata = write_database(located.root, output)
    click.echo(f"{database}\n{metadata}")
    if serve:
        serve_database(database, port)


def main():  # pragma: no cover - console entry point
    cli(prog_name="jants")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
