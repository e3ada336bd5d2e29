"""Citations of one exact version, all made from the descriptor and the release index.

CITATION.cff (Citation File Format 1.2.0, `type: dataset`) sits at the top of the
repository and in every release archive; `jants cite` prints the same facts as plain
text, BibTeX, APA, CFF or CSL-JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

FORMATS = ["text", "bibtex", "apa", "cff", "csl-json"]


def _authors(descriptor: dict) -> list[str]:
    people = [c for c in descriptor.get("contributors", []) if c.get("role", "author") in ("author", "creator")]
    return [c["title"] for c in people] or ["jants contributors"]


def _q(text: str) -> str:
    """A YAML scalar: JSON's double-quoted strings are valid YAML."""
    return json.dumps(text, ensure_ascii=False)


def cff_text(descriptor: dict, date: str, sha256: str | None = None) -> str:
    lines = [
        "# Generated from datapackage.json by jants release; do not edit by hand.",
        "cff-version: 1.2.0",
        "type: dataset",
        f"message: {_q('If you use this dataset, please cite this exact version.')}",
        f"title: {_q(descriptor['title'])}",
        "authors:",
        *[f"  - name: {_q(name)}" for name in _authors(descriptor)],
        f"version: {_q(descriptor['version'])}",
        f"date-released: {_q(date)}",
        f"abstract: {_q(descriptor.get('description', ''))}",
        f"license: {_q(descriptor['licenses'][0]['name'])}",
        "keywords:",
        *[f"  - {_q(k)}" for k in descriptor.get("keywords", [])],
    ]
    if descriptor.get("homepage"):
        lines.append(f"url: {_q(descriptor['homepage'])}")
    if sha256:
        lines += ["identifiers:", "  - type: other", f"    value: {_q('sha256:' + sha256)}",
                  f"    description: {_q('SHA-256 of the release archive jants-' + descriptor['version'] + '.zip')}"]
    return "\n".join(lines) + "\n"


def write_citation_cff(project: Path, descriptor: dict, date: str) -> None:
    from .release import write_atomically

    write_atomically(project / "CITATION.cff", cff_text(descriptor, date).encode("utf-8"))


def cite(descriptor: dict, date: str, sha256: str | None, fmt: str) -> str:
    authors = _authors(descriptor)
    title, version, url = descriptor["title"], descriptor["version"], descriptor.get("homepage")
    year = date[:4]
    archive = f"jants-{version}.zip"
    digest = f"sha256:{sha256}" if sha256 else None
    if fmt == "text":
        parts = [f"{', '.join(authors)} ({year}). {title}. Version {version}, released {date}."]
        if url:
            parts.append(url)
        if digest:
            parts.append(f"Archive {archive}, {digest}.")
        return " ".join(parts)
    if fmt == "apa":
        text = f"{' & '.join(authors)}. ({year}). {title} (Version {version}) [Data set]."
        return text + (f" {url}" if url else "")
    if fmt == "bibtex":
        fields = [("author", " and ".join("{" + a + "}" for a in authors)), ("title", "{" + title + "}"),
                  ("year", year), ("version", version), ("date", date)]
        if url:
            fields.append(("url", url))
        if digest:
            fields.append(("note", f"Archive {archive}, {digest}"))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        return f"@dataset{{jants_{version.replace('.', '_')},\n{body}\n}}"
    if fmt == "cff":
        return cff_text(descriptor, date, sha256).rstrip("\n")
    if fmt == "csl-json":
        item = {"id": f"jants-{version}", "type": "dataset", "title": title, "version": version,
                "author": [{"literal": a} for a in authors],
                "issued": {"date-parts": [[int(p) for p in date.split("-")]]}}
        if url:
            item["URL"] = url
        if digest:
            item["note"] = f"Archive {archive}, {digest}"
        return json.dumps([item], indent=2, ensure_ascii=False)
    raise ValueError(f"unknown citation format {fmt!r}; one of {', '.join(FORMATS)}")
