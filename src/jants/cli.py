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
    """The project checkout this jants runs from, else the current directory."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "curation" / "package.json").exists() else Path.cwd()


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


def main():  # pragma: no cover - console entry point
    cli(prog_name="jants")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
