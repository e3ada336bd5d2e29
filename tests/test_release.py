"""Releases: deterministic archives, the versioning promise, diff, citations, fetch, as_of."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import jants.cli
from jants.explore.tables import load
from jants.publish.citation import FORMATS, cite
from jants.publish.diff import diff_packages
from jants.publish.fetch import release_archive
from jants.publish.index import INDEX_NAME, read_index
from jants.publish.release import make_release
from jants.problems import PackageError

from conftest import SOURCES, edit_descriptor, read_rows, rehash, row_of, set_cell, write_rows

TOP_FILES = ["datapackage.json", "README.md", "CHANGELOG.md"]


def project_copy(project: Path, where: Path) -> Path:
    where.mkdir()
    for name in TOP_FILES:
        shutil.copy(project / name, where / name)
    shutil.copytree(project / "data", where / "data")
    (where / "docs").mkdir()
    shutil.copy(project / "docs" / "LICENSE-CC-BY-4.0.txt", where / "docs")
    edit_descriptor(where, lambda d: d.update(version="0.1.0"))  # the tests release it as 0.1.0, with no release before
    return where


def set_version(root: Path, version: str, changelog: bool = True) -> None:
    edit_descriptor(root, lambda d: d.update(version=version))
    if changelog:
        text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
        entry = f"## [{version}] - 2026-12-01\n\n### Changed\n- Test release.\n\n"
        (root / "CHANGELOG.md").write_text(text.replace("## [", entry + "## [", 1), encoding="utf-8")


@pytest.fixture
def released(project, sources_dir, tmp_path) -> Path:
    """A copy of the project with release 0.1.0 made."""
    root = project_copy(project, tmp_path / "released")
    make_release(root, "0.1.0", SOURCES)
    return root


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Release ---------------------------------------------------------------------------------


def test_release_twice_gives_the_same_archive(project, tmp_path):
    first = make_release(project_copy(project, tmp_path / "a"), "0.1.0", SOURCES)
    second = make_release(project_copy(project, tmp_path / "b"), "0.1.0", SOURCES)
    assert first.sha256 == second.sha256
    assert sha256(tmp_path / "a" / "dist" / "jants-0.1.0.zip") == first.sha256


def test_archive_holds_the_package_and_its_checksums(released):
    with zipfile.ZipFile(released / "dist" / "jants-0.1.0.zip") as archive:
        names = archive.namelist()
        sums = dict(line.split("  ")[::-1] for line in archive.read("SHA256SUMS").decode().splitlines())
        for name in names[:-1]:
            assert hashlib.sha256(archive.read(name)).hexdigest() == sums[name]
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    assert names[:1] == ["datapackage.json"]
    assert names[-6:] == ["README.md", "LICENSE.txt", "codebook.md", "CHANGELOG.md", "CITATION.cff", "SHA256SUMS"]
    assert any(n.endswith(".parquet") for n in names) and any(n.endswith(".csv") for n in names)
    assert names[-8:-6] == ["jants.db", "jants.metadata.json"]  # the package in SQLite, for Datasette
    result = CliRunner().invoke(jants.cli.cli, ["validate", str(released / "dist" / "jants-0.1.0.zip")])
    assert result.exit_code == 0, result.output


def test_archive_database_is_the_archive_package_in_sqlite(released, tmp_path):
    """A reader can rebuild jants.db from the archive's own tables and get the same bytes."""
    from jants.explore.database import database_bytes

    with zipfile.ZipFile(released / "dist" / "jants-0.1.0.zip") as archive:
        archive.extractall(tmp_path / "unzipped")
    unzipped = tmp_path / "unzipped"
    assert database_bytes(unzipped) == ((unzipped / "jants.db").read_bytes(), (unzipped / "jants.metadata.json").read_bytes())


def test_release_index_records_the_release(released):
    [entry] = read_index(released / INDEX_NAME).releases
    assert (entry.version, entry.date, entry.archive) == ("0.1.0", "2026-11-23", "jants-0.1.0.zip")
    assert entry.sha256 == sha256(released / "dist" / entry.archive)
    assert entry.bytes == (released / "dist" / entry.archive).stat().st_size


def test_release_is_refused_without_the_source_texts(project, tmp_path):
    root = project_copy(project, tmp_path / "unchecked")
    with pytest.raises(PackageError, match="--sources"):
        make_release(root, "0.1.0", None)
    assert not (root / "dist").exists()


def test_existing_version_is_never_overwritten(released):
    before = sha256(released / "dist" / "jants-0.1.0.zip")
    with pytest.raises(PackageError, match="already released"):
        make_release(released, "0.1.0", SOURCES)
    assert sha256(released / "dist" / "jants-0.1.0.zip") == before


def test_release_is_refused_without_a_changelog_entry(released):
    set_version(released, "0.9.0", changelog=False)
    rehash(released)
    with pytest.raises(PackageError, match=r"CHANGELOG.md has no entry '## \[0.9.0\]"):
        make_release(released, "0.9.0", SOURCES)


def test_release_is_refused_when_the_package_is_invalid(released):
    set_version(released, "0.1.1")
    set_cell(released, "observations", 2, "value", "-1")
    with pytest.raises(PackageError, match="does not validate"):
        make_release(released, "0.1.1", SOURCES)


def test_release_is_refused_when_the_version_is_not_higher(released):
    index = json.loads((released / INDEX_NAME).read_text())
    index["releases"][0].update(version="0.3.0", archive="jants-0.3.0.zip")
    (released / INDEX_NAME).write_text(json.dumps(index))
    set_version(released, "0.2.0")
    with pytest.raises(PackageError, match="not higher than the last release 0.3.0"):
        make_release(released, "0.2.0", SOURCES)


def test_renamed_field_with_a_minor_bump_is_refused(released):
    set_version(released, "0.2.0")
    rename_field(released, "bodies", "short_name", "abbreviation")
    with pytest.raises(PackageError, match="need a major version bump, 0.2.0 is a minor bump"):
        make_release(released, "0.2.0", SOURCES)
    set_version(released, "1.0.0")
    assert make_release(released, "1.0.0", SOURCES).version == "1.0.0"


def rename_field(root: Path, table: str, old: str, new: str) -> None:
    rows = read_rows(root / "data" / f"{table}.csv")
    rows[0][rows[0].index(old)] = new
    write_rows(root / "data" / f"{table}.csv", rows)

    def change(descriptor):
        descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != f"{table}-parquet"]
        for spec in next(r for r in descriptor["resources"] if r["name"] == table)["schema"]["fields"]:
            if spec["name"] == old:
                spec["name"] = new
    edit_descriptor(root, change)
    rehash(root)


def test_release_command(released, monkeypatch):
    set_version(released, "0.1.1")
    rehash(released)
    monkeypatch.chdir(released)
    result = CliRunner().invoke(jants.cli.cli, ["release", "0.1.1", "--sources", str(SOURCES)])
    assert result.exit_code == 0, result.output
    assert "released 0.1.1" in result.output
    again = CliRunner().invoke(jants.cli.cli, ["release", "0.1.1", "--sources", str(SOURCES)])
    assert again.exit_code == 1 and "already released" in again.output


# Diff ---------------------------------------------------------------------------------------


def test_diff_reports_exactly_a_correction_an_added_source_and_a_withdrawal(released):
    archive = released / "dist" / "jants-0.1.0.zip"
    corrected = read_rows(released / "data" / "observations.csv")[1][0]
    set_cell(released, "observations", 2, "value", "3097")
    rows = read_rows(released / "data" / "observations.csv")
    status = rows[0].index("status")
    withdrawn_row = next(i for i, row in enumerate(rows[2:], start=3) if row[status] == "reported")
    withdrawn = rows[withdrawn_row - 1][0]
    set_cell(released, "observations", withdrawn_row, "status", "withdrawn")
    rows = read_rows(released / "data" / "sources.csv")
    rows.append(list(rows[1]))
    rows[-1][0] = "added-source"
    write_rows(released / "data" / "sources.csv", rows)
    edit_descriptor(released, lambda d: d.update(resources=[r for r in d["resources"] if "copyOf" not in r]))
    rehash(released)

    result = diff_packages(archive, released)
    changes = {(c.kind, c.table, c.key, c.field) for c in result.changes if c.kind != "schema"}
    assert changes == {
        ("changed", "observations", corrected, "value"),
        ("withdrawn", "observations", withdrawn, "status"),
        ("added", "sources", "added-source", None),
    }
    assert {c.reason for c in result.changes if c.kind == "schema"} == {"resource removed"}  # the dropped Parquet copies
    cli = CliRunner().invoke(jants.cli.cli, ["diff", str(archive), str(released), "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["bump"] == "major"


def test_diff_bumps(released):
    archive = released / "dist" / "jants-0.1.0.zip"
    assert diff_packages(archive, released).bump == "none"
    set_cell(released, "observations", 2, "note", "Corrected note.")
    assert diff_packages(archive, released).bump == "patch"
    rows = read_rows(released / "data" / "bodies.csv")
    write_rows(released / "data" / "bodies.csv", rows + [["senate", "Senate of the Parliament", "Senate", "parliament"]])
    assert diff_packages(archive, released).bump == "minor"
    row = row_of(released, "series", "series_id", "persons_killed")
    set_cell(released, "series", row, "metric_id", "persons_detained")
    assert diff_packages(archive, released).bump == "major"


def test_tightened_enum_is_major(released):
    archive = released / "dist" / "jants-0.1.0.zip"

    def tighten(descriptor):
        field = next(f for r in descriptor["resources"] if r["name"] == "observations" for f in r["schema"]["fields"] if f["name"] == "qualifier")
        field["constraints"]["enum"] = field["constraints"]["enum"][:-1]
    edit_descriptor(released, tighten)
    result = diff_packages(archive, released)
    assert result.bump == "major"
    assert "constraint enum tightened" in result.to_text()


# Cite ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_citation_names_the_exact_version_and_archive(released, fmt):
    descriptor = json.loads((released / "datapackage.json").read_text())
    [entry] = read_index(released / INDEX_NAME).releases
    text = cite(descriptor, entry.date, entry.sha256, fmt)
    assert "0.1.0" in text and descriptor["title"] in text
    if fmt in ("text", "bibtex", "cff", "csl-json"):
        assert entry.sha256 in text
    if fmt == "csl-json":
        assert json.loads(text)[0]["type"] == "dataset"


def cffconvert() -> str:
    found = os.environ.get("JANTS_CFFCONVERT") or shutil.which("cffconvert")
    if not found:
        pytest.skip("cffconvert not installed (it needs jsonschema<4, so .ci/run installs it in a venv of its own "
                    "and sets JANTS_CFFCONVERT)")
    return found


def test_citation_gives_the_doi_and_url_when_the_metadata_records_them(released, monkeypatch):
    index = json.loads((released / INDEX_NAME).read_text())
    index["releases"][0]["doi"] = "10.5281/zenodo.0000001"
    (released / INDEX_NAME).write_text(json.dumps(index))
    edit_descriptor(released, lambda d: d.update(homepage="https://example.org/jants"))
    monkeypatch.chdir(released)
    for fmt, expected in [("text", "https://doi.org/10.5281/zenodo.0000001"), ("bibtex", "doi = {10.5281/zenodo.0000001}"),
                          ("cff", 'doi: "10.5281/zenodo.0000001"'), ("csl-json", '"DOI": "10.5281/zenodo.0000001"')]:
        result = CliRunner().invoke(jants.cli.cli, ["cite", "0.1.0", "--format", fmt])
        assert result.exit_code == 0 and expected in result.output and "https://example.org/jants" in result.output, (fmt, result.output)
    unknown = CliRunner().invoke(jants.cli.cli, ["cite", "0.9.0"])
    assert unknown.exit_code == 2 and "released: 0.1.0" in unknown.output


def test_citation_of_a_release_gives_its_title_as_released(project):
    """0.2.1 was titled 'official figures'; the title changed in 0.3.0, the citation of 0.2.1 did not."""
    old = CliRunner().invoke(jants.cli.cli, ["cite", "0.2.1"])
    assert old.exit_code == 0 and "jants: official figures on the January 2022 events" in old.output, old.output
    current = json.loads((project / "datapackage.json").read_text())
    latest = CliRunner().invoke(jants.cli.cli, ["cite"])
    assert latest.exit_code == 0 and current["title"] in latest.output, latest.output


def test_citation_cff_is_valid(project, released):
    command = cffconvert()
    for folder in (project, released):
        result = subprocess.run([command, "--validate", "-i", str(folder / "CITATION.cff")], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_committed_citation_cff_matches_the_descriptor(project):
    from jants.publish.citation import cff_text

    descriptor = json.loads((project / "datapackage.json").read_text())
    [entry] = [r for r in read_index(project / INDEX_NAME).releases if r.version == descriptor["version"]]
    assert (project / "CITATION.cff").read_text(encoding="utf-8") == cff_text(descriptor, entry.date)


# Fetch --------------------------------------------------------------------------------------


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/closes/"):
            data = (Path(self.directory) / self.path.split("/")[-1]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.close()
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    """A web server on 127.0.0.1 serving tmp_path/served."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(Handler, directory=str(served))
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


def fetch(released: Path, url: str, cache: Path) -> Path:
    return release_archive(read_index(released / INDEX_NAME), "0.1.0", None, url, cache)


def test_fetch_verifies_and_reuses_the_cache(released, server, tmp_path):
    served, url = server
    shutil.copy(released / "dist" / "jants-0.1.0.zip", served)
    cache = tmp_path / "cache"
    archive = fetch(released, url, cache)
    assert archive == cache / "jants-0.1.0.zip"
    assert archive.read_bytes() == (released / "dist" / "jants-0.1.0.zip").read_bytes()
    (served / "jants-0.1.0.zip").unlink()  # a second call must not need the server
    assert fetch(released, url, cache) == archive
    tables = load(archive)
    assert len(tables.observations) == len(read_rows(released / "data" / "observations.csv")) - 1


def test_cache_is_verified_again_before_use(released, server, tmp_path):
    served, url = server
    shutil.copy(released / "dist" / "jants-0.1.0.zip", served)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "jants-0.1.0.zip").write_bytes(b"altered in the cache")
    archive = fetch(released, url, cache)
    assert archive.read_bytes() == (released / "dist" / "jants-0.1.0.zip").read_bytes()


def test_fetch_rejects_and_deletes_a_corrupted_archive(released, server, tmp_path):
    served, url = server
    data = bytearray((released / "dist" / "jants-0.1.0.zip").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (served / "jants-0.1.0.zip").write_bytes(bytes(data))
    cache = tmp_path / "cache"
    with pytest.raises(PackageError, match="SHA-256"):
        fetch(released, url, cache)
    assert not list(cache.iterdir())


def test_fetch_stops_a_download_larger_than_the_index_says(released, server, tmp_path):
    served, url = server
    (served / "jants-0.1.0.zip").write_bytes((released / "dist" / "jants-0.1.0.zip").read_bytes() + b"\0" * (1 << 20))
    cache = tmp_path / "cache"
    with pytest.raises(PackageError, match="larger than"):
        fetch(released, url, cache)
    assert not list(cache.iterdir())


def test_fetch_rejects_a_download_cut_short(released, server, tmp_path):
    served, url = server
    shutil.copy(released / "dist" / "jants-0.1.0.zip", served)
    cache = tmp_path / "cache"
    with pytest.raises(PackageError):
        fetch(released, url + "/closes", cache)
    assert not list(cache.iterdir())


@pytest.mark.parametrize("archive", ["../../outside.zip", "/tmp/outside.zip", "jants-0.1.1.zip"])
def test_index_naming_another_archive_is_refused(released, tmp_path, archive):
    index = json.loads((released / INDEX_NAME).read_text())
    index["releases"][0]["archive"] = archive
    (released / INDEX_NAME).write_text(json.dumps(index))
    with pytest.raises(PackageError, match="archive"):
        read_index(released / INDEX_NAME)


def test_fetch_without_a_location_says_which_setting_to_give(released, tmp_path, monkeypatch):
    monkeypatch.chdir(released)
    monkeypatch.delenv("JANTS_RELEASE_URL", raising=False)
    monkeypatch.setenv("JANTS_CACHE", str(tmp_path / "cache"))
    (released / "dist" / "jants-0.1.0.zip").unlink()
    result = CliRunner().invoke(jants.cli.cli, ["fetch", "0.1.0"])
    assert result.exit_code == 1
    assert "base_url" in result.output and "--base-url" in result.output and "JANTS_RELEASE_URL" in result.output


def test_fetch_command_and_load_by_version(released, server, tmp_path, monkeypatch):
    served, url = server
    shutil.copy(released / "dist" / "jants-0.1.0.zip", served)
    (released / "dist" / "jants-0.1.0.zip").unlink()  # so that it must be downloaded
    monkeypatch.chdir(released)
    monkeypatch.setenv("JANTS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("JANTS_RELEASE_URL", url)
    result = CliRunner().invoke(jants.cli.cli, ["fetch", "0.1.0", "--output", "dist"])
    assert result.exit_code == 0, result.output
    assert Path(result.output.strip()) == Path("dist") / "jants-0.1.0.zip"
    assert sha256(released / "dist" / "jants-0.1.0.zip") == sha256(tmp_path / "cache" / "jants-0.1.0.zip")
    assert len(load(version="0.1.0").observations) > 200
    missing = CliRunner().invoke(jants.cli.cli, ["fetch", "9.9.9"])
    assert missing.exit_code == 2 and "not in the release index" in missing.output
    malformed = CliRunner().invoke(jants.cli.cli, ["fetch", "0.1/../x"])
    assert malformed.exit_code == 1 and "MAJOR.MINOR.PATCH" in malformed.output


# As known on a date ---------------------------------------------------------------------------


@pytest.mark.parametrize("series, date, values", [
    ("persons_killed", "2022-01-14", []),  # the 164 of 9 Jan is known only from a report of its retraction (15 Jan)
    # 14 Mar: the Prosecutor General's 230 (Interfax text and headline, gazeta.media), the Ombudsperson's 238 and the
    # 227 that officials 'said earlier' (L066, dated 14 Mar as an upper bound)
    ("persons_killed", "2022-03-17", [227, 230, 230, 230, 238]),
    ("persons_killed", "2022-06-01", [232]),  # Just Security's 'more than 230' (June 2022) is not known before the end of June
    ("persons_killed", "2023-02-01", [238]),  # the Prosecutor General's Office via AP, 19 Jan 2023
    ("criminal_cases", "2022-03-01", [3096]),  # america-times' copy of the held briefing is withdrawn (0.3.0)
    ("criminal_cases", "2022-04-12", [3700, 3770]),  # cases opened; the 2,988 'in proceedings' is in criminal_cases_pending
    ("criminal_cases", "2023-01-05", [5300, 5300]),
])
def test_as_of_gives_the_latest_figure_published_by_that_date(project, series, date, values):
    observations = load(project, as_of=date).observations
    assert sorted(observations[observations.series_id == series]["value"]) == values


def test_committed_archives_are_the_released_ones(project):
    for entry in read_index(project / INDEX_NAME).releases:
        archive = project / "dist" / entry.archive
        assert archive.exists(), f"{archive} is missing; it is needed to diff against {entry.version}"
        assert sha256(archive) == entry.sha256 and archive.stat().st_size == entry.bytes
        result = CliRunner().invoke(jants.cli.cli, ["validate", str(archive)])
        assert result.exit_code == 0, result.output
