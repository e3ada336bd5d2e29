"""Figures from web reports of official statements, and text in any script.

The five held documents are checked line by line against their SHA-256; a web report is
known only by URL and excerpt, so its evidence must show the figure. Evidence in Russian,
Kazakh and Arabic must come back unchanged from CSV, Parquet, pandas and R.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import unicodedata

import pandas as pd
import pyarrow.parquet as pq
import pytest

import jants
from jants.explore.tables import as_known_on
from jants.figures import figure_in_text, numbers_in_text

SCRIPTS = {
    "Cyrillic (Russian)": "rbc-2022-01-06",
    "Cyrillic (Kazakh)": "08info-2023-01-05",
    "Arabic": "sputnik-arabic-2022-01-15",
}


@pytest.mark.parametrize("value, text", [
    (3811, "Throughout Kazakhstan, 3,811 people were detained"),
    (2677, "Более 2 677 пострадавших обратились за медицинской помощью"),
    (87_200_000_000, "Совокупный ущерб составил около 87,2 млрд тенге"),
    (91_000_000, "40 млрд тенге (около $91 млн)"),
    (1500, "огромный арсенал - более 1,5 тысяч единиц"),
    (3000, "было похищено почти 3 тыс. единиц оружия"),
    (93_700_000_000, "total losses were estimated at 93,7 billion tenge"),
    (6, "Six protesters held in pre-trial detention have died"),
    (17, "Seventeen entrepreneurs from Almaty city"),
    (6, "six to community service"),
    (238, "барлығы 238 азамат қаза тапқанын айтты"),
    (672, "احتجاز 672 شخصا مشتبه فيهم"),
    (672, "احتجاز ٦٧٢ شخصا"),
])
def test_figure_found_in_evidence(value, text):
    assert figure_in_text(value, text)


@pytest.mark.parametrize("value, text", [
    (3811, "4,404 were detained"),
    (87_200_000, "87,2 млрд тенге"),
    (5, "Six protesters"),
    (238, "230 people, including 19 servicemen"),
])
def test_other_figure_is_not_found(value, text):
    assert not figure_in_text(value, text)


def test_grouped_digits_read_every_way():
    assert {3811.0, 3.811, 3.0, 811.0} <= numbers_in_text("3,811")


def test_every_web_report_figure_is_in_its_evidence(project):
    tables = jants.load(project)
    sources = tables["sources"].set_index("source_id")
    obs = tables["observations"]
    web = obs[obs["source_id"].map(sources["source_kind"]) == "web_report"]
    assert len(web) >= 100
    for row in web.itertuples():
        assert figure_in_text(row.value, row.evidence), row.observation_id
        assert pd.isna(row.source_line), row.observation_id
        if not str(sources.loc[row.source_id, "language"]).startswith("en"):
            assert isinstance(row.evidence_en, str) and row.evidence_en, row.observation_id


def test_deaths_and_detentions_have_six_dated_official_figures(project):
    obs = jants.load(project)["observations"]
    for series in ("persons_killed", "persons_detained"):
        figures = obs[obs["series_id"] == series]
        assert len(figures) >= 6 and figures["observation_date"].notna().all(), series
    retracted = obs[(obs["series_id"] == "persons_killed") & (obs["status"] == "retracted")]
    assert retracted["value"].tolist() == [164]
    assert retracted["status_source_id"].notna().all()


def test_retracted_figure_leaves_as_of_views_from_its_retraction():
    tables = {
        "sources": pd.DataFrame({"source_id": ["a", "b"], "source_date": pd.to_datetime(["2022-01-09", "2022-01-20"])}),
        "observations": pd.DataFrame({
            "observation_id": ["a-1", "b-1"], "series_id": ["deaths", "deaths"], "source_id": ["a", "b"],
            "observation_date": pd.to_datetime(["2022-01-09", "2022-01-15"]), "value": [164.0, 225.0],
            "status": ["retracted", "reported"], "status_date": pd.to_datetime(["2022-01-12", None]),
        }),
    }
    assert as_known_on(tables, "2022-01-10")["value"].tolist() == [164]
    assert as_known_on(tables, "2022-01-12").empty
    assert as_known_on(tables, "2022-01-20")["value"].tolist() == [225]


def _curated_evidence(project, source_id: str) -> list[str]:
    with open(project / "curation" / "observations" / f"{source_id}.csv", encoding="utf-8", newline="") as stream:
        return [row["evidence"] for row in csv.DictReader(stream)]


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_evidence_in_any_script_survives_csv_parquet_and_pandas(project, script):
    source_id = SCRIPTS[script]
    curated = _curated_evidence(project, source_id)
    assert curated and all(unicodedata.is_normalized("NFC", text) for text in curated)
    assert any(not text.isascii() for text in curated)
    from_csv = pd.read_csv(project / "data" / "observations.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    from_parquet = pq.read_table(project / "data" / "observations.parquet").to_pandas()
    loaded = jants.load(project)["observations"]
    for frame in (from_csv, from_parquet, loaded):
        assert frame.loc[frame["source_id"] == source_id, "evidence"].tolist() == curated


R_EVIDENCE = r"""
suppressPackageStartupMessages(library(frictionless))
package <- read_package("datapackage.json")
obs <- read_resource(package, "observations")
keep <- obs$source_id %in% commandArgs(trailingOnly = TRUE)
out <- obs[keep, c("source_id", "evidence")]
writeLines(jsonlite::toJSON(out, dataframe = "rows"), con = file("r-evidence.json", encoding = "UTF-8"))
"""


@pytest.mark.slow
def test_evidence_in_any_script_survives_r(project, tmp_path):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed (.ci/run installs r-base-core from Debian)")
    if subprocess.run(["Rscript", "-e", "library(frictionless)"], capture_output=True).returncode != 0:
        pytest.skip("R package frictionless not installed (see ../shared/vendor/README.md; .ci/run installs it)")
    package = tmp_path / "package"
    shutil.copytree(project / "data", package / "data")
    shutil.copy(project / "datapackage.json", package)
    script = tmp_path / "evidence.R"
    script.write_text(R_EVIDENCE, encoding="utf-8")
    result = subprocess.run(["Rscript", str(script), *SCRIPTS.values()], cwd=package, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rows = json.loads((package / "r-evidence.json").read_text(encoding="utf-8"))
    for source_id in SCRIPTS.values():
        assert [r["evidence"] for r in rows if r["source_id"] == source_id] == _curated_evidence(project, source_id)


@pytest.mark.parametrize("leads_name", ["official_statements.csv", "after_2023_and_independent.csv"])
def test_every_lead_is_curated_or_left_out_with_a_reason(project, leads_name):
    leads_file = project.parent / "shared" / "leads" / leads_name
    if not leads_file.exists():
        pytest.skip(f"{leads_file} not found (clone with ../shared beside the project)")
    with open(leads_file, encoding="utf-8", newline="") as stream:
        leads = [row["lead_id"] for row in csv.DictReader(stream)]
    notes = jants.load(project)["observations"]["note"].dropna()
    curated = set(notes.str.extract(r"^Lead ([LN]\d{3})\.", expand=False).dropna())
    listing = (project / "docs" / "leads.md").read_text(encoding="utf-8")
    left_out = listing.split("## Left out", 1)[1]
    for lead in leads:
        assert (lead in curated) != (f"| {lead} |" in left_out), lead
        assert f"| {lead} |" in listing, lead
