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
    """Turn an unexpected exception into a one-line error and exit 1 (JANTS_DEBUG=1 shows it)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # noqa: BLE001 - last line of defence for users
            if os.environ.get("JANTS_DEBUG"):
                raise
            click.echo(f"Error: internal error in jants {command.__name__}: {type(error).__name__}: {error} "
                       "(set JANTS_DEBUG=1 for the traceback, and please report it)", err=True)
            sys.exit(1)

    return wrapper


SOURCES_HELP = "Folder of source texts; checks every evidence string at its line, in the text whose SHA-256 the sources table records."


def default_project() -> Path:
    """The current directory when it holds a package or curated input, else the
    checkout this jants is installed from, else the current directory."""
    cwd = Path.cwd()
    if (cwd / "datapackage.json").exists() or (cwd / "curation" / "package.json").exists():
        return cwd
    here = Path(__file__).resolve().parents[2]
    return here if (here / "curation" / "package.json").exists() else cwd


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
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--sources", "sources_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              envvar="JANTS_SOURCES", help=SOURCES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@no_traceback
def validate(path, sources_dir, as_json):
    """Validate a data package (a directory or a datapackage.json).

    PATH defaults to the repository's package. Exit code 0: valid (warnings allowed),
    1: invalid, 2: usage error.

    \b
    Example:
        jants validate path/to/package --sources ../shared/sources --json
    """
    from .validate import validate_package

    path = path or default_project()
    if not path.exists():
        raise click.UsageError(f"no such package: {path}")
    report = validate_package(path, sources_dir)
    click.echo(report.to_json() if as_json else report.to_text())
    sys.exit(0 if report.valid else 1)


@cli.command()
@click.option("--curation", "curation_dir", type=click.Path(path_type=Path),
              help="Curated input folder (default: curation/ of the project).")
@click.option("--output", "target", type=click.Path(file_okay=False, path_type=Path),
              help="Package directory to write (default: the project).")
@click.option("--sources", "sources_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              envvar="JANTS_SOURCES", help=SOURCES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@no_traceback
def build(curation_dir, target, sources_dir, as_json):
    """Regenerate data/ and datapackage.json from the curated input.

    The new package is written to a temporary folder, validated, and only then moved
    into place; building twice gives byte-identical files.
    """
    from .build import BuildError, build_package
    from .report import PackageError

    project = default_project()
    curation_dir = curation_dir or project / "curation"
    target = target or project
    if not target.is_dir():
        raise click.UsageError(f"output folder does not exist: {target}")
    try:
        report = build_package(curation_dir, target, sources_dir)
    except BuildError as error:
        click.echo(error.report.to_json() if as_json else error.report.to_text(), err=not as_json)
        sys.exit(1)
    except PackageError as error:
        click.echo(f"Error: {error.problem}", err=True)
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
@no_traceback
def release(version):
    """Cut release VERSION: dist/jants-VERSION.zip and an entry in releases.json.

    Refused unless the package validates, VERSION is higher than the last release and
    bumps at least as much as the changes require, and CHANGELOG.md has an entry for it.
    """
    from .release import make_release
    from .report import PackageError

    try:
        made = make_release(default_project(), version)
    except PackageError as error:
        for problem in error.problems:
            click.echo(f"Error: {problem}", err=True)
        sys.exit(1)
    click.echo(f"released {made.version} ({made.date}): dist/{made.archive}, {made.bytes} bytes, sha256 {made.sha256}")


@cli.command()
@click.argument("old", required=False, type=click.Path(exists=True, path_type=Path))
@click.argument("new", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@no_traceback
def diff(old, new, as_json):
    """What changed between two packages or release archives, and the bump it needs.

    With no arguments: the last release (from dist/) against the working package.

    \b
    Example:
        jants diff dist/jants-0.1.0.zip .
    """
    from .diff import diff_packages
    from .release import DIST_DIR, parse_version, read_index
    from .report import PackageError

    project = default_project()
    if old is None:
        releases = read_index(project)
        if not releases:
            raise click.UsageError("no release yet: give OLD and NEW")
        last = max(releases, key=lambda r: parse_version(r.version))
        old = project / DIST_DIR / last.archive
        if not old.exists():
            raise click.UsageError(f"{old} is not here; run jants fetch {last.version} first")
    new = new or project
    try:
        result = diff_packages(old, new)
    except PackageError as error:
        click.echo(f"Error: {error.problem}", err=True)
        sys.exit(1)
    click.echo(result.to_json() if as_json else result.to_text())


@cli.command()
@click.argument("version", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "bibtex", "apa", "cff", "csl-json"]), default="text",
              show_default=True, help="Citation style.")
@no_traceback
def cite(version, fmt):
    """A citation of one exact release (default: the latest) or of the working package."""
    import json

    from .citation import cite as make_citation
    from .release import parse_version, read_index

    project = default_project()
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    releases = read_index(project)
    if version is None and releases:
        version = max(releases, key=lambda r: parse_version(r.version)).version
    entry = next((r for r in releases if r.version == version), None)
    if version is not None and entry is None:
        raise click.UsageError(f"version {version} is not in releases.json; released: {', '.join(r.version for r in releases) or 'none'}")
    if entry is not None and descriptor.get("version") != entry.version:
        descriptor = {**descriptor, "version": entry.version}
    date = entry.date if entry else descriptor.get("created", "")[:10]
    click.echo(make_citation(descriptor, date, entry.sha256 if entry else None, fmt))


@cli.command()
@click.argument("version")
@click.option("--base-url", envvar="JANTS_RELEASE_URL", help="Where release archives are published (env JANTS_RELEASE_URL).")
@click.option("--cache", "cache", type=click.Path(file_okay=False, path_type=Path), envvar="JANTS_CACHE",
              help="Cache folder (default: the per-user cache, env JANTS_CACHE).")
@no_traceback
def fetch(version, base_url, cache):
    """Download release VERSION, verify its SHA-256 against releases.json, unpack it into the cache.

    Prints the folder of the unpacked package; a second call reuses the cache.
    """
    from .fetch import fetch_release
    from .report import PackageError

    try:
        folder = fetch_release(default_project(), version, base_url, cache, progress=sys.stderr.isatty())
    except PackageError as error:
        click.echo(f"Error: {error.problem}", err=True)
        sys.exit(1)
    click.echo(str(folder))


def emit(frame, as_json: bool, as_csv: bool, title: str = "") -> None:
    """A table for people (rich, fitted to the terminal), or JSON or CSV for scripts."""
    if as_json:
        click.echo(frame.to_json(orient="records", force_ascii=False, indent=2))
        return
    if as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, title_justify="left", show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if value is None or value != value else str(value) for value in row])
    Console(soft_wrap=False).print(table)


def _dates_as_text(frame, *columns):
    return frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d") for c in columns})


def _numbers_as_text(frame, *columns):
    from .schema_checks import format_number

    return frame.assign(**{c: frame[c].map(lambda v: "" if v != v else format_number(v)) for c in columns})


PATH_OPTION = click.option("--path", "path", type=click.Path(exists=True, path_type=Path),
                           help="Package folder (default: the repository's).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
CSV_OPTION = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")


@cli.command()
@PATH_OPTION
@JSON_OPTION
@no_traceback
def info(path, as_json):
    """Version, row counts, dates covered and sources of the package."""
    import json

    from .api import load

    root = path or default_project()
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    tables = load(root)
    dates = tables["observations"]["observation_date"]
    facts = {
        "title": descriptor.get("title"), "version": descriptor.get("version"), "created": descriptor.get("created"),
        "rows": {name: len(frame) for name, frame in tables.items()},
        "observation_dates": [str(dates.min().date()), str(dates.max().date())] if len(dates) else [],
        "sources": _dates_as_text(tables["sources"][["source_id", "source_date", "title"]], "source_date").to_dict("records"),
    }
    if as_json:
        click.echo(json.dumps(facts, indent=2, ensure_ascii=False))
        return
    click.echo(f"{facts['title']}\nversion {facts['version']}, created {facts['created']}")
    click.echo("rows: " + ", ".join(f"{n} {name}" for name, n in facts["rows"].items()))
    if facts["observation_dates"]:
        click.echo(f"figures dated {facts['observation_dates'][0]} to {facts['observation_dates'][1]}")
    emit(tables["sources"][["source_id", "source_date", "title"]].pipe(_dates_as_text, "source_date"), False, False, "sources")


@cli.command(name="list")
@click.option("--topic", help="Only series of this topic (see jants info).")
@click.option("--body", help="Only series with a figure from this body id (pgo, mia, ...).")
@click.option("--search", help="Only series whose id or label contains all these words.")
@PATH_OPTION
@JSON_OPTION
@CSV_OPTION
@no_traceback
def list_series(topic, body, search, path, as_json, as_csv):
    """Series with their latest figure; filter by topic, body or words."""
    from .api import load, overview

    tables = load(path or default_project())
    frame = overview(tables)
    if topic:
        frame = frame[frame["topic"] == topic]
    if body:
        with_body = set(tables["observations"].loc[tables["observations"]["body_id"] == body, "series_id"])
        frame = frame[frame["series_id"].isin(with_body)]
    for word in (search or "").lower().split():
        frame = frame[frame["series_id"].str.lower().str.contains(word, regex=False)
                      | frame["label"].str.lower().str.contains(word, regex=False)]
    columns = ["series_id", "label", "topic", "figures", "latest_date", "latest_qualifier", "latest_value", "unit", "latest_body"]
    frame = frame[columns].pipe(_dates_as_text, "latest_date").pipe(_numbers_as_text, "latest_value")
    emit(frame, as_json, as_csv, f"{len(frame)} series")


@cli.command()
@click.argument("series_id")
@click.option("--as-of", "as_of", help="Only figures published on or before this date (YYYY-MM-DD), latest per series.")
@PATH_OPTION
@JSON_OPTION
@CSV_OPTION
@no_traceback
def show(series_id, as_of, path, as_json, as_csv):
    """Every observation of one series, with its provenance."""
    from .api import as_known_on, load

    tables = load(path or default_project())
    if series_id not in set(tables["series"]["series_id"]):
        raise click.UsageError(f"no series {series_id!r}; jants list shows them")
    frame = as_known_on(tables, as_of) if as_of else tables["observations"]
    frame = frame[frame["series_id"] == series_id].sort_values(["observation_date", "observation_id"])
    columns = ["observation_id", "observation_date", "body_id", "qualifier", "value", "value_upper", "unit",
               "source_id", "source_line", "evidence", "status"]
    frame = frame[columns].pipe(_dates_as_text, "observation_date").pipe(_numbers_as_text, "value", "value_upper")
    label = tables["series"].set_index("series_id").loc[series_id, "label"]
    title = f"{series_id}: {label}" + (f" (as known on {as_of})" if as_of else "")
    if not (as_json or as_csv):  # fewer, wider columns for people
        frame = frame.assign(
            value=frame["qualifier"].astype(str).str.replace("exact", "").str.replace("_", " ") + " " + frame["value"]
            + frame["value_upper"].map(lambda v: f" to {v}" if v else "") + " " + frame["unit"].astype(str),
            source=frame["source_id"] + ":" + frame["source_line"].astype(str),
        )[["observation_date", "body_id", "value", "source", "evidence", "status"]]
        frame["value"] = frame["value"].str.strip()
    emit(frame, as_json, as_csv, title)


@cli.command()
@click.argument("series_ids", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Chart file, .svg or .png.")
@click.option("--components", is_flag=True, help="Also draw each series' breakdown components, stacked.")
@PATH_OPTION
@no_traceback
def plot(series_ids, output, components, path):
    """Chart one or more series: a line per reporting body, markers for qualifiers.

    \b
    Example:
        jants plot persons_killed -o deaths.svg
    """
    from .api import load
    from .plot import plot_series

    if output.suffix.lower() not in (".svg", ".png"):
        raise click.UsageError(f"{output.name}: the chart is written as .svg or .png")
    try:
        plot_series(load(path or default_project()), list(series_ids), output, components)
    except KeyError as error:
        raise click.UsageError(f"{error.args[0]}; jants list shows the series")
    click.echo(str(output))


@cli.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write the report into.")
@PATH_OPTION
@no_traceback
def report(output, path):
    """A static, offline HTML report: index by topic, a page with chart and figures for
    each metric, and the recorded discrepancies. Open OUTPUT/index.html in a browser."""
    from .html_report import write_report

    folder = write_report(path or default_project(), output)
    click.echo(str(folder / "index.html"))


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: print).")
@PATH_OPTION
@no_traceback
def codebook(output, path):
    """Markdown codebook of every table, field and metric, from the descriptor."""
    from .codebook import codebook as make_codebook

    text = make_codebook(path or default_project())
    if output:
        from .release import write_atomically

        write_atomically(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


def main():  # pragma: no cover - console entry point
    cli(prog_name="jants")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
