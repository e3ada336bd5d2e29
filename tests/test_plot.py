"""`jants plot`: deterministic charts that show bodies, qualifiers and sources."""

from __future__ import annotations

import hashlib

from click.testing import CliRunner

from jants.cli import cli


def plot(project, tmp_path, name, *args):
    output = tmp_path / name
    result = CliRunner().invoke(cli, ["plot", *args, "--path", str(project), "-o", str(output)])
    return result, output


def test_svg_is_deterministic_and_names_bodies_qualifiers_and_sources(project, tmp_path):
    first, a = plot(project, tmp_path, "a.svg", "persons_sent_to_court")
    second, b = plot(project, tmp_path, "b.svg", "persons_sent_to_court")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert hashlib.sha256(a.read_bytes()).hexdigest() == hashlib.sha256(b.read_bytes()).hexdigest()
    svg = a.read_text(encoding="utf-8")
    for text in ("Ministry of Internal Affairs", "Ministry of Foreign Affairs", "more than / at least", "exact",
                 "acca-briefing-2022-04-19", "briefing-2022-04-11", "mfa-reply-ohchr-2022-03-18", "persons", "&gt;400"):
        assert text in svg, text


def test_range_and_components(project, tmp_path):
    result, output = plot(project, tmp_path, "range.svg", "payment_per_participant_usd")
    assert result.exit_code == 0, result.output
    assert "range (from–to)" in output.read_text(encoding="utf-8") and "20–100" in output.read_text(encoding="utf-8")
    result, output = plot(project, tmp_path, "parts.svg", "criminal_cases", "--components")
    assert result.exit_code == 0, result.output
    assert "Anti-Corruption Agency" in output.read_text(encoding="utf-8")


def test_png_output(project, tmp_path):
    result, output = plot(project, tmp_path, "chart.png", "persons_killed", "persons_injured")
    assert result.exit_code == 0, result.output
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_series_and_format_are_usage_errors(project, tmp_path):
    result, _ = plot(project, tmp_path, "x.svg", "no_such_series")
    assert result.exit_code == 2 and "no series no_such_series" in result.output
    result, _ = plot(project, tmp_path, "x.pdf", "persons_killed")
    assert result.exit_code == 2 and ".svg or .png" in result.output
