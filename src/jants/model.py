"""The jants data model: every published table as a Frictionless Table Schema.

This module is the single definition of the tables. The curation reader, the build,
the validator and `jants.load()` all take field names, types, vocabularies and keys
from here, so a change to the model is a change in one place.
"""

from __future__ import annotations

QUALIFIERS = [
    "exact",
    "more_than",
    "at_least",
    "almost",
    "approximately",
    "less_than",
    "at_most",
    "range",
]
# The words that stand before a figure of each qualifier in charts, tables and the report.
QUALIFIER_WORDS = {
    "exact": "",
    "more_than": "more than",
    "at_least": "at least",
    "almost": "almost",
    "approximately": "approximately",
    "less_than": "less than",
    "at_most": "up to",
    "range": "from",
}
ATTRIBUTIONS = ["explicit", "implied"]
STATUSES = ["reported", "retracted", "superseded", "disputed", "withdrawn"]
NOT_STANDING = ["retracted", "withdrawn"]  # figures kept as data but no longer standing: out of lines, latest values and checks
METRIC_KINDS = ["cumulative_count", "stock_count", "period_count", "money_amount"]
TOPICS = [
    "prosecution",
    "detention",
    "courts",
    "casualties",
    "torture_and_ill_treatment",
    "weapons",
    "property_and_damage",
    "missing_persons",
    "monitoring_visits",
    "amnesty",
    "information",
    "security_forces",
    "protests",
]
BODY_KINDS = [
    "prosecution_service",
    "ministry",
    "law_enforcement_agency",
    "security_service",
    "parliament",
    "head_of_state",
    "ombudsperson",
    "government",
    "business_association",
    "unspecified",
    "court",
    "state_fund",
    "ngo",
    "international_ngo",
    "media",
    "international_organisation",
    "foreign_government",
    "volunteer_group",
    "individual",
]
BODY_TYPES = ["authority", "independent"]
SOURCE_KINDS = ["document_text", "web_report"]
SOURCE_TYPES = [
    "briefing_summary",
    "news_article",
    "hearing_summary",
    "diplomatic_letter",
    "official_website",
    "ngo_publication",
    "international_organisation_publication",
    "blog_post",
]
DATE_PRECISIONS = ["day", "month", "year", "day_of_statement"]
# How precisely an observation date is known, where its source does not say it (empty: see OBSERVATIONS).
OBSERVATION_DATE_PRECISIONS = ["day", "month", "year", "on_or_before"]
DIMENSIONS = [
    "region",
    "agency",
    "crime_type",
    "weapon_type",
    "facility",
    "person_group",
    "category",
]
DISCREPANCY_KINDS = [
    "components_exceed_total",
    "components_differ_from_total",
    "cumulative_decrease",
    "conflicting_figures",
    "truncated_text",
    "typo_in_source",
    "retracted_figure",
    "figures_inconsistent",
]

ID_PATTERN = "^[a-z0-9][a-z0-9_.-]*$"
SHA256_PATTERN = "^[0-9a-f]{64}$"
ID_LIST_PATTERN = "^[a-z0-9][a-z0-9_.-]*( [a-z0-9][a-z0-9_.-]*)*$"  # ids, space-separated


def _field(name, type_, description, **constraints):
    field = {"name": name, "type": type_, "description": description}
    if type_ == "date":
        field["format"] = "default"
    if constraints:
        field["constraints"] = constraints
    return field


def _id(name, description, **constraints):
    return _field(name, "string", description, required=True, pattern=ID_PATTERN, **constraints)


def _text(name, description, required=False):
    return _field(name, "string", description, **({"required": True} if required else {}))


def _enum(name, values, description, required=True):
    constraints = {"enum": list(values)}
    if required:
        constraints["required"] = True
    return _field(name, "string", description, **constraints)


BODIES = {
    "fields": [
        _id("body_id", "Stable identifier of the body.", unique=True),
        _text("name", "Full official name in English.", required=True),
        _text("short_name", "Short name or abbreviation used in labels.", required=True),
        _enum("kind", BODY_KINDS, "What kind of institution the body is."),
        _enum(
            "body_type",
            BODY_TYPES,
            "authority: an authority of Kazakhstan (ministry, prosecution service, court, parliament, "
            "ombudsperson, head of state, government, security service, state-created fund, officials of Kazakhstan not named); "
            "independent: a counter outside the state of Kazakhstan (NGO, media outlet, international organisation, "
            "volunteer group, foreign government, individual). Figures of both kinds are recorded side by side and neither is "
            "taken as true.",
        ),
    ],
    "primaryKey": ["body_id"],
}

SOURCES = {
    "fields": [
        _id("source_id", "Stable identifier of the source.", unique=True),
        _text("title", "Title of the document as it is known (for a web report, the page title).", required=True),
        _text("publisher", "Who published the text, or what is known of it.", required=True),
        _enum("source_type", SOURCE_TYPES, "What the document is."),
        _enum(
            "source_kind",
            SOURCE_KINDS,
            "document_text: the text is held and verified by SHA-256; "
            "web_report: a web page reporting a figure stated by a body (an authority or an independent counter), known by URL, publisher, page title, "
            "page date and language; its observations carry a verbatim span of the page and an English rendering.",
        ),
        _field("source_date", "date", "Date of the document (for a web report, the page date), or of the event it reports when undated.", required=True),
        _enum(
            "date_precision",
            DATE_PRECISIONS,
            "How precisely source_date is known: day, month or year of the document; "
            "day_of_statement: the page shows no date of its own, and source_date is the day of the statement it reports "
            "(known to the day from the text; the page itself is that day or later).",
        ),
        _text("dating_note", "How source_date was established.", required=True),
        _field("language", "string", "Language of the text (BCP 47).", required=True, pattern="^[a-z]{2,3}(-[A-Za-z0-9]+)*$"),
        _text("url", "Where the text is published, where known."),
        _text("file_name", "File name of the text in the project's source folder."),
        _field("sha256", "string", "SHA-256 of the text the locators refer to.", pattern=SHA256_PATTERN),
        _text("description", "What the source is and what is known of its origin.", required=True),
    ],
    "primaryKey": ["source_id"],
}

METRICS = {
    "fields": [
        _id("metric_id", "Stable identifier of the metric.", unique=True),
        _text("label", "Short neutral label.", required=True),
        _text("definition", "What is counted, with its scope, and how it differs from similar metrics.", required=True),
        _field("unit", "string", "Unit of every observation of the metric.", required=True, pattern=ID_PATTERN + "|^[A-Z]{3}$"),
        _enum(
            "kind",
            METRIC_KINDS,
            "cumulative_count cannot fall over time; stock_count is a count as of a date; period_count covers a stated period; money_amount is a sum of money.",
        ),
        _enum("topic", TOPICS, "Topic for browsing."),
    ],
    "primaryKey": ["metric_id"],
}

SERIES = {
    "fields": [
        _id("series_id", "Stable identifier of the series.", unique=True),
        _id("metric_id", "Metric the series measures."),
        _text("label", "Readable label: metric plus dimension values.", required=True),
        _field("parent_series_id", "string", "For a breakdown component: the series of its total.", pattern=ID_PATTERN),
        _enum("breakdown", DIMENSIONS, "For a component: the dimension that splits the parent total.", required=False),
        *[_text(dim, f"Fixed value of the {dim.replace('_', ' ')} dimension, if any.") for dim in DIMENSIONS],
    ],
    "primaryKey": ["series_id"],
    "foreignKeys": [
        {"fields": ["metric_id"], "reference": {"resource": "metrics", "fields": ["metric_id"]}},
        {"fields": ["parent_series_id"], "reference": {"resource": "series", "fields": ["series_id"]}},
    ],
}

OBSERVATIONS = {
    "fields": [
        _id("observation_id", "Stable identifier of the figure; never reused.", unique=True),
        _id("series_id", "Series the figure belongs to."),
        _field("observation_date", "date", "Date as of which the figure is stated to hold.", required=True),
        _enum(
            "date_precision",
            OBSERVATION_DATE_PRECISIONS,
            "How precisely observation_date is known. Empty: a day the source states, or the source's own date with the "
            "precision its date_precision gives. month, year: the last day of that month or year; on_or_before: the figure was "
            "stated on or before observation_date, which is an upper bound (the day is not known).",
            required=False,
        ),
        _field("period_start", "date", "For a figure over a stated period: first day of the period."),
        _id("body_id", "Body that stated the figure: an authority whose official stated it, or an independent counter (bodies.body_type)."),
        _enum("attribution", ATTRIBUTIONS, "explicit: the source names the speaker or body; implied: from context."),
        _text("speaker", "Official named as stating the figure, as written in the source."),
        _field("value", "number", "The figure as stated.", required=True, minimum=0),
        _enum("qualifier", QUALIFIERS, "How the source hedges the figure (see README)."),
        _field("value_upper", "number", "Upper end of a range; only with qualifier range.", minimum=0),
        _field("unit", "string", "Unit of value; equals the metric's unit.", required=True),
        _id("source_id", "Source the figure is read from."),
        _field("source_line", "integer", "Line number in the source text (1-based); held texts only, empty for a web report.", minimum=1),
        _text("source_section", "Section heading the line falls under; held texts only, empty for a web report."),
        _text(
            "evidence",
            "The figure as printed, verbatim, at most 12 words, in the source's language and script (for a web report, a span of its recorded excerpt).",
            required=True,
        ),
        _text("evidence_en", "English rendering of evidence that is not in English."),
        _enum(
            "status",
            STATUSES,
            "reported; retracted (withdrawn by the body); superseded (replaced by the body with a corrected figure "
            "for the same date and scope); disputed (another official figure for the same date and scope conflicts with it); "
            "withdrawn (taken out of the dataset by its curators).",
        ),
        _field(
            "status_date",
            "date",
            "For a retracted or superseded figure: date of the retraction or correction, or if that is not known, of the earliest source reporting it.",
        ),
        _field("status_source_id", "string", "Source that reports the retraction, correction or dispute.", pattern=ID_PATTERN),
        _text("note", "Judgement calls, source defects, restatements."),
    ],
    "primaryKey": ["observation_id"],
    "foreignKeys": [
        {"fields": ["series_id"], "reference": {"resource": "series", "fields": ["series_id"]}},
        {"fields": ["body_id"], "reference": {"resource": "bodies", "fields": ["body_id"]}},
        {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}},
        {"fields": ["status_source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}},
    ],
}

DISCREPANCIES = {
    "fields": [
        _id("discrepancy_id", "Stable identifier of the discrepancy.", unique=True),
        _enum("kind", DISCREPANCY_KINDS, "What kind of discrepancy."),
        _id("observation_id", "The figure the discrepancy is about (a total, the later figure, ...)."),
        _field(
            "related_observation_ids",
            "string",
            "Other figures involved, space-separated.",
            pattern=ID_LIST_PATTERN,
        ),
        _text("explanation", "What does not agree, and what is known about why.", required=True),
    ],
    "primaryKey": ["discrepancy_id"],
    "foreignKeys": [
        {"fields": ["observation_id"], "reference": {"resource": "observations", "fields": ["observation_id"]}},
    ],
}

TABLES = {
    "bodies": (BODIES, "Bodies that stated figures: authorities of Kazakhstan and others, and independent counters (body_type)."),
    "sources": (SOURCES, "Source documents, with what is known of their origin and dating."),
    "metrics": (METRICS, "What is counted, with its scope, unit and kind."),
    "series": (SERIES, "A metric with fixed dimension values; breakdown components point to their total."),
    "observations": (OBSERVATIONS, "One row per figure as stated in a source, with its provenance."),
    "discrepancies": (DISCREPANCIES, "Recorded disagreements between figures, with explanations."),
}
"""Table name -> (Table Schema, description), in the order resources are published."""


def concerned_figures(observation_id: str | None, related_observation_ids: str | None) -> list[str]:
    """The figures a discrepancy concerns: the one it is about, then its related figures,
    each once. The one reading of a discrepancy row, for the figures table, `jants show`
    and the report alike."""
    return [figure for figure in dict.fromkeys([observation_id or "", *(related_observation_ids or "").split()]) if figure]


def schema(table: str) -> dict:
    return PUBLISHED[table][0]


def field_names(table: str) -> list[str]:
    return [f["name"] for f in schema(table)["fields"]]


# The figures table ---------------------------------------------------------------------
# Derived, never curated: the observations joined with every label a reader needs, so that
# a spreadsheet user can filter one table. Each column is (name, table, field) of the table
# it is read from; the observation's series gives the metric. `jants build` writes it and
# `jants validate` checks that it equals the join (checks.figures).

FIGURE_COLUMNS = [
    ("observation_id", "observations", "observation_id"),
    ("observation_date", "observations", "observation_date"),
    ("topic", "metrics", "topic"),
    ("metric_id", "series", "metric_id"),
    ("metric_label", "metrics", "label"),
    ("series_id", "observations", "series_id"),
    ("series_label", "series", "label"),
    ("value", "observations", "value"),
    ("qualifier", "observations", "qualifier"),
    ("value_upper", "observations", "value_upper"),
    ("unit", "observations", "unit"),
    ("status", "observations", "status"),
    ("status_date", "observations", "status_date"),
    ("period_start", "observations", "period_start"),
    ("body_id", "observations", "body_id"),
    ("body_label", "bodies", "short_name"),
    ("body_name", "bodies", "name"),
    ("body_type", "bodies", "body_type"),
    ("speaker", "observations", "speaker"),
    ("source_id", "observations", "source_id"),
    ("source_title", "sources", "title"),
    ("publisher", "sources", "publisher"),
    ("source_date", "sources", "source_date"),
    ("source_kind", "sources", "source_kind"),
    ("url", "sources", "url"),
    ("source_line", "observations", "source_line"),
    ("source_section", "observations", "source_section"),
    ("evidence", "observations", "evidence"),
    ("evidence_en", "observations", "evidence_en"),
    ("note", "observations", "note"),
]
FIGURE_ORDER = ["observation_date", "observation_id"]  # the rows' order


def _figure_field(name: str, table: str, field: str) -> dict:
    """The field of TABLE it is read from, renamed; a joined field says where it comes from."""
    spec = next(dict(f) for f in TABLES[table][0]["fields"] if f["name"] == field)
    constraints = {k: v for k, v in spec.pop("constraints", {}).items() if k != "unique" or name == "observation_id"}
    spec["name"] = name
    if table != "observations":
        spec["description"] = f"{spec['description'].rstrip('.')} (from {table}.{field})."
    return {**spec, **({"constraints": constraints} if constraints else {})}


FIGURE_DATE_PRECISION = _enum(
    "date_precision",
    OBSERVATION_DATE_PRECISIONS,
    "How precisely observation_date is known, read from the observation and its source: the observation's own "
    "date_precision where it has one; else day when the source states the figure's date (it differs from source_date) "
    "or the source's date is known to the day; else the source's date_precision (month or year: observation_date is "
    "the last day of that month or year). on_or_before: the figure was stated on or before observation_date.",
)


def _figures_fields() -> list[dict]:
    copied = [_figure_field(*column) for column in FIGURE_COLUMNS]
    at = next(i for i, spec in enumerate(copied) if spec["name"] == "observation_date") + 1
    return [*copied[:at], FIGURE_DATE_PRECISION, *copied[at:]]


FIGURES = {
    "fields": [
        *_figures_fields(),
        _field(
            "discrepancy_ids",
            "string",
            "The recorded discrepancies this figure takes part in, as the figure a discrepancy is about or as one of its related figures "
            "(discrepancies.observation_id, related_observation_ids): their discrepancy_id, space-separated, in order; empty if none.",
            pattern=ID_LIST_PATTERN,
        ),
    ],
    "primaryKey": ["observation_id"],
    "foreignKeys": [
        {"fields": ["observation_id"], "reference": {"resource": "observations", "fields": ["observation_id"]}},
        {"fields": ["series_id"], "reference": {"resource": "series", "fields": ["series_id"]}},
        {"fields": ["metric_id"], "reference": {"resource": "metrics", "fields": ["metric_id"]}},
        {"fields": ["body_id"], "reference": {"resource": "bodies", "fields": ["body_id"]}},
        {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}},
    ],
}

DERIVED = {
    "figures": (
        FIGURES,
        "Start here: one row per figure, with its series, metric, topic, body, source (title, publisher, date, URL), place in the source, "
        "evidence, English rendering, status and the discrepancies it takes part in. Derived from the other tables by jants build "
        "(observations joined with series, metrics, bodies, sources and discrepancies), in order of observation_date then observation_id; "
        "jants validate checks that it equals that join.",
    ),
}
"""Tables derived from the model's tables, published after them."""

PUBLISHED = {**TABLES, **DERIVED}
"""Every table a package of this jants version publishes, in order."""
