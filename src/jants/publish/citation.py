"""Citations of one exact version, all made from the descriptor and the release index.

CITATION.cff (Citation File Format 1.2.0, `type: dataset`) sits at the top of the
repository and in every release archive; `jants cite` prints the same facts as plain
text, BibTeX, APA, CFF or CSL-JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..files import write_atomically

FORMATS = ["text", "bibtex", "apa", "cff", "csl-json"]


def authors(descriptor: dict) -> list[str]:
    people = [c for c in descriptor.get("contributors", []) if c.get("role", "author") in ("author", "creator")]
    return [c["title"] for c in people] or ["jants contributors"]


def _q(text: str) -> str:
    """A YAML scalar: JSON's double-quoted strings are valid YAML."""
    return json.dumps(text, ensure_ascii=False)


def cff_text(descriptor: dict, date: str, sha256: str | None = None, doi: str | None = None) -> str:
    lines = [
        "# Generated from datapackage.json by jants release; do not edit by hand.",
        "cff-version: 1.2.0",
        "type: dataset",
        f"message: {_q('If you use this dataset, please cite this exact version.')}",
        f"title: {_q(descriptor['title'])}",
        "authors:",
        *[f"  - name: {_q(name)}" for name in authors(descriptor)],
        f"version: {_q(descriptor['version'])}",
        f"date-released: {_q(date)}",
        f"abstract: {_q(descriptor.get('description', ''))}",
        f"license: {_q(descriptor['licenses'][0]['name'])}",
        "keywords:",
        *[f"  - {_q(k)}" for k in descriptor.get("keywords", [])],
    ]
    if descriptor.get("homepage"):
        lines.append(f"url: {_q(descriptor['homepage'])}")
    if doi:
        lines.append(f"doi: {_q(doi)}")
    if sha256:
        lines += [
            "identifiers:",
            "  - type: other",
            f"    value: {_q('sha256:' + sha256)}",
            f"    description: {_q('SHA-256 of the release archive jants-' + descriptor['version'] + '.zip')}",
        ]
    return "\n".join(lines) + "\n"


def write_citation_cff(project: Path, descriptor: dict, date: str) -> None:
    write_atomically(project / "CITATION.cff", cff_text(descriptor, date).encode("utf-8"))


def cite(descriptor: dict, date: str, sha256: str | None, fmt: str, doi: str | None = None) -> str:
    """One version in one style: authors, year, title, version, release date, the URL
    (`homepage` of the descriptor) and DOI where recorded, and the archive's SHA-256."""
    names = authors(descriptor)
    title, version, url = descriptor["title"], descriptor["version"], descriptor.get("homepage")
    year = date[:4]
    archive = f"jants-{version}.zip"
    digest = f"sha256:{sha256}" if sha256 else None
    if fmt == "text":
        parts = [f"{', '.join(names)} ({year}). {title}. Version {version}, released {date}."]
        parts += [p for p in (url, f"https://doi.org/{doi}" if doi else None) if p]
        if digest:
            parts.append(f"Archive {archive}, {digest}.")
        return " ".join(parts)
    if fmt == "apa":
        text = f"{' & '.join(names)}. ({year}). {title} (Version {version}) [Data set]."
        return text + (f" https://doi.org/{doi}" if doi else f" {url}" if url else "")
    if fmt == "bibtex":
        fields = [("author", " and ".join("{" + a + "}" for a in names)), ("title", "{" + title + "}"), ("year", year), ("version", version), ("date", date)]
        fields += [(k, v) for k, v in (("url", url), ("doi", doi)) if v]
        if digest:
            fields.append(("note", f"Archive {archive}, {digest}"))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        return f"@dataset{{jants_{version.replace('.', '_')},\n{body}\n}}"
    if fmt == "cff":
        return cff_text(descriptor, date, sha256, doi).rstrip("\n")
    if fmt == "csl-json":
        item = {
            "id": f"jants-{version}",
            "type": "dataset",
            "title": title,
            "version": version,
            "author": [{"literal": a} for a in names],
            "issued": {"date-parts": [[int(p) for p in date.split("-")]]},
        }
        if url:
            item["URL"] = url
        if doi:
            item["DOI"] = doi
        if digest:
            item["note"] = f"Archive {archive}, {digest}"
        return json.dumps([item], indent=2, ensure_ascii=False)
    raise ValueError(f"unknown citation format {fmt!r}; one of {', '.join(FORMATS)}")


def citation(version: str | None = None, fmt: str = "text") -> str:
    """The citation of VERSION (default: the latest release) from the release index, or of
    the working package when nothing is released."""
    from ..locate import default_dir, opened, release_index
    from ..package import load_descriptor

    current = load_descriptor(default_dir()).descriptor
    index = release_index()
    release = index.entry(version) if version is not None else index.latest()
    if release is None:
        return cite(current, str(current.get("created", ""))[:10], None, fmt)
    with opened(None, release.version) as located:  # title and authors as released; the homepage is where the project is now
        released = load_descriptor(located.root).descriptor
    homepage = current.get("homepage") or released.get("homepage")
    return cite({**released, "version": release.version, "homepage": homepage}, release.date, release.sha256, fmt, release.doi)
