"""What the command line answers: show (provenance, English renderings, discrepancies),
list (filters on figures, --as-of), info (a summary first) and sources; through CliRunner,
a real `jants` subprocess, and a terminal (a pseudo-terminal) for the table meant for people.

Expected values come from the package's CSV files, read here with the csv module."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from jants.cli import cli
from jants.explore import rows as rows_api
from jants.explore import tables as tables_api

from conftest import read_rows
from test_cli import jants_command


def table(project, name: str) -> list[dict]:
    with open(project / "data" / f"{name}.csv", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def invoke(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def show_json(project, series_id: str, *more: str) -> list[dict]:
    return json.loads(invoke("show", series_id, "--path", str(project), "--json", *more))


def in_terminal(*args: str, columns: int = 120) -> str:
    """Output of the real `jants` written to a pseudo-terminal, as a person sees it."""
    import pty

    master, replica = pty.openpty()
    command = [sys.executable, "-c", "from jants.cli import main; main()", *args]
    size = {"COLUMNS": str(columns), "LINES": "50", "TERM": "dumb"}  # a terminal without colours, of this size
    process = subprocess.Popen(command, stdout=replica, stderr=replica, env=dict(os.environ, **size))
    os.close(replica)
    output = b""
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    assert process.wait() == 0, output.decode()
    return output.decode()


def test_show_gives_title_and_url_of_a_web_report_and_file_and_line_of_a_held_text(project):
    sources = {s["source_id"]: s for s in table(project, "sources")}
    shown = show_json(project, "persons_killed")
    web = [r for r in shown if sources[r["source_id"]]["source_kind"] == "web_report"]
    held = [r for r in shown if sources[r["source_id"]]["source_kind"] == "document_text"]
    assert web and held
    for row in web:
        source = sources[row["source_id"]]
        assert row["source_url"] == source["url"] and row["source_url"].startswith("http")
        assert row["source_title"] == source["title"] and row["source_publisher"] == source["publisher"]
        assert row["source_line"] is None
    for row in held:
        assert row["source_file"] == sources[row["source_id"]]["file_name"] and isinstance(row["source_line"], int)
        assert row["source_url"] is None and row["source_section"]


def test_show_gives_the_english_rendering_of_russian_and_kazakh_evidence(project):
    languages = {s["source_id"]: s["language"] for s in table(project, "sources")}
    renderings = {o["observation_id"]: o["evidence_en"] for o in table(project, "observations")}
    shown = show_json(project, "criminal_cases")
    foreign = [r for r in shown if languages[r["source_id"]] in ("ru", "kk")]
    assert {languages[r["source_id"]] for r in foreign} == {"ru", "kk"}
    for row in foreign:
        assert row["evidence_en"] and row["evidence_en"] == renderings[row["observation_id"]]
    assert all(r["evidence_en"] is None for r in shown if languages[r["source_id"]] == "en")
    piped = list(csv.DictReader(invoke("show", "criminal_cases", "--path", str(project)).splitlines(), delimiter="\t"))
    assert {r["observation_id"]: r["evidence_en"] for r in piped if r["evidence_en"]} == {r["observation_id"]: r["evidence_en"] for r in foreign}


def test_show_gives_evidence_as_plain_text(project):
    raw = {o["observation_id"]: o["evidence"] for o in table(project, "observations")}
    shown = show_json(project, "criminal_cases")
    marked = [r for r in shown if "**" in raw[r["observation_id"]]]
    assert marked, "the shipped package has evidence with markdown emphasis in criminal_cases"
    for row in marked:
        assert row["evidence"] == raw[row["observation_id"]].replace("**", "")
    assert "**" not in invoke("show", "criminal_cases", "--path", str(project), "--csv")


def test_show_marks_the_figures_of_a_recorded_discrepancy(project):
    expected: dict[str, list[str]] = {}
    for item in table(project, "discrepancies"):
        for observation_id in dict.fromkeys([item["observation_id"], *item["related_observation_ids"].split()]):
            expected.setdefault(observation_id, []).append(item["discrepancy_id"])
    shown = show_json(project, "persons_killed")
    assert any(r["discrepancies"] for r in shown) and any(not r["discrepancies"] for r in shown)
    assert {r["observation_id"]: r["discrepancies"] for r in shown} == {r["observation_id"]: expected.get(r["observation_id"], []) for r in shown}
    piped = list(csv.DictReader(invoke("show", "persons_killed", "--path", str(project)).splitlines(), delimiter="\t"))
    assert {r["observation_id"]: r["discrepancies"] for r in piped} == {r["observation_id"]: " ".join(r["discrepancies"]) for r in shown}


def test_show_in_a_terminal_gives_source_english_rendering_and_mark(project):
    shown = show_json(project, "persons_killed")
    russian = next(r for r in shown if r["evidence_en"] and r["source_url"])
    conflicting = next(r for r in shown if r["discrepancies"])
    screen = " ".join(in_terminal("show", "persons_killed", "--path", str(project), columns=320).split())
    assert russian["evidence"] in screen and f"en: {russian['evidence_en']}" in screen
    assert russian["source_url"] in screen and russian["source_title"] in screen
    assert f"⚠ {' '.join(conflicting['discrepancies'])}" in screen
    assert "takes part in a recorded discrepancy: jants discrepancies persons_killed" in screen


def test_show_piped_from_a_real_subprocess_is_complete(project):
    result = jants_command("show", "persons_killed", "--path", str(project))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = lines[0].split("\t")
    observations = [o for o in table(project, "observations") if o["series_id"] == "persons_killed"]
    assert len(lines) == 1 + len(observations) and all(len(line.split("\t")) == len(header) for line in lines)
    piped = {r["observation_id"]: r for r in csv.DictReader(lines, delimiter="\t")}
    urls = {s["source_id"]: s["url"] for s in table(project, "sources")}
    assert all(piped[o["observation_id"]]["source_url"] == urls[o["source_id"]] for o in observations)


def test_show_as_of_before_the_first_figure_is_empty(project):
    assert show_json(project, "persons_killed", "--as-of", "2021-12-01") == []


def test_list_body_type_counts_only_the_figures_of_that_type(project):
    types = {b["body_id"]: b["body_type"] for b in table(project, "bodies")}
    observations = table(project, "observations")
    for body_type in ("authority", "independent"):
        listed = json.loads(invoke("list", "--path", str(project), "--body-type", body_type, "--json"))
        counts: dict[str, int] = {}
        for o in observations:
            if types[o["body_id"]] == body_type:
                counts[o["series_id"]] = counts.get(o["series_id"], 0) + 1
        assert {r["series_id"]: r["figures"] for r in listed} == counts
        assert all(types[r["latest_body"]] == body_type for r in listed if r["latest_body"])
    wrong = CliRunner().invoke(cli, ["list", "--path", str(project), "--body-type", "official"])
    assert wrong.exit_code == 2 and "authority" in wrong.output and "independent" in wrong.output


def test_list_body_gives_the_latest_figure_of_that_body(project):
    listed = json.loads(invoke("list", "--path", str(project), "--body", "mia", "--json"))
    mia = {o["series_id"] for o in table(project, "observations") if o["body_id"] == "mia"}
    assert {r["series_id"] for r in listed} == mia
    assert {r["latest_body"] for r in listed} <= {"mia", None}
    title = invoke("list", "--path", str(project), "--body", "mia", "--csv")
    assert title.startswith("series_id,")


def test_list_as_of(project):
    assert json.loads(invoke("list", "--path", str(project), "--as-of", "2021-12-01", "--json")) == []
    assert invoke("list", "--path", str(project), "--as-of", "2021-12-01").splitlines() == [invoke("list", "--path", str(project)).splitlines()[0]]
    source_dates = {s["source_id"]: s["source_date"] for s in table(project, "sources")}
    published = [o for o in table(project, "observations") if source_dates[o["source_id"]] <= "2022-01-10" and o["status"] != "withdrawn"]
    listed = json.loads(invoke("list", "--path", str(project), "--as-of", "2022-01-10", "--json"))
    assert listed and {r["series_id"] for r in listed} == {o["series_id"] for o in published if o["status"] != "retracted" or o["status_date"] > "2022-01-10"}
    assert all(r["latest_date"] <= "2022-01-10" for r in listed)
    bad = CliRunner().invoke(cli, ["list", "--path", str(project), "--as-of", "2022-13-01"])
    assert bad.exit_code == 2 and "%Y-%m-%d" in bad.output


def test_list_agrees_with_the_pandas_overview(project):
    listed = json.loads(invoke("list", "--path", str(project), "--json"))
    frame = tables_api.overview(tables_api.load(project))
    assert [r["series_id"] for r in listed] == list(frame["series_id"])
    expected = frame.set_index("series_id")
    for row in listed:
        value = expected.at[row["series_id"], "latest_value"]
        assert row["figures"] == expected.at[row["series_id"], "figures"]
        assert row["latest_value"] == (None if value != value else value)


def test_info_leads_with_the_summary_and_sources_are_listed_apart(project):
    text = invoke("info", "--path", str(project))
    lines = text.splitlines()
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    assert lines[0] == descriptor["title"] and lines[1].startswith(f"version {descriptor['version']}")
    assert lines[2] == f"package: {project}"
    sources = table(project, "sources")
    assert f"{len(sources)} sources" in text and not any(s["source_id"] in text for s in sources)
    bodies = table(project, "bodies")
    for body_type in ("authority", "independent"):
        ids = sorted(b["body_id"] for b in bodies if b["body_type"] == body_type)
        assert f"  {body_type} ({len(ids)}): {', '.join(ids)}" in lines
    listed = list(csv.DictReader(invoke("sources", "--path", str(project), "--csv").splitlines()))
    assert [r["source_id"] for r in listed] == [s["source_id"] for s in sources]
    assert all(r["where"] == (s["url"] or s["file_name"]) for r, s in zip(listed, sources))
    real = jants_command("info", "--path", str(project))
    assert real.returncode == 0 and real.stdout.splitlines()[:3] == lines[:3]


def test_rows_read_the_csv_as_the_pandas_api_reads_the_parquet(project):
    light = rows_api.read(project)
    heavy = tables_api._as_rows(tables_api.load(project), {name: None for name in light})
    for name in light:
        assert light[name] == heavy[name], name


def test_rows_name_file_row_and_field_of_a_bad_cell(package):
    rows = read_rows(package / "data" / "observations.csv")
    rows[3][rows[0].index("value")] = "many"
    (package / "data" / "observations.csv").write_text("\n".join(",".join(f'"{c}"' for c in row) for row in rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["show", "persons_killed", "--path", str(package)])
    assert result.exit_code == 1
    assert "data/observations.csv: row 4: field 'value'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", [[], ["show", "persons_killed"], ["list"], ["info"], ["discrepancies"]])
def test_the_command_line_answers_without_pandas(project, command):
    code = (
        "import sys\n"
        "from jants.cli import cli\n"
        f"cli({command + ['--path', str(project)] if command else ['--help']!r}, standalone_mode=False)\n"
        "heavy = sorted(m for m in ('pandas', 'matplotlib', 'pyarrow', 'numpy', 'frictionless') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_import_jants_cli_imports_no_pandas_matplotlib_or_rich():
    code = "import sys, jants.cli; print(sorted(m for m in ('pandas', 'matplotlib', 'rich', 'pyarrow') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr


def test_an_older_release_without_body_type_or_evidence_en_is_answered(project):
    text = invoke("info", "--version", "0.1.0")
    assert "version 0.1.0" in text and "bodies (4): mfa, mia, parliament, pgo" in text
    shown = json.loads(invoke("show", "persons_killed", "--version", "0.1.0", "--json"))
    assert shown and all(r["body_type"] is None and r["evidence_en"] is None and r["source_file"] for r in shown)
    assert json.loads(invoke("list", "--version", "0.1.0", "--as-of", "2022-03-31", "--json"))


def test_list_in_a_terminal_gives_the_latest_figure_in_words(project):
    from jants.model import QUALIFIER_WORDS

    listed = json.loads(invoke("list", "--path", str(project), "--body-type", "independent", "--topic", "casualties", "--json"))
    killed = next(r for r in listed if r["series_id"] == "persons_killed")
    words = " ".join(w for w in (QUALIFIER_WORDS[killed["latest_qualifier"]], str(killed["latest_value"]), killed["unit"]) if w)
    screen = in_terminal("list", "--path", str(project), "--body-type", "independent", "--topic", "casualties", columns=200)
    assert screen.startswith(f"{len(listed)} series; figures of independent bodies only")
    line = next(line for line in screen.splitlines() if line.startswith("│ persons_killed "))
    assert words in line and killed["latest_date"] in line and killed["latest_body"] in line


def test_lookups_read_only_files_inside_the_package(package, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("series_id,label\nx,y\n", encoding="utf-8")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "series":
            resource["path"] = "../outside.csv"
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = CliRunner().invoke(cli, ["info", "--path", str(package)])
    assert result.exit_code == 1 and "path '../outside.csv' leaves the package" in result.output
