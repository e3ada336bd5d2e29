"""Releases: the release index, verified archives, cutting a release, diffs and citations.

Data flows one way: a validated package becomes a release archive (`release`), listed
with its SHA-256 in the index (`index`); a version is fetched back as a verified archive
(`fetch`), compared with another (`diff`) and cited (`citation`).
"""
