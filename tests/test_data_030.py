"""What release 0.3.0 promises about its data: independent counts beside the official ones, the
record to 2026, and the fixes of the independent reading of 0.2.0, each checked on the package."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

import jants
from jants import model



@pytest.fixture(scope="module")
def tables(project):
    return jants.load(project)


def _standing(obs: pd.DataFrame) -> pd.DataFrame:
    return obs[~obs["status"].isin(model.NOT_STANDING)]


def _with_bodies(tables) -> pd.DataFrame:
    obs = _standing(tables["observations"])
    bodies = tables["bodies"].set_index("body_id")
    series = tables["series"].set_index("series_id")
    return obs.assign(body_type=obs["body_id"].map(bodies["body_type"]).astype(str),
                      metric_id=obs["series_id"].map(series["metric_id"]).astype(str))


def test_every_body_says_whether_it_is_an_authority_or_independent(tables):
    bodies = tables["bodies"].set_index("body_id")
    assert set(bodies["body_type"].astype(str)) == {"authority", "independent"}
    assert bodies["body_type"].notna().all()
    for body in ("pgo", "mia", "parliament", "ombudsperson", "president", "court_karasai", "knb", "qazaqstan_halqyna"):
        assert bodies.loc[body, "body_type"] == "authority", body
    for body in ("hrw", "amnesty", "odihr", "rferl", "volunteers_unnamed", "us_state_department", "ar_rukh_khak"):
        assert bodies.loc[body, "body_type"] == "independent", body
    assert {"court", "ngo", "media", "international_organisation", "volunteer_group", "foreign_government", "state_fund"} <= set(model.BODY_KINDS)
    field = next(f for f in model.schema("bodies")["fields"] if f["name"] == "body_type")
    assert field["constraints"] == {"enum": ["authority", "independent"], "required": True} and field["description"]


def test_deaths_have_independent_figures_beside_the_official_ones(tables):
    obs = _with_bodies(tables)
    deaths = obs[obs["series_id"] == "persons_killed"]
    assert (deaths["body_type"] == "independent").sum() >= 3
    assert (deaths["body_type"] == "authority").sum() >= 6
    assert deaths["value"].max() >= 263  # the volunteers' count is beside the official 238


def test_named_victim_lists_are_persons_identified_by_name_not_a_toll(tables):
    obs = _standing(tables["observations"])
    series = tables["series"].set_index("series_id")
    named = obs[obs["series_id"] == "persons_killed.named_list"]
    assert sorted(named["value"].tolist()) == [188, 188, 221]
    assert series.loc["persons_killed.named_list", "metric_id"] == "persons_killed"
    assert pd.isna(series.loc["persons_killed.named_list", "parent_series_id"])
    killed = obs[obs["series_id"] == "persons_killed"]
    assert not killed["value"].isin([188, 221]).any()


def test_convictions_have_eight_dated_figures_reaching_into_2024(tables):
    obs = _standing(tables["observations"])
    convicted = obs[obs["series_id"] == "persons_convicted"]
    assert convicted["observation_date"].notna().all()
    assert convicted["observation_date"].nunique() >= 8
    assert convicted["observation_date"].max() >= pd.Timestamp("2024-01-01")
    assert {1205, 1396} <= set(convicted["value"])


def test_verdicts_are_stated_by_courts(tables):
    obs = tables["observations"]
    bodies = tables["bodies"].set_index("body_id")
    courts = obs[obs["body_id"].map(bodies["kind"]) == "court"]
    assert courts["source_id"].nunique() >= 4 and courts["body_id"].nunique() >= 3


def test_conflicts_named_in_the_issue_are_recorded(tables):
    obs = tables["observations"].set_index("observation_id")
    disc = tables["discrepancies"]
    involved = disc.assign(ids=disc["observation_id"] + " " + disc["related_observation_ids"].fillna(""))["ids"].str.split()

    def recorded(*pairs):
        return any(all(any(obs.loc[i, "series_id"] == s and obs.loc[i, "value"] == v for i in ids) for s, v in pairs) for ids in involved)

    assert recorded(("weapons_stolen", 2960), ("weapons_stolen", 3388), ("weapons_stolen", 3000))
    assert recorded(("persons_convicted", 1396), ("persons_convicted", 1205), ("persons_convicted", 1400))
    assert recorded(("torture_victims.koshmambet.recognised", 44), ("torture_victims.koshmambet", 98))


def test_every_group_a_and_b_lead_is_accounted_for(project, tables):
    leads_file = project.parent / "shared" / "leads" / "after_2023_and_independent.csv"
    if not leads_file.exists():
        pytest.skip(f"{leads_file} not found")
    with open(leads_file, encoding="utf-8", newline="") as stream:
        leads = list(csv.DictReader(stream))
    assert len(leads) == 54
    notes = tables["observations"]["note"].dropna()
    curated = set(notes.str.extract(r"^Lead (N\d{3})\.", expand=False).dropna())
    left_out = (project / "docs" / "leads.md").read_text(encoding="utf-8").split("## Left out", 1)[1]
    for lead in leads:
        reason = next((line for line in left_out.splitlines() if line.startswith(f"| {lead['lead_id']} |")), None)
        assert (lead["lead_id"] in curated) != (reason is not None), lead["lead_id"]
        if reason:
            assert len(reason.split("|")[2].strip()) > 30, lead["lead_id"]
    group_a = [lead for lead in leads if lead["group"] == "A"]
    assert len(group_a) == 28
    assert sum(lead["lead_id"] in curated for lead in group_a) >= 20


# ---- fixes from the independent reading of 0.2.0 ----

def test_l066_227_is_disputed_with_an_upper_bound_date(tables):
    obs = tables["observations"]
    row = obs[obs["note"].str.startswith("Lead L066.", na=False)]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["value"] == 227 and row["status"] == "disputed" and row["series_id"] == "persons_killed"
    assert row["observation_date"] == pd.Timestamp("2022-03-14") and "upper bound" in row["note"]


def test_confirmed_headline_figures_are_observations(tables):
    obs = _standing(tables["observations"])
    for source, series, value in [("kazinform-2022-08-01", "persons_in_custody", 286),
                                  ("kazinform-2022-08-01-2", "citizen_compensation_kzt", 343_000_000),
                                  ("kazinform-2023-01-05", "persons_under_investigation", 315)]:
        rows = obs[(obs["source_id"] == source) & (obs["series_id"] == series) & (obs["value"] == value)]
        assert len(rows) == 1, (source, value)
        assert rows["note"].str.contains("Headline figure").all()


def test_no_day_precision_for_a_page_date_nobody_saw(tables):
    sources = tables["sources"]
    web = sources[sources["source_kind"] == "web_report"]
    unseen = web["dating_note"].str.contains("Page date not known|Page date not visible|carries no date", na=False)
    assert not (unseen & (web["date_precision"] == "day")).any()
    assert "day_of_statement" in model.DATE_PRECISIONS


def test_criminal_cases_hold_only_cases_opened(tables):
    obs = _standing(tables["observations"])
    cases = obs[obs["series_id"].str.match(r"^criminal_cases(\.|$)")]
    wording = cases["evidence"] + " " + cases["evidence_en"].fillna("")
    assert not wording.str.contains(r"being investigated|pending|underway|in proceedings|are investigating|расследуется|тергеу амалдары", case=False).any()
    pending = obs[obs["series_id"] == "criminal_cases_pending"].set_index("value")
    assert {2988, 3024, 3070} <= set(pending.index)
    withdrawn = tables["observations"][tables["observations"]["status"] == "withdrawn"]
    assert {"lenta-2022-03-18-001", "kazinform-2022-02-12-001", "centralasia-news-2022-02-16-001"} <= set(withdrawn["observation_id"])
    disc = tables["discrepancies"]
    fall = disc[disc["observation_id"] == obs.loc[obs["value"] == 2988, "observation_id"].iloc[0]]
    assert not fall.empty


def test_the_six_custodial_deaths_are_in_one_series(tables):
    obs = _standing(tables["observations"])
    six = obs[(obs["value"] == 6) & obs["series_id"].str.startswith(("deaths_from_torture", "persons_killed.died_in_custody"))]
    assert set(six["series_id"]) == {"deaths_from_torture"}
    assert len(six) >= 4


def test_weapons_recovered_holds_only_stolen_weapons(tables):
    obs = _standing(tables["observations"])
    recovered = obs[obs["series_id"] == "weapons_recovered"]
    stolen = obs[obs["series_id"] == "weapons_stolen"]["value"]
    assert recovered["value"].max() < stolen.max()
    assert (obs["series_id"] == "weapons_seized").any()


def test_the_duplicate_of_a_held_document_is_withdrawn_not_deleted(tables):
    obs = tables["observations"].set_index("observation_id")
    assert obs.loc["america-times-2022-02-16-001", "status"] == "withdrawn"


def test_discrepancy_d039_explains_the_figures_are_consistent(tables):
    disc = tables["discrepancies"].set_index("discrepancy_id")
    assert "consistent" in disc.loc["d039", "explanation"]


def test_one_attribution_rule_own_site_and_named_body_are_explicit(tables):
    obs = tables["observations"].set_index("observation_id")
    for oid in ("atameken-2022-01-11-001", "atameken-2022-01-11-002", "kazinform-2022-01-10-002"):
        assert obs.loc[oid, "attribution"] == "explicit", oid
