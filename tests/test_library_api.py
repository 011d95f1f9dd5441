"""The library does what the CLI does: every public name resolves, and scoring a file
through the library gives the CLI's bytes."""
from __future__ import annotations

import pytest

import parscore
from conftest import ROOT, run_cli

FACTS = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"


def test_every_public_name_resolves():
    for name in parscore.__all__:
        assert getattr(parscore, name) is not None, name
    with pytest.raises(AttributeError):
        parscore.no_such_thing  # noqa: B018


def test_scoring_a_file_with_peers_and_units_equals_parscore_score(monkeypatch):
    from parscore.peers import load_peers
    from parscore.units import load_lead_units

    monkeypatch.chdir(ROOT)
    m, facts = parscore.load_inputs("fixtures/ca-mau-2025/weaknesses.yaml")
    card = parscore.with_extras(parscore.score(m, facts, "vi"), facts, load_peers("fixtures/peers-2024.yaml"),
                                load_lead_units(facts.lead_units, m))
    cli = run_cli("score", "fixtures/ca-mau-2025/weaknesses.yaml", "--peers", "fixtures/peers-2024.yaml", "-f", "json")
    assert cli.returncode == 0 and parscore.to_json(card) == cli.stdout


def test_unknown_formats_and_languages_are_errors_not_silent_fallbacks():
    m, facts = parscore.load_inputs(FACTS)
    card = parscore.score(m, facts, "en")
    with pytest.raises(ValueError, match="render_scorecard writes table, markdown, json, not 'html'"):
        parscore.render_scorecard(card, "html")
    with pytest.raises(ValueError, match="lang must be 'vi' or 'en', not 'fr'"):
        parscore.score(m, facts, "fr")
