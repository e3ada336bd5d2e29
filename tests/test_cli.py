"""The command line, through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import jants
from jants.cli import cli

from conftest import read_rows, set_cell, without_parquet


def jants_command(*args, cwd=None):
    """Run the installed `jants` console script (the one beside this Python) as a subprocess."""
    beside = Path(sys.executable).parent / "jants"
    exe = str(beside) if beside.exists() else shutil.which("jants")
    assert exe, "the jants console script is not installed"
    return subprocess.run([exe, *args], capture_output=True, text=True, cwd=cwd)


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"jants, version {jants.__version__}"


def test_every_command_has_help():
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        first_line = command.help.split("\n")[0] if command.help else ""
        assert first_line and " ".join(first_line.split()) in " ".join(result.output.split()), name


def test_validate_shipped_package(project, sources_dir):
    result = CliRunner().invoke(cli, ["validate", str(project), "--sources", str(sources_dir)])
    assert result.exit_code == 0, result.output
    assert "valid (0 errors" in result.output


def test_validate_json_report(package):
    set_cell(package, "observations", 2, "qualifier", "roughly")
    without_parquet(package)
    result = CliRunner().invoke(cli, ["validate", str(package), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    error = report["errors"][0]
    assert (error["code"], error["file"], error["row"], error["field"]) == (
        "constraint-error", "data/observations.csv", 2, "qualifier")


def test_usage_error_exit_code(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "missing")])
    assert result.exit_code == 2


def test_subprocess_valid_invalid_and_usage(project, package, tmp_path):
    ok = jants_command("validate", str(project))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    set_cell(package, "observations", 2, "value", "many")
    without_parquet(package)
    bad = jants_command("validate", str(package))
    assert bad.returncode == 1
    assert "data/observations.csv: row 2: field 'value': error: 'many' is not a valid number" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    usage = jants_command("validate", "--no-such-option")
    assert usage.returncode == 2


def test_subprocess_build_into_folder(project, tmp_path):
    result = jants_command("build", "--curation", str(project / "curation"), "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "datapackage.json").is_file()
    assert jants_command("validate", str(tmp_path)).returncode == 0


def test_build_error_is_one_line_per_problem(curation, tmp_path):
    path = sorted((curation / "observations").glob("*.csv"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace(",exact,", ",exactly,", 1), encoding="utf-8")
    result = jants_command("build", "--curation", str(curation), "--output", str(tmp_path))
    assert result.returncode == 1
    assert f"curation/observations/{path.name}: row " in result.stderr
    assert "field 'qualifier'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unexpected_error_is_one_line_without_traceback(project, monkeypatch):
    import jants.validate

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(jants.validate, "validate_package", broken)
    result = CliRunner().invoke(cli, ["validate", str(project)])
    assert result.exit_code == 1
    assert "internal error in jants validate: RuntimeError: simulated bug" in result.output
    assert "Traceback" not in result.output


def test_codebook_is_up_to_date(project):
    from jants.explore.codebook import codebook

    committed = (project / "docs" / "codebook.md").read_text(encoding="utf-8")
    assert committed == codebook(project), "docs/codebook.md is out of date: run jants codebook -o docs/codebook.md"


def test_info_reports_counts_dates_and_sources(project):
    result = CliRunner().invoke(cli, ["info", "--path", str(project), "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert facts["rows"]["observations"] == len(read_rows(project / "data" / "observations.csv")) - 1
    assert facts["observation_dates"][1] == "2026-01-14"
    assert {s["source_id"] for s in facts["sources"]} >= {"briefing-2022-02-16", "mazhilis-hearing-2023-01-05"}


def test_list_filters_and_gives_the_latest_figure(project):
    result = CliRunner().invoke(cli, ["list", "--path", str(project), "--search", "criminal cases opened", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["series_id"]: r for r in json.loads(result.output)}
    assert rows["criminal_cases"]["latest_value"] == 5300 and rows["criminal_cases"]["latest_date"] == "2023-01-05"
    weapons = CliRunner().invoke(cli, ["list", "--path", str(project), "--search", "weapons", "--csv"])
    found = {line.split(",")[0] for line in weapons.output.splitlines()[1:]}
    assert {"weapons_stolen", "weapons_recovered", "weapons_handed_in"} <= found
    by_body = CliRunner().invoke(cli, ["list", "--path", str(project), "--body", "parliament", "--csv"])
    assert by_body.exit_code == 0 and "persons_covered_by_amnesty" in by_body.output
    assert "criminal_cases.mia" not in by_body.output
    topic = CliRunner().invoke(cli, ["list", "--path", str(project), "--topic", "casualties", "--csv"])
    assert topic.exit_code == 0 and "\npersons_killed," in topic.output
    assert {row[2] for row in csv.reader(topic.output.splitlines()[1:])} == {"casualties"}
    table = CliRunner().invoke(cli, ["list", "--path", str(project), "--topic", "casualties"], terminal_width=200)
    assert table.exit_code == 0 and "series" in table.output.splitlines()[0]


def test_show_gives_every_figure_with_provenance(project):
    result = CliRunner().invoke(cli, ["show", "persons_killed", "--path", str(project), "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.output.splitlines()))
    observations = jants.load(project)["observations"]
    assert len(rows) == (observations["series_id"] == "persons_killed").sum()
    assert any(r["source_id"] == "mfa-reply-ohchr-2022-03-18" and r["source_line"] == "291" and r["value"] == "230" and r["value_upper"] == "" for r in rows)
    assert any(r["source_id"] == "news18-2022-01-15" and r["source_line"] == "" and r["value"] == "164" and r["status"] == "retracted" for r in rows)
    as_of = CliRunner().invoke(cli, ["show", "persons_killed", "--path", str(project), "--as-of", "2022-06-01", "--json"])
    assert [r["value"] for r in json.loads(as_of.output)] == [232]
    unknown = CliRunner().invoke(cli, ["show", "no_such_series", "--path", str(project)])
    assert unknown.exit_code == 2 and "no series" in unknown.output


@pytest.mark.parametrize("args, code, exit_code", [
    (["/no/such/package"], "usage-error", 2),
    (["--sources", "/no/such/folder"], "usage-error", 2),
    (["9.9.9"], "release-unknown", 2),
])
def test_validate_json_is_json_also_when_it_cannot_start(args, code, exit_code):
    result = CliRunner().invoke(cli, ["validate", *args, "--json"])
    report = json.loads(result.output)
    assert result.exit_code == exit_code and report["valid"] is False and report["errors"][0]["code"] == code


def test_json_output_is_typed(project):
    result = CliRunner().invoke(cli, ["show", "persons_killed", "--path", str(project), "--json"])
    rows = json.loads(result.output)
    assert all(isinstance(r["value"], (int, float)) for r in rows)
    assert all(r["value_upper"] is None for r in rows) and any(r["source_line"] is None for r in rows)
    assert all(len(r["observation_date"]) == 10 and r["observation_date"][4] == "-" for r in rows)


def test_piped_tables_are_whole_tab_separated_rows(project):
    result = CliRunner().invoke(cli, ["show", "persons_killed", "--path", str(project)])
    lines = result.output.splitlines()
    header = lines[0].split("\t")
    assert header[:4] == ["observation_id", "series_id", "observation_date", "date_precision"]
    assert all(len(line.split("\t")) == len(header) for line in lines[1:]) and len(lines) > 10


def test_discrepancies_lists_explanations_and_figures(project):
    result = CliRunner().invoke(cli, ["discrepancies", "persons_killed", "--path", str(project), "--json"])
    rows = json.loads(result.output)
    assert rows and all("persons_killed" in r["series"].split() for r in rows)
    assert any("230" in r["figures"] and "238" in r["figures"] for r in rows)
    unknown = CliRunner().invoke(cli, ["discrepancies", "nonsense", "--path", str(project)])
    assert unknown.exit_code == 2 and "no series" in unknown.output


def test_info_lists_topics_and_bodies_with_their_type(project):
    facts = json.loads(CliRunner().invoke(cli, ["info", "--path", str(project), "--json"]).output)
    assert "casualties" in facts["topics"]
    assert {b["body_type"] for b in facts["bodies"]} == {"authority", "independent"}


# Output paths: nothing of the user's is erased, and an unwritable path is one line --------


def test_report_refuses_a_folder_with_other_files_and_leaves_it_untouched(project, tmp_path, monkeypatch):
    docs = tmp_path / "mydocs"
    docs.mkdir()
    (docs / "notes.txt").write_text("keep\n")
    result = CliRunner().invoke(cli, ["report", "-o", str(docs), "--path", str(project)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot write {docs}: folder is not empty and not a report of jants (no .jants-report in it); choose a new or empty folder"
    assert [p.name for p in docs.iterdir()] == ["notes.txt"] and (docs / "notes.txt").read_text() == "keep\n"
    monkeypatch.chdir(docs)  # `jants report -o .` in a folder of one's own
    here = CliRunner().invoke(cli, ["report", "-o", ".", "--path", str(project)])
    assert here.exit_code == 1 and "folder is not empty" in here.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydocs"]  # no staging folder left beside it


def test_sqlite_refuses_a_file_jants_did_not_write_unless_replace(project, tmp_path):
    important = tmp_path / "important.txt"
    important.write_text("keep\n")
    result = CliRunner().invoke(cli, ["sqlite", str(important), "--path", str(project)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot write {important}: the file exists and is not a database jants wrote; --replace overwrites it"
    assert important.read_text() == "keep\n" and sorted(p.name for p in tmp_path.iterdir()) == ["important.txt"]
    other = tmp_path / "other.db"  # a SQLite database, but not one of jants
    import sqlite3

    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE mine (x)")
    before = other.read_bytes()
    assert CliRunner().invoke(cli, ["sqlite", str(other), "--path", str(project)]).exit_code == 1
    assert other.read_bytes() == before
    replaced = CliRunner().invoke(cli, ["sqlite", str(important), "--replace", "--path", str(project)])
    assert replaced.exit_code == 0, replaced.output
    assert important.read_bytes()[:16] == b"SQLite format 3\x00"
    again = CliRunner().invoke(cli, ["sqlite", str(important), "--path", str(project)])  # jants wrote it: replaced
    assert again.exit_code == 0, again.output
    notes = tmp_path / "notes.metadata.json"  # the metadata file beside a new database is someone else's
    notes.write_text("{}\n")
    beside = CliRunner().invoke(cli, ["sqlite", str(tmp_path / "notes.db"), "--path", str(project)])
    assert beside.exit_code == 1 and "notes.metadata.json beside it exists and is not metadata jants wrote" in beside.output
    assert notes.read_text() == "{}\n" and not (tmp_path / "notes.db").exists()


@pytest.mark.parametrize("args", [
    ["plot", "persons_killed", "-o", "{missing}/dir/y.png"],
    ["sqlite", "{missing}/x.db"],
    ["report", "-o", "/proc/nope"],
])
def test_an_unwritable_output_is_one_line_naming_it_and_why(project, tmp_path, args):
    args = [a.format(missing=tmp_path / "nonexistent") for a in args]
    output = next(a for a in args if "/" in a)
    result = jants_command(*args, "--path", str(project))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: cannot write {output}: "), result.stderr
    assert "internal error" not in lines[0] and "datapackage" not in lines[0] and "Traceback" not in result.stderr
    if "nonexistent" in output:
        assert lines[0].endswith(": no such folder")
    assert not (tmp_path / "nonexistent").exists()


def test_permission_denied_is_named_as_such(tmp_path, capsys):
    from jants.cli import cannot_write

    with pytest.raises(SystemExit) as exit_:
        cannot_write(tmp_path / "x.db", PermissionError(13, "Permission denied", str(tmp_path / "x.db")))
    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip() == f"Error: cannot write {tmp_path / 'x.db'}: permission denied"


@pytest.mark.parametrize("observation_id, precision, shown", [
    ("joint-ngo-statement-2022-07-29-001", "on_or_before", "on or before 2022-07-29"),
    ("kaskelen-2024-01-001", "month", "2024-01"),
    ("sotreport-2023-001", "year", "2023"),
    ("ortcom-2022-11-006", "month", "2022-10"),
])
def test_show_gives_dates_only_as_precisely_as_known(project, observation_id, precision, shown):
    from rich.console import Console

    from jants.cli import _figures_table
    from jants.explore.rows import figures_of, provenance, read

    with open(project / "data" / "observations.csv", encoding="utf-8", newline="") as stream:
        observations = {r["observation_id"]: r for r in csv.DictReader(stream)}
    series_id = observations[observation_id]["series_id"]
    result = CliRunner().invoke(cli, ["show", series_id, "--path", str(project), "--json"])
    record = next(r for r in json.loads(result.output) if r["observation_id"] == observation_id)
    assert record["observation_date"] == observations[observation_id]["observation_date"] and record["date_precision"] == precision
    tables = read(project)
    rows = [r for r in provenance(tables, figures_of(tables, series_id)) if r["observation_id"] == observation_id]
    rows[0]["discrepancies"] = []
    console = Console(width=120, record=True, file=open("/dev/null", "w"))
    console.print(_figures_table(rows, "t", series_id))
    assert shown in console.export_text()


def test_show_piped_gives_every_field_of_a_figure(project):
    """The README's promise: piped output, --csv and --json carry every observation field."""
    with open(project / "data" / "observations.csv", encoding="utf-8") as stream:
        fields = next(csv.reader(stream))
    for args in (["--csv"], ["--json"]):
        result = CliRunner().invoke(cli, ["show", "persons_killed", "--path", str(project), *args])
        assert result.exit_code == 0, result.output
        given = next(csv.reader(result.output.splitlines())) if args == ["--csv"] else list(json.loads(result.output)[0])
        assert set(fields) <= set(given), set(fields) - set(given)


def test_help_describes_the_data_as_the_package_title_does(project):
    """Since 0.3.0 the data holds official and independent figures: the help says so."""
    title = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))["title"]
    first = " ".join(CliRunner().invoke(cli, ["--help"]).output.split("\n\n")[1].split())
    assert title.removeprefix("jants: ").lower() in first.lower(), (title, first)
    assert not first.lower().startswith("official figures")


def test_an_unknown_series_is_one_line_that_points_the_way(project):
    misspelt = jants_command("show", "persons_kiled", "--path", str(project))
    assert misspelt.returncode == 2
    assert misspelt.stderr.strip().splitlines() == [
        "Error: no series 'persons_kiled'; did you mean persons_killed or persons_injured or persons_killed.almaty?"
    ]
    figure = CliRunner().invoke(cli, ["show", "tass-2022-01-07-003", "--path", str(project)])
    assert figure.exit_code == 2
    assert "is a figure of series 'persons_injured.riot_participants' (jants show persons_injured.riot_participants)" in figure.output
    assert "Usage:" not in figure.output


@pytest.mark.parametrize("command", [["list"], ["show", "persons_killed"], ["sources"], ["discrepancies"]])
def test_json_and_csv_together_is_a_usage_error(project, command):
    result = CliRunner().invoke(cli, [*command, "--path", str(project), "--json", "--csv"])
    assert result.exit_code == 2 and result.output.strip() == "Error: --json and --csv: give one of them"
